"""Look matching for shots and stills: estimate each one's look, remove it, give it the target's.

What ``match`` and ``grade --ref`` do for pictures of different content (``--match look``, and
``auto`` when the scenes differ). Each shot's look (colour cast, lifted black:
gradecli.color.look_estimate) is estimated from the samples and picture the analysis already
holds; the target look is built from the inputs' looks (``average``), is none
(``neutral``), or is one clip's or still's look (``first``, ``brightest``, ``hero:``, ``ref:``).
Every shot's LUT is then "remove my look, apply the target's", a function of colour alone, so
content colours (a green forest, an orange llama) keep their place.
"""

from __future__ import annotations

import cv2
import numpy as np

from gradecli.color.look_estimate import (
    NEUTRAL,
    ShotLook,
    estimate_look,
    mean_look,
    transfer_look,
)
from gradecli.color.lut import Lut
from gradecli.color.spaces import lab_to_rgb
from gradecli.engine.analysis import ClipAnalysis
from gradecli.pipeline.targets import Target

__all__ = [
    "MATCH_MODES",
    "DEFAULT_MAX_DE",
    "default_max_de",
    "SAME_SCENE",
    "content_similarity",
    "same_scene",
    "target_look",
    "look_transfer_lut",
    "measured_look",
    "unbarred",
]

#: ``--match``: what is made equal between clips. auto: colour when every clip shows the same
#: scene (takes or generations of one shot: then distributions should agree), else look.
MATCH_MODES = ("auto", "look", "colour")

#: Default ``--max-de`` by what a verdict compares. Looks of clips of different content differ
#: by the estimator's content noise even when graded alike: over all pairs of the 46 training
#: photos (taken as neutrally graded) the look difference has median 1.36, 75th percentile 2.21
#: and 90th percentile 3.76 ΔE00, so a look gate at 4.0 fails about one such pair in ten.
DEFAULT_MAX_DE = {"colour": 2.0, "look": 4.0}


def default_max_de(by: str, max_de: float | None) -> float:
    """``max_de``, or the default threshold for a verdict ``by`` "colour" or "look"."""
    return DEFAULT_MAX_DE[by] if max_de is None else max_de


#: Rank correlation of two pictures' lightness layout above which they show the same scene.
#: Takes of one photo in different casts measure 0.95-1.0; different photos mostly below 0.5.
SAME_SCENE = 0.8


def _layout(picture: np.ndarray, side: int = 32) -> np.ndarray:
    p = np.asarray(picture)
    p = p.astype(np.float32) / 255.0 if p.dtype == np.uint8 else p.astype(np.float32)
    small = cv2.resize(p, (side, side), interpolation=cv2.INTER_AREA)
    return small.mean(axis=2).ravel()


def content_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """How alike two pictures' content is, -1..1: the rank (Spearman) correlation of their
    lightness at 32 x 32, which a cast, an exposure change or a tone curve (all monotone per
    picture) do not change. Two featureless (flat) pictures count as alike (1)."""
    la, lb = _layout(a), _layout(b)
    flat_a, flat_b = np.ptp(la) < 1e-3, np.ptp(lb) < 1e-3
    if flat_a or flat_b:  # a featureless field: the same "scene" only as another one
        return 1.0 if flat_a and flat_b else 0.0
    ra = np.argsort(np.argsort(la)).astype(np.float64)
    rb = np.argsort(np.argsort(lb)).astype(np.float64)
    ra -= ra.mean()
    rb -= rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra * ra).sum() * (rb * rb).sum()))


def same_scene(pictures: list[np.ndarray | None], threshold: float = SAME_SCENE) -> bool:
    """True when every pair of ``pictures`` shows the same scene (False if any is missing)."""
    if any(p is None for p in pictures):
        return False
    return all(
        content_similarity(a, b) >= threshold
        for i, a in enumerate(pictures)
        for b in pictures[i + 1:]
    )


def target_look(
    tgt: Target, member_looks: list[ShotLook], weights: list[float], encoding: str
) -> ShotLook:
    """The look every shot is given: for ``average``/``median`` the inputs' mean look (weighted
    by ``weights``, e.g. samples per clip), for ``neutral`` none, else the look of the target's
    own picture (its CIELAB samples and thumbnail)."""
    if tgt.kind in ("average", "median"):
        return mean_look(member_looks, weights if tgt.kind == "average" else None)
    if tgt.kind == "neutral":
        return NEUTRAL
    if tgt.hero is not None:
        return member_looks[tgt.hero]
    pic = tgt.thumb
    return estimate_look(lab_to_rgb(tgt.lab, encoding), encoding, pic)


def look_transfer_lut(source: ShotLook, target: ShotLook, encoding: str, strength: float,
             size: int) -> Lut:
    """The LUT that removes ``source``'s look and applies ``target``'s (``strength`` 0..1)."""
    return Lut.from_function(
        lambda x: transfer_look(source, target, x, encoding, strength), size=size
    )


def measured_look(lut: Lut, rgb: np.ndarray | None, encoding: str,
                  picture: np.ndarray | None, graded: np.ndarray | None = None) -> ShotLook:
    """The look estimated on samples ``rgb`` (and ``picture``) graded through ``lut``: what the
    output looks like to the same estimator, for reports and gates. ``graded``: the samples
    already through ``lut``, when the caller has them (``rgb`` is then not needed)."""
    pic = None
    if picture is not None:
        p = np.asarray(picture)
        p = p / 255.0 if p.dtype == np.uint8 else p
        pic = lut.apply(p.astype(np.float64))
    if graded is None:
        graded = lut.apply(np.asarray(rgb, np.float64))
    return estimate_look(graded, encoding, pic)


def unbarred(a: ClipAnalysis, thumb: np.ndarray | None) -> np.ndarray | None:
    """``thumb`` (a small picture of clip ``a``) without its letterbox/pillarbox bars."""
    if thumb is None or not any(a.bars):
        return thumb
    h, w = thumb.shape[:2]
    top, bottom, left, right = a.bars
    sy, sx = h / a.info.height, w / a.info.width
    crop = thumb[round(top * sy): h - round(bottom * sy), round(left * sx): w - round(right * sx)]
    return crop if min(crop.shape[:2]) >= 8 else thumb
