"""Stream a video through a colour transform: decode -> grade -> encode, overlapped in threads.

A decode thread feeds a bounded queue; frames are graded on a small thread pool (numpy releases
the GIL); the calling thread encodes and muxes in order. With a torch device (``device="cuda"``,
or "auto" where a GPU is visible; see :mod:`gradecli.engine.device`) frames are graded in
batches of ``batch`` by the torch kernels on one grading thread instead
(:mod:`gradecli.engine.torch_batch`), each frame with its own shot's LUT. Memory is bounded
by the queue sizes, not by the clip's length. Errors in any thread are re-raised on the calling
thread, and the output is written to a temporary file that is only renamed into place once
everything succeeded.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import dataclasses
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from gradecli.color.lut import Lut
from gradecli.color.ycbcr import YCbCrSpec
from gradecli.engine.device import DeviceChoice, resolve_device
from gradecli.engine.kernels import (
    ColorFunction,
    FloatKernel,
    Yuv8TableKernel,
    lut_of,
    make_kernel,
)
from gradecli.errors import VideoError
from gradecli.io.video import (
    EncodeOptions,
    InputVideo,
    OutputVideo,
    VideoInfo,
    blank_frame,
    choose_output_format,
    frame_planes,
    frame_rgb,
    is_video_frame,
    new_frame,
    plane_layout,
    stamp_like,
)

__all__ = ["Schedule", "TranscodeResult", "ProgressFn", "WatchFn", "transcode"]

#: Per-shot grading: (first frame index, colour function) in increasing frame order.
Schedule = Sequence[tuple[int, ColorFunction]]

#: Called after each encoded frame with (frames done, frames expected or None).
ProgressFn = Callable[[int, "int | None"], None]

#: Called once with the output's description (the input's, with the output's path, pixel
#: format, codec and Y'CbCr coding); returns what is called with every graded frame, in order,
#: just before it is encoded (to measure what a render delivers without decoding it back).
WatchFn = Callable[[VideoInfo], Callable[[Any], None]]  # frames are av.VideoFrame

_END = object()


@dataclass(frozen=True)
class TranscodeResult:
    """What a transcode did."""

    output: Path
    frames: int
    pix_fmt: str
    out_spec: YCbCrSpec
    kernel: str
    #: Where frames were graded: "cpu" (numpy/C kernels), "cuda" or "torch-cpu" (torch kernels).
    device: str = "cpu"


def _put(q: queue.Queue, item: object, stop: threading.Event) -> bool:
    """Put ``item`` into the bounded queue, giving up (False) once ``stop`` is set."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _decode_thread(
    items: Iterator, out: queue.Queue, stop: threading.Event, errors: list[BaseException]
) -> None:
    try:
        for item in items:
            if not _put(out, item, stop):
                return
    except BaseException as e:  # re-raised on the main thread
        errors.append(e)
    # Always tell the consumer that decoding ended (unless it is gone already).
    _put(out, _END, stop)


def _expected_frames(inp: InputVideo, done: int) -> int | None:
    """The frame count to report progress against: from the time decoding has reached and the
    video's duration (right for variable frame rates too), else the container's estimate."""
    duration, reached = inp.info.duration_s, inp.decoded_until_s
    if duration and reached > 0.0 and inp.decoded:
        return max(done, round(inp.decoded * duration / reached))
    return inp.info.frame_count


def _copy_bars(src: list, dst: list, bars: tuple[int, int, int, int], layout) -> None:
    """Copy the bar regions of each plane from ``src`` to ``dst`` (whole chroma samples only)."""
    top, bottom, left, right = bars
    for i, (a, b) in enumerate(zip(src, dst, strict=True)):
        sh, sw = (layout.log2_h, layout.log2_w) if i else (0, 0)
        h, w = b.shape
        t, btm = top >> sh, bottom >> sh
        lft, rgt = left >> sw, right >> sw
        if t:
            b[:t] = a[:t]
        if btm:
            b[h - btm :] = a[h - btm :]
        if lft:
            b[:, :lft] = a[:, :lft]
        if rgt:
            b[:, w - rgt :] = a[:, w - rgt :]


@contextlib.contextmanager
def _guarded(out: OutputVideo, stop: threading.Event, decoder: threading.Thread):
    """Around a transcode's loop: on any error (or Ctrl-C) the output's temporary file is
    removed; in any case the decode thread is told to stop and waited for (briefly)."""
    try:
        yield
    except BaseException:
        stop.set()
        out.abort()
        raise
    finally:
        stop.set()
        decoder.join(timeout=5)


def _lut_schedule(schedule: Sequence[tuple[int, ColorFunction]]
                  ) -> list[tuple[int, tuple[Lut, str]]] | None:
    """The schedule as (start, (Lut, interpolation)) when every entry is a LUT (what the torch
    kernels grade), else None (any other colour function, e.g. skin protection)."""
    luts = [(start, lut_of(fn)) for start, fn in schedule]
    return None if any(lut is None for _, lut in luts) else luts


class _Kernels:
    """One kernel per shot of a schedule, made when its first frame comes (thread-safe); frames
    are graded nearly in order, so kernels two shots back are dropped (their tables freed). The
    skin-key tables of protected shots are kept for the whole stream: the shots share them."""

    def __init__(self, schedule: list[tuple[int, ColorFunction]], in_spec: YCbCrSpec,
                 in_layout, out_spec: YCbCrSpec, out_layout) -> None:
        self.schedule = schedule
        self.starts = [s for s, _ in schedule]
        self.specs = (in_spec, in_layout, out_spec, out_layout)
        self.made: dict[int, Yuv8TableKernel | FloatKernel] = {}
        self.key_tables: dict = {}
        self.lock = threading.Lock()

    def __call__(self, index: int) -> Yuv8TableKernel | FloatKernel:
        shot = bisect.bisect_right(self.starts, index) - 1
        with self.lock:
            k = self.made.get(shot)
            if k is None:
                k = make_kernel(self.schedule[shot][1], *self.specs, self.key_tables)
                self.made[shot] = k
                for old in [s for s in self.made if s < shot - 1]:
                    del self.made[old]
            return k


def _output_format(info, options: EncodeOptions, dst: Path):
    """(pixel format, its plane layout) to encode ``info``'s frames with ``options``;
    VideoError when the picture's size cannot be coded in it."""
    out_fmt = choose_output_format(info, options)
    out_layout = plane_layout(out_fmt)
    if out_layout is None:  # pragma: no cover - every encoder format we choose is planar
        raise VideoError(f"{dst}: unsupported output pixel format {out_fmt}")
    if out_layout.log2_w and info.width % 2 or out_layout.log2_h and info.height % 2:
        raise VideoError(
            f"{info.path}: {info.width}x{info.height} has an odd dimension, which {out_fmt} "
            f"cannot encode; use --pix-fmt yuv444p (or --codec ffv1)"
        )
    return out_fmt, out_layout


def _schedule_of(fn: ColorFunction | Schedule) -> list[tuple[int, ColorFunction]]:
    schedule = [(0, fn)] if callable(fn) else sorted(fn, key=lambda item: item[0])
    if not schedule or schedule[0][0] != 0:
        raise ValueError("a schedule must start at frame 0")
    return schedule


def transcode(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    fn: ColorFunction | Schedule,
    options: EncodeOptions | None = None,
    *,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    queue_size: int = 8,
    keep_bars: tuple[int, int, int, int] = (0, 0, 0, 0),
    device: str | DeviceChoice = "cpu",
    batch: int = 8,
    watch: WatchFn | None = None,
) -> TranscodeResult:
    """Grade every frame of ``src`` with ``fn`` (R'G'B' 0..1 -> R'G'B') and write ``dst``.

    ``fn`` may be a :data:`Schedule` instead: one colour function per shot, each used from its
    first frame index (decode order) until the next one's.

    Audio streams are copied; frame rate, time stamps, rotation and colour tags are kept.
    ``keep_bars`` (top, bottom, left, right pixels) are letterbox/pillarbox bars copied from the
    source unchanged (a grade fitted to the picture would otherwise tint them).
    ``device``: "cpu" (default: the numpy/C kernels), "cuda", "auto" or a resolved
    :class:`DeviceChoice`; with a torch device, LUT schedules of planar Y'CbCr video are graded
    by the torch kernels in batches of ``batch`` frames (other colour functions, e.g. skin
    protection, and RGB sources stay on the CPU kernels: the result's ``device`` says which).
    ``watch`` (see :data:`WatchFn`) sees every graded frame before it is encoded.
    Raises BadInputError/VideoError (DeviceError for an unusable ``device``); on any error (or
    Ctrl-C) no file is left at ``dst``.
    """
    options = options or EncodeOptions()
    choice = resolve_device(device)
    dst = Path(dst)
    workers = workers or min(2, os.cpu_count() or 1)
    with InputVideo(src) as inp:
        info = inp.info
        out_fmt, out_layout = _output_format(info, options, dst)
        in_layout = plane_layout(info.pix_fmt)
        in_spec = info.ycbcr
        out_spec = YCbCrSpec(in_spec.matrix, in_spec.full_range, out_layout.bit_depth)
        schedule = _schedule_of(fn)
        seen = None
        if watch is not None:
            seen = watch(dataclasses.replace(info, path=dst, pix_fmt=out_fmt, ycbcr=out_spec,
                                             codec=options.codec))
        luts = _lut_schedule(schedule) if choice.uses_torch else None
        if luts is not None and in_layout is not None:
            from gradecli.engine.torch_batch import TorchGrader

            grader = TorchGrader(luts, in_spec, in_layout, out_spec, out_layout,
                                 choice.torch_device)
            out = OutputVideo(dst, inp, options, out_spec, out_fmt)
            frames = _run_batched(inp, out, grader, keep_bars, progress, queue_size, batch,
                                  seen)
            return TranscodeResult(dst, frames, out_fmt, out_spec, grader.kernel_name,
                                   choice.name)
        kernel_for = _Kernels(schedule, in_spec, in_layout, out_spec, out_layout)
        kernel = kernel_for(0)
        out = OutputVideo(dst, inp, options, out_spec, out_fmt)
        grade = partial(_grade_frame, kernel_for, info, in_layout, out_layout, out_spec,
                        keep_bars)
        frames = _run_threaded(inp, out, grade, progress, queue_size, workers, seen)
    return TranscodeResult(dst, frames, out_fmt, out_spec, type(kernel).__name__)


def _grade_frame(kernel_for: _Kernels, info, in_layout, out_layout, out_spec: YCbCrSpec,
                 keep_bars: tuple[int, int, int, int], frame, index: int):
    """Frame ``index`` (decode order) graded by its shot's kernel, bars kept, stamped like it."""
    k = kernel_for(index)
    if isinstance(k, Yuv8TableKernel) or getattr(k, "is_table", False):
        graded = blank_frame(info.width, info.height, out_layout)
        k.process(frame_planes(frame, in_layout), out=frame_planes(graded, out_layout))
    else:
        if in_layout is not None:
            planes = k.process(frame_planes(frame, in_layout))
        else:
            planes = k.process_rgb(frame_rgb(frame))
        graded = new_frame(planes, out_layout, info.width, info.height)
    if any(keep_bars) and in_layout is not None and in_layout == out_layout:
        _copy_bars(frame_planes(frame, in_layout), frame_planes(graded, out_layout),
                   keep_bars, out_layout)
    return stamp_like(graded, frame, out_spec.full_range)


def _until_end(q: queue.Queue) -> Iterator:
    """The decode thread's items from ``q`` (frames and other packets) until its end mark."""
    while (item := q.get()) is not _END:
        yield item


def _finish(errors: list[BaseException], drain: Callable[[int], None]) -> None:
    """After the decoder's end: its error if it had one, else every graded frame written."""
    if errors:
        raise errors[0]
    drain(0)


def _run_threaded(inp: InputVideo, out: OutputVideo, grade, progress: ProgressFn | None,
                  queue_size: int, workers: int, seen=None) -> int:
    """Decode (thread) -> ``grade(frame, index)`` on ``workers`` threads -> encode in order
    (this thread; ``seen(frame)`` first), other packets copied in place; returns the frames
    written. On any error the output is aborted (_guarded)."""
    stop = threading.Event()
    errors: list[BaseException] = []
    q: queue.Queue = queue.Queue(maxsize=queue_size)
    decoder = threading.Thread(target=_decode_thread, args=(inp.items(), q, stop, errors),
                               daemon=True, name="gradecli-decode")
    pending: queue.SimpleQueue = queue.SimpleQueue()
    frames = 0
    submitted = 0

    def drain(limit: int) -> None:
        nonlocal frames
        while pending.qsize() > limit:
            item = pending.get()
            if isinstance(item, Future):
                graded = item.result()
                if seen is not None:
                    seen(graded)
                out.encode(graded)
                frames += 1
                if progress:
                    progress(frames, _expected_frames(inp, frames))
            else:
                out.mux_copy(item)

    with _guarded(out, stop, decoder):
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gradecli-grade") as pool:
            decoder.start()
            for item in _until_end(q):
                if is_video_frame(item):
                    pending.put(pool.submit(grade, item, submitted))
                    submitted += 1
                else:
                    pending.put(item)
                drain(workers * 2)
            _finish(errors, drain)
        inp.check_complete()
        out.commit()
    return frames


def _run_batched(inp: InputVideo, out: OutputVideo, grader, keep_bars: tuple[int, int, int, int],
                 progress: ProgressFn | None, queue_size: int, batch: int, seen=None) -> int:
    """Decode (thread) -> batches of ``batch`` frames graded by ``grader`` (a TorchGrader, on
    one grading thread) -> encode in order (this thread; ``seen(frame)`` first); returns the
    frames written.

    One batch is graded while the next is gathered and the previous one encoded. Packets to
    copy (audio) that arrive while a batch is gathered are muxed right after its frames."""
    info = inp.info
    in_layout, out_layout = grader.in_layout, grader.out_layout
    full_range = grader.out_spec.full_range
    stop = threading.Event()
    errors: list[BaseException] = []
    q: queue.Queue = queue.Queue(maxsize=queue_size)
    decoder = threading.Thread(target=_decode_thread, args=(inp.items(), q, stop, errors),
                               daemon=True, name="gradecli-decode")
    pending: collections.deque = collections.deque()  # batch Futures and packets, in order
    done = 0

    def grade(sources: list, indices: list[int]) -> list:
        graded = grader.grade([frame_planes(f, in_layout) for f in sources], indices)
        frames = []
        for src, planes in zip(sources, graded, strict=True):
            new = new_frame(planes, out_layout, info.width, info.height)
            if any(keep_bars) and in_layout == out_layout:
                _copy_bars(frame_planes(src, in_layout), frame_planes(new, out_layout),
                           keep_bars, out_layout)
            frames.append(stamp_like(new, src, full_range))
        return frames

    def drain(limit: int) -> None:
        nonlocal done
        while pending and (not isinstance(pending[0], Future)
                           or sum(isinstance(p, Future) for p in pending) > limit):
            item = pending.popleft()
            if not isinstance(item, Future):
                out.mux_copy(item)
                continue
            for frame in item.result():
                if seen is not None:
                    seen(frame)
                out.encode(frame)
                done += 1
                if progress:
                    progress(done, _expected_frames(inp, done))

    with _guarded(out, stop, decoder):
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gradecli-grade") as pool:
            decoder.start()
            gathered: list = []
            held: list = []
            index = 0

            def submit() -> None:
                if gathered:
                    pending.append(pool.submit(grade, list(gathered),
                                               list(range(index - len(gathered), index))))
                    gathered.clear()
                pending.extend(held)
                held.clear()

            for item in _until_end(q):
                if is_video_frame(item):
                    gathered.append(item)
                    index += 1
                    if len(gathered) >= batch:
                        submit()
                else:
                    (held if gathered else pending).append(item)
                drain(1)
            submit()
            _finish(errors, drain)
        inp.check_complete()
        out.commit()
    return done
