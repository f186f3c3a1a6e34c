"""`segment`: soft masks of skin, sky and foliage for stills and clips, and the skin model that
``--protect-skin`` uses.

For a clip: cuts are found by match's analysis pass; each shot's skin colour model is seeded by
the faces OpenCV's cascades find in a few of its frames (gradecli.io.faces; a shot without
faces takes the model of all the clip's faces; a clip without faces has no skin model and an
empty skin mask: colour alone would key wood, fur and sand). ``--protect-skin`` uses one model
per clip (:func:`clip_skin_model`, faces from frames spread over it). Then ``rate`` frames a
second are masked, smoothed in time within a shot (reset at cuts) and written:
``DIR/<clip>/<class>/<frame>.png`` (8- or 16-bit grey) or ``DIR/<clip>.<class>.mkv``
(lossless FFV1 grey, one frame per masked frame), plus ``DIR/<clip>.overlay.png``: a few
frames with the masks tinted over them. For a still: ``DIR/<still>.<class>.png`` and
``DIR/<still>.overlay.png``. A user's own network (``--seg-model``,
gradecli.models.segnet) replaces the colour and texture masks.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from gradecli.color.masks import (
    CLASSES,
    SkinModel,
    fit_skin_model,
    masks_for,
    smooth_in_time,
)
from gradecli.engine.analysis import analyze_clip
from gradecli.errors import BadInputError
from gradecli.io.faces import inner_region, seed_faces
from gradecli.io.images import is_image_path, read_image, write_image, write_mask
from gradecli.io.video import InputVideo, MaskVideo, frame_to_rgb, is_video_path, read_frames_at
from gradecli.pipeline.batch import output_exists

__all__ = ["SegmentOptions", "SegmentResult", "clip_skin_model", "segment_file"]

#: Masks are computed at most this many pixels on the long side, then resized to the picture.
WORK_SIDE = 480
#: Frames a clip's skin model is seeded from (spread over the clip).
SEED_FRAMES = tuple((i + 0.5) / 10 for i in range(10))
#: Frames per shot a clip's per-shot skin models are seeded from (segment).
SHOT_SEEDS = 4
#: Where in a clip the overlay sheet's frames are taken (fractions of its length).
OVERLAY_AT = (0.1, 0.37, 0.63, 0.9)
_TINTS = {"skin": (1.0, 0.55, 0.1), "sky": (0.1, 0.45, 1.0), "foliage": (0.2, 0.9, 0.2)}


@dataclass(frozen=True)
class SegmentOptions:
    """``rate``: frames masked per second of a clip; ``format``: "png" or "video"; ``bits``:
    8 or 16; ``seg_model``: a loaded gradecli.models.segnet.SegModel or None; ``smoothing``:
    the weight of a new frame in the temporal average (1: no smoothing)."""

    rate: float = 4.0
    format: str = "png"
    bits: int = 8
    seg_model: object | None = None
    smoothing: float = 0.5

    def validate(self) -> None:
        if not 0.1 <= self.rate <= 120.0:
            raise BadInputError(f"--rate must be 0.1..120 frames a second, got {self.rate}")
        if self.format not in ("png", "video"):
            raise BadInputError(f"--format must be png or video, got {self.format!r}")
        if self.bits not in (8, 16):
            raise BadInputError(f"--bits must be 8 or 16, got {self.bits}")
        if not 0.0 < self.smoothing <= 1.0:
            raise BadInputError(f"--smoothing must be in (0, 1], got {self.smoothing}")


@dataclass
class SegmentResult:
    """What ``segment`` did for one input: frames masked, cuts, faces found, the skin model,
    the mean of each class's mask over the frames (its coverage, 0..1) and the files written."""

    input: str
    kind: str
    frames: int
    cuts: list[int] = field(default_factory=list)
    faces: int = 0
    skin_model: dict = field(default_factory=dict)
    coverage: dict[str, float] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    overlay: str | None = None
    status: str = "written"

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _work(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    s = WORK_SIDE / max(h, w)
    if s >= 1.0:
        return np.asarray(rgb, np.float32)
    return cv2.resize(np.asarray(rgb, np.float32), (max(8, round(w * s)), max(8, round(h * s))),
                      interpolation=cv2.INTER_AREA)


def skin_model_of(pictures: list[np.ndarray]) -> tuple[SkinModel | None, int]:
    """The skin model seeded by the faces in ``pictures`` (H, W, 3) 0..1 (None without
    faces), and how many faces seeded it."""
    pixels = []
    for pic, faces in zip(pictures, seed_faces(pictures), strict=True):
        for face in faces:
            pixels.append(np.asarray(pic, np.float32)[inner_region(face)])
    model = fit_skin_model(pixels)
    return (model, len(pixels)) if model is not None else (None, 0)


def shot_skin_models(path: Path, frames: int, cuts: list[int]
                     ) -> tuple[list[SkinModel | None], int]:
    """One skin model per shot of a clip (shots split at ``cuts``, frame indices), each seeded
    by the faces in SHOT_SEEDS frames of its own (light and people change at a cut;
    gradecli.io.faces.seed_faces); a shot where no face is found takes the model of all the
    clip's faces (None: none anywhere).
    Returns the models and how many faces were found."""
    bounds = [0, *[c for c in cuts if 0 < c < frames], max(frames, 1)]
    shots = list(zip(bounds[:-1], bounds[1:], strict=True))
    last = max(1, frames - 1)
    wanted = [min(1.0, (a + (i + 0.5) * (b - a) / SHOT_SEEDS) / last)
              for a, b in shots for i in range(SHOT_SEEDS)]
    _, got = read_frames_at(path, wanted)
    by_shot: list[list[np.ndarray]] = [[] for _ in shots]
    for index, _, rgb in got:
        by_shot[min(len(shots) - 1, max(0, bisect.bisect_right(bounds, index) - 1))].append(rgb)
    pixels = [[np.asarray(rgb, np.float32)[inner_region(face)]
               for rgb, faces in zip(pics, seed_faces(pics), strict=True) for face in faces]
              for pics in by_shot]
    everyone = fit_skin_model([px for ps in pixels for px in ps])
    models = [(fit_skin_model(ps) if ps else None) or everyone for ps in pixels]
    return models, sum(len(ps) for ps in pixels)


def clip_skin_model(path: str | os.PathLike) -> tuple[SkinModel | None, int]:
    """A clip's (or still's) skin model (None: no face found) and how many faces seeded it."""
    p = Path(path)
    if is_image_path(p):
        return skin_model_of([read_image(p).rgb])
    _, frames = read_frames_at(p, list(SEED_FRAMES))
    return skin_model_of([f for _, _, f in frames])


def _masks(rgb: np.ndarray, skin: SkinModel | None, model) -> dict[str, np.ndarray]:
    small = _work(rgb)
    found = model.predict(small) if model is not None else masks_for(small, skin)
    h, w = rgb.shape[:2]
    return {k: cv2.resize(v, (w, h), interpolation=cv2.INTER_LINEAR) for k, v in found.items()}


def overlay(rgb: np.ndarray, masks: dict[str, np.ndarray], label: str = "") -> np.ndarray:
    """The picture with each mask tinted over it (skin orange, sky blue, foliage green)."""
    out = np.asarray(rgb, np.float32).copy()
    for name, m in masks.items():
        a = 0.55 * m[..., None]
        out = (1.0 - a) * out + a * np.array(_TINTS[name], np.float32)
    if label:
        cv2.putText(out, label, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (1.0, 1.0, 1.0), 1,
                    cv2.LINE_AA)
    return np.clip(out, 0.0, 1.0)


def _sheet(tiles: list[np.ndarray], width: int = 1280) -> np.ndarray:
    """Tiles side by side (two rows when more than three), each as wide as fits ``width``."""
    cols = len(tiles) if len(tiles) <= 3 else -(-len(tiles) // 2)
    tw = width // cols
    scaled = [cv2.resize(t, (tw, max(1, round(t.shape[0] * tw / t.shape[1]))),
                         interpolation=cv2.INTER_AREA) for t in tiles]
    th = max(t.shape[0] for t in scaled)
    pad = [np.pad(t, ((0, th - t.shape[0]), (0, 0), (0, 0))) for t in scaled]
    pad += [np.zeros_like(pad[0])] * (-len(pad) % cols)
    rows = [np.hstack(pad[i:i + cols]) for i in range(0, len(pad), cols)]
    return np.vstack(rows)


def segment_file(path: str | os.PathLike, out_dir: str | os.PathLike, opts: SegmentOptions,
                 overwrite: str = "yes",
                 progress: Callable[[int, int | None], None] | None = None) -> SegmentResult:
    """Masks of one still or clip written into ``out_dir`` (see the module docstring)."""
    opts.validate()
    p = Path(path)
    out = Path(out_dir)
    if is_image_path(p):
        return _segment_still(p, out, opts, overwrite)
    if not is_video_path(p):
        raise BadInputError(f"{p}: not a video or image (unknown extension '{p.suffix}')")
    return _segment_clip(p, out, opts, overwrite, progress)


def _segment_still(p: Path, out: Path, opts: SegmentOptions, overwrite: str) -> SegmentResult:
    rgb = read_image(p).rgb.astype(np.float32)
    targets = [out / f"{p.stem}.{c}.png" for c in CLASSES]
    sheet_path = out / f"{p.stem}.overlay.png"
    if any([output_exists(t, overwrite) for t in [*targets, sheet_path]]):
        return SegmentResult(str(p), "image", 0, status="skipped")
    skin, faces = skin_model_of([rgb])
    masks = _masks(rgb, skin, opts.seg_model)
    out.mkdir(parents=True, exist_ok=True)
    for t, c in zip(targets, CLASSES, strict=True):
        write_mask(t, masks[c], bit_depth=opts.bits)
    write_image(sheet_path, _sheet([rgb, overlay(rgb, masks, p.name)]))
    return SegmentResult(str(p), "image", 1, [], faces, skin.to_dict() if skin else {},
                         {c: round(float(masks[c].mean()), 4) for c in CLASSES},
                         [str(t) for t in targets], str(sheet_path))


def _segment_clip(p: Path, out: Path, opts: SegmentOptions, overwrite: str,
                  progress) -> SegmentResult:
    folder = out / p.stem
    sheet_path = out / f"{p.stem}.overlay.png"
    videos = [out / f"{p.stem}.{c}.mkv" for c in CLASSES]
    existing = [sheet_path, *(videos if opts.format == "video" else [folder])]
    if any([output_exists(t, overwrite) for t in existing]):
        return SegmentResult(str(p), "video", 0, status="skipped")
    analysis = analyze_clip(p, encoding="srgb", detect_shots=True)
    skins, faces = shot_skin_models(p, analysis.frames, list(analysis.cuts))
    skin = next((m for m in skins if m is not None), None)
    fps = float(analysis.info.frame_rate) or 25.0
    every = max(1, round(fps / opts.rate))
    out.mkdir(parents=True, exist_ok=True)
    writers: dict[str, MaskVideo] = {}
    sums = dict.fromkeys(CLASSES, 0.0)
    previous: dict[str, np.ndarray] | None = None
    last, count, samples, written = -1, 0, [], []
    cuts = set(analysis.cuts)
    inner_cuts = sorted(c for c in cuts if 0 < c < analysis.frames)
    wanted = sorted({round(f * max(0, analysis.frames - 1)) for f in OVERLAY_AT})
    try:
        with InputVideo(p, analysis_only=True) as video:
            for n, frame in enumerate(video.frames()):
                if n % every:
                    continue
                rgb = frame_to_rgb(frame, video.info)
                shot = bisect.bisect_right(inner_cuts, n)
                masks = _masks(rgb, skins[min(shot, len(skins) - 1)], opts.seg_model)
                cut = any(last < c <= n for c in cuts)
                masks = {c: smooth_in_time(previous[c] if previous else None, masks[c],
                                           opts.smoothing, cut) for c in CLASSES}
                previous, last = masks, n
                written += _write_frame(masks, n, folder, writers, opts, videos, fps / every)
                for c in CLASSES:
                    sums[c] += float(masks[c].mean())
                count += 1
                if wanted and n >= wanted[0]:  # the overlay's frames, spread over the clip
                    samples.append((n, rgb, masks))
                    while wanted and n >= wanted[0]:
                        wanted.pop(0)
                if progress is not None:
                    progress(n + 1, analysis.frames)
        for w in writers.values():
            w.commit()
    except BaseException:
        for w in writers.values():
            w.abort()
        raise
    tiles = [overlay(rgb, m, f"frame {n}") for n, rgb, m in samples]
    write_image(sheet_path, _sheet(tiles))
    outputs = [str(v) for v in videos] if opts.format == "video" else written
    return SegmentResult(str(p), "video", count, sorted(cuts), faces,
                         skin.to_dict() if skin else {},
                         {c: round(sums[c] / max(1, count), 4) for c in CLASSES},
                         outputs if opts.format == "video" else [str(folder)], str(sheet_path))


def _write_frame(masks, n: int, folder: Path, writers: dict, opts: SegmentOptions,
                 videos: list[Path], rate: float) -> list[str]:
    if opts.format == "video":
        for c, target in zip(CLASSES, videos, strict=True):
            if c not in writers:
                h, w = masks[c].shape
                writers[c] = MaskVideo(target, w, h, Fraction(rate).limit_denominator(1001),
                                       opts.bits)
            writers[c].write(masks[c])
        return []
    names = []
    for c in CLASSES:
        (folder / c).mkdir(parents=True, exist_ok=True)
        target = folder / c / f"{n:06d}.png"
        write_mask(target, masks[c], bit_depth=opts.bits)
        names.append(str(target))
    return names
