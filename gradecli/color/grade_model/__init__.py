"""A parametric colour grade: a small set of colourist's controls as one smooth RGB -> RGB map.

:class:`GradeParams` holds the controls (all neutral by default: the neutral grade is the exact
identity); :func:`apply_grade` evaluates the grade on R'G'B' code values, typically on a LUT grid
(:meth:`gradecli.color.lut.Lut.from_function`). Looks from a text prompt and user adjustments are
both ``GradeParams``; they are weighted and summed as *deltas from neutral*
(:meth:`GradeParams.scaled`, :func:`combine`, :func:`add`) and parsed from ``name=value`` text
(:func:`parse_adjust`).

The grade, in the order it is applied (units in brackets)::

    R'G'B' code values 0..1 (sRGB, or another encoding of gradecli.color.spaces)
      -> linear light
      -> exposure: gain 2**exposure                                      [stops]
      -> white balance: von Kries adaptation in CAT02 cone space from the Planckian white at
         6500 K to a white shifted by ``temperature`` (in mireds) and ``tint`` (along Duv)
      -> back to code values (unclipped) -> lift / gamma / gain per channel
         v' = gain * (v + lift * (1 - v)),  v'' = v' ** (1 / gamma)     [code values]
      -> CIELAB D65
      -> lightness L*: highlight roll-off, contrast S-curve about the pivot, bleach-bypass
         overlay, fade (lifted, matte blacks)
      -> chroma and hue in CIELCh: saturation, vibrance, hue-range shifts, teal & orange,
         bleach-bypass desaturation
      -> split toning: a*b* offsets weighted by lightness (shadows / highlights)
      -> smooth gamut compression into the RGB cube, sized for the grade once per parameter
         set (gradecli.color.gamut's, keeping CIELAB hue; or a closed form in linear light)
      -> R'G'B' code values 0..1

Every step is continuous with a continuous slope, and each lightness step is monotone, so a
grade whose controls are all monotone (exposure, contrast, lift/gamma/gain with equal channels,
fade, roll-off, bleach bypass, white balance) keeps the order of the luminance of a grey ramp.
(One caveat is inherited from gradecli.color.gamut: for very light yellow-greens pushed far out
of the cube its compression can jump by up to about 0.5 CIELAB units.)

Values outside a control's nominal range (weights > 1, sums of several looks) are accepted; where
a control stops being monotone or meaningful beyond some value, :func:`apply_grade` clamps it to
that value (see ``params.SAFE_RANGES``).

The package's modules, by concern:

- ``params``: :class:`GradeParams`, :class:`HueShift`, ranges, validation, scaling, dicts;
- ``combination``: :func:`combine` and :func:`add`;
- ``adjust``: ``--adjust`` text (:func:`parse_adjust`, :data:`ADJUSTMENTS`);
- ``white_balance``: the Planckian locus and :func:`white_balance_matrix`;
- ``curves``: lightness curves, chroma / hue and split toning in CIELAB;
- ``compression``: gamut compression of the graded colours into the RGB cube;
- ``apply``: :func:`apply_grade`.

Import from ``gradecli.color.grade_model`` itself; the submodules are an implementation detail.
"""

from __future__ import annotations

from gradecli.color.grade_model.adjust import (
    ADJUSTMENT_RANGES,
    ADJUSTMENTS,
    Adjustment,
    parse_adjust,
)
from gradecli.color.grade_model.apply import apply_grade
from gradecli.color.grade_model.combination import add, combine
from gradecli.color.grade_model.compression import COMPRESSIONS
from gradecli.color.grade_model.params import (
    DEFAULT_HIGHLIGHT_HUE,
    DEFAULT_SHADOW_HUE,
    NOMINAL_RANGES,
    GradeParams,
    GradeParamsError,
    HueShift,
)
from gradecli.color.grade_model.white_balance import white_balance_matrix

__all__ = [
    "ADJUSTMENTS",
    "COMPRESSIONS",
    "ADJUSTMENT_RANGES",
    "Adjustment",
    "DEFAULT_HIGHLIGHT_HUE",
    "DEFAULT_SHADOW_HUE",
    "GradeParams",
    "GradeParamsError",
    "HueShift",
    "NOMINAL_RANGES",
    "add",
    "apply_grade",
    "combine",
    "parse_adjust",
    "white_balance_matrix",
]
