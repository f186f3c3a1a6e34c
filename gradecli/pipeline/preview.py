"""``--preview FILE.png``: a before/after contact sheet of a few frames, in seconds.

The frames are found by seeking (no pass over the clip), scaled down, and graded through the
same LUT (the shot's LUT, for per-shot grades) that the render uses, in R'G'B' (the render
grades Y'CbCr through an exact table of the same LUT, so the two agree to a code value or so).
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Sequence

import cv2
import numpy as np

from gradecli.color.lut import Lut
from gradecli.io.images import write_image

__all__ = ["PREVIEW_FRACTIONS", "PreviewFrame", "contact_sheet", "write_preview"]

#: Where in a clip the preview's frames are taken (fractions of its duration).
PREVIEW_FRACTIONS = (0.1, 0.37, 0.63, 0.9)
_GAP = 6
_GREY = 46  # 8-bit code value of the gaps


class PreviewFrame:
    """One row of the sheet: the source frame (float R'G'B'), its label and its frame index."""

    def __init__(self, rgb: np.ndarray, label: str, index: int = 0) -> None:
        self.rgb = rgb
        self.label = label
        self.index = index


def _scaled(rgb: np.ndarray, width: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    if w <= width:
        return rgb.astype(np.float32)
    size = (width, max(1, round(h * width / w)))
    return cv2.resize(rgb.astype(np.float32), size, interpolation=cv2.INTER_AREA)


def _labelled(img: np.ndarray, text: str) -> np.ndarray:
    """``img`` (float 0..1) as uint8 with ``text`` at the top left, white on a dark band."""
    out = np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
    scale = max(0.35, img.shape[1] / 1000)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    pad = 4
    band = out[: th + base + 2 * pad, : tw + 2 * pad]
    band[...] = (band * 0.35).astype(np.uint8)
    cv2.putText(out, text, (pad, th + pad), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1,
                cv2.LINE_AA)
    return out


def contact_sheet(
    rows: Sequence[PreviewFrame],
    luts: Sequence[tuple[int, Lut]],
    *,
    width: int = 480,
    interpolation: str = "tetrahedral",
) -> np.ndarray:
    """A sheet with one row per frame: source on the left, graded on the right.

    ``luts`` is a schedule of (first frame index, LUT); each row uses the LUT of its frame.
    Returns 8-bit R'G'B' (H, W, 3).
    """
    starts = [s for s, _ in luts]
    tiles = []
    for row in rows:
        before = _scaled(row.rgb, width)
        lut = luts[max(0, bisect.bisect_right(starts, row.index) - 1)][1]
        after = lut.apply(before, interpolation=interpolation)
        left = _labelled(before, f"before  {row.label}")
        right = _labelled(after, "after")
        gap = np.full((left.shape[0], _GAP, 3), _GREY, np.uint8)
        tiles.append(np.concatenate([left, gap, right], axis=1))
    w = max(t.shape[1] for t in tiles)
    out = []
    for i, t in enumerate(tiles):
        if t.shape[1] < w:
            t = np.pad(t, ((0, 0), (0, w - t.shape[1]), (0, 0)), constant_values=_GREY)
        out.append(t)
        if i < len(tiles) - 1:
            out.append(np.full((_GAP, w, 3), _GREY, np.uint8))
    return np.concatenate(out, axis=0)


def write_preview(
    path: str | os.PathLike,
    rows: Sequence[PreviewFrame],
    luts: Sequence[tuple[int, Lut]],
    *,
    width: int = 480,
    interpolation: str = "tetrahedral",
) -> None:
    """Write :func:`contact_sheet` as an 8-bit image (atomically)."""
    sheet = contact_sheet(rows, luts, width=width, interpolation=interpolation)
    write_image(path, sheet.astype(np.float32) / 255.0)
