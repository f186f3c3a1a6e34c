"""Decoded frames as numpy planes, and new frames from planes (no copy where possible)."""

from __future__ import annotations

import av
import av.error
import numpy as np

from gradecli.io.video.common import (
    AVCOL_RANGE_FULL,
    AVCOL_RANGE_LIMITED,
    PlaneLayout,
    format_depth,
)


def frame_planes(frame: av.VideoFrame, layout: PlaneLayout) -> list[np.ndarray]:
    """Views of the three planes of a planar Y'CbCr frame (no copy; valid while frame lives)."""
    out = []
    item = 1 if layout.bit_depth == 8 else 2
    for i, plane in enumerate(frame.planes[:3]):
        w = frame.width if i == 0 else -(-frame.width >> layout.log2_w)
        h = frame.height if i == 0 else -(-frame.height >> layout.log2_h)
        arr = np.frombuffer(plane, dtype=layout.dtype).reshape(h, plane.line_size // item)
        out.append(arr[:, :w])
    return out


def frame_rgb(frame: av.VideoFrame) -> np.ndarray:
    """An RGB frame as uint8 (H, W, 3) or, above 8 bits, uint16 (H, W, 3) 0..65535."""
    depth = format_depth(frame.format.name)
    return frame.to_ndarray(format="rgb24" if depth == 8 else "rgb48le")


def blank_frame(width: int, height: int, layout: PlaneLayout) -> av.VideoFrame:
    """A new, unfilled frame in ``layout.pix_fmt`` (write its planes with frame_planes)."""
    return av.VideoFrame(width, height, layout.pix_fmt)


def is_video_frame(item: object) -> bool:
    """True for a decoded video frame (InputVideo.items() also yields packets to copy)."""
    return isinstance(item, av.VideoFrame)


def stamp_like(frame: av.VideoFrame, source: av.VideoFrame, full_range: bool) -> av.VideoFrame:
    """``frame`` with ``source``'s time stamp and time base, tagged full or limited range
    (frames made from arrays are tagged full-range RGB otherwise, which an encoder would write
    untouched). Returns ``frame``."""
    frame.pts = source.pts
    frame.time_base = source.time_base
    frame.color_range = AVCOL_RANGE_FULL if full_range else AVCOL_RANGE_LIMITED
    return frame


def new_frame(
    planes: list[np.ndarray], layout: PlaneLayout, width: int, height: int
) -> av.VideoFrame:
    """A new ``av.VideoFrame`` in ``layout.pix_fmt`` holding a copy of ``planes``."""
    frame = blank_frame(width, height, layout)
    for dst, src in zip(frame_planes(frame, layout), planes, strict=True):
        np.copyto(dst, src)
    return frame
