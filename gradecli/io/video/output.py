"""Writing videos: encoder options, containers, and outputs renamed into place on success."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from gradecli.color.ycbcr import YCbCrSpec
from gradecli.errors import BadInputError, VideoError
from gradecli.io.video.common import (
    AVCOL_RANGE_FULL,
    AVCOL_RANGE_LIMITED,
    CODECS,
    CONTAINERS,
    MATRIX_TO_AVCOL_SPC,
    ffmpeg_reason,
    plane_layout,
)
from gradecli.io.video.input import InputVideo, VideoInfo

#: x264/x265 preset names -> NVENC's (p1 fastest .. p7 best); NVENC's own names pass through.
_NVENC_PRESETS_FROM_X264 = {
    "ultrafast": "p1", "superfast": "p2", "veryfast": "p3", "faster": "p3", "fast": "p4",
    "medium": "p5", "slow": "p6", "slower": "p7", "veryslow": "p7", "placebo": "p7",
}


@dataclass(frozen=True)
class EncodeOptions:
    """Output encoding: codec (a key of :data:`CODECS`), quality and pixel format.

    ``crf`` applies to h264/hevc (0..51, lower is better; NVENC's constant-quality ``cq`` for
    h264_nvenc/hevc_nvenc); ``preset`` to h264/hevc (x264 names are mapped for NVENC);
    ``pix_fmt`` None picks the input's format where the encoder supports it, keeping 10-bit.
    """

    codec: str = "h264"
    crf: int = 18
    preset: str = "medium"
    pix_fmt: str | None = None

    def __post_init__(self) -> None:
        if self.codec not in CODECS:
            raise BadInputError(f"unknown codec {self.codec!r}; use one of {', '.join(CODECS)}")
        if not 0 <= self.crf <= 51:
            raise BadInputError(f"--crf must be 0..51, got {self.crf}")


def choose_output_format(info: VideoInfo, options: EncodeOptions) -> str:
    """The pixel format to encode to: the user's, else the input's when the encoder takes it."""
    encoder = av.codec.Codec(CODECS[options.codec], "w")
    supported = [f.name for f in encoder.video_formats or ()]
    if options.pix_fmt:
        if options.pix_fmt not in supported:
            raise BadInputError(
                f"--pix-fmt {options.pix_fmt} is not supported by {options.codec}; "
                f"choose one of {', '.join(supported)}"
            )
        return options.pix_fmt
    src = info.pix_fmt.replace("yuvj", "yuv")
    layout = plane_layout(src)
    if layout and src in supported:
        return src
    deep = info.ycbcr.bit_depth > 8
    preferences = {
        "h264": ["yuv420p10le" if deep else "yuv420p", "yuv420p"],
        "hevc": ["yuv420p10le" if deep else "yuv420p", "yuv420p"],
        "prores": ["yuv444p10le" if layout and layout.log2_w == 0 else "yuv422p10le"],
        "ffv1": ["yuv444p16le" if deep else "yuv444p", "yuv444p"],
        # NVENC takes no planar 4:2:0 above 8 bits: 10-bit goes 4:4:4 16-bit with HEVC.
        "h264_nvenc": ["yuv420p"],
        "hevc_nvenc": ["yuv444p16le" if deep else "yuv420p", "yuv420p"],
    }[options.codec]
    for name in preferences:
        if name in supported:
            return name
    return supported[0]


def check_container(path: str | os.PathLike, codec: str) -> Path:
    """``path`` if its extension's container can hold ``codec``; else BadInputError naming
    the ones that can."""
    p = Path(path)
    if codec not in CODECS:
        raise BadInputError(f"unknown codec {codec!r}; use one of {', '.join(CODECS)}")
    ext = p.suffix.lower()
    allowed = CONTAINERS[codec]
    if ext not in allowed:
        raise BadInputError(
            f"{p}: {codec} cannot be written to '{ext or 'no extension'}'; use "
            f"{', '.join(allowed)}"
        )
    return p


def temp_path_for(target: Path) -> Path:
    """A hidden temporary file beside ``target`` with the same extension (renamed on success)."""
    return target.with_name(f".{target.stem}.gradecli-{os.getpid()}.part{target.suffix}")


class OutputVideo:
    """An output video being written to a temporary file; ``commit()`` renames it into place.

    Closing without ``commit()`` (an error, Ctrl-C) deletes the temporary file, so nothing is ever
    left under the output name half-written.
    """

    def __init__(
        self,
        target: str | os.PathLike,
        source: InputVideo,
        options: EncodeOptions,
        out_spec: YCbCrSpec,
        out_pix_fmt: str,
    ) -> None:
        self.target = check_container(target, options.codec)
        self.tmp = temp_path_for(self.target)
        info = source.info
        try:
            self.container = av.open(str(self.tmp), mode="w")
        except (av.error.FFmpegError, OSError) as e:
            raise VideoError(f"{self.target}: cannot create output ({e})") from e
        self._committed = False
        try:
            stream = self.container.add_stream(CODECS[options.codec], rate=info.frame_rate)
            stream.width = info.width
            stream.height = info.height
            stream.pix_fmt = out_pix_fmt
            stream.time_base = info.time_base
            cc = stream.codec_context
            cc.time_base = info.time_base
            cc.colorspace = MATRIX_TO_AVCOL_SPC[out_spec.matrix]
            cc.color_range = AVCOL_RANGE_FULL if out_spec.full_range else AVCOL_RANGE_LIMITED
            cc.color_primaries = info.color_primaries
            cc.color_trc = info.color_trc
            opts: dict[str, str] = {}
            if options.codec in ("h264", "hevc"):
                opts = {"crf": str(options.crf), "preset": options.preset}
                stream.thread_type = "FRAME"
            elif options.codec == "prores":
                opts = {"profile": "3" if out_pix_fmt.startswith("yuv422") else "4"}
            elif options.codec.endswith("_nvenc"):
                opts = {"rc": "vbr", "cq": str(options.crf), "b": "0",
                        "preset": _NVENC_PRESETS_FROM_X264.get(options.preset, options.preset)}
            elif options.codec == "ffv1":
                opts = {"level": "3", "slices": "4"}
                stream.thread_type = "SLICE"
            stream.options = opts
            if info.rotation:
                with contextlib.suppress(Exception):
                    stream.set_display_rotation(info.rotation)
            self.stream = stream
            self._copy_map = {}
            for s in source.copy_streams:
                try:
                    self._copy_map[s.index] = self.container.add_stream_from_template(s)
                except (av.error.FFmpegError, ValueError):
                    continue
        except BaseException:
            self.abort()
            raise

    def encode(self, frame: av.VideoFrame | None) -> None:
        """Encode a frame (None flushes the encoder) and mux the resulting packets."""
        try:
            for packet in self.stream.encode(frame):
                self.container.mux(packet)
        except av.error.FFmpegError as e:
            raise VideoError(f"{self.target}: encoding failed ({ffmpeg_reason(e)})") from e

    def mux_copy(self, packet: av.Packet) -> None:
        """Mux a packet of a copied stream (audio) without re-encoding it."""
        out = self._copy_map.get(packet.stream.index)
        if out is None:
            return
        packet.stream = out
        try:
            self.container.mux(packet)
        except av.error.FFmpegError as e:
            raise VideoError(f"{self.target}: writing audio failed ({ffmpeg_reason(e)})") from e

    def commit(self) -> None:
        """Flush, close and move the finished file to its final name."""
        self.encode(None)
        self.container.close()
        os.replace(self.tmp, self.target)
        self._committed = True

    def abort(self) -> None:
        """Close and delete the temporary file (idempotent)."""
        if self._committed:
            return
        with contextlib.suppress(Exception):
            self.container.close()
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()


class MaskVideo:
    """A lossless grey video of masks (FFV1 in Matroska, 8- or 16-bit), written to a temporary
    file and renamed into place by ``commit()``; ``abort()`` (or an error) leaves nothing."""

    def __init__(self, target: str | os.PathLike, width: int, height: int, rate: Fraction,
                 bit_depth: int = 8) -> None:
        self.target = check_container(target, "ffv1")
        self.tmp = temp_path_for(self.target)
        self.fmt = "gray16le" if bit_depth == 16 else "gray"
        self.scale = 65535.0 if bit_depth == 16 else 255.0
        self.dtype = np.uint16 if bit_depth == 16 else np.uint8
        try:
            self.container = av.open(str(self.tmp), mode="w")
            self.stream = self.container.add_stream("ffv1", rate=rate)
            self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, self.fmt
        except (av.error.FFmpegError, OSError) as e:
            self.abort()
            raise VideoError(f"{self.target}: cannot create mask video ({e})") from e
        self.count = 0

    def write(self, mask: np.ndarray) -> None:
        codes = np.clip(np.rint(mask * self.scale), 0, self.scale).astype(self.dtype)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(codes), format=self.fmt)
        frame.pts = self.count
        self.count += 1
        for p in self.stream.encode(frame):
            self.container.mux(p)

    def commit(self) -> None:
        for p in self.stream.encode(None):
            self.container.mux(p)
        self.container.close()
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.container.close()
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()
