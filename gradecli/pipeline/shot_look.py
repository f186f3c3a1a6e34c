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

from gradecli.color import look_prior
from gradecli.color.look_estimate import (
    NEUTRAL,
    ShotLook,
    change_evidence,
    estimate_look,
    mean_look,
    towards,
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
    "similarity_matrix",
    "same_scene",
    "target_look",
    "look_transfer_lut",
    "target_noise_scale",
    "scene_noise_scale",
    "measured_look",
    "clip_look",
    "clip_picture",
    "clip_thumb",
    "shot_looks",
    "unbarred",
]

#: ``--match``: what is made equal between clips. auto: colour when every clip shows the same
#: scene (takes or generations of one shot: then distributions should agree), else look.
MATCH_MODES = ("auto", "look", "colour")

#: Default ``--max-de`` by what a verdict compares. Looks of clips of different content differ
#: by the estimator's content noise even when graded alike: the look threshold is the 90th
#: percentile of the look differences between pairs of different uncast training photos
#: (gradecli.color.look_prior.LOOK_FLOOR, measured by ``python -m training.tune_looks``), so a
#: look gate fails about one such pair in ten.
DEFAULT_MAX_DE = {"colour": 2.0, "look": round(float(look_prior.LOOK_FLOOR[2]), 1)}


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


def _ranks(picture: np.ndarray) -> np.ndarray | None:
    """The picture's lightness layout as centred, unit-length ranks (None when flat)."""
    lay = _layout(picture)
    if np.ptp(lay) < 1e-3:
        return None
    r = np.argsort(np.argsort(lay)).astype(np.float64)
    r -= r.mean()
    return r / np.sqrt((r * r).sum())


def content_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """How alike two pictures' content is, -1..1: the rank (Spearman) correlation of their
    lightness at 32 x 32, which a cast, an exposure change or a tone curve (all monotone per
    picture) do not change. Two featureless (flat) pictures count as alike (1)."""
    return float(similarity_matrix([a, b])[0, 1])


def similarity_matrix(pictures: list[np.ndarray | None]) -> np.ndarray:
    """:func:`content_similarity` of every pair of ``pictures`` (n, n), at once (each layout
    ranked once). A missing picture is like nothing (0) but itself (1)."""
    n = len(pictures)
    ranks = [None if p is None else _ranks(p) for p in pictures]
    flat = np.array([p is not None and r is None for p, r in zip(pictures, ranks, strict=True)])
    z = np.zeros((n, 32 * 32))
    for i, r in enumerate(ranks):
        if r is not None:
            z[i] = r
    sim = z @ z.T
    sim[np.ix_(flat, flat)] = 1.0  # featureless fields: the same "scene" only as each other
    np.fill_diagonal(sim, 1.0)
    return sim


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
    if tgt.look is not None:
        return tgt.look
    pic = tgt.thumb
    return estimate_look(lab_to_rgb(tgt.lab, encoding), encoding, pic)


def look_transfer_lut(source: ShotLook, target: ShotLook, encoding: str, strength: float,
                      size: int, noise_scale: float = 2.0) -> tuple[Lut, float]:
    """The LUT that removes ``source``'s look and applies ``target``'s (``strength`` 0..1), the
    cast and exposure changed only as far as they stand out from the estimates' content noise
    (gradecli.color.look_estimate.change_evidence; ``noise_scale`` as there), and that share
    0..1 of the change."""
    share = change_evidence(source, target, noise_scale)
    target = towards(source, target, share)
    lut = Lut.from_function(
        lambda x: transfer_look(source, target, x, encoding, strength), size=size
    )
    return lut, share


def target_noise_scale(kind: str, members: int) -> float:
    """The noise of a change towards a target of ``kind`` (change_evidence's ``noise_scale``):
    a neutral target is exact, an average of ``members`` estimates shares the source's noise,
    one other picture's estimate has its own."""
    if kind == "neutral":
        return 1.0
    if kind in ("average", "median"):
        return max(0.5, 1.0 - 1.0 / max(1, members))
    return 2.0


#: The least noise of a change of look between two pictures of one scene (in units of one
#: estimate's content noise): codec noise and framing still differ.
MIN_SCENE_NOISE = 0.1


def scene_noise_scale(noise_scale: float, picture: np.ndarray | None,
                      target: np.ndarray | None) -> float:
    """``noise_scale`` for a change from a shot (``picture``) towards a target picture: an
    estimate's error is a function of what the picture shows, so two pictures of one scene
    (content_similarity rho >= SAME_SCENE) share it and the difference of their estimates has
    variance ``2 (1 - rho)`` of one estimate's, not 2. Unchanged for other content, a missing
    picture or a target that is not one picture's estimate (``noise_scale`` < 2)."""
    if picture is None or target is None or noise_scale < 2.0:
        return noise_scale
    rho = content_similarity(picture, target)
    if rho < SAME_SCENE:
        return noise_scale
    return max(MIN_SCENE_NOISE, 2.0 * (1.0 - rho))


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


def shot_looks(a: ClipAnalysis) -> list[ShotLook]:
    """The estimated look of each shot of an analysed clip (its samples and bar-cropped
    picture)."""
    return [estimate_look(s.rgb, a.encoding, unbarred(a, s.thumb)) for s in a.shots]


def clip_look(a: ClipAnalysis, looks: list[ShotLook] | None = None) -> ShotLook:
    """A clip's look: its shots' looks (``looks``, else :func:`shot_looks`) averaged, weighted
    by their samples (NEUTRAL for a clip without shots)."""
    looks = shot_looks(a) if looks is None else looks
    return mean_look(looks, [len(s.rgb) for s in a.shots])


def clip_thumb(a: ClipAnalysis) -> np.ndarray | None:
    """The picture of a clip's middle shot (None for a clip without shots)."""
    return a.shots[len(a.shots) // 2].thumb if a.shots else None


def clip_picture(a: ClipAnalysis) -> np.ndarray | None:
    """:func:`clip_thumb` without the clip's letterbox/pillarbox bars (for telling scenes
    apart and for model targets)."""
    return unbarred(a, clip_thumb(a))


def unbarred(a: ClipAnalysis, thumb: np.ndarray | None) -> np.ndarray | None:
    """``thumb`` (a small picture of clip ``a``) without its letterbox/pillarbox bars."""
    if thumb is None or not any(a.bars):
        return thumb
    h, w = thumb.shape[:2]
    top, bottom, left, right = a.bars
    sy, sx = h / a.info.height, w / a.info.width
    crop = thumb[round(top * sy): h - round(bottom * sy), round(left * sx): w - round(right * sx)]
    return crop if min(crop.shape[:2]) >= 8 else thumb
