"""Weighted sums of grades: :func:`combine` and :func:`add`.

Grades combine as *deltas from neutral* (:meth:`GradeParams.scaled`): additive controls add,
gamma and gain multiply (add in the log domain), split tones add as (amount, hue) vectors with
hues in CIELAB degrees 0..360, hue shifts are concatenated. Units are those of
:class:`~gradecli.color.grade_model.params.GradeParams`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from gradecli.color.grade_model.params import (
    LINEAR_FIELDS,
    NEUTRAL_PARAMS,
    NEUTRAL_VALUES,
    RGB_MUL_FIELDS,
    TONE_FIELDS,
    GradeParams,
    GradeParamsError,
    HueShift,
)


def _sum(values: Sequence[float], limit: float | None) -> float:
    """Sum; with ``limit``, its magnitude kept within ``limit`` x the largest single value."""
    total = math.fsum(values)
    if limit is None or not values:
        return total
    cap = limit * max(abs(v) for v in values)
    return min(max(total, -cap), cap)


def combine(
    items: Sequence[tuple[GradeParams, float]], *, limit: float | None = None
) -> GradeParams:
    """Sum of the grades' deltas from neutral, each times its weight: ``sum(w_i * delta_i)``.

    Additive controls add, gamma and gain multiply (add in the log domain), split tones add as
    (amount, hue) vectors (a tone with no hue uses the default hue; the sum keeps no hue only
    when none of the tones had one), hue shifts are concatenated (entries with the same centre
    and width merged). ``combine([])`` is neutral. Deterministic: same items, same result.

    ``limit`` (> 0, e.g. 1.5) bounds each control's sum, per channel, tone vector and hue-shift
    entry: its magnitude (in the log domain for gamma and gain) is at most ``limit`` times the
    largest single weighted delta of that control, so that looks that agree do not pile up,
    while what only one look does keeps its full strength.
    """
    if limit is not None and not limit > 0:
        raise GradeParamsError(f"combine limit must be > 0, got {limit}")
    scaled = [p.scaled(w) for p, w in items]
    if not scaled:
        return GradeParams()
    changes: dict[str, Any] = {}
    for f in LINEAR_FIELDS:
        neutral = NEUTRAL_VALUES[f]
        changes[f] = neutral + _sum([getattr(p, f) - neutral for p in scaled], limit)
    changes["lift"] = tuple(_sum([p.lift[k] for p in scaled], limit) for k in range(3))
    for f in RGB_MUL_FIELDS:
        changes[f] = tuple(
            math.exp(_sum([math.log(getattr(p, f)[k]) for p in scaled], limit)) for k in range(3)
        )
    for hue_name, amount_name, default in TONE_FIELDS:
        hue, amount = _sum_tones(
            [(getattr(p, hue_name), getattr(p, amount_name)) for p in scaled], default, limit
        )
        changes[hue_name], changes[amount_name] = hue, amount
    changes["hue_shifts"] = _merge_hue_shifts([h for p in scaled for h in p.hue_shifts], limit)
    return replace(NEUTRAL_PARAMS, **changes)


_Tone = tuple[float | None, float]


def _sum_tones(tones: list[_Tone], default: float, limit: float | None) -> _Tone:
    active = [(h, a) for h, a in tones if a != 0]
    if not active:
        return None, 0.0
    cap = math.inf if limit is None else limit * max(a for _, a in active)
    if all(h is None for h, _ in active):
        return None, min(math.fsum(a for _, a in active), cap)
    x = math.fsum(a * math.cos(math.radians(default if h is None else h)) for h, a in active)
    y = math.fsum(a * math.sin(math.radians(default if h is None else h)) for h, a in active)
    amount = math.hypot(x, y)
    if amount < 1e-12:
        return None, 0.0
    return math.degrees(math.atan2(y, x)) % 360.0, min(amount, cap)


def _merge_hue_shifts(shifts: list[HueShift], limit: float | None) -> tuple[HueShift, ...]:
    merged: dict[tuple[float, float], list[HueShift]] = {}
    for h in shifts:
        merged.setdefault((h.center, h.width), []).append(h)
    out = []
    for (c, w), group in merged.items():
        s = _sum([h.shift for h in group], limit)
        lc = _sum([math.log(h.chroma_scale) for h in group], limit)
        if abs(s) > 1e-12 or abs(lc) > 1e-12:
            out.append(HueShift(c, w, s, math.exp(lc)))
    return tuple(out)


def add(a: GradeParams, b: GradeParams) -> GradeParams:
    """Apply adjustment ``b`` on top of look ``a``: their deltas add (``combine`` at weight 1).

    One exception, so that ``shadow_hue=...`` alone re-aims a look's tone: where ``b`` names a
    split-tone hue with a zero amount, the result has ``a``'s amount at ``b``'s hue.
    """
    out = combine([(a, 1.0), (b, 1.0)])
    changes: dict[str, Any] = {}
    for hue_name, amount_name, _ in TONE_FIELDS:
        if getattr(b, hue_name) is not None and getattr(b, amount_name) == 0:
            changes[hue_name] = getattr(b, hue_name)
            changes[amount_name] = getattr(a, amount_name)
    return replace(out, **changes) if changes else out
