"""User adjustments: ``--adjust "NAME=VALUE,..."`` text parsed into a delta grade.

:data:`ADJUSTMENTS` names each adjustment (a :class:`GradeParams` field, per channel for lift /
gamma / gain as ``lift.r`` etc.) with its unit; :data:`ADJUSTMENT_RANGES` bounds the accepted
values: exposure in stops (-4..4), temperature kelvin-like (-4000..4000), tint -100..100, pivot
as a delta of L*/100 (-0.45..0.45), lift in code values (-0.5..0.5), gamma and gain as factors
(0.25..4), hues in CIELAB degrees (0..360) and the other amounts -1..1.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, NamedTuple

from gradecli.color.grade_model.params import (
    NEUTRAL_VALUES,
    RGB_ADD_FIELDS,
    RGB_MUL_FIELDS,
    GradeParams,
    GradeParamsError,
)


class Adjustment(NamedTuple):
    """One user-facing adjustment: the GradeParams field it sets, its unit and what it does."""

    field: str
    unit: str
    description: str


def _adjustments() -> dict[str, Adjustment]:
    a: dict[str, Adjustment] = {
        "exposure": Adjustment("exposure", "stops", "linear-light gain 2**x"),
        "temperature": Adjustment("temperature", "K (mired-based)", "white balance, + warmer"),
        "tint": Adjustment("tint", "-100..100", "white balance, + magenta, - green"),
        "contrast": Adjustment("contrast", "-1..1", "S-curve on L* about the pivot"),
        "pivot": Adjustment("pivot", "L*/100", "contrast pivot, added to 0.5"),
    }
    for f, unit, what in (
        ("lift", "code value", "raise (+) or crush (-) the blacks"),
        ("gamma", "power (x)", "mid-tones, > 1 brighter; multiplies"),
        ("gain", "gain (x)", "whites, > 1 brighter; multiplies"),
    ):
        a[f] = Adjustment(f, unit, f"{what} (all channels)")
        for ch, ch_name in zip("rgb", ("red", "green", "blue"), strict=True):
            a[f"{f}.{ch}"] = Adjustment(f, unit, f"{what} ({ch_name} channel)")
    a.update(
        {
            "saturation": Adjustment("saturation", "-1..1", "chroma x (1 + s), -1 = grey"),
            "vibrance": Adjustment("vibrance", "-1..1", "chroma of muted colours, spares skin"),
            "shadow_hue": Adjustment("shadow_hue", "degrees", "CIELAB hue of the shadow tone"),
            "shadow_amount": Adjustment("shadow_amount", "0..1", "strength of the shadow tone"),
            "highlight_hue": Adjustment("highlight_hue", "degrees", "hue of the highlight tone"),
            "highlight_amount": Adjustment(
                "highlight_amount", "0..1", "strength of the highlight tone"
            ),
            "split_balance": Adjustment("split_balance", "-1..1", "+ favours the highlight tone"),
            "fade": Adjustment("fade", "0..1", "lifted matte blacks"),
            "highlight_rolloff": Adjustment("highlight_rolloff", "0..1", "soft highlight shoulder"),
            "teal_orange": Adjustment("teal_orange", "0..1", "teal shadows, orange skin"),
            "bleach_bypass": Adjustment("bleach_bypass", "0..1", "desaturated, contrasty"),
        }
    )
    return a


#: User-facing adjustment names -> (field, unit, description), for ``--adjust`` and help text.
ADJUSTMENTS: dict[str, Adjustment] = _adjustments()

#: Accepted values of each adjustment in :func:`parse_adjust` (deltas, so amounts may be < 0).
ADJUSTMENT_RANGES: dict[str, tuple[float, float]] = {
    name: {
        "exposure": (-4.0, 4.0),
        "temperature": (-4000.0, 4000.0),
        "tint": (-100.0, 100.0),
        "contrast": (-1.0, 1.0),
        "pivot": (-0.45, 0.45),
        "lift": (-0.5, 0.5),
        "gamma": (0.25, 4.0),
        "gain": (0.25, 4.0),
        "shadow_hue": (0.0, 360.0),
        "highlight_hue": (0.0, 360.0),
    }.get(adj.field, (-1.0, 1.0))
    for name, adj in ADJUSTMENTS.items()
}

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_adjust(text: str) -> GradeParams:
    """Parse ``"exposure=+0.3,saturation=-0.1,lift.r=0.01,gain.b=1.05"`` into a delta grade.

    Items are ``name=number`` separated by commas or semicolons (spaces allowed); names are the
    keys of :data:`ADJUSTMENTS`. ``lift=0.02`` sets all channels, ``lift.r=0.01`` one; both add
    (gamma and gain multiply). ``pivot`` is a delta from 0.5. Hues are absolute (see
    :func:`add`). An empty text is the neutral grade. Raises :class:`GradeParamsError` (a
    ``ValueError``) with a one-line message for an unknown name, a bad number, a value out of
    :data:`ADJUSTMENT_RANGES` or a name given twice.
    """
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for item in (s.strip() for s in re.split(r"[,;]", text or "")):
        if not item:
            continue
        name, value = _parse_item(item)
        if name in seen:
            raise GradeParamsError(f"adjustment {name!r} is given twice in {text!r}")
        seen.add(name)
        _set_adjustment(values, name, value)
    if "pivot" in values:
        values["pivot"] += 0.5
    return GradeParams(**values)


def _parse_item(item: str) -> tuple[str, float]:
    valid = ", ".join(ADJUSTMENTS)
    name, sep, raw = (part.strip() for part in item.partition("="))
    name = name.lower()
    if not sep:
        raise GradeParamsError(f"adjustment {item!r} is not name=value; valid names: {valid}")
    if name not in ADJUSTMENTS:
        close = difflib.get_close_matches(name, list(ADJUSTMENTS), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise GradeParamsError(f"unknown adjustment {name!r}; {hint}valid names: {valid}")
    if not _NUMBER.match(raw):
        raise GradeParamsError(f"adjustment {name!r}: {raw!r} is not a number")
    value = float(raw)
    lo, hi = ADJUSTMENT_RANGES[name]
    if not lo <= value <= hi:
        unit = ADJUSTMENTS[name].unit
        raise GradeParamsError(f"adjustment {name}={raw} is out of range {lo:g}..{hi:g} ({unit})")
    return name, value


def _set_adjustment(values: dict[str, Any], name: str, value: float) -> None:
    field_name = ADJUSTMENTS[name].field
    if field_name in RGB_ADD_FIELDS + RGB_MUL_FIELDS:
        mul = field_name in RGB_MUL_FIELDS
        current = list(values.get(field_name, NEUTRAL_VALUES[field_name]))
        channels = range(3) if "." not in name else ["rgb".index(name[-1])]
        for k in channels:
            current[k] = current[k] * value if mul else current[k] + value
        values[field_name] = tuple(current)
    else:
        values[field_name] = value
