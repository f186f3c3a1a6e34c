"""Reinhard et al. (2001) colour transfer: per-channel mean and standard deviation, in CIELAB.

Reinhard, Ashikhmin, Gooch & Shirley, "Color Transfer between Images", IEEE CG&A 21(5), 2001,
worked in Ruderman's l-alpha-beta space; gradecli uses float CIELAB (D65), where the three
channels of natural images are also nearly decorrelated. Each channel ``k`` becomes::

    y_k = (x_k - mu_s,k) * g_k + mu_t,k,    g_k = sqrt(var_t,k + eps^2) / sqrt(var_s,k + eps^2)

``eps`` (CIELAB units) regularises near-constant channels and the gain is limited to
``1 / max_gain .. max_gain``, so a black frame or a single-colour source gives a bounded map
instead of an explosion. Identical source and target statistics give the identity exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from gradecli.color.transfer.base import DEFAULT_MAX_GAIN, register_map
from gradecli.errors import BadInputError

__all__ = ["ReinhardMap", "fit_reinhard", "DEFAULT_EPS"]

#: Regularising standard deviation added (in quadrature) to both sides, CIELAB units.
DEFAULT_EPS = 0.5


@register_map
@dataclass(frozen=True)
class ReinhardMap:
    """``y = (x - source_mean) * gain + target_mean`` per CIELAB channel (L*, a*, b*)."""

    kind: ClassVar[str] = "reinhard"
    source_mean: tuple[float, float, float]
    target_mean: tuple[float, float, float]
    gain: tuple[float, float, float]

    def apply_lab(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (N, 3) -> CIELAB (N, 3)."""
        return (np.asarray(lab, dtype=np.float64) - self.source_mean) * self.gain + self.target_mean

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source_mean": list(self.source_mean),
            "target_mean": list(self.target_mean),
            "gain": list(self.gain),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReinhardMap:
        return cls(
            source_mean=_vec3(d["source_mean"]),
            target_mean=_vec3(d["target_mean"]),
            gain=_vec3(d["gain"]),
        )


def _vec3(v: Any) -> tuple[float, float, float]:
    a = np.asarray(v, dtype=np.float64).reshape(3)
    return (float(a[0]), float(a[1]), float(a[2]))


def fit_reinhard(
    source: np.ndarray,
    target: np.ndarray,
    *,
    seed: int = 0,
    eps: float = DEFAULT_EPS,
    max_gain: float = DEFAULT_MAX_GAIN,
) -> ReinhardMap:
    """Fit a :class:`ReinhardMap` from CIELAB samples ``source`` and ``target`` (N, 3) float64.

    ``eps`` >= 0 is the regularising standard deviation (CIELAB units); ``max_gain`` >= 1 limits
    each channel's gain. ``seed`` is unused (the fit is exact).
    """
    del seed
    if eps < 0 or max_gain < 1:
        raise BadInputError(f"reinhard: need eps >= 0 and max_gain >= 1 (got {eps}, {max_gain})")
    mu_s, mu_t = source.mean(axis=0), target.mean(axis=0)
    var_s, var_t = source.var(axis=0), target.var(axis=0)
    gain = np.sqrt((var_t + eps**2) / np.maximum(var_s + eps**2, 1e-12))
    gain = np.clip(gain, 1.0 / max_gain, max_gain)
    return ReinhardMap(_vec3(mu_s), _vec3(mu_t), _vec3(gain))
