"""Per-channel histogram (CDF) matching in CIELAB with smooth, monotone, slope-limited curves.

Classic histogram specification maps each source value through the source CDF and the inverse
target CDF. Done pixel-exactly it produces curves with steps and near-vertical runs (where one
histogram has gaps or spikes), which show up as banding, contouring and amplified grain. Here each
channel (L*, a*, b*) gets a curve that is:

- **matched at quantiles**: knots at the source and target quantiles of the same probability
  levels (``knots`` evenly spaced levels plus 0.5 % and 99.5 %), so the curve follows the CDFs;
- **de-duplicated**: knots closer than ``min_step`` CIELAB units on the source side (clipped
  blacks and whites, 8-bit plateaus) are merged;
- **slope-limited and smoothed**: segment slopes are smoothed in the log domain (``smooth``
  passes of a [1, 2, 1] / 4 filter), limited to ``1 / max_gain .. max_gain`` and the curve is
  rebuilt from them, then shifted so that the mapped source has exactly the target's mean;
- **monotone piecewise-cubic** between knots (Fritsch-Carlson / PCHIP slopes: C1, strictly
  increasing, no overshoot);
- **linear beyond the end knots**, continuing the end slopes.

A single-valued source channel (a flat frame) becomes a shift to the target's mean.
Identical source and target give the identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from gradecli.color.transfer.base import DEFAULT_MAX_GAIN, register_map
from gradecli.errors import BadInputError

__all__ = ["HistogramMap", "MonotoneCurve", "fit_histogram", "fit_curve"]

#: Default number of evenly spaced probability levels the curves are matched at.
DEFAULT_KNOTS = 32
#: Default smallest distance between knots on the source side, CIELAB units.
DEFAULT_MIN_STEP = 0.5
#: Default number of smoothing passes over the log slopes.
DEFAULT_SMOOTH = 2


@dataclass(frozen=True)
class MonotoneCurve:
    """A C1 monotone cubic Hermite curve through knots ``(x, y)`` with slopes ``d``.

    ``x`` strictly increasing; linear beyond the end knots with the end slopes.
    """

    x: tuple[float, ...]
    y: tuple[float, ...]
    d: tuple[float, ...]

    def __call__(self, v: np.ndarray) -> np.ndarray:
        """Evaluate at values ``v`` (any shape), float64."""
        x = np.asarray(self.x)
        y = np.asarray(self.y)
        d = np.asarray(self.d)
        v = np.asarray(v, dtype=np.float64)
        i = np.clip(np.searchsorted(x, v, side="right") - 1, 0, len(x) - 2)
        x0, x1 = x[i], x[i + 1]
        h = x1 - x0
        t = np.clip((v - x0) / h, 0.0, 1.0)
        t2 = t * t
        t3 = t2 * t
        inner = (
            (2 * t3 - 3 * t2 + 1) * y[i]
            + (t3 - 2 * t2 + t) * h * d[i]
            + (-2 * t3 + 3 * t2) * y[i + 1]
            + (t3 - t2) * h * d[i + 1]
        )
        below = y[0] + d[0] * (v - x[0])
        above = y[-1] + d[-1] * (v - x[-1])
        return np.where(v < x[0], below, np.where(v > x[-1], above, inner))

    def to_dict(self) -> dict[str, list[float]]:
        return {"x": list(self.x), "y": list(self.y), "d": list(self.d)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MonotoneCurve:
        x = tuple(float(v) for v in d["x"])
        y = tuple(float(v) for v in d["y"])
        s = tuple(float(v) for v in d["d"])
        if len(x) < 2 or len(y) != len(x) or len(s) != len(x) or np.any(np.diff(x) <= 0):
            raise ValueError("curve needs >= 2 knots with strictly increasing x")
        return cls(x, y, s)


def _pchip_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Fritsch-Carlson knot slopes (as scipy's PCHIP) for increasing data; ends: secants."""
    h = np.diff(x)
    m = np.diff(y) / h  # all > 0 here
    d = np.empty_like(x)
    d[0], d[-1] = m[0], m[-1]
    if len(x) > 2:
        w1 = 2 * h[1:] + h[:-1]
        w2 = h[1:] + 2 * h[:-1]
        d[1:-1] = (w1 + w2) / (w1 / m[:-1] + w2 / m[1:])
    return d


def fit_curve(
    source: np.ndarray,
    target: np.ndarray,
    *,
    knots: int = DEFAULT_KNOTS,
    min_step: float = DEFAULT_MIN_STEP,
    smooth: int = DEFAULT_SMOOTH,
    max_gain: float = DEFAULT_MAX_GAIN,
) -> MonotoneCurve:
    """Fit one channel's matching curve from 1-D samples ``source`` and ``target``."""
    levels = np.concatenate([[0.005], (np.arange(knots) + 0.5) / knots, [0.995]])
    xs = np.quantile(source, levels)
    ys = np.quantile(target, levels)
    # Merge knots that are (nearly) tied on the source side.
    group = np.concatenate([[0], np.cumsum(np.diff(xs) >= min_step)])
    counts = np.bincount(group)
    xg = np.bincount(group, weights=xs) / counts
    yg = np.bincount(group, weights=ys) / counts
    if len(xg) < 2:
        # Constant source channel: shift it to the target's mean, slope 1.
        shift = float(np.mean(target) - xg[0])
        x2 = np.array([xg[0] - 1.0, xg[0] + 1.0])
        return MonotoneCurve(tuple(x2), tuple(x2 + shift), (1.0, 1.0))
    dx = np.diff(xg)
    slopes = np.clip(np.diff(yg) / dx, 1.0 / max_gain, max_gain)
    log_s = np.log(slopes)
    for _ in range(max(int(smooth), 0)):
        padded = np.concatenate([log_s[:1], log_s, log_s[-1:]])
        log_s = 0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:]
    slopes = np.exp(np.clip(log_s, -np.log(max_gain), np.log(max_gain)))
    rebuilt = np.concatenate([[0.0], np.cumsum(slopes * dx)])
    y_new = rebuilt + np.mean(yg - rebuilt)
    d = _pchip_slopes(xg, y_new)
    curve = MonotoneCurve(tuple(float(v) for v in xg), tuple(float(v) for v in y_new), tuple(d))
    # Smoothing and slope limits bias the mapped mean a little; shift it back onto the target's.
    offset = float(np.mean(target) - np.mean(curve(source)))
    return MonotoneCurve(curve.x, tuple(float(v) + offset for v in y_new), curve.d)


@register_map
@dataclass(frozen=True)
class HistogramMap:
    """One :class:`MonotoneCurve` per CIELAB channel (L*, a*, b*)."""

    kind: ClassVar[str] = "histogram"
    curves: tuple[MonotoneCurve, MonotoneCurve, MonotoneCurve]

    def apply_lab(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (N, 3) -> CIELAB (N, 3)."""
        lab = np.asarray(lab, dtype=np.float64)
        return np.stack([c(lab[..., k]) for k, c in enumerate(self.curves)], axis=-1)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "curves": [c.to_dict() for c in self.curves]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HistogramMap:
        curves = tuple(MonotoneCurve.from_dict(c) for c in d["curves"])
        if len(curves) != 3:
            raise ValueError("histogram map needs 3 curves")
        return cls(curves)  # type: ignore[arg-type]


def fit_histogram(
    source: np.ndarray,
    target: np.ndarray,
    *,
    seed: int = 0,
    knots: int = DEFAULT_KNOTS,
    min_step: float = DEFAULT_MIN_STEP,
    smooth: int = DEFAULT_SMOOTH,
    max_gain: float = DEFAULT_MAX_GAIN,
) -> HistogramMap:
    """Fit a :class:`HistogramMap` from CIELAB samples ``source`` and ``target`` (N, 3) float64.

    ``knots`` (4..1024) probability levels; ``min_step`` > 0 CIELAB units between merged knots;
    ``smooth`` >= 0 passes over the log slopes; ``max_gain`` >= 1 limits every slope.
    ``seed`` is unused (the fit is exact).
    """
    del seed
    if not (4 <= int(knots) <= 1024) or min_step <= 0 or max_gain < 1 or smooth < 0:
        raise BadInputError(
            "histogram: need 4 <= knots <= 1024, min_step > 0, smooth >= 0, max_gain >= 1 "
            f"(got {knots}, {min_step}, {smooth}, {max_gain})"
        )
    curves = tuple(
        fit_curve(
            source[:, k],
            target[:, k],
            knots=int(knots),
            min_step=min_step,
            smooth=smooth,
            max_gain=max_gain,
        )
        for k in range(3)
    )
    return HistogramMap(curves)  # type: ignore[arg-type]
