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
chart against a just-noticeable 1 a*/b* unit or 5%) is matched; the scale is clamped to 0.25..4.0
(measured on the held-out photos of benchmarks/bench_prompt_strength.py: 0.5..2.0 left a
near-black picture and one mostly clipped to white at a fifth of the chart's contrast). Contrast
pivots on the picture's median lightness, as a colourist sets the pivot: about a fixed L* 50 it
moves a dark or a bright picture as a whole more than it spreads its tones (measured: the
spread of L* rose 2.8 % on a picture mostly clipped to white and 24 % on others).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gradecli.color.grade_model import GradeParams, apply_grade
from gradecli.color.look_estimate import colorchecker_srgb
from gradecli.color.spaces import rgb_to_lab

__all__ = ["Calibration", "calibrate", "calibrated_strength", "look_effect", "picture_pivot",
           "SCALE_RANGE"]

#: The calibration never scales a look by less or more than this.
SCALE_RANGE = (0.25, 4.0)
#: The contrast pivot (L*/100) stays in this range when it follows a picture's lightness.
PIVOT_RANGE = (0.15, 0.85)
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


@dataclass(frozen=True)
class Calibration:
    """A look fitted to one picture: ``params`` (what to apply), the ``scale`` its deltas from
    neutral were multiplied by (0.25..4.0), and ``pivot``, the contrast pivot (L*/100) moved to
    the picture's median lightness, or None when the look's own pivot was kept."""

    params: GradeParams
    scale: float = 1.0
    pivot: float | None = None


def picture_pivot(rgb: np.ndarray, encoding: str = "srgb") -> float:
    """The median lightness of a picture as L*/100, within the contrast pivot's range: where a
    colourist puts the contrast pivot, so that contrast spreads the picture's own tones about
    their middle instead of pushing a dark or a bright picture as a whole."""
    lightness = rgb_to_lab(_sample(rgb), encoding)[:, 0]
    return float(np.clip(np.median(lightness) / 100.0, *PIVOT_RANGE))


def calibrate(params: GradeParams, rgb: np.ndarray, encoding: str = "srgb",
              rounds: int = 4) -> Calibration:
    """Fit ``params`` to the picture ``rgb`` (..., 3) R'G'B' 0..1: its contrast pivoted on the
    picture's median lightness (when it has contrast and the default pivot), then scaled
    (within :data:`SCALE_RANGE`) so that its main effect on the picture matches its effect on
    the ColorChecker chart. A neutral look, or one whose main effect the picture cannot show
    (the opposite effect at every scale tried), is returned as it is."""
    if params.is_neutral:
        return Calibration(params)
    goal = look_effect(params, colorchecker_srgb(), "srgb")
    if not np.any(np.abs(goal) > 1e-6):
        return Calibration(params)
    pivot = None
    if params.contrast != 0.0 and params.pivot == GradeParams().pivot:
        pivot = picture_pivot(rgb, encoding)

    def at(scale: float) -> GradeParams:  # the pivot is a place, not an amount: not scaled
        return replace(params.scaled(scale), pivot=params.pivot if pivot is None else pivot)

    # Match the look's main effect: the component largest against what a viewer notices
    # (1 unit of a*/b*, 5% of L* spread or chroma).
    main = int(np.argmax(np.abs(goal) / _NOTICEABLE))
    scale = 1.0
    for _ in range(rounds):
        got = float(look_effect(at(scale), rgb, encoding)[main])
        if got * goal[main] <= 0.0:  # no effect, or the opposite one: leave the look as it is
            return Calibration(params) if scale == 1.0 else Calibration(at(scale), scale, pivot)
        # The effect grows about linearly with the scale: fit it, then re-measure.
        new = float(np.clip(scale * goal[main] / got, *SCALE_RANGE))
        if abs(new - scale) < 1e-3:
            break
        scale = new
    return Calibration(at(scale), scale, pivot)


def calibrated_strength(params: GradeParams, rgb: np.ndarray, encoding: str = "srgb",
                        rounds: int = 4) -> float:
    """The factor (:data:`SCALE_RANGE`) :func:`calibrate` scales ``params`` by for ``rgb``.
    1.0 for a neutral look or one with no measurable effect."""
    return calibrate(params, rgb, encoding, rounds).scale
