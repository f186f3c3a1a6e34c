"""Video files through PyAV: probing, decoding to numpy planes, encoding, stream copy.

The only module that opens video files. Frames cross into the rest of gradecli as lists of numpy
planes (uint8 for 8-bit, uint16 holding the low ``bit_depth`` bits otherwise) together with a
:class:`~gradecli.color.ycbcr.YCbCrSpec` saying how to turn them into R'G'B'. gradecli converts
Y'CbCr itself (see ``gradecli.color.ycbcr``) instead of trusting swscale's defaults, which assume
BT.601 for untagged input.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from gradecli.color.ycbcr import YCbCrSpec
from gradecli.errors import BadInputError, VideoError
from gradecli.io.files import check_readable

__all__ = [
    "CODECS",
    "EncodeOptions",
    "InputVideo",
    "OutputVideo",
    "PlaneLayout",
    "VideoInfo",
    "blank_frame",
    "check_container",
    "is_video_frame",
    "stamp_like",
    "is_video_path",
    "plane_layout",
    "probe_video",
    "temp_path_for",
]

#: User-facing codec names -> FFmpeg encoder names.
CODECS: dict[str, str] = {
    "h264": "libx264",
    "hevc": "libx265",
    "prores": "prores_ks",
    "ffv1": "ffv1",
}
#: Containers each codec may be written into, by file extension.
_CONTAINERS: dict[str, tuple[str, ...]] = {
    "h264": (".mp4", ".mov", ".mkv"),
    "hevc": (".mp4", ".mov", ".mkv"),
    "prores": (".mov", ".mkv"),
    "ffv1": (".mkv", ".mov", ".avi"),
}
VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".m4v", ".avi", ".webm", ".mxf", ".ts", ".mts", ".y4m")

# FFmpeg's AVColorSpace codes -> our matrix names.
_AVCOL_SPC = {
    1: "bt709",
    4: "fcc",
    5: "bt601",
    6: "bt601",
    7: "smpte240m",
    9: "bt2020",
    10: "bt2020",
}
_MATRIX_TO_AVCOL_SPC = {"bt709": 1, "fcc": 4, "bt601": 6, "smpte240m": 7, "bt2020": 9}
_AVCOL_RANGE_LIMITED, _AVCOL_RANGE_FULL = 1, 2


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


@dataclass(frozen=True)
class VideoInfo:
    """What gradecli needs to know of a video's main stream."""

    path: Path
    width: int
    height: int
    pix_fmt: str
    codec: str
    frame_rate: Fraction
    time_base: Fraction
    frame_count: int | None
    duration_s: float | None
    ycbcr: YCbCrSpec
    color_primaries: int
    color_trc: int
    rotation: float
    audio_streams: int
    assumed: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        rng = "full" if self.ycbcr.full_range else "limited"
        fps = float(self.frame_rate)
        return (
            f"{self.width}x{self.height} {self.codec} {self.pix_fmt} {fps:g} fps, "
            f"{self.ycbcr.matrix} {rng} range"
        )


def _open_container(path: Path) -> av.container.InputContainer:
    check_readable(path, "video")
    try:
        return av.open(str(path), mode="r")
    except av.error.FFmpegError as e:
        raise VideoError(f"{path}: not a readable video ({_ffmpeg_reason(e)})") from e


def _ffmpeg_reason(e: Exception) -> str:
    msg = getattr(e, "strerror", None) or str(e)
    return str(msg).split(":", 1)[0] if "]" not in str(msg) else str(msg)


def _guess_ycbcr(
    cc, width: int, height: int, pix_fmt: str, bit_depth: int
) -> tuple[YCbCrSpec, list[str]]:
    assumed: list[str] = []
    matrix = _AVCOL_SPC.get(int(cc.colorspace or 2))
    if matrix is None:
        # The convention of players and FFmpeg's own guess: HD sizes are BT.709, SD are BT.601.
        matrix = "bt709" if (width >= 1280 or height > 576) else "bt601"
        assumed.append(f"untagged matrix, assumed {matrix} from the frame size")
    rng = int(cc.color_range or 0)
    if rng == _AVCOL_RANGE_FULL or pix_fmt.startswith("yuvj"):
        full = True
    elif rng == _AVCOL_RANGE_LIMITED:
        full = False
    else:
        full = False
        assumed.append("untagged range, assumed limited (16-235)")
    return YCbCrSpec(matrix, full, bit_depth), assumed


def _rotation(stream) -> float:
    for sd in getattr(stream, "side_data", None) or ():
        with contextlib.suppress(Exception):
            if "DISPLAYMATRIX" in str(getattr(sd, "type", "")).upper():
                return float(getattr(sd, "rotation", 0.0))
    with contextlib.suppress(Exception):
        return float(stream.metadata.get("rotate", 0))
    return 0.0


def _tag_seconds(text: str) -> float | None:
    """Matroska's per-track DURATION tag ("00:00:02.000000000") in seconds."""
    with contextlib.suppress(ValueError, AttributeError):
        h, m, sec = str(text).split(":")
        return int(h) * 3600 + int(m) * 60 + float(sec)
    return None


def _video_duration(stream, container) -> float | None:
    """The video stream's own duration in seconds (its edit list applied), or None when the file
    does not say: the stream's duration, Matroska's DURATION tag, or the container's duration
    when nothing else is in it (with audio, the container's may be the audio's, which can run
    longer than the picture)."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = (stream.metadata or {}).get("DURATION") or (stream.metadata or {}).get("duration")
    if tag and (secs := _tag_seconds(tag)) is not None:
        return secs
    if container.duration and len(container.streams) == 1:
        return float(container.duration) / 1e6
    return None


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Open ``path`` and describe its first video stream. Raises BadInputError/VideoError."""
    with InputVideo(path) as video:
        return video.info


class InputVideo:
    """An open input video: its info, and iteration over decoded frames and packets to copy.

    Use as a context manager. ``items()`` yields, in demux order, decoded ``av.VideoFrame`` objects
    of the main video stream and ``av.Packet`` objects of the streams that are copied (audio).
    """

    def __init__(self, path: str | os.PathLike, *, analysis_only: bool = False) -> None:
        """Open ``path``. ``analysis_only`` skips the decoder's deblocking (about 30% faster
        H.264/HEVC decoding; pixels differ slightly at block edges), for statistics only."""
        self.path = Path(path)
        self.container = _open_container(self.path)
        try:
            if not self.container.streams.video:
                raise VideoError(f"{self.path}: has no video stream")
            self.stream = self.container.streams.video[0]
            self.stream.thread_type = "AUTO"
            cc = self.stream.codec_context
            if analysis_only:
                cc.options = {"skip_loop_filter": "all"}
            width, height = cc.width, cc.height
            if not width or not height:
                raise VideoError(f"{self.path}: video stream has no frame size (corrupt header?)")
            pix_fmt = cc.pix_fmt or ""
            if not pix_fmt:
                raise VideoError(f"{self.path}: video stream has no pixel format (corrupt?)")
            layout = plane_layout(pix_fmt)
            bit_depth = layout.bit_depth if layout else _format_depth(pix_fmt)
            spec, assumed = _guess_ycbcr(cc, width, height, pix_fmt, bit_depth)
            rate = self.stream.average_rate or self.stream.guessed_rate or Fraction(25)
            duration = _video_duration(self.stream, self.container)
            # An estimate (progress, sampling strides): with an edit list the stream holds more
            # frames than it shows, and a variable frame rate has no fixed count per second.
            frames = int(round(duration * float(rate))) if duration else None
            if not frames:
                frames = int(self.stream.frames or 0) or None
            self.copy_streams = list(self.container.streams.audio)
            self.info = VideoInfo(
                path=self.path,
                width=width,
                height=height,
                pix_fmt=pix_fmt,
                codec=cc.name,
                frame_rate=Fraction(rate),
                time_base=Fraction(self.stream.time_base),
                frame_count=frames,
                duration_s=duration,
                ycbcr=spec,
                color_primaries=int(cc.color_primaries or 2),
                color_trc=int(cc.color_trc or 2),
                rotation=_rotation(self.stream),
                audio_streams=len(self.copy_streams),
                assumed=tuple(assumed),
            )
        except BaseException:
            self.container.close()
            raise

    def __enter__(self) -> InputVideo:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.container.close()

    def items(self, copy: bool = True) -> Iterator[av.VideoFrame | av.Packet]:
        """Decoded video frames and (with ``copy``) packets of copied streams, in demux order.

        Counts the frames and the time they reach (``decoded``, ``decoded_until_s``) for
        :meth:`check_complete`."""
        streams = [self.stream, *self.copy_streams] if copy else [self.stream]
        copy_idx = {s.index for s in self.copy_streams}
        try:
            for packet in self.container.demux(streams):
                if packet.stream.index in copy_idx:
                    if packet.dts is not None:
                        yield packet
                    continue
                for frame in self.stream.decode(packet):
                    self._tally(frame)
                    yield frame
        except av.error.FFmpegError as e:
            raise VideoError(f"{self.path}: decoding failed ({_ffmpeg_reason(e)})") from e

    decoded = 0
    decoded_until_s = 0.0

    def _tally(self, frame: av.VideoFrame) -> None:
        self.decoded += 1
        if frame.pts is None:
            return
        tb = frame.time_base or self.stream.time_base
        start = self.stream.start_time or 0
        step = 1.0 / float(self.info.frame_rate or 25)
        end = float((frame.pts - start) * tb) + step
        self.decoded_until_s = max(self.decoded_until_s, end)

    def check_complete(self) -> None:
        """Raise VideoError unless decoding reached the end of the video: at least one frame,
        and, where the file says how long its video is, frames up to within half a second (or
        5 %) of that end. Frame counts are never compared: an edit list (a trimmed MP4) hides
        frames the stream holds, and a variable frame rate has no fixed count."""
        if self.decoded == 0:
            raise VideoError(f"{self.path}: contains no decodable video frames")
        want = self.info.duration_s
        if want is None or self.decoded_until_s <= 0.0:
            return
        if self.decoded_until_s < want - max(0.5, 0.05 * want):
            raise VideoError(
                f"{self.path}: decoding stopped at {self.decoded_until_s:.2f} s of "
                f"{want:.2f} s (truncated or corrupt file)"
            )

    def frames(self) -> Iterator[av.VideoFrame]:
        """Decoded video frames only."""
        yield from self.items(copy=False)  # type: ignore[misc]



def _format_depth(pix_fmt: str) -> int:
    with contextlib.suppress(Exception):
        return max(8, av.VideoFormat(pix_fmt, 64, 64).components[0].bits)
    return 8


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
    depth = _format_depth(frame.format.name)
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
    frame.color_range = _AVCOL_RANGE_FULL if full_range else _AVCOL_RANGE_LIMITED
    return frame


def new_frame(
    planes: list[np.ndarray], layout: PlaneLayout, width: int, height: int
) -> av.VideoFrame:
    """A new ``av.VideoFrame`` in ``layout.pix_fmt`` holding a copy of ``planes``."""
    frame = blank_frame(width, height, layout)
    for dst, src in zip(frame_planes(frame, layout), planes, strict=True):
        np.copyto(dst, src)
    return frame


@dataclass(frozen=True)
class EncodeOptions:
    """Output encoding: codec (a key of :data:`CODECS`), quality and pixel format.

    ``crf`` applies to h264/hevc (0..51, lower is better); ``preset`` to h264/hevc;
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
    allowed = _CONTAINERS[codec]
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
            cc.colorspace = _MATRIX_TO_AVCOL_SPC[out_spec.matrix]
            cc.color_range = _AVCOL_RANGE_FULL if out_spec.full_range else _AVCOL_RANGE_LIMITED
            cc.color_primaries = info.color_primaries
            cc.color_trc = info.color_trc
            opts: dict[str, str] = {}
            if options.codec in ("h264", "hevc"):
                opts = {"crf": str(options.crf), "preset": options.preset}
                stream.thread_type = "FRAME"
            elif options.codec == "prores":
                opts = {"profile": "3" if out_pix_fmt.startswith("yuv422") else "4"}
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
            raise VideoError(f"{self.target}: encoding failed ({_ffmpeg_reason(e)})") from e

    def mux_copy(self, packet: av.Packet) -> None:
        """Mux a packet of a copied stream (audio) without re-encoding it."""
        out = self._copy_map.get(packet.stream.index)
        if out is None:
            return
        packet.stream = out
        try:
            self.container.mux(packet)
        except av.error.FFmpegError as e:
            raise VideoError(f"{self.target}: writing audio failed ({_ffmpeg_reason(e)})") from e

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


def frame_to_rgb(frame: av.VideoFrame, info: VideoInfo) -> np.ndarray:
    """A decoded frame as R'G'B' float32 (H, W, 3) 0..1, converted with the stream's own
    matrix, range and depth (chroma upsampled by replication); RGB sources via PyAV."""
    from gradecli.color.ycbcr import planes_to_rgb

    layout = plane_layout(frame.format.name)
    if layout is None:
        rgb = frame_rgb(frame)
        return rgb.astype(np.float32) / (255.0 if rgb.dtype == np.uint8 else 65535.0)
    return planes_to_rgb(
        frame_planes(frame, layout), info.ycbcr, layout.log2_w, layout.log2_h, dtype=np.float32
    )


def read_frames_at(
    path: str | os.PathLike, fractions: list[float], *, forward_s: float = 8.0
) -> tuple[VideoInfo, list[tuple[int, float, np.ndarray]]]:
    """Decode the frames at (about) ``fractions`` (0..1) of a clip's duration.

    Returns the clip's info and, per fraction in increasing order, ``(frame index, time s,
    R'G'B' float32 frame)``; the index counts frames from the first (time * frame rate). A
    target less than ``forward_s`` seconds ahead is reached by decoding forward, a farther one
    by seeking to the keyframe before it; non-reference frames on the way are skipped, so a
    target may be answered by the nearest reference frame after it. Costs a few GOPs of
    decoding, not a pass over the clip. Raises VideoError naming the file.
    """
    # Deblocking is skipped (as for analysis): invisible at preview sizes, 30% faster.
    with InputVideo(path, analysis_only=True) as video:
        info = video.info
        stream = video.stream
        fps = float(info.frame_rate) or 25.0
        duration = info.duration_s or ((info.frame_count or 1) / fps)
        start = stream.start_time or 0
        tb = float(stream.time_base)
        results: list[tuple[int, float, np.ndarray]] = []
        frames = None
        here = -1.0
        stream.codec_context.skip_frame = "NONREF"
        try:
            for frac in sorted(fractions):
                t = min(max(frac, 0.0), 1.0) * max(duration - 1.0 / fps, 0.0)
                target_pts = start + int(t / tb)
                if frames is None or t - here > forward_s or t < here:
                    video.container.seek(target_pts, stream=stream, backward=True)
                    frames = video.frames()
                chosen = None
                for frame in frames:
                    chosen = frame
                    if frame.pts is None or frame.pts >= target_pts:
                        break
                if chosen is None:
                    raise VideoError(f"{info.path}: no frame could be decoded near {t:.2f} s")
                ft = float((chosen.pts - start) * tb) if chosen.pts is not None else t
                here = ft
                results.append((int(round(ft * fps)), ft, frame_to_rgb(chosen, info)))
        except av.error.FFmpegError as e:
            raise VideoError(f"{info.path}: seeking failed ({_ffmpeg_reason(e)})") from e
    return info, results
