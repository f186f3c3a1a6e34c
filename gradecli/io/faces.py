"""Faces in pictures, found with the Haar cascades OpenCV bundles (Viola & Jones 2001; the
frontal face models ``default`` and ``alt2`` and the profile model that ship in the
opencv-python wheels as ``cv2.data.haarcascades``).

A frontal find is kept when the cascade is confident (its level weight) or a second frontal
model confirms it; profile finds stand alone; overlapping finds are merged (the larger wins);
a box is kept only when its middle looks like skin of some colour (:func:`plausible_skin`: not
grey, and within a generous reach of the published skin prior, so faces under coloured light
still count), which drops the cascades' false finds on machinery and textures. Profiles are
searched in the picture and its mirror image, for faces of at least _PROFILE_SHARE of the
picture's long side (smaller faces: frontal only). :func:`seed_faces` is the search a skin
model is seeded from: small faces only where the large ones are too few.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from gradecli.color.spaces import lab_to_lch, rgb_to_lab
from gradecli.errors import GradeError

__all__ = ["Face", "detect_faces", "inner_region", "merged", "seed_faces"]

_FRONTAL = "haarcascade_frontalface_default.xml"
_FRONTAL_ALT = "haarcascade_frontalface_alt2.xml"
_PROFILE = "haarcascade_profileface.xml"
#: The frontal cascade's level weights: a find is kept from _MIN_WEIGHT when the alt2 cascade
#: confirms it, from _SURE_WEIGHT alone (on the project's pictures real faces score 4.3..7.5,
#: textures 0.7..3.7, a cartoon llama 4.4 unconfirmed).
_MIN_WEIGHT = 3.0
_SURE_WEIGHT = 6.0
#: Pictures are searched at most this many pixels on the long side (Tears of Steel's 640x360
#: frames, 2 cores: about 0.05 s a frame for large faces, 0.03 s more for small ones; faces
#: smaller than about 3 % of the long side, 12 pixels here, are not found).
_DETECT_SIDE = 400
#: Faces at least this share of the picture's long side are searched frontal and, where no
#: frontal face is found, in profile; smaller ones frontal only (searching for them costs
#: three quarters of the time, and a small profile gives little skin to seed a model).
_PROFILE_SHARE = 0.12
#: The two size ranges overlap by this factor (about three scale steps of 1.1), so that a face
#: at their border gathers its neighbouring finds in one of them.
_OVERLAP = 1.35
#: A skin model is seeded from the large faces alone when at least this many are found.
_ENOUGH_LARGE = 2


@dataclass(frozen=True)
class Face:
    """A face's box in pixels: left, top, width, height."""

    x: int
    y: int
    w: int
    h: int


@functools.lru_cache(maxsize=4)
def _detector(name: str):
    path = getattr(getattr(cv2, "data", None), "haarcascades", "") + name
    make = getattr(cv2, "CascadeClassifier", None)
    detector = make(path) if make is not None else None
    if detector is None or detector.empty():
        raise GradeError(f"OpenCV's face model {name} is missing (opencv-python-headless "
                         "4.x ships it; install gradecli's declared OpenCV)")
    return detector


def _run(name: str, grey: np.ndarray, min_side: int, neighbours: int) -> list[Face]:
    found = _detector(name).detectMultiScale(grey, scaleFactor=1.1, minNeighbors=neighbours,
                                             minSize=(min_side, min_side))
    return [Face(int(a), int(b), int(c), int(d)) for a, b, c, d in found]


def _overlap(a: Face, b: Face) -> float:
    """Intersection over the smaller box's area, 0..1."""
    w = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    h = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / min(a.w * a.h, b.w * b.h)


def plausible_skin(pixels: np.ndarray) -> bool:
    """Whether a face box's middle pixels ((N, 3) R'G'B' 0..1, sRGB) could be skin under some
    light: their median colour has CIELAB chroma of at least 7 (skin is never grey) and a hue
    outside the greens, cyans, blues and violets (100..320 degrees). Skin graded warm, green-
    yellow or magenta passes; machinery, sky, neon-lit haze and foliage the cascades mistake for
    faces do not."""
    px = np.asarray(pixels, np.float64).reshape(-1, 3)
    if len(px) == 0:
        return False
    lab = np.median(rgb_to_lab(np.clip(px, 0.0, 1.0), "srgb"), axis=0)
    _, chroma, hue = lab_to_lch(lab)
    return chroma >= 7.0 and not 100.0 < hue < 320.0


def _frontal(grey: np.ndarray, min_side: int, max_side: int = 0) -> list[Face]:
    """The frontal finds from ``min_side`` to ``max_side`` pixels (0: no limit): the
    ``default`` cascade's boxes that the ``alt2`` cascade confirms (overlap) with a level weight
    (confidence) of at least _MIN_WEIGHT, or unconfirmed with at least _SURE_WEIGHT. Weaker or
    lone finds are mostly textures and cartoon animals."""
    boxes, _, weights = _detector(_FRONTAL).detectMultiScale3(
        grey, scaleFactor=1.1, minNeighbors=4, minSize=(min_side, min_side),
        maxSize=(max_side, max_side), outputRejectLevels=True)
    found = []
    for (a, b, c, d), w in zip(boxes, np.ravel(weights), strict=True):
        f = Face(int(a), int(b), int(c), int(d))
        if w >= _SURE_WEIGHT or (w >= _MIN_WEIGHT and _confirmed(grey, f, min_side)):
            found.append(f)
    return found


def _confirmed(grey: np.ndarray, face: Face, min_side: int) -> bool:
    """Whether the alt2 cascade, run on the box and a margin around it, finds the same face."""
    m = face.w // 2
    y0, x0 = max(0, face.y - m), max(0, face.x - m)
    crop = np.ascontiguousarray(grey[y0:face.y + face.h + m, x0:face.x + face.w + m])
    alt = _run(_FRONTAL_ALT, crop, min_side, 2)
    return any(_overlap(face, Face(o.x + x0, o.y + y0, o.w, o.h)) > 0.5 for o in alt)


def detect_faces(rgb: np.ndarray, min_side: int = 24, sizes: str = "all") -> list[Face]:
    """Faces in a picture (H, W, 3), R'G'B' 0..1 float or uint8, largest first; overlapping
    finds are merged into the larger box. ``sizes``: "large" (at least _PROFILE_SHARE of the
    long side: frontal ones, or where there are none, profiles), "small" (``min_side`` pixels
    up to that: frontal only) or "all" (both)."""
    if sizes not in ("all", "large", "small"):
        raise ValueError(f"sizes must be all, large or small, got {sizes!r}")
    x = np.asarray(rgb)
    u8 = x if x.dtype == np.uint8 else (np.clip(x, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    u8 = np.ascontiguousarray(u8)
    scale = min(1.0, _DETECT_SIDE / max(u8.shape[:2]))
    if scale == 1.0:
        return _search(u8, min_side, sizes)
    # faces are searched at most _DETECT_SIDE pixels on the long side
    small = cv2.resize(u8, (round(u8.shape[1] * scale), round(u8.shape[0] * scale)),
                       interpolation=cv2.INTER_AREA)
    return [Face(round(f.x / scale), round(f.y / scale), round(f.w / scale), round(f.h / scale))
            for f in _search(small, max(12, round(min_side * scale)), sizes)]


def _search(u8: np.ndarray, min_side: int, sizes: str) -> list[Face]:
    """:func:`detect_faces` on a picture (H, W, 3) uint8 of at most _DETECT_SIDE pixels."""
    grey = cv2.equalizeHist(cv2.cvtColor(u8, cv2.COLOR_RGB2GRAY))
    big = max(min_side, round(_PROFILE_SHARE * max(grey.shape)))
    finds = _large(grey, big) if sizes != "small" else []
    if big > min_side and sizes != "large":  # frontal only (the ranges overlap a little)
        finds += _frontal(grey, min_side, round(big * _OVERLAP))
    return merged(f for f in finds if plausible_skin(u8[inner_region(f)] / 255.0))


def _large(grey: np.ndarray, min_side: int) -> list[Face]:
    """Frontal finds of at least ``min_side`` pixels, or where there are none, profile finds
    (in the picture and its mirror image)."""
    finds = _frontal(grey, min_side)
    if not finds:  # profiles only where no frontal face is found (half the search time)
        width = grey.shape[1]
        finds += _run(_PROFILE, grey, min_side, 4)
        finds += [Face(width - f.x - f.w, f.y, f.w, f.h)
                  for f in _run(_PROFILE, np.ascontiguousarray(grey[:, ::-1]), min_side, 4)]
    return finds


def merged(faces: Iterable[Face]) -> list[Face]:
    """Faces largest first, each dropped where it overlaps a larger one kept (by more than 30 %
    of the smaller box)."""
    kept: list[Face] = []
    for f in sorted(faces, key=lambda f: f.w * f.h, reverse=True):
        if not any(_overlap(f, k) > 0.3 for k in kept):
            kept.append(f)
    return kept


def seed_faces(pictures: Sequence[np.ndarray], min_side: int = 24) -> list[list[Face]]:
    """The faces a skin model is seeded from, per picture (H, W, 3) 0..1 or uint8: the large
    faces of all the pictures when there are at least _ENOUGH_LARGE of them, else every face
    (:func:`detect_faces`). Large faces give many sharp skin pixels; searching for the small
    ones costs three times as much, so it is done only where the large ones are too few (a
    person seen only small, in pictures that also show large faces, does not seed the model)."""
    large = [detect_faces(p, min_side, "large") for p in pictures]
    if sum(map(len, large)) >= _ENOUGH_LARGE:
        return large
    return [merged([*lg, *detect_faces(p, min_side, "small")])
            for lg, p in zip(large, pictures, strict=True)]


def inner_region(face: Face) -> tuple[slice, slice]:
    """(rows, cols) of a face box's inner skin: the middle 60 % across and 55 % down from a
    quarter below its top (cheeks, nose, forehead; not hair or background)."""
    y0 = face.y + int(0.25 * face.h)
    x0 = face.x + int(0.2 * face.w)
    return slice(y0, y0 + int(0.55 * face.h)), slice(x0, x0 + int(0.6 * face.w))
