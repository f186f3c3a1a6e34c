"""Opening, probing and decoding videos: the stream's colour tags honoured, completeness checked."""

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
from gradecli.errors import VideoError
from gradecli.io.files import check_readable
from gradecli.io.video.common import (
    AVCOL_RANGE_FULL,
    AVCOL_RANGE_LIMITED,
    AVCOL_SPC,
    ffmpeg_reason,
    format_depth,
    plane_layout,
)
from gradecli.io.video.frames import frame_planes, frame_rgb


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
        raise VideoError(f"{path}: not a readable video ({ffmpeg_reason(e)})") from e



def _guess_ycbcr(
    cc, width: int, height: int, pix_fmt: str, bit_depth: int
) -> tuple[YCbCrSpec, list[str]]:
    assumed: list[str] = []
    matrix = AVCOL_SPC.get(int(cc.colorspace or 2))
    if matrix is None:
        # The convention of players and FFmpeg's own guess: HD sizes are BT.709, SD are BT.601.
        matrix = "bt709" if (width >= 1280 or height > 576) else "bt601"
        assumed.append(f"untagged matrix, assumed {matrix} from the frame size")
    rng = int(cc.color_range or 0)
    if rng == AVCOL_RANGE_FULL or pix_fmt.startswith("yuvj"):
        full = True
    elif rng == AVCOL_RANGE_LIMITED:
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
            bit_depth = layout.bit_depth if layout else format_depth(pix_fmt)
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
            raise VideoError(f"{self.path}: decoding failed ({ffmpeg_reason(e)})") from e

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
            raise VideoError(f"{info.path}: seeking failed ({ffmpeg_reason(e)})") from e
    return info, results

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
