"""Formats shared by reading and writing: codecs, containers, colour tags, plane layouts."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import av
import av.error
import numpy as np

#: User-facing codec names -> FFmpeg encoder names.
CODECS: dict[str, str] = {
    "h264": "libx264",
    "hevc": "libx265",
    "prores": "prores_ks",
    "ffv1": "ffv1",
    # NVIDIA's hardware encoders (need a GPU and driver; see io/video/hardware.py).
    "h264_nvenc": "h264_nvenc",
    "hevc_nvenc": "hevc_nvenc",
}
#: Containers each codec may be written into, by file extension.
CONTAINERS: dict[str, tuple[str, ...]] = {
    "h264": (".mp4", ".mov", ".mkv"),
    "hevc": (".mp4", ".mov", ".mkv"),
    "prores": (".mov", ".mkv"),
    "ffv1": (".mkv", ".mov", ".avi"),
    "h264_nvenc": (".mp4", ".mov", ".mkv"),
    "hevc_nvenc": (".mp4", ".mov", ".mkv"),
}
VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".m4v", ".avi", ".webm", ".mxf", ".ts", ".mts", ".y4m")

# FFmpeg's AVColorSpace codes -> our matrix names.
AVCOL_SPC = {
    1: "bt709",
    4: "fcc",
    5: "bt601",
    6: "bt601",
    7: "smpte240m",
    9: "bt2020",
    10: "bt2020",
}
MATRIX_TO_AVCOL_SPC = {"bt709": 1, "fcc": 4, "bt601": 6, "smpte240m": 7, "bt2020": 9}
AVCOL_RANGE_LIMITED, AVCOL_RANGE_FULL = 1, 2


def is_video_path(path: str | os.PathLike) -> bool:
    """True when the file name has a video container's extension."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


@dataclass(frozen=True)
class PlaneLayout:
    """Planar Y'CbCr layout of a pixel format: bit depth and chroma subsampling (log2)."""

    pix_fmt: str
    bit_depth: int
    log2_w: int
    log2_h: int

    @property
    def dtype(self) -> type:
        return np.uint8 if self.bit_depth == 8 else np.uint16


def plane_layout(pix_fmt: str) -> PlaneLayout | None:
    """The planar Y'CbCr layout of ``pix_fmt``, or None when it is not planar 3-plane Y'CbCr."""
    try:
        fmt = av.VideoFormat(pix_fmt, 64, 64)
    except (ValueError, av.error.FFmpegError):
        return None
    comps = fmt.components
    if fmt.is_rgb or len(comps) < 3 or not fmt.is_planar or fmt.is_big_endian:
        return None
    if [c.plane for c in comps[:3]] != [0, 1, 2]:
        return None  # semi-planar (nv12) or other packing
    bits = comps[0].bits
    if bits > 16 or any(c.bits != bits for c in comps[:3]):
        return None
    log2_w = {64: 0, 32: 1, 16: 2}.get(comps[1].width)
    log2_h = {64: 0, 32: 1, 16: 2}.get(comps[1].height)
    if log2_w is None or log2_h is None:
        return None
    return PlaneLayout(pix_fmt, bits, log2_w, log2_h)



def ffmpeg_reason(e: Exception) -> str:
    msg = getattr(e, "strerror", None) or str(e)
    return str(msg).split(":", 1)[0] if "]" not in str(msg) else str(msg)



def format_depth(pix_fmt: str) -> int:
    with contextlib.suppress(Exception):
        return max(8, av.VideoFormat(pix_fmt, 64, 64).components[0].bits)
    return 8


def pyav_version() -> str:
    """The installed PyAV's version and the FFmpeg it bundles, for reports."""
    ffmpeg = ""
    with contextlib.suppress(Exception):
        ffmpeg = " (libavutil " + ".".join(str(v) for v in av.library_versions["libavutil"]) + ")"
    return f"{av.__version__}{ffmpeg}"
