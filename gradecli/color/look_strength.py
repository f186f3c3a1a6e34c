"""Make a look from words change every picture by a similar measured amount.

A parametric look (``GradeParams``) acts on colours, so how much it changes a picture depends on
what the picture shows: "warm" moves the mean b* of a grey street more than that of a red wall
(already near the gamut edge), "high contrast" spreads the L* of a flat picture less than that of a
picture with deep shadows. A prompt names an *amount* of change, so the look's strength is
calibrated per picture: its effect on the picture's own colours is measured and the look scaled
(``GradeParams.scaled``) so that the effect matches what it does to a standard picture, the 24
ColorChecker patches.

Effect vector (CIELAB, L* 0..100): mean Δa*, mean Δb*, relative change of the spread of L* and of
mean chroma C*, the latter two in percent. The look's main effect (the component largest on the
chart against a just-noticeable 1 a*/b* unit or 5%) is matched; the scale is clamped to 0.5..2.0
("do no harm": never more than double or halve a look).
"""

from __future__ import annotations

import numpy as np

from gradecli.color.grade_model import GradeParams, apply_grade
from gradecli.color.look_estimate import colorchecker_srgb
from gradecli.color.spaces import rgb_to_lab

__all__ = ["look_effect", "calibrated_strength", "SCALE_RANGE"]

#: The calibration never scales a look by less or more than this.
SCALE_RANGE = (0.5, 2.0)
_SAMPLES = 4096
_NOTICEABLE = np.array([1.0, 1.0, 5.0, 5.0])


def _sample(rgb: np.ndarray) -> np.ndarray:
    x = np.asarray(rgb, np.float64).reshape(-1, 3)
    return x[:: max(1, len(x) // _SAMPLES)]


def look_effect(params: GradeParams, rgb: np.ndarray, encoding: str = "srgb") -> np.ndarray:
    """(mean Δa*, mean Δb*, % change of L* spread, % change of mean C*) of ``params`` on the
    colours ``rgb`` (..., 3) R'G'B' 0..1."""
    x = _sample(rgb)
    before = rgb_to_lab(x, encoding)
    after = rgb_to_lab(apply_grade(params, x, encoding), encoding)
    c0 = np.hypot(before[:, 1], before[:, 2]).mean()
    c1 = np.hypot(after[:, 1], after[:, 2]).mean()
    s0 = before[:, 0].std()
    return np.array([
        (after[:, 1] - before[:, 1]).mean(),
        (after[:, 2] - before[:, 2]).mean(),
        100.0 * (after[:, 0].std() - s0) / max(s0, 1.0),
        100.0 * (c1 - c0) / max(c0, 1.0),
    ])


def calibrated_strength(params: GradeParams, rgb: np.ndarray, encoding: str = "srgb",
                        rounds: int = 2) -> float:
    """The factor (0.5..2.0) to scale ``params`` by so that its effect on ``rgb`` matches its
    effect on the ColorChecker chart. 1.0 for a neutral look or one with no measurable effect."""
    if params.is_neutral:
        return 1.0
    goal = look_effect(params, colorchecker_srgb(), "srgb")
    if not np.any(np.abs(goal) > 1e-6):
        return 1.0
    # Match the look's main effect: the component largest against what a viewer notices
    # (1 unit of a*/b*, 5% of L* spread or chroma).
    main = int(np.argmax(np.abs(goal) / _NOTICEABLE))
    scale = 1.0
    for _ in range(rounds):
        got = float(look_effect(params.scaled(scale), rgb, encoding)[main])
        if got * goal[main] <= 0.0:  # no effect, or the opposite one: leave the look as it is
            return scale
        # The effect grows about linearly with the scale: fit it, then re-measure once.
        scale = float(np.clip(scale * goal[main] / got, *SCALE_RANGE))
    return scale
