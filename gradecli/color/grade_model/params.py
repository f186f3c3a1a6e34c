"""The grade's controls: :class:`GradeParams`, :class:`HueShift`, their ranges and validation.

Units (details in :class:`GradeParams`): exposure in stops; temperature kelvin-like (mired-based)
and tint in 1.5e-4 Duv steps; lightness controls act on CIELAB L* 0..100 (``pivot`` as L*/100);
lift / gamma / gain per channel (R, G, B) on display code values 0..1; hues are CIELAB hue angles
in degrees 0..360; amounts are 0..1 at nominal strength. Every default is neutral.

:data:`NOMINAL_RANGES` is what a colourist uses at weight 1; ``SAFE_RANGES`` is where
:func:`~gradecli.color.grade_model.apply_grade` clamps each control (``clamp_param``) because the
operation stops being monotone or finite beyond it. ``NEUTRAL_VALUES`` and the field groups
(``LINEAR_FIELDS``, ``RGB_ADD_FIELDS``, ``RGB_MUL_FIELDS``, ``TONE_FIELDS``) say how each
control scales and combines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

import numpy as np

from gradecli.errors import BadInputError


class GradeParamsError(BadInputError, ValueError):
    """A grade parameter, parameter dict or adjustment text is invalid (a ``ValueError`` too)."""


class HueShift(NamedTuple):
    """A hue-range adjustment in CIELCh.

    - ``center``: CIELAB hue angle of the range, degrees 0..360.
    - ``width``: half-width of the range, degrees (0, 180]; the effect falls off as a raised
      cosine from the centre to ``center +- width``.
    - ``shift``: hue rotation at the centre, degrees; clamped to ``0.6 * width`` in use so the
      hue map stays monotone.
    - ``chroma_scale``: chroma multiplier at the centre (> 0; 1 = unchanged).
    """

    center: float
    width: float
    shift: float
    chroma_scale: float = 1.0


_RGB = tuple[float, float, float]

#: Nominal range of each control: what a colourist uses at weight 1 (documentation, capping of
#: prompt combinations by :meth:`GradeParams.clamped`). Per-channel controls apply per channel.
NOMINAL_RANGES: dict[str, tuple[float, float]] = {
    "exposure": (-4.0, 4.0),
    "temperature": (-4000.0, 4000.0),
    "tint": (-100.0, 100.0),
    "contrast": (-1.0, 1.0),
    "pivot": (0.05, 0.95),
    "lift": (-0.5, 0.5),
    "gamma": (0.25, 4.0),
    "gain": (0.25, 4.0),
    "saturation": (-1.0, 1.0),
    "vibrance": (-1.0, 1.0),
    "shadow_hue": (0.0, 360.0),
    "shadow_amount": (0.0, 1.0),
    "highlight_hue": (0.0, 360.0),
    "highlight_amount": (0.0, 1.0),
    "split_balance": (-1.0, 1.0),
    "fade": (0.0, 1.0),
    "highlight_rolloff": (0.0, 1.0),
    "teal_orange": (0.0, 1.0),
    "bleach_bypass": (0.0, 1.0),
}

#: Ranges :func:`apply_grade` clamps to (where the operation stays monotone and finite).
SAFE_RANGES: dict[str, tuple[float, float]] = {
    "exposure": (-10.0, 10.0),
    "tint": (-200.0, 200.0),
    "contrast": (-1.0, 1.0),
    "pivot": (0.05, 0.95),
    "lift": (-1.0, 1.0),
    "gamma": (0.1, 10.0),
    "gain": (0.0, 10.0),
    "saturation": (-1.0, 3.0),
    "vibrance": (-1.0, 1.0),
    "shadow_amount": (0.0, 2.0),
    "highlight_amount": (0.0, 2.0),
    "split_balance": (-1.0, 1.0),
    "fade": (-1.0, 1.5),
    "highlight_rolloff": (0.0, 1.0),
    "teal_orange": (-2.0, 2.0),
    "bleach_bypass": (-1.0, 1.0),
}

def clamp_param(v: float, name: str) -> float:
    """``v`` clamped to the safe range of control ``name`` (``SAFE_RANGES``)."""
    lo, hi = SAFE_RANGES[name]
    return min(max(v, lo), hi)


#: Hues used by split toning when an amount is given without a hue (degrees, CIELAB).
DEFAULT_SHADOW_HUE = 200.0
DEFAULT_HIGHLIGHT_HUE = 60.0

# How each field combines: linear deltas, multiplicative (log-domain) per channel, and so on.
LINEAR_FIELDS = (
    "exposure",
    "temperature",
    "tint",
    "contrast",
    "pivot",
    "saturation",
    "vibrance",
    "split_balance",
    "fade",
    "highlight_rolloff",
    "teal_orange",
    "bleach_bypass",
)
RGB_ADD_FIELDS = ("lift",)
RGB_MUL_FIELDS = ("gamma", "gain")
# (hue field, amount field, default hue)
TONE_FIELDS = (
    ("shadow_hue", "shadow_amount", DEFAULT_SHADOW_HUE),
    ("highlight_hue", "highlight_amount", DEFAULT_HIGHLIGHT_HUE),
)
_DIGITS = 4


@dataclass(frozen=True)
class GradeParams:
    """The controls of a grade. All defaults are neutral: ``GradeParams()`` is the identity.

    Units and nominal ranges (values outside them are accepted, see :data:`NOMINAL_RANGES`):

    - ``exposure``: stops, -4..4; a linear-light gain of ``2 ** exposure``.
    - ``temperature``: kelvin-like white-balance shift, -4000..4000; + is warmer. The white moves
      from 6500 K to the Planckian white whose mired value is ``1e6/6500 + temperature *
      1e6/6500**2`` (so a small shift of +400 is about 6100 K, and +4000 is 4000 K rather than
      2500 K), clamped to 1667..15000 K; applied as a von Kries adaptation in CAT02 cone space,
      scaled so that white's largest linear channel stays at 1 (white takes the cast, a few
      percent darker).
    - ``tint``: -100..100; + is magenta, - is green: a shift of the target white across the
      Planckian locus of ``-tint * 1.5e-4`` Duv (CIE 1960 uv).
    - ``contrast``: -1..1; slope ``1 + contrast`` of L*/100 about ``pivot``. Positive: an
      S-curve that keeps black and white (the line rounded into them); negative: a flatter
      line that lifts black by ``100 * pivot * -contrast`` L* and lowers white likewise.
    - ``pivot``: 0.05..0.95 of L*/100 (0.5 = L* 50).
    - ``lift`` / ``gamma`` / ``gain``: per-channel (R, G, B) on display code values,
      ``v' = gain * (v + lift * (1 - v))``, ``v'' = v' ** (1 / gamma)``; lift -0.5..0.5 (neutral
      0), gamma and gain 0.25..4 (neutral 1; gamma > 1 brightens mid-tones).
    - ``saturation``: -1..1, added to 1x chroma: chroma * (1 + saturation); -1 is grey.
    - ``vibrance``: -1..1; chroma gain weighted towards low-chroma colours,
      ``1 + vibrance / (1 + (C*/25)**2)``, reduced by 75% on skin hues (CIELAB 20..90 degrees).
    - ``shadow_hue`` / ``highlight_hue``: CIELAB hue of the split tones, degrees 0..360, or None
      for the defaults (200 = teal shadows, 60 = warm highlights).
    - ``shadow_amount`` / ``highlight_amount``: 0..1; 1 adds 25 a*b* units at the peak of the
      lightness weight (L* 33 for shadows, L* 67 for highlights).
    - ``split_balance``: -1..1; + moves the split towards the shadows (more of the picture gets
      the highlight tone).
    - ``fade``: 0..1; lifted, matte blacks: L* + 30 * fade at black, falling off quadratically to
      0 at white, and whites dimmed by 5 * fade L*.
    - ``highlight_rolloff``: 0..1; a soft tanh shoulder from L* ``100 - 45 * rolloff`` up
      (white ends near L* 91 at 1).
    - ``hue_shifts``: hue-range adjustments (:class:`HueShift`) in CIELCh.
    - ``teal_orange``: 0..1; hues within 80 degrees of teal (CIELAB 200) and of orange (60) are
      pulled 35% of the way towards them, warm chroma +15%, shadows toned teal (less so for warm,
      chromatic colours above L* 25, such as skin) and highlights warm (split tone amounts 0.3
      and 0.12); negative values turn the other way.
    - ``bleach_bypass``: 0..1; blend towards luminance in overlay: an overlay S-curve on L*
      (contrast ``0.6 * amount`` about L* 50) and chroma * ``(1 - 0.6 * amount)``.
    """

    exposure: float = 0.0
    temperature: float = 0.0
    tint: float = 0.0
    contrast: float = 0.0
    pivot: float = 0.5
    lift: _RGB = (0.0, 0.0, 0.0)
    gamma: _RGB = (1.0, 1.0, 1.0)
    gain: _RGB = (1.0, 1.0, 1.0)
    saturation: float = 0.0
    vibrance: float = 0.0
    shadow_hue: float | None = None
    shadow_amount: float = 0.0
    highlight_hue: float | None = None
    highlight_amount: float = 0.0
    split_balance: float = 0.0
    fade: float = 0.0
    highlight_rolloff: float = 0.0
    hue_shifts: tuple[HueShift, ...] = ()
    teal_orange: float = 0.0
    bleach_bypass: float = 0.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name in LINEAR_FIELDS + ("shadow_amount", "highlight_amount"):
            set_(self, name, _finite(getattr(self, name), name))
        for name in RGB_ADD_FIELDS + RGB_MUL_FIELDS:
            set_(self, name, _triple(getattr(self, name), name, positive=name in RGB_MUL_FIELDS))
        for hue_name, _, _ in TONE_FIELDS:
            hue = getattr(self, hue_name)
            set_(self, hue_name, None if hue is None else _finite(hue, hue_name) % 360.0)
        if not isinstance(self.hue_shifts, (tuple, list)):
            raise GradeParamsError(
                "hue_shifts must be a sequence of (center, width, shift, chroma_scale)"
            )
        set_(self, "hue_shifts", tuple(_hue_shift(h) for h in self.hue_shifts))

    # -- neutral and deltas ------------------------------------------------------------------

    @property
    def is_neutral(self) -> bool:
        """True when the grade does nothing: every control neutral (a split-tone hue without an
        amount does nothing)."""
        d = self.to_dict(digits=12)
        for hue_name, amount_name, _ in TONE_FIELDS:
            if amount_name not in d:
                d.pop(hue_name, None)
        return not d

    def scaled(self, w: float) -> GradeParams:
        """This grade's deltas from neutral times ``w`` (any real; negative reverses the grade).

        Additive controls scale linearly (``pivot`` about 0.5), gamma and gain in the log domain
        (``gain ** w``), split tones as a vector (``w < 0`` turns the tone to the opposite hue),
        hue shifts' ``shift`` linearly and ``chroma_scale`` in the log domain.
        """
        w = _finite(w, "weight")
        changes: dict[str, Any] = {}
        for f in LINEAR_FIELDS:
            neutral = NEUTRAL_VALUES[f]
            changes[f] = neutral + w * (getattr(self, f) - neutral)
        changes["lift"] = tuple(w * v for v in self.lift)
        for f in RGB_MUL_FIELDS:
            changes[f] = tuple(v**w for v in getattr(self, f))
        for hue_name, amount_name, default in TONE_FIELDS:
            hue, amount = getattr(self, hue_name), getattr(self, amount_name)
            if w < 0 and amount != 0:
                hue = ((default if hue is None else hue) + 180.0) % 360.0
            changes[hue_name] = hue
            changes[amount_name] = abs(w) * amount
        changes["hue_shifts"] = tuple(
            HueShift(h.center, h.width, w * h.shift, h.chroma_scale**w) for h in self.hue_shifts
        )
        return replace(self, **changes)

    def clamped(self) -> GradeParams:
        """The grade with every control clamped to its nominal range (:data:`NOMINAL_RANGES`)."""
        changes: dict[str, Any] = {}
        for f in LINEAR_FIELDS + ("shadow_amount", "highlight_amount"):
            lo, hi = NOMINAL_RANGES[f]
            changes[f] = min(max(getattr(self, f), lo), hi)
        for f in RGB_ADD_FIELDS + RGB_MUL_FIELDS:
            lo, hi = NOMINAL_RANGES[f]
            changes[f] = tuple(min(max(v, lo), hi) for v in getattr(self, f))
        return replace(self, **changes)

    # -- serialisation -----------------------------------------------------------------------

    def to_dict(self, digits: int = _DIGITS) -> dict[str, Any]:
        """The non-neutral controls as a JSON-friendly dict, values rounded to ``digits`` decimals.

        Per-channel controls are lists of 3 numbers, hue shifts lists of
        ``[center, width, shift, chroma_scale]``. Keys come in field order; the output is
        deterministic and :meth:`from_dict` reads it back.
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "hue_shifts":
                rows = [[_round(v, digits) for v in h] for h in value]
                rows = [r for r in rows if r[2] != 0 or r[3] != 1]
                if rows:
                    out[f.name] = rows
            elif isinstance(value, tuple):
                rounded = [_round(v, digits) for v in value]
                if rounded != [_round(v, digits) for v in NEUTRAL_VALUES[f.name]]:
                    out[f.name] = rounded
            elif value is None:
                continue
            else:
                rounded = _round(value, digits)
                if rounded != NEUTRAL_VALUES[f.name]:
                    out[f.name] = rounded
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GradeParams:
        """Read a dict as :meth:`to_dict` writes it (missing keys are neutral).

        Per-channel controls may also be a single number (all channels). Raises
        :class:`GradeParamsError` (a ``ValueError``) naming an unknown key and the valid ones, or
        a malformed value.
        """
        if not isinstance(d, Mapping):
            raise GradeParamsError(f"grade parameters must be a mapping, got {type(d).__name__}")
        valid = [f.name for f in fields(cls)]
        kwargs: dict[str, Any] = {}
        for key, value in d.items():
            if key not in valid:
                raise GradeParamsError(
                    f"unknown grade parameter {key!r}; valid: {', '.join(valid)}"
                )
            if key == "hue_shifts":
                if not isinstance(value, (list, tuple)):
                    raise GradeParamsError(
                        "hue_shifts must be a list of [center, width, shift, chroma_scale] lists"
                    )
                kwargs[key] = tuple(value)
            elif key in RGB_ADD_FIELDS + RGB_MUL_FIELDS and _is_number(value):
                kwargs[key] = (value, value, value)
            else:
                kwargs[key] = value
        return cls(**kwargs)


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _finite(v: object, name: str) -> float:
    if not _is_number(v):
        raise GradeParamsError(f"{name} must be a number, got {v!r}")
    x = float(v)  # type: ignore[arg-type]
    if not math.isfinite(x):
        raise GradeParamsError(f"{name} must be finite, got {x}")
    return x


def _triple(v: object, name: str, positive: bool) -> _RGB:
    if not isinstance(v, (tuple, list)) or len(v) != 3:
        raise GradeParamsError(f"{name} must be 3 numbers (R, G, B), got {v!r}")
    out = tuple(_finite(x, f"{name} channel") for x in v)
    if positive and min(out) <= 0:
        raise GradeParamsError(f"{name} must be > 0 on every channel, got {list(out)}")
    return out  # type: ignore[return-value]


def _hue_shift(h: object) -> HueShift:
    if isinstance(h, Mapping):
        h = [h.get(k) for k in HueShift._fields]
    if not isinstance(h, (tuple, list)) or len(h) not in (3, 4):
        raise GradeParamsError(
            f"a hue shift must be [center, width, shift, chroma_scale], got {h!r}"
        )
    c, w, s, *rest = (_finite(x, "hue shift value") for x in h)
    cs = rest[0] if rest else 1.0
    if not 0 < w <= 180:
        raise GradeParamsError(f"hue shift width must be in (0, 180] degrees, got {w}")
    if cs <= 0:
        raise GradeParamsError(f"hue shift chroma_scale must be > 0, got {cs}")
    return HueShift(c % 360.0, w, s, cs)


def _round(v: float, digits: int) -> float:
    return round(float(v), digits) + 0.0  # + 0.0 turns -0.0 into 0.0


NEUTRAL_PARAMS = GradeParams()
NEUTRAL_VALUES: dict[str, Any] = {
    f.name: getattr(NEUTRAL_PARAMS, f.name) for f in fields(NEUTRAL_PARAMS)
}

