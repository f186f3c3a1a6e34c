"""Look matching for shots and stills: estimate each one's look, remove it, give it the target's.

The default of ``match`` and ``grade --ref`` (``--match look``). Each shot's look (cast, exposure,
lifted black: gradecli.color.look_estimate) is estimated from the samples and picture the analysis
already holds; the target look is built from the inputs' looks (``average``), is none
(``neutral``), or is one clip's or still's look (``first``, ``brightest``, ``hero:``, ``ref:``).
Every shot's LUT is then "remove my look, apply the target's", a function of colour alone, so
content colours (a green forest, an orange llama) keep their place.
"""

from __future__ import annotations

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
from gradecli.pipeline.targets import Target

__all__ = ["MATCH_MODES", "shot_look", "target_look", "look_transfer_lut", "measured_look"]

#: ``--match``: what is made equal between clips.
MATCH_MODES = ("look", "colour")


def shot_look(rgb: np.ndarray, encoding: str, picture: np.ndarray | None) -> ShotLook:
    """The estimated look of one shot or still: samples (N, 3) R'G'B' 0..1 and a picture."""
    return estimate_look(rgb, encoding, picture)


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


def measured_look(lut: Lut, rgb: np.ndarray, encoding: str,
                  picture: np.ndarray | None) -> ShotLook:
    """The look estimated on ``rgb`` (and ``picture``) graded through ``lut``: what the output
    looks like to the same estimator, for reports and gates."""
    pic = None
    if picture is not None:
        p = np.asarray(picture)
        p = p / 255.0 if p.dtype == np.uint8 else p
        pic = lut.apply(p.astype(np.float64))
    return estimate_look(lut.apply(np.asarray(rgb, np.float64)), encoding, pic)
