"""One decode pass over a clip for analysis: cut detection, colour samples.

Every decoded frame is reduced to a small R'G'B' image straight from its planes (a strided view,
no scaling filter), which feeds the cut detector; a few frames per second keep a random subset
of their pixels as colour samples for statistics and for fitting transfer methods. Memory stays
small: signatures are tiny and the sampled frames are capped per clip.

When a render pass follows, analysis may skip the frames no other frame refers to; a cut among
them is then a :class:`CutWindow` that the render pass (gradecli.engine.transcode) closes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from gradecli.color.spaces import rgb_to_lab
from gradecli.color.temporal import (
    FrameSignature,
    detect_cuts,
    frame_signature,
    signature_distance,
)
from gradecli.color.ycbcr import ycbcr_to_rgb
from gradecli.errors import VideoError
from gradecli.io.video import (
    InputVideo,
    NoTimestampsError,
    VideoInfo,
    frame_planes,
    frame_rgb,
    plane_layout,
)

__all__ = [
    "ClipAnalysis",
    "CutWindow",
    "ShotSamples",
    "analysis_stride",
    "analyze_clip",
    "bars_in_frames",
    "frame_is_usable",
    "signature_of",
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
    #: For cuts among frames analysis skipped: where each lies (the cut in ``cuts`` is its
    #: window's ``hi``), for the render pass to place exactly. Empty when every frame was seen.
    windows: list[CutWindow] = field(default_factory=list)

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


def _thumb(small: np.ndarray, width: int = 128) -> np.ndarray:
    """``small`` (float R'G'B') as uint8, area-downscaled to at most ``width`` pixels wide."""
    h, w = small.shape[:2]
    if w > width:
        small = cv2.resize(small, (width, max(1, round(h * width / w))),
                           interpolation=cv2.INTER_AREA)
    return np.clip(np.rint(small * 255.0), 0, 255).astype(np.uint8)


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


def analysis_stride(info: VideoInfo, layout, width: int = 240) -> int:
    """Pixel step of the small pictures analysis looks at: about ``width`` px wide, a whole
    number of chroma samples."""
    stride = max(1, int(np.ceil(info.width / width)))
    if layout is not None:
        sub = 1 << max(layout.log2_w, layout.log2_h)
        stride = max(sub, stride - stride % sub)
    return stride


def signature_of(frame, info: VideoInfo, layout, stride: int) -> FrameSignature:
    """The cut detector's signature of a decoded frame (see gradecli.color.temporal)."""
    return frame_signature(_small_rgb(frame, info, layout, stride)[::2, ::2])


@dataclass(frozen=True)
class CutWindow:
    """Where a hard cut lies when analysis did not decode every frame.

    The new shot starts at one of the frames ``lo`` .. ``hi`` (display order): frame ``lo - 1``
    was decoded and belongs to the old shot, frame ``hi`` was decoded and belongs to the new
    one, the frames between were skipped. ``before`` and ``after`` are those two frames'
    signatures, taken every ``stride`` pixels. A pass that decodes every frame places the cut
    exactly with :meth:`starts_new_shot`.
    """

    lo: int
    hi: int
    before: FrameSignature
    after: FrameSignature
    stride: int

    def starts_new_shot(self, frame, info: VideoInfo, layout) -> bool:
        """True when ``frame`` (one of ``lo`` .. ``hi - 1``) looks more like the new shot."""
        sig = signature_of(frame, info, layout, self.stride)
        return signature_distance(sig, self.after) < signature_distance(sig, self.before)


#: Largest run of skipped frames that analysis accepts before it decodes every frame: cuts
#: stay within a few frames, and no shot can hide between two decoded frames.
MAX_SKIPPED_RUN = 3


def analyze_clip(
    path: str | os.PathLike,
    *,
    encoding: str | Callable[[VideoInfo], str],
    detect_shots: bool = True,
    skip_unreferenced: bool = False,
    samples_per_second: float = 4.0,
    pixels_per_frame: int = 6000,
    max_sampled_frames: int = 480,
    analysis_width: int = 240,
    seed: int = 0,
) -> ClipAnalysis:
    """Decode ``path`` once; detect hard cuts and gather colour samples per shot.

    ``encoding`` is the RGB encoding used to judge frames in CIELAB ("srgb", "bt2020"), or a
    function that picks it from the clip's :class:`VideoInfo` (no separate probe).

    ``skip_unreferenced`` leaves out the frames no other frame refers to (about half of an
    x264 clip's frames, see :meth:`InputVideo.reference_frames`), for when a later pass decodes
    every frame anyway (rendering): a cut that falls among skipped frames is then known to
    within them, and :attr:`ClipAnalysis.windows` tells that pass where to place it exactly.
    Without it (or for codecs without such frames, or runs of more than
    :data:`MAX_SKIPPED_RUN` skipped frames) every frame is decoded and cuts are exact.
    """
    if skip_unreferenced:
        try:
            return _analyze(path, encoding, detect_shots, True, samples_per_second,
                            pixels_per_frame, max_sampled_frames, analysis_width, seed)
        except NoTimestampsError:
            pass  # frames without time stamps cannot be placed: decode them all
    return _analyze(path, encoding, detect_shots, False, samples_per_second, pixels_per_frame,
                    max_sampled_frames, analysis_width, seed)


def _analyze(path, encoding, detect_shots, skip, samples_per_second, pixels_per_frame,
             max_sampled_frames, analysis_width, seed) -> ClipAnalysis:
    rng = np.random.default_rng(seed)
    with InputVideo(path, analysis_only=True) as video:
        info = video.info
        if callable(encoding):
            encoding = encoding(info)
        layout = plane_layout(info.pix_fmt)
        stride = analysis_stride(info, layout, analysis_width)
        fps = float(info.frame_rate) or 24.0
        tb = float(info.time_base) if info.time_base else 1.0 / fps
        expected = info.frame_count or int(fps * (info.duration_s or 60))
        every = max(1, int(round(fps / samples_per_second)))
        every = max(every, int(np.ceil(expected / max_sampled_frames)))
        packet_pts: list[int] = []
        source = video.reference_frames(packet_pts) if skip else video.frames()
        sigs = []
        times: list[float] = []
        pts: list[int] = []
        samples: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # decoded k -> (pixels, rgb)
        thumbs: dict[int, np.ndarray] = {}
        row_max = col_max = None
        next_sample = 0
        for k, frame in enumerate(source):
            t = float(frame.time) if frame.time is not None else k / fps
            if skip:
                if frame.pts is None:
                    raise NoTimestampsError(f"{info.path}: a decoded frame has no time stamp")
                if pts and (frame.pts - pts[-1]) * tb * fps > MAX_SKIPPED_RUN + 1.5:
                    video.decode_all()  # long runs of skipped frames: decode everything
                pts.append(frame.pts)
            # Position in display order (exact without skipping; by time while skipping).
            pos = round((t - times[0]) * fps) if skip and times else k
            times.append(t)
            small = _small_rgb(frame, info, layout, stride)
            sigs.append(frame_signature(small[::2, ::2]))
            row_max, col_max = _edge_maxima(small, row_max, col_max)
            if pos >= next_sample and len(samples) < max_sampled_frames * 2:
                next_sample = pos + every
                flat = small.reshape(-1, 3)
                n_px = min(pixels_per_frame, flat.shape[0])
                idx = rng.choice(flat.shape[0], size=n_px, replace=False)
                samples[k] = (idx, flat[idx])
                thumbs[k] = _thumb(small)
    decoded = len(sigs)
    if decoded == 0:
        raise VideoError(f"{info.path}: contains no decodable video frames")
    if skip:
        # Display index of each decoded frame: the rank of its time stamp among all packets'.
        all_pts = np.sort(np.asarray(packet_pts, dtype=np.int64))
        index = np.searchsorted(all_pts, np.asarray(pts, dtype=np.int64)).tolist()
        frames = max(len(all_pts), index[-1] + 1)
        frame_time = {int(i): float(p) * tb for i, p in enumerate(all_pts)}
    else:
        index = list(range(decoded))
        frames = decoded
        frame_time = dict(enumerate(times))
    if info.frame_count and frames < info.frame_count * 0.95 - 1:
        raise VideoError(
            f"{info.path}: only {frames} of {info.frame_count} frames could be decoded "
            "(truncated or corrupt file)"
        )
    cuts: list[int] = []
    windows: list[CutWindow] = []
    if detect_shots and decoded > 2:
        scores = np.zeros(decoded)
        settled = np.full(decoded, np.inf)
        for i in range(1, decoded):
            scores[i] = signature_distance(sigs[i - 1], sigs[i])
            if i + 1 < decoded:
                settled[i] = signature_distance(sigs[i - 1], sigs[i + 1])
        # The detector's time scales in decoded frames: fewer per second when some are skipped.
        for i in detect_cuts(scores, fps * decoded / frames, settled=settled):
            lo, hi = index[i - 1] + 1, index[i]
            cuts.append(hi)
            if lo < hi:
                windows.append(CutWindow(lo, hi, sigs[i - 1], sigs[i], stride))
    # Letterbox and pillarbox bars (edge rows/columns black in every frame) are not picture:
    # leave them out of the statistics.
    keep = _picture_mask(row_max, col_max)
    bars = _bars(keep, stride, info.height, info.width)
    width = len(col_max) if col_max is not None else 1
    samples_kept = {
        index[k]: rgb[keep[idx // width, idx % width]] if keep is not None else rgb
        for k, (idx, rgb) in samples.items()
    }
    samples_kept = {n: v for n, v in samples_kept.items() if len(v)} or {
        index[k]: rgb for k, (_, rgb) in samples.items()
    }
    thumbs = {index[k]: v for k, v in thumbs.items()}
    bounds = [0, *cuts, frames]
    end_time = max(frame_time.values()) + 1.0 / fps
    shots = []
    for k in range(len(bounds) - 1):
        start, end = bounds[k], bounds[k + 1]
        idxs = [i for i in sorted(samples_kept) if start <= i < end]
        if not idxs:  # a shot shorter than the sampling interval: its nearest sampled frame
            idxs = [min(samples_kept, key=lambda i: abs(i - (start + end) // 2))]
        mine = [samples_kept[i] for i in idxs]
        ok = [frame_is_usable(rgb_to_lab(s, encoding)) for s in mine]
        usable = [s for s, good in zip(mine, ok, strict=True) if good]
        chosen = usable or mine
        thumb_idx = [i for i, good in zip(idxs, ok, strict=True) if good] or idxs
        shots.append(
            ShotSamples(
                index=k,
                start=start,
                end=end,
                start_s=frame_time.get(start, times[0]),
                end_s=frame_time.get(end, end_time) if end < frames else end_time,
                rgb=np.concatenate(chosen).astype(np.float32),
                sampled_frames=len(mine),
                skipped_frames=len(mine) - len(usable) if usable else 0,
                thumb=thumbs.get(thumb_idx[len(thumb_idx) // 2]),
            )
        )
    return ClipAnalysis(Path(path), info, frames, cuts, shots, encoding, bars, windows)
