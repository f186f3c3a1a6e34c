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

A look that does several things ("a warm, nostalgic, summer evening feel": warmer, softer, a
little fade, more vibrance) is calibrated part by part (:data:`LOOK_PARTS`): its colour balance
on the picture's change of a*/b*, its tone on the spread of L*, its chroma on C*, each part's
controls scaled by that part's own factor. One factor for the whole look, from its main effect,
let one effect the picture cannot show much of inflate all the others: on a picture already
orange (coffee in a red cup) the warmth could barely move b*, so the whole look was scaled x3.7,
and its fade and softer contrast with it, into a milky orange wash. Exposure is not scaled: a
change in stops is the same amount of light on every picture.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gradecli.color.grade_model import GradeParams, apply_grade
from gradecli.color.look_estimate import colorchecker_srgb
from gradecli.color.spaces import rgb_to_lab

__all__ = ["Calibration", "calibrate", "calibrated_strength", "describe_scales", "join_parts",
           "look_effect", "look_parts", "midtone_balance", "picture_pivot", "ENOUGH",
           "LOOK_PARTS", "MIDTONES", "SCALE_RANGE"]

#: The calibration never scales a look by less or more than this.
SCALE_RANGE = (0.25, 4.0)
#: The contrast pivot (L*/100) stays in this range when it follows a picture's lightness.
PIVOT_RANGE = (0.15, 0.85)
_SAMPLES = 4096
#: A colour part whose white balance reaches less than this share of its main effect on the
#: chart is also tried as a mid-tone balance (see the module's docstring).
ENOUGH = 0.75
#: The name a colour part is reported under when made as a mid-tone balance.
MIDTONES = "colour (mid-tones)"
_NOTICEABLE = np.array([1.0, 1.0, 5.0, 5.0])

#: The parts of a look calibrated separately, and the GradeParams controls of each. Lift, gamma
#: and gain belong to "colour" when their channels differ and to "tone" when they are equal.
#: "exposure" is never scaled.
LOOK_PARTS: dict[str, tuple[str, ...]] = {
    "colour": ("temperature", "tint", "shadow_hue", "shadow_amount", "highlight_hue",
               "highlight_amount", "split_balance", "teal_orange", "hue_shifts"),
    "tone": ("contrast", "pivot", "fade", "highlight_rolloff"),
    "chroma": ("saturation", "vibrance", "bleach_bypass"),
    "exposure": ("exposure",),
}
_PER_CHANNEL = ("lift", "gamma", "gain")
_UNSCALED = ("exposure",)
#: The effects (indices into look_effect's vector) each part is calibrated on: its main one is
#: the largest of these on the chart. A whole look (by_part=False) may use any.
_PART_EFFECTS = {"colour": (0, 1), "tone": (2,), "chroma": (3,), "look": (0, 1, 2, 3)}


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
    """A look fitted to one picture: ``params`` (what to apply); ``scales``, per part of the
    look (:data:`LOOK_PARTS`) that was calibrated, the factor (0.25..4.0) its deltas from neutral
    were multiplied by, the part with the largest effect on the chart first; and ``pivot``, the
    contrast pivot (L*/100) moved to the picture's median lightness, or None when the look's own
    pivot was kept."""

    params: GradeParams
    scales: tuple[tuple[str, float], ...] = ()
    pivot: float | None = None

    @property
    def scale(self) -> float:
        """The factor of the look's main part (the largest effect on the chart); 1.0 if none."""
        return self.scales[0][1] if self.scales else 1.0

    def describe(self) -> str:
        """The factors that are not 1, e.g. ``"colour x2.28, chroma x0.65"`` ("" if none)."""
        return describe_scales(self.scales)


def describe_scales(scales: tuple[tuple[str, float], ...]) -> str:
    """Per-part factors as people read them, those that round to 1.00 left out:
    ``"colour x2.28, chroma x0.65"`` ("" if none)."""
    return ", ".join(f"{part} x{k:.2f}" for part, k in scales if round(k, 2) != 1.0)


def look_parts(params: GradeParams) -> dict[str, GradeParams]:
    """``params`` split into its parts (:data:`LOOK_PARTS`), each a grade of that part's controls
    alone (the rest neutral); parts that do nothing are left out. :func:`join_parts` undoes it."""
    neutral = GradeParams()
    out = {}
    for part, names in LOOK_PARTS.items():
        values = {f: getattr(params, f) for f in names}
        if part in ("colour", "tone"):
            for f in _PER_CHANNEL:
                v = getattr(params, f)
                if (len(set(v)) > 1) == (part == "colour"):
                    values[f] = v
        grade = replace(neutral, **values)
        if not grade.is_neutral:
            out[part] = grade
    return out


def join_parts(parts: dict[str, GradeParams]) -> GradeParams:
    """One grade from parts made by :func:`look_parts` (each part's controls from its grade).
    A per-channel control set in two parts (a colour part made as a mid-tone balance beside a
    tone part's gamma) is combined: lifts add, gammas and gains multiply."""
    neutral = GradeParams()
    values: dict = {}
    for part, grade in parts.items():
        names = LOOK_PARTS[part] + (_PER_CHANNEL if part in ("colour", "tone") else ())
        for f in names:
            v = getattr(grade, f)
            if f not in values:
                values[f] = v
            elif v != getattr(neutral, f):
                values[f] = _combined(f, values[f], v) if f in _PER_CHANNEL else v
    return replace(neutral, **values)


def _combined(field: str, a: tuple, b: tuple) -> tuple:
    if field == "lift":
        return tuple(x + y for x, y in zip(a, b, strict=True))
    return tuple(x * y for x, y in zip(a, b, strict=True))


def midtone_balance(params: GradeParams) -> GradeParams | None:
    """``params`` with its white balance (temperature, tint) made as a mid-tone balance
    instead: per-channel gamma (times any gamma it had) that moves the mean a* and b* of the 24
    ColorChecker patches as the white balance does, their mean L* unchanged. None when
    ``params`` has no white balance. Solved by Gauss-Newton on the gammas' logarithms."""
    if params.temperature == 0.0 and params.tint == 0.0:
        return None
    chart = colorchecker_srgb()
    before = rgb_to_lab(chart, "srgb")

    def effect(grade: GradeParams) -> np.ndarray:  # mean (ΔL*, Δa*, Δb*) on the chart
        return (rgb_to_lab(apply_grade(grade, chart, "srgb"), "srgb") - before).mean(axis=0)

    goal = effect(GradeParams(temperature=params.temperature, tint=params.tint))
    goal[0] = 0.0
    u = np.zeros(3)  # log gamma per channel
    step = 1e-4
    for _ in range(8):
        got = effect(GradeParams(gamma=tuple(np.exp(u))))
        miss = got - goal
        if np.max(np.abs(miss)) < 1e-4:
            break
        jac = np.stack([(effect(GradeParams(gamma=tuple(np.exp(u + step * e)))) - got) / step
                        for e in np.eye(3)], axis=1)
        u = u - np.linalg.lstsq(jac, miss, rcond=None)[0]
    gamma = tuple(float(g * k) for g, k in zip(params.gamma, np.exp(u), strict=True))
    return replace(params, temperature=0.0, tint=0.0, gamma=gamma)


def picture_pivot(rgb: np.ndarray, encoding: str = "srgb") -> float:
    """The median lightness of a picture as L*/100, within the contrast pivot's range: where a
    colourist puts the contrast pivot, so that contrast spreads the picture's own tones about
    their middle instead of pushing a dark or a bright picture as a whole."""
    lightness = rgb_to_lab(_sample(rgb), encoding)[:, 0]
    return float(np.clip(np.median(lightness) / 100.0, *PIVOT_RANGE))


def calibrate(params: GradeParams, rgb: np.ndarray, encoding: str = "srgb",
              rounds: int = 4, by_part: bool = True) -> Calibration:
    """Fit ``params`` to the picture ``rgb`` (..., 3) R'G'B' 0..1, part by part
    (:data:`LOOK_PARTS`; exposure as it is): each part's contrast pivoted on the picture's median
    lightness (when it has contrast and the default pivot), then scaled (within
    :data:`SCALE_RANGE`) so that its main effect on the picture matches its effect on the
    ColorChecker chart. A neutral part, or one whose main effect the picture cannot show (the
    opposite effect at every scale tried), is kept as it is. ``by_part=False``: the whole look
    (exposure too) scaled by one factor, from its main effect (for comparison; see above)."""
    if params.is_neutral:
        return Calibration(params)
    parts = look_parts(params) if by_part else {"look": params}
    fitted: dict[str, GradeParams] = {}
    scales: list[tuple[float, str, float]] = []  # (strength on the chart, part, scale)
    pivot = None
    for part, grade in parts.items():
        if part in _UNSCALED:
            fitted[part] = grade
            continue
        if part == "colour":
            label, fit, scale, strength = _calibrate_colour(grade, rgb, encoding, rounds)
        else:
            label = part
            fit, scale, strength = _calibrate_part(grade, rgb, encoding, rounds,
                                                   _PART_EFFECTS[part])
        fitted[part] = fit
        scales.append((strength, label, scale))
        if fit.pivot != grade.pivot:  # (a part with contrast)
            pivot = fit.pivot
    scales.sort(key=lambda t: -t[0])
    ordered = tuple((part, scale) for _, part, scale in scales)
    if all(k == 1.0 for _, k in ordered) and pivot is None:
        return Calibration(params, ordered)
    return Calibration(join_parts(fitted) if by_part else fitted["look"], ordered, pivot)


def _calibrate_part(params: GradeParams, rgb: np.ndarray, encoding: str, rounds: int,
                    effects: tuple[int, ...]) -> tuple[GradeParams, float, float]:
    """One part of a look fitted to ``rgb`` on the largest of its ``effects`` on the chart:
    (the fitted grade, its scale, that effect's strength in units a viewer notices)."""
    goal = look_effect(params, colorchecker_srgb(), "srgb")
    if not np.any(np.abs(goal[list(effects)]) > 1e-6):
        return params, 1.0, 0.0
    pivot = None
    if params.contrast != 0.0 and params.pivot == GradeParams().pivot:
        pivot = picture_pivot(rgb, encoding)

    def at(scale: float) -> GradeParams:  # the pivot is a place, not an amount: not scaled
        return replace(params.scaled(scale), pivot=params.pivot if pivot is None else pivot)

    # Match the look's main effect: the component largest against what a viewer notices
    # (1 unit of a*/b*, 5% of L* spread or chroma).
    main = max(effects, key=lambda k: abs(goal[k]) / _NOTICEABLE[k])
    strength = float(np.abs(goal[main]) / _NOTICEABLE[main])
    scale = 1.0
    for _ in range(rounds):
        got = float(look_effect(at(scale), rgb, encoding)[main])
        if got * goal[main] <= 0.0:  # no effect, or the opposite one: leave the look as it is
            return (params, 1.0, strength) if scale == 1.0 else (at(scale), scale, strength)
        # The effect grows about linearly with the scale: fit it, then re-measure.
        new = float(np.clip(scale * goal[main] / got, *SCALE_RANGE))
        if abs(new - scale) < 1e-3:
            break
        scale = new
    return at(scale), scale, strength


def _reached(params: GradeParams, fitted: GradeParams, rgb: np.ndarray,
             encoding: str) -> float:
    """The share of ``params``' main colour effect on the chart that ``fitted`` makes on
    ``rgb`` (negative: the opposite effect)."""
    goal = look_effect(params, colorchecker_srgb(), "srgb")
    main = max(_PART_EFFECTS["colour"], key=lambda k: abs(goal[k]) / _NOTICEABLE[k])
    if abs(goal[main]) < 1e-6:
        return 1.0
    return float(look_effect(fitted, rgb, encoding)[main] / goal[main])


def _calibrate_colour(params: GradeParams, rgb: np.ndarray, encoding: str, rounds: int
                      ) -> tuple[str, GradeParams, float, float]:
    """The colour part fitted to ``rgb`` as :func:`_calibrate_part` does, and also as a mid-tone
    balance where its white balance reaches less than :data:`ENOUGH` of the chart's effect
    (colours at the gamut's edge): (the part's name in the scales, "colour" or
    :data:`MIDTONES`, the fitted grade, its scale, its strength on the chart)."""
    effects = _PART_EFFECTS["colour"]
    fit, scale, strength = _calibrate_part(params, rgb, encoding, rounds, effects)
    reached = _reached(params, fit, rgb, encoding)
    alt = midtone_balance(params) if reached < ENOUGH else None
    if alt is None:
        return "colour", fit, scale, strength
    alt_fit, alt_scale, _ = _calibrate_part(alt, rgb, encoding, rounds, effects)
    alt_reached = _reached(params, alt_fit, rgb, encoding)

    def miss(r: float) -> float:  # how far from the chart's effect, in the log domain
        return abs(float(np.log(r))) if r > 0.0 else float("inf")

    if miss(alt_reached) < miss(reached):
        return MIDTONES, alt_fit, alt_scale, strength
    return "colour", fit, scale, strength


def calibrated_strength(params: GradeParams, rgb: np.ndarray, encoding: str = "srgb",
                        rounds: int = 4) -> float:
    """The factor (:data:`SCALE_RANGE`) :func:`calibrate` scales ``params``' main part by for
    ``rgb``. 1.0 for a neutral look or one with no measurable effect."""
    return calibrate(params, rgb, encoding, rounds).scale
