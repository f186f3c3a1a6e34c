"""One decode pass over a clip for analysis: cut detection on every frame, colour samples.

Every frame is reduced to a small R'G'B' image straight from its planes (a strided view, no
scaling filter), which feeds the cut detector; a few frames per second keep a random subset of
their pixels as colour samples for statistics and for fitting transfer methods. Memory stays
small: signatures are tiny and the sampled frames are capped per clip.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from gradecli.color.spaces import rgb_to_lab
from gradecli.color.temporal import detect_cuts, frame_signature, signature_distance
from gradecli.color.ycbcr import ycbcr_to_rgb
from gradecli.io.video import InputVideo, VideoInfo, frame_planes, frame_rgb, plane_layout

__all__ = [
    "ClipAnalysis", "FrameScan", "ShotSamples", "analyze_clip", "bars_in_frames",
    "frame_is_usable", "scan_clip", "thumbnail",
]


@dataclass
class ShotSamples:
    """Frames ``start`` .. ``end - 1`` of a clip and the R'G'B' samples (N, 3) float32 0..1 of its
    usable sampled frames (all of its sampled frames when none was usable)."""

    index: int
    start: int
    end: int
    start_s: float
    end_s: float
    rgb: np.ndarray
    sampled_frames: int
    skipped_frames: int
    #: A small picture (uint8 R'G'B' (h, w, 3), at most 128 px wide) of the shot's middle usable
    #: sampled frame, for models that look at pictures rather than colour samples.
    thumb: np.ndarray | None = None


@dataclass
class ClipAnalysis:
    """What one decode pass learnt about a clip."""

    path: Path
    info: VideoInfo
    frames: int
    cuts: list[int]
    shots: list[ShotSamples]
    encoding: str
    #: Letterbox/pillarbox bars as (top, bottom, left, right) in full-resolution pixels.
    bars: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def rgb(self) -> np.ndarray:
        """All shots' samples together (N, 3) float32."""
        return np.concatenate([s.rgb for s in self.shots])


def frame_is_usable(lab: np.ndarray) -> bool:
    """False for near-black, near-white, flat and title-card frames (CIELAB pixels (N, 3)).

    Such frames say little about a clip's grade and would drag its statistics.
    """
    L = lab[:, 0]
    mean = float(L.mean())
    if mean < 4.0 or mean > 96.0 or float(L.std()) < 1.0:
        return False
    extreme = float(np.mean((L < 8.0) | (L > 95.0)))
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    # Text on a plain card: nearly all pixels black/white and colourless.
    return not (extreme > 0.9 and float(np.mean(chroma < 5.0)) > 0.95)


def _small_rgb(frame, info: VideoInfo, layout, stride: int) -> np.ndarray:
    if layout is not None:
        y, u, v = frame_planes(frame, layout)
        cs_h, cs_w = stride >> layout.log2_h, stride >> layout.log2_w
        ys = y[::stride, ::stride]
        cu, cv = u[::cs_h, ::cs_w], v[::cs_h, ::cs_w]
        h, w = min(ys.shape[0], cu.shape[0]), min(ys.shape[1], cu.shape[1])
        codes = np.stack([ys[:h, :w], cu[:h, :w], cv[:h, :w]], axis=-1)
        return ycbcr_to_rgb(codes, info.ycbcr, dtype=np.float32)
    rgb = frame_rgb(frame)[::stride, ::stride]
    return rgb.astype(np.float32) / (255.0 if rgb.dtype == np.uint8 else 65535.0)


def thumbnail(rgb: np.ndarray, width: int = 128) -> np.ndarray:
    """A picture (H, W, 3) R'G'B' float 0..1 as uint8, area-downscaled to at most ``width``
    pixels wide."""
    rgb = np.asarray(rgb, np.float32)
    h, w = rgb.shape[:2]
    if w > width:
        rgb = cv2.resize(rgb, (width, max(1, round(h * width / w))),
                         interpolation=cv2.INTER_AREA)
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def _edge_run(black: np.ndarray) -> tuple[int, int]:
    """Lengths of the runs of True at the start and at the end of ``black``."""
    n = len(black)
    top = int(np.argmin(black)) if not black.all() else n
    bottom = int(np.argmin(black[::-1])) if not black.all() else n
    return top, bottom


def _picture_mask(row_max, col_max, level: float = 0.06) -> np.ndarray | None:
    """Mask (rows, cols) of the active picture: False on letterbox/pillarbox bars."""
    if row_max is None or col_max is None:
        return None
    top, bottom = _edge_run(row_max < level)
    left, right = _edge_run(col_max < level)
    if top + bottom >= len(row_max) or left + right >= len(col_max):
        return None  # a black clip: keep everything
    mask = np.zeros((len(row_max), len(col_max)), dtype=bool)
    mask[top : len(row_max) - bottom, left : len(col_max) - right] = True
    return mask


def _edge_maxima(rgb: np.ndarray, row_max, col_max) -> tuple[np.ndarray, np.ndarray]:
    """Running maxima over frames of each row's and each column's brightest channel value."""
    # Elementwise maxima: a reduction over a length-3 last axis is several times slower.
    brightest = np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])
    r, c = brightest.max(axis=1), brightest.max(axis=0)
    if row_max is None:
        return r, c
    return np.maximum(row_max, r), np.maximum(col_max, c)


def bars_in_frames(frames: list[np.ndarray]) -> tuple[int, int, int, int]:
    """Letterbox/pillarbox bars (top, bottom, left, right pixels) black in every one of
    ``frames`` (R'G'B' float (H, W, 3) 0..1, all the same size); zeros when there are none."""
    row_max = col_max = None
    for f in frames:
        row_max, col_max = _edge_maxima(f, row_max, col_max)
    h, w = frames[0].shape[:2]
    return _bars(_picture_mask(row_max, col_max), 1, h, w)


def _bars(keep: np.ndarray | None, stride: int, height: int, width: int) -> tuple[int, ...]:
    """(top, bottom, left, right) full-resolution pixels outside the picture mask ``keep``
    (sampled every ``stride`` pixels): whole sampling blocks only, so certainly inside bars."""
    if keep is None or keep.all():
        return (0, 0, 0, 0)
    rows, cols = np.flatnonzero(keep.any(axis=1)), np.flatnonzero(keep.any(axis=0))
    return (
        int(rows[0]) * stride,
        max(0, height - (int(rows[-1]) + 1) * stride),
        int(cols[0]) * stride,
        max(0, width - (int(cols[-1]) + 1) * stride),
    )


class FrameScan:
    """What one pass over a clip's frames sees, fed one decoded frame at a time (:meth:`add`):
    per frame its time (s) and, where looked at, its signature (cut detection); sampled
    frames' pixels (frame -> (pixel index, R'G'B' samples)) and thumbnails; the running
    row/column maxima for letterbox detection. :meth:`analysis` turns it into a
    :class:`ClipAnalysis`.

    The frames may come from a decoder (:func:`analyze_clip`) or be a render's graded frames
    on their way to the encoder (``info`` then describes the output: its pixel format and
    Y'CbCr coding), so a rendered clip is measured without decoding it back.
    """

    def __init__(self, info: VideoInfo, encoding: str, *, detect_shots: bool = True,
                 samples_per_second: float = 4.0, pixels_per_frame: int = 6000,
                 max_sampled_frames: int = 480, analysis_width: int = 240,
                 seed: int = 0) -> None:
        """``encoding``: the RGB encoding used to judge frames in CIELAB ("srgb", "bt2020").
        About ``samples_per_second`` frames per second are sampled (``pixels_per_frame``
        pixels each, at most ``max_sampled_frames`` over the clip, evenly spread), at
        ``analysis_width`` pixels wide (a strided view)."""
        self.info, self.encoding, self.detect_shots = info, encoding, detect_shots
        self.layout = plane_layout(info.pix_fmt)
        stride = max(1, int(np.ceil(info.width / analysis_width)))
        if self.layout is not None:
            sub = 1 << max(self.layout.log2_w, self.layout.log2_h)
            stride = max(sub, stride - stride % sub)
        self.stride = stride
        self.fps = float(info.frame_rate) or 24.0
        #: Frames expected (for progress and to spread the samples over the clip).
        self.expected = info.frame_count or int(self.fps * (info.duration_s or 60))
        every = max(1, int(round(self.fps / samples_per_second)))
        self.every = max(every, int(np.ceil(self.expected / max_sampled_frames)))
        self.max_sampled_frames = max_sampled_frames
        self.pixels_per_frame = pixels_per_frame
        self.rng = np.random.default_rng(seed)
        self.times: list[float] = []
        self.sigs: list = []
        self.samples: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.thumbs: dict[int, np.ndarray] = {}
        self.row_max: np.ndarray | None = None
        self.col_max: np.ndarray | None = None

    def add(self, frame) -> None:
        """Look at the next frame (an ``av.VideoFrame`` in ``info``'s format): every frame with
        cut detection, else only the sampled ones (the others are only counted)."""
        n = len(self.times)
        self.times.append(float(frame.time) if frame.time is not None else n / self.fps)
        sampled = n % self.every == 0 and len(self.samples) < self.max_sampled_frames * 2
        if not self.detect_shots and not sampled:
            return
        small = _small_rgb(frame, self.info, self.layout, self.stride)
        if self.detect_shots:
            self.sigs.append(frame_signature(small[::2, ::2]))
        self.row_max, self.col_max = _edge_maxima(small, self.row_max, self.col_max)
        if sampled:
            flat = small.reshape(-1, 3)
            k = min(self.pixels_per_frame, flat.shape[0])
            idx = self.rng.choice(flat.shape[0], size=k, replace=False)
            self.samples[n] = (idx, flat[idx])
            self.thumbs[n] = thumbnail(small)

    def analysis(self, path: str | os.PathLike) -> ClipAnalysis:
        """The clip ``path`` as seen so far: cuts, letterbox bars and per-shot samples."""
        info = self.info
        cuts = _cuts(self.sigs, self.fps) if self.detect_shots else []
        bars = _bars(_picture_mask(self.row_max, self.col_max), self.stride, info.height,
                     info.width)
        shots = _shots(self, _picture_samples(self), cuts, self.fps, self.encoding)
        return ClipAnalysis(Path(path), info, len(self.times), cuts, shots, self.encoding, bars)


def _cuts(sigs: list, fps: float) -> list[int]:
    """Hard cuts (frame indices) from every frame's signature."""
    frames = len(sigs)
    if frames <= 2:
        return []
    scores = np.zeros(frames)
    settled = np.full(frames, np.inf)
    for i in range(1, frames):
        scores[i] = signature_distance(sigs[i - 1], sigs[i])
        if i + 1 < frames:
            settled[i] = signature_distance(sigs[i - 1], sigs[i + 1])
    return detect_cuts(scores, fps, settled=settled)


def _picture_samples(scan: FrameScan) -> dict[int, np.ndarray]:
    """Each sampled frame's pixels inside the picture (letterbox/pillarbox bars, black in every
    frame looked at, left out); all of them when that would leave nothing."""
    samples = scan.samples
    keep = _picture_mask(scan.row_max, scan.col_max)
    width = len(scan.col_max) if scan.col_max is not None else 1
    kept = {
        n: rgb[keep[idx // width, idx % width]] if keep is not None else rgb
        for n, (idx, rgb) in samples.items()
    }
    return {n: v for n, v in kept.items() if len(v)} or {n: rgb for n, (_, rgb) in samples.items()}


def _shots(scan: FrameScan, samples: dict[int, np.ndarray], cuts: list[int], fps: float,
           encoding: str) -> list[ShotSamples]:
    """One ShotSamples per shot: its sampled frames' pixels (unusable frames, black, white or
    titles, left out unless all are) and a thumbnail from its middle usable frame."""
    frames, times = len(scan.times), scan.times
    bounds = [0, *cuts, frames]
    end_time = times[-1] + 1.0 / fps
    shots = []
    for k in range(len(bounds) - 1):
        start, end = bounds[k], bounds[k + 1]
        idxs = [i for i in sorted(samples) if start <= i < end]
        if not idxs:  # a shot shorter than the sampling interval: its nearest sampled frame
            idxs = [min(samples, key=lambda i: abs(i - (start + end) // 2))]
        mine = [samples[i] for i in idxs]
        ok = [frame_is_usable(rgb_to_lab(s, encoding)) for s in mine]
        usable = [s for s, good in zip(mine, ok, strict=True) if good]
        thumb_idx = [i for i, good in zip(idxs, ok, strict=True) if good] or idxs
        shots.append(
            ShotSamples(
                index=k,
                start=start,
                end=end,
                start_s=times[start],
                end_s=times[end] if end < frames else end_time,
                rgb=np.concatenate(usable or mine).astype(np.float32),
                sampled_frames=len(mine),
                skipped_frames=len(mine) - len(usable) if usable else 0,
                thumb=scan.thumbs.get(thumb_idx[len(thumb_idx) // 2]),
            )
        )
    return shots


def analyze_clip(
    path: str | os.PathLike,
    *,
    encoding: str | Callable[[VideoInfo], str],
    detect_shots: bool = True,
    samples_per_second: float = 4.0,
    pixels_per_frame: int = 6000,
    max_sampled_frames: int = 480,
    analysis_width: int = 240,
    seed: int = 0,
    progress: Callable[[int, int | None], None] | None = None,
) -> ClipAnalysis:
    """Decode ``path`` once; detect hard cuts and gather colour samples per shot.

    ``encoding`` is the RGB encoding used to judge frames in CIELAB ("srgb", "bt2020"), or a
    function that picks it from the clip's :class:`VideoInfo` (no separate probe).
    ``progress(frames done, frames expected)`` is told about every frame. Letterbox bars are
    what is black in every frame looked at: every frame with ``detect_shots``, else the
    sampled frames (the others are decoded, not converted).
    """
    def scan_for(info: VideoInfo) -> FrameScan:
        enc = encoding(info) if callable(encoding) else encoding
        return FrameScan(info, enc, detect_shots=detect_shots,
                         samples_per_second=samples_per_second,
                         pixels_per_frame=pixels_per_frame,
                         max_sampled_frames=max_sampled_frames, analysis_width=analysis_width,
                         seed=seed)

    return scan_clip(path, scan_for, progress=progress)


def scan_clip(path: str | os.PathLike, scan_for: Callable[[VideoInfo], FrameScan], *,
              progress: Callable[[int, int | None], None] | None = None,
              deblock: bool = False) -> ClipAnalysis:
    """Decode ``path`` once through the scan ``scan_for(info)`` makes for it and return its
    analysis. ``deblock``: decode with the deblocking filter (the pictures a player shows;
    without it, about 30% faster, block edges stay). ``progress(frames done, expected)``."""
    with InputVideo(path, analysis_only=not deblock) as video:
        scan = scan_for(video.info)
        for n, frame in enumerate(video.frames(), 1):
            if progress is not None:
                progress(n, scan.expected)
            scan.add(frame)
        video.check_complete()
    return scan.analysis(path)
