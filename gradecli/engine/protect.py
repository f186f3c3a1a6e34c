"""Skin protection in the engine: per pixel, a shot's LUT blended with a skin-preserving version
of it by a soft skin mask computed from each frame (``--protect-skin``).

``out = base + strength * mask * (protected - base)`` on the output code values of both LUTs'
kernels (8-bit: fixed point, exact where the mask is 0). The mask is keyed on a small copy of the
frame (at most MASK_SIDE pixels wide, from its planes, no full-size RGB conversion) and resized
to each plane.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from gradecli.color.ycbcr import YCbCrSpec, planes_to_rgb

__all__ = ["MASK_SIDE", "ProtectedGrade", "ProtectedKernel"]

#: The skin mask of a frame is computed this many pixels wide (or less), then resized.
MASK_SIDE = 480


@dataclass(frozen=True)
class ProtectedGrade:
    """A schedule entry with skin protection: the shot's ``grade`` and its skin-preserving
    ``protect`` version (both colour functions, usually LutGrades), the ``key`` that maps a
    small R'G'B' picture (h, w, 3) 0..1 to its skin mask (h, w) 0..1, and ``strength`` 0..1."""

    grade: Callable[[np.ndarray], np.ndarray]
    protect: Callable[[np.ndarray], np.ndarray]
    key: Callable[[np.ndarray], np.ndarray]
    strength: float = 1.0

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """The grade of one picture (H, W, 3) 0..1, protected where its skin mask says."""
        x = np.asarray(rgb)
        m = _resize(self.key(_small_rgb(x)), x.shape[:2])[..., None] * self.strength
        base = np.asarray(self.grade(x))
        return base + m * (np.asarray(self.protect(x)) - base)


def _small_rgb(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    step = max(1, -(-w // MASK_SIDE))
    return np.asarray(rgb[::step, ::step], np.float32)


def _resize(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    if mask.shape == (h, w):
        return mask.astype(np.float32)
    return cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


class ProtectedKernel:
    """Two kernels (the shot's grade and its protected version) and the per-frame blend; the
    same ``process`` as the kernel it wraps (Y'CbCr planes in, planes out)."""

    def __init__(self, base, protect, entry: ProtectedGrade, in_spec: YCbCrSpec,
                 in_layout, is_table: bool) -> None:
        self.base, self.protect, self.entry = base, protect, entry
        self.in_spec, self.in_layout = in_spec, in_layout
        #: Whether the wrapped kernels write into a given frame's planes (8-bit tables).
        self.is_table = is_table

    def mask(self, planes: list[np.ndarray]) -> np.ndarray:
        """The frame's skin mask (small) times the strength, from its Y'CbCr planes."""
        lay = self.in_layout
        h, w = planes[0].shape
        step = max(1, -(-w // MASK_SIDE))
        step = max(1 << max(lay.log2_w, lay.log2_h), step - step % (1 << max(lay.log2_w,
                                                                             lay.log2_h)))
        small = [planes[0][::step, ::step], planes[1][:: step >> lay.log2_h,
                                                      :: step >> lay.log2_w],
                 planes[2][:: step >> lay.log2_h, :: step >> lay.log2_w]]
        sh = min(p.shape[0] for p in small)
        sw = min(p.shape[1] for p in small)
        small = [p[:sh, :sw] for p in small]
        rgb = planes_to_rgb(small, self.in_spec, 0, 0, dtype=np.float32)
        return self.entry.key(rgb) * np.float32(self.entry.strength)

    def process(self, planes: list[np.ndarray], out: list[np.ndarray] | None = None
                ) -> list[np.ndarray]:
        """Grade one frame's planes (into ``out`` when given, as the table kernel does)."""
        base = self.base.process(planes) if out is None else self.base.process(planes, out=out)
        alt = self.protect.process(planes)
        m = self.mask(planes)
        result = []
        for b, a in zip(base, alt, strict=True):
            weight = _resize(m, b.shape)
            if b.dtype == np.uint8:
                q = np.rint(weight * 256.0).astype(np.int32)
                d = a.astype(np.int32) - b
                blended = b + ((q * d + 128) >> 8)
                np.copyto(b, blended.astype(np.uint8), casting="unsafe")
            else:
                blended = b + weight * (a.astype(np.float32) - b)
                np.copyto(b, np.rint(blended).astype(b.dtype), casting="unsafe")
            result.append(b)
        return result
