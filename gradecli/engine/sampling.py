"""Sample frames of a clip for analysis, as small float R'G'B' images.

Decodes the clip once, front to back, and keeps ``count`` frames spread evenly over it, shrunk
by taking every ``stride``-th pixel of the planes (cheap, and enough for colour statistics).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from gradecli.color.ycbcr import ycbcr_to_rgb
from gradecli.errors import VideoError
from gradecli.io.video import InputVideo, frame_planes, frame_rgb, plane_layout

__all__ = ["SampledFrame", "sample_frames"]


@dataclass(frozen=True)
class SampledFrame:
    """One sampled frame: its index in decode order, time in seconds, and R'G'B' float 0..1."""

    index: int
    time_s: float
    rgb: np.ndarray


def _stride_for(width: int, max_width: int) -> int:
    return max(1, int(np.ceil(width / max_width)))


def sample_frames(
    path: str | os.PathLike, count: int = 12, max_width: int = 480
) -> Iterator[SampledFrame]:
    """Yield about ``count`` frames spread over the clip, each at most ``max_width`` pixels wide."""
    with InputVideo(path) as video:
        info = video.info
        layout = plane_layout(info.pix_fmt)
        total = info.frame_count or 0
        step = max(1, total // count) if total else 1
        stride = _stride_for(info.width, max_width)
        if layout is not None:
            # Keep whole chroma samples: the stride is a multiple of the subsampling.
            sub = 1 << max(layout.log2_w, layout.log2_h)
            stride = max(sub, stride - stride % sub)
        n = 0
        yielded = 0
        for frame in video.frames():
            if n % step == 0 and (not total or yielded < count):
                t = (
                    float(frame.pts * frame.time_base)
                    if frame.pts is not None
                    else n / float(info.frame_rate)
                )
                if layout is not None:
                    y, u, v = frame_planes(frame, layout)
                    ys = y[::stride, ::stride]
                    cu = u[:: stride >> layout.log2_h, :: stride >> layout.log2_w]
                    cv = v[:: stride >> layout.log2_h, :: stride >> layout.log2_w]
                    h = min(ys.shape[0], cu.shape[0])
                    w = min(ys.shape[1], cu.shape[1])
                    codes = np.stack([ys[:h, :w], cu[:h, :w], cv[:h, :w]], axis=-1)
                    rgb = ycbcr_to_rgb(codes, info.ycbcr)
                else:
                    rgb = frame_rgb(frame)[::stride, ::stride].astype(np.float64)
                    rgb /= 255.0 if rgb.max() <= 255 and info.ycbcr.bit_depth == 8 else 65535.0
                yield SampledFrame(n, t, rgb)
                yielded += 1
            n += 1
        if n == 0:
            raise VideoError(f"{info.path}: contains no decodable video frames")
