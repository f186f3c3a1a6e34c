"""Temporal statistics of a clip: frame signatures and hard-cut detection.

Pure numpy. A frame's signature is a small thumbnail of its R'G'B' (0..1) and per-channel
histograms; consecutive signatures give a difference score per frame, and a hard cut is a frame
whose score stands out from its neighbourhood and after which the picture stays different.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FrameSignature", "frame_signature", "signature_distance", "detect_cuts"]

_BINS = 32


@dataclass(frozen=True)
class FrameSignature:
    """``thumb``: (h, w, 3) float32 0..1 block means; ``hist``: (3, 32) normalised histograms."""

    thumb: np.ndarray
    hist: np.ndarray


def frame_signature(rgb: np.ndarray, grid: tuple[int, int] = (9, 16)) -> FrameSignature:
    """Signature of an R'G'B' float image (H, W, 3) in 0..1 (any size >= the grid)."""
    rgb = np.asarray(rgb, dtype=np.float32)
    h, w = rgb.shape[:2]
    gh, gw = min(grid[0], h), min(grid[1], w)
    hh, ww = h - h % gh, w - w % gw
    thumb = rgb[:hh, :ww].reshape(gh, hh // gh, gw, ww // gw, 3).mean(axis=(1, 3))
    q = np.clip((rgb.reshape(-1, 3) * _BINS).astype(np.int32), 0, _BINS - 1)
    hist = np.stack([np.bincount(q[:, c], minlength=_BINS) for c in range(3)]).astype(np.float32)
    hist /= max(1, q.shape[0])
    return FrameSignature(thumb, hist)


def signature_distance(a: FrameSignature, b: FrameSignature) -> float:
    """Content difference of two frames, 0 (same) .. about 1 (unrelated pictures).

    The mean of a thumbnail term (mean absolute difference of block colours, x4) and a histogram
    term (half the L1 distance of the histograms, averaged over channels), each capped at 1.
    Camera and subject motion moves the thumbnail but hardly the histograms; a cut moves both.
    """
    t = min(1.0, 4.0 * float(np.abs(a.thumb - b.thumb).mean()))
    h = min(1.0, 0.5 * float(np.abs(a.hist - b.hist).sum(axis=1).mean()))
    return 0.5 * (t + h)


def detect_cuts(
    scores: np.ndarray,
    fps: float,
    *,
    threshold: float = 0.3,
    ratio: float = 3.0,
    min_shot_s: float = 0.4,
    window_s: float = 1.0,
    settled: np.ndarray | None = None,
) -> list[int]:
    """Indices of frames that start a new shot (hard cuts), in increasing order.

    ``scores[i]`` is the distance between frame i-1 and frame i (``scores[0]`` is ignored).
    A frame is a cut when its score is above ``threshold`` and ``ratio`` times the median score
    of the surrounding ``window_s`` seconds, and (when given) ``settled[i]`` — the distance
    between frame i-1 and frame i+1, which rejects one-frame flashes — is above ``threshold``
    too. Cuts closer than ``min_shot_s`` to the previous one are dropped.
    """
    s = np.asarray(scores, dtype=np.float64)
    n = len(s)
    half = max(2, int(round(window_s * fps / 2)))
    min_gap = max(1, int(round(min_shot_s * fps)))
    cuts: list[int] = []
    for i in range(1, n):
        if s[i] < threshold:
            continue
        lo, hi = max(1, i - half), min(n, i + half + 1)
        neighbours = np.concatenate([s[lo:i], s[i + 1 : hi]])
        local = float(np.median(neighbours)) if neighbours.size else 0.0
        if s[i] < ratio * local:
            continue
        if settled is not None and i < len(settled) and settled[i] < threshold:
            continue
        if cuts and i - cuts[-1] < min_gap:
            if s[i] > s[cuts[-1]]:
                cuts[-1] = i
            continue
        if i < min_gap:
            continue
        cuts.append(i)
    return [c for c in cuts if n - c >= min_gap]
