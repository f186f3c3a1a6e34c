"""Skin tones through a grade: does a grade treat light and dark skin alike?

The swatches:

- the 10 tones of the **Monk Skin Tone (MST) scale** (Ellis Monk, with Google, released openly in
  May 2022; https://skintone.google), as their published sRGB hex values: #f6ede4, #f3e7db,
  #f7ead0, #eadaba, #d7bd96, #a07e56, #825c43, #604134, #3a312a, #292420 (MST 1, lightest, to
  MST 10, darkest). Checked against the "MST Hex color codes" table of the Wikipedia article
  "Monk Skin Tone Scale" (https://en.wikipedia.org/wiki/Monk_Skin_Tone_Scale, read through its
  mirror https://cavac.at/cavacopedia/Monk%20Skin%20Tone%20Scale), which lists these ten values;
- the ColorChecker 24 "dark skin" and "light skin" patches (colour-science's "ColorChecker24 -
  After November 2014", in sRGB: :func:`gradecli.color.look_estimate.colorchecker_srgb` rows 0
  and 1), reported beside the MST tones but not entering the disparity.

:func:`skin_tone_report` compares the swatches before and after a grade (both sRGB code values
0..1): per tone the CIEDE2000, the signed CIELAB hue-angle change and the L* change, and the
disparity of eq. 40 of the design note (its "bias metric"): the spread of the per-tone ΔE00 over
their mean, ``std / mean``, taken over the 10 MST tones. ``std`` is the population standard
deviation (numpy's default, ``ddof=0``). Eq. 40 averages ΔE over the pictures of each skin
group; here each MST tone is one swatch, so its mean ΔE is the swatch's ΔE.

The ratio is scale-free: a change that only rounding makes (an identity written to a ``.cube``
with 6 decimals or an 8-bit Hald picture: mean ΔE00 0.01-0.2) would read as unfair as a real
one. So below a mean of :data:`MEAN_FLOOR` (0.5 ΔE00, half of a just-noticeable difference) the
denominator is held at that floor: ``std / max(mean, MEAN_FLOOR)``. Every grade that visibly
changes skin gets eq. 40 exactly; a grade that changes nothing gets 0 (0/0 is 0).

Pure numpy, no IO.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.look_estimate import colorchecker_srgb
from gradecli.color.spaces import rgb_to_lab
from gradecli.errors import BadInputError

__all__ = [
    "CHECKER_NAMES",
    "MEAN_FLOOR",
    "MST_HEX",
    "SkinToneReport",
    "ToneResult",
    "disparity",
    "hex_to_srgb",
    "mst_swatches",
    "skin_tone_report",
    "skin_tone_swatches",
]

#: The Monk Skin Tone scale, MST 1 (lightest) to MST 10 (darkest), as published sRGB hex.
MST_HEX: tuple[tuple[str, str], ...] = (
    ("MST 1", "#f6ede4"),
    ("MST 2", "#f3e7db"),
    ("MST 3", "#f7ead0"),
    ("MST 4", "#eadaba"),
    ("MST 5", "#d7bd96"),
    ("MST 6", "#a07e56"),
    ("MST 7", "#825c43"),
    ("MST 8", "#604134"),
    ("MST 9", "#3a312a"),
    ("MST 10", "#292420"),
)
#: The ColorChecker 24 skin patches (rows 0 and 1 of the chart), reported beside the MST tones.
CHECKER_NAMES: tuple[str, str] = ("ColorChecker dark skin", "ColorChecker light skin")
#: Mean ΔE00 below which the disparity's denominator is held (see the module docstring).
MEAN_FLOOR = 0.5
#: Chroma (C*ab) below which a hue angle is taken as undefined and the hue shift reported as 0:
#: far below a visible chroma (about 1), above the 0.009 that sRGB greys get from rounding.
_ACHROMATIC = 0.05


def hex_to_srgb(code: str) -> np.ndarray:
    """``"#rrggbb"`` -> sRGB code values (3,) float64 0..1."""
    s = code.strip().removeprefix("#")
    if len(s) != 6:
        raise BadInputError(f"not an sRGB hex colour: {code!r}")
    try:
        return np.array([int(s[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64) / 255.0
    except ValueError:
        raise BadInputError(f"not an sRGB hex colour: {code!r}") from None


def mst_swatches() -> np.ndarray:
    """The 10 MST tones as sRGB code values (10, 3) float64 0..1."""
    return np.stack([hex_to_srgb(h) for _, h in MST_HEX])


def skin_tone_swatches() -> tuple[tuple[str, ...], np.ndarray]:
    """All swatches, names and sRGB code values (12, 3): the 10 MST tones (these enter the
    disparity), then the ColorChecker dark and light skin patches."""
    names = tuple(n for n, _ in MST_HEX) + CHECKER_NAMES
    rgb = np.concatenate([mst_swatches(), np.asarray(colorchecker_srgb()[:2], dtype=np.float64)])
    return names, rgb


@dataclass(frozen=True)
class ToneResult:
    """One swatch before and after a grade. ``delta_e00``: CIEDE2000; ``hue_shift_deg``: graded
    minus original CIELAB hue angle h_ab, wrapped to -180..180 (0 when either is achromatic);
    ``lightness_change``: graded minus original L* (0..100 scale)."""

    name: str
    delta_e00: float
    hue_shift_deg: float
    lightness_change: float
    #: Whether the tone enters the disparity (the MST tones do, the ColorChecker patches not).
    in_disparity: bool

    def to_dict(self) -> dict:
        return {"tone": self.name, "delta_e00": self.delta_e00,
                "hue_shift_deg": self.hue_shift_deg, "lightness_change": self.lightness_change,
                "in_disparity": self.in_disparity}


@dataclass(frozen=True)
class SkinToneReport:
    """Per-tone results and the disparity (eq. 40) over the tones marked ``in_disparity``."""

    tones: tuple[ToneResult, ...]
    #: Mean and population standard deviation of ΔE00 over the tones in the disparity.
    mean_delta_e00: float
    std_delta_e00: float
    #: ``std / max(mean, MEAN_FLOOR)``; 0 when nothing changed.
    disparity: float

    def to_dict(self) -> dict:
        return {"tones": [t.to_dict() for t in self.tones], "mean_delta_e00": self.mean_delta_e00,
                "std_delta_e00": self.std_delta_e00, "disparity": self.disparity}


def _hue_shift(lab_a: np.ndarray, lab_b: np.ndarray) -> np.ndarray:
    h_a = np.degrees(np.arctan2(lab_a[:, 2], lab_a[:, 1]))
    h_b = np.degrees(np.arctan2(lab_b[:, 2], lab_b[:, 1]))
    d = (h_b - h_a + 180.0) % 360.0 - 180.0
    chromatic = (np.hypot(lab_a[:, 1], lab_a[:, 2]) > _ACHROMATIC) & (
        np.hypot(lab_b[:, 1], lab_b[:, 2]) > _ACHROMATIC)
    return np.where(chromatic, d, 0.0)


def disparity(delta_e: np.ndarray) -> tuple[float, float, float]:
    """``(mean, population std, std / max(mean, MEAN_FLOOR))`` of per-tone ΔE00 values."""
    d = np.asarray(delta_e, dtype=np.float64)
    if d.size == 0:
        return 0.0, 0.0, 0.0
    mean, std = float(d.mean()), float(d.std())
    return mean, std, (std / max(mean, MEAN_FLOOR) if std > 0 else 0.0)


def skin_tone_report(
    graded: np.ndarray,
    original: np.ndarray | None = None,
    names: tuple[str, ...] | None = None,
    in_disparity: np.ndarray | None = None,
) -> SkinToneReport:
    """Compare swatches after a grade (``graded``, (N, 3) sRGB code values) with ``original``.

    By default ``original``, ``names`` and ``in_disparity`` are those of
    :func:`skin_tone_swatches` (N = 12; the first 10, the MST tones, enter the disparity). With
    another ``original`` every row enters unless ``in_disparity`` (a bool mask (N,)) says
    otherwise, and rows are named "tone 1", "tone 2", ... unless ``names`` are given.
    """
    if original is None:
        std_names, original = skin_tone_swatches()
        names = std_names if names is None else names
        if in_disparity is None:
            in_disparity = np.arange(len(std_names)) < len(MST_HEX)
    orig = np.asarray(original, dtype=np.float64)
    out = np.asarray(graded, dtype=np.float64)
    if orig.ndim != 2 or orig.shape[1] != 3 or out.shape != orig.shape:
        raise BadInputError(f"graded swatches must be shaped like the originals {orig.shape}, "
                            f"got {out.shape}")
    if not np.isfinite(out).all():
        raise BadInputError("graded swatches have NaN or infinite values")
    n = orig.shape[0]
    names = tuple(names) if names is not None else tuple(f"tone {i + 1}" for i in range(n))
    mask = np.ones(n, bool) if in_disparity is None else np.asarray(in_disparity, dtype=bool)
    if len(names) != n or mask.shape != (n,):
        raise BadInputError(f"need {n} names and a mask of {n} for {n} swatches")
    lab_o, lab_g = rgb_to_lab(orig), rgb_to_lab(out)
    de = delta_e2000(lab_o, lab_g)
    dh = _hue_shift(lab_o, lab_g)
    dl = lab_g[:, 0] - lab_o[:, 0]
    mean, std, ratio = disparity(de[mask])
    tones = tuple(ToneResult(names[i], float(de[i]), float(dh[i]), float(dl[i]), bool(mask[i]))
                  for i in range(n))
    return SkinToneReport(tones, mean, std, ratio)
