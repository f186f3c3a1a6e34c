"""One shot's (or one still's) LUT towards a target: the use case shared by match and grade.

Three modes (see gradecli.pipeline.options.resolve_mode): "look" (the shot's estimated look
removed, the target look given), "model" (the bundled style model) and "colour" (a colour
transfer of the shot's CIELAB samples towards the target's, its mean refined onto the target's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.look_estimate import ShotLook
from gradecli.color.lut import Lut
from gradecli.color.spaces import lab_to_rgb, rgb_to_lab
from gradecli.color.transfer import fit_transfer
from gradecli.pipeline.shot_look import look_transfer_lut
from gradecli.pipeline.targets import Target

if TYPE_CHECKING:
    from gradecli.pipeline.options import MatchOptions

__all__ = ["ShotInput", "ShotGoal", "ShotFit", "fit_shot_lut", "model_lut", "refine_mean",
           "shot_target"]


@dataclass(frozen=True)
class ShotInput:
    """What is known of the shot: R'G'B' samples (N, 3) 0..1, their CIELAB (N, 3), a small
    picture (uint8 or float R'G'B', for the style model), the encoding and its estimated look."""

    rgb: np.ndarray
    lab: np.ndarray
    picture: np.ndarray | None
    encoding: str
    look: ShotLook | None


@dataclass(frozen=True)
class ShotGoal:
    """Where the shot goes: the mode, the transfer method (colour mode), the target, the target
    look (look mode), the loaded style model (model mode) and the noise of a change of look
    towards the target (look mode; gradecli.pipeline.shot_look.target_noise_scale)."""

    mode: str
    method: str
    target: Target
    look: ShotLook | None = None
    model: Any = None
    noise_scale: float = 2.0


@dataclass(frozen=True)
class ShotFit:
    """The shot's LUT and, when it was measured on the way, the mean CIELAB of its samples
    through it (tetrahedral), else None; in look mode, the share 0..1 of the change of cast and
    exposure towards the target that was made (the rest was within content noise)."""

    lut: Lut
    after_mean: np.ndarray | None = None
    look_share: float | None = None


def fit_shot_lut(shot: ShotInput, goal: ShotGoal, opts: MatchOptions) -> ShotFit:
    """The LUT (``opts.lut_size``, ``opts.strength`` 0..1 of the way) taking ``shot`` to
    ``goal``."""
    if goal.mode == "look":
        assert goal.look is not None and shot.look is not None
        lut, share = look_transfer_lut(shot.look, goal.look, shot.encoding, opts.strength,
                                       opts.lut_size, goal.noise_scale)
        return ShotFit(lut, look_share=share)
    if goal.mode == "model":
        # The model judges look apart from content: no statistics are matched.
        return ShotFit(model_lut(goal.model, shot.picture, goal.target.thumb, opts.strength,
                                 opts.lut_size))
    tf = fit_transfer(
        goal.method,
        shot.lab,
        shot_target(goal.target, shot.lab, opts.contrast),
        strength=opts.strength,
        encoding=shot.encoding,
        seed=opts.seed,
    )
    lut = Lut.from_function(tf, size=opts.lut_size)
    if opts.strength < 1.0:
        return ShotFit(lut)
    lut, mean = refine_mean(lut, shot.rgb, goal.target.lab.mean(axis=0), shot.encoding)
    return ShotFit(lut, mean)


def refine_mean(
    lut: Lut, rgb: np.ndarray, target_mean: np.ndarray, encoding: str, rounds: int = 3
) -> tuple[Lut, np.ndarray | None]:
    """Nudge ``lut`` so the mean CIELAB colour of ``rgb`` through it lands on ``target_mean``.

    Gamut compression and the LUT grid move a transfer's result a little off its target mean
    (most for strong casts of saturated pictures); a uniform CIELAB offset, re-baked into the
    LUT, corrects that. Stops once within 0.05 CIEDE2000. Returns the LUT and, when it was
    measured, the mean CIELAB colour of ``rgb`` through it (tetrahedral), else None.
    """
    size = lut.size or 33
    for _ in range(rounds):
        mean = rgb_to_lab(lut.apply(rgb.astype(np.float64)), encoding).mean(axis=0)
        if float(delta_e2000(mean, target_mean)) < 0.05:
            return lut, mean
        offset = target_mean - mean

        def shifted(x: np.ndarray, base: Lut = lut, d: np.ndarray = offset) -> np.ndarray:
            return lab_to_rgb(rgb_to_lab(base.apply(x), encoding) + d, encoding)

        lut = Lut.from_function(shifted, size=size)
    return lut, None


def shot_target(tgt: Target, src_lab: np.ndarray, contrast: float) -> np.ndarray:
    """The target sample for one shot: for consensus targets, its L* spread moved only
    ``contrast`` of the way (geometrically) from the shot's spread to the target's."""
    if tgt.kind not in ("average", "median") or contrast >= 1.0:
        return tgt.lab
    mu = tgt.lab[:, 0].mean()
    s_t = max(float(tgt.lab[:, 0].std()), 1e-3)
    s_s = max(float(src_lab[:, 0].std()), 1e-3)
    lab = tgt.lab.copy()
    lab[:, 0] = mu + (lab[:, 0] - mu) * (s_s / s_t) ** (1.0 - contrast)
    return lab


def model_lut(model, source: np.ndarray, reference: np.ndarray, strength: float,
               size: int) -> Lut:
    """The style model's LUT for a (source, reference) pair, at ``strength`` 0..1 of the way
    from identity, at ``size``."""
    lut = model.predict_lut(source, reference)
    if strength < 1.0:
        full = lut
        lut = Lut.from_function(lambda x: x + strength * (full.apply(x) - x), size=size)
    elif lut.size != size:
        lut = lut.resample(size)
    return lut
