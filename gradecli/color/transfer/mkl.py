"""Monge-Kantorovich linear colour transfer (Pitie & Kokaram 2007), in CIELAB.

Pitie & Kokaram, "The linear Monge-Kantorovitch linear colour mapping for example-based colour
transfer", IET CVMP 2007. Of all affine maps ``y = T (x - mu_s) + mu_t`` that carry the source
covariance ``S`` to the target covariance ``G`` (``T S T^T = G``), the one that moves colours
least (the optimal transport map between the two Gaussians) is::

    T = S^-1/2 (S^1/2 G S^1/2)^1/2 S^-1/2

It is symmetric positive definite, transfers correlations between channels (which Reinhard's
per-channel map cannot) and, unlike a Cholesky or PCA match, never rotates or flips colours.

Regularisation: ``eps^2 I`` (``eps`` in CIELAB units) is added to both covariances, so a
single-colour or black source is well posed, and the eigenvalues of ``T`` (its gains along its
principal directions) are limited to ``1 / max_gain .. max_gain``. Equal covariances give
``T = I`` to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from gradecli.color.transfer.base import DEFAULT_MAX_GAIN, register_map
from gradecli.errors import BadInputError

__all__ = ["MklMap", "fit_mkl", "mkl_matrix", "DEFAULT_EPS"]

#: Regularising standard deviation added to both covariances (as eps^2 I), CIELAB units.
DEFAULT_EPS = 0.5


def _sym_fn(m: np.ndarray, fn: Any) -> np.ndarray:
    """Apply ``fn`` to the eigenvalues of a symmetric matrix."""
    m = 0.5 * (m + m.T)
    w, v = np.linalg.eigh(m)
    return (v * fn(w)) @ v.T


def mkl_matrix(
    cov_source: np.ndarray,
    cov_target: np.ndarray,
    *,
    eps: float = DEFAULT_EPS,
    max_gain: float = DEFAULT_MAX_GAIN,
) -> np.ndarray:
    """The regularised Monge-Kantorovich matrix T (3x3, symmetric) for two covariances."""
    eye = np.eye(3)
    s = np.asarray(cov_source, dtype=np.float64) + eps**2 * eye
    g = np.asarray(cov_target, dtype=np.float64) + eps**2 * eye
    floor = 1e-12

    s_half = _sym_fn(s, lambda w: np.sqrt(np.maximum(w, floor)))
    s_inv_half = _sym_fn(s, lambda w: 1.0 / np.sqrt(np.maximum(w, floor)))
    middle = _sym_fn(s_half @ g @ s_half, lambda w: np.sqrt(np.maximum(w, 0.0)))
    t = s_inv_half @ middle @ s_inv_half
    return _sym_fn(t, lambda w: np.clip(w, 1.0 / max_gain, max_gain))


@register_map
@dataclass(frozen=True)
class MklMap:
    """``y = matrix @ (x - source_mean) + target_mean`` in CIELAB (matrix 3x3: symmetric for the
    published map, with a first row ``(gain, 0, 0)`` when lightness is kept separate)."""

    kind: ClassVar[str] = "mkl"
    source_mean: tuple[float, float, float]
    target_mean: tuple[float, float, float]
    matrix: tuple[tuple[float, float, float], ...]

    def apply_lab(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (N, 3) -> CIELAB (N, 3)."""
        m = np.asarray(self.matrix, dtype=np.float64)
        return (np.asarray(lab, dtype=np.float64) - self.source_mean) @ m.T + self.target_mean

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source_mean": list(self.source_mean),
            "target_mean": list(self.target_mean),
            "matrix": [list(r) for r in self.matrix],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MklMap:
        return cls.from_arrays(d["source_mean"], d["target_mean"], d["matrix"])

    @classmethod
    def from_arrays(cls, source_mean: Any, target_mean: Any, matrix: Any) -> MklMap:
        """Build from array-likes (means (3,), matrix (3, 3))."""
        ms = np.asarray(source_mean, dtype=np.float64).reshape(3)
        mt = np.asarray(target_mean, dtype=np.float64).reshape(3)
        m = np.asarray(matrix, dtype=np.float64).reshape(3, 3)
        return cls(
            source_mean=tuple(float(v) for v in ms),  # type: ignore[arg-type]
            target_mean=tuple(float(v) for v in mt),  # type: ignore[arg-type]
            matrix=tuple(tuple(float(v) for v in row) for row in m),
        )


def fit_mkl(
    source: np.ndarray,
    target: np.ndarray,
    *,
    seed: int = 0,
    eps: float = DEFAULT_EPS,
    max_gain: float = DEFAULT_MAX_GAIN,
    lightness: str = "separate",
) -> MklMap:
    """Fit an :class:`MklMap` from CIELAB samples ``source`` and ``target`` (N, 3) float64.

    ``eps`` >= 0 regularises the covariances (CIELAB units); ``max_gain`` >= 1 limits the
    eigenvalues of the matrix. ``seed`` is unused (the fit is exact).

    ``lightness``: "separate" (default) keeps output L* a function of L* alone, with the gain
    ``sqrt((G_LL + eps^2) / (S_LL + eps^2))`` limited like the matrix, while a* and b* come from
    the full map (their dependence on L* included): a cast then never leaks into the picture's
    lightness structure (MKL's cross terms otherwise mix b* into L*, which lowered SSIM(L*) from
    0.95 to 0.90 on a warm cast in benchmarks/bench_match.py). "joint" is Pitie and Kokaram's
    map as published.
    """
    del seed
    if eps < 0 or max_gain < 1:
        raise BadInputError(f"mkl: need eps >= 0 and max_gain >= 1 (got {eps}, {max_gain})")
    if lightness not in ("separate", "joint"):
        raise BadInputError(f"mkl: lightness must be 'separate' or 'joint', got {lightness!r}")
    mu_s, mu_t = source.mean(axis=0), target.mean(axis=0)
    cov_s = np.cov(source, rowvar=False, bias=True) if len(source) > 1 else np.zeros((3, 3))
    cov_t = np.cov(target, rowvar=False, bias=True) if len(target) > 1 else np.zeros((3, 3))
    t = mkl_matrix(cov_s, cov_t, eps=eps, max_gain=max_gain)
    if lightness == "separate":
        gain = np.sqrt((max(cov_t[0, 0], 0.0) + eps**2) / (max(cov_s[0, 0], 0.0) + eps**2))
        t[0] = (float(np.clip(gain, 1.0 / max_gain, max_gain)), 0.0, 0.0)
    return MklMap.from_arrays(mu_s, mu_t, t)
