"""Iterative distribution transfer (Pitie et al. 2005), represented as a smooth map of colour.

Pitie, Kokaram & Dahyot, "N-dimensional probability density function transfer and its application
to colour transfer", ICCV 2005 (also known as sliced optimal transport): rotate the colour space
at random, match the three 1-D marginals of the moving source samples to the target's, rotate
back, and repeat; the source sample's whole 3-D distribution converges to the target's, including
what mean, covariance and per-channel histograms cannot describe (a cast in the shadows only, a
hue-dependent shift).

IDT moves *samples*, and moved samples are not a function of colour that can go into a LUT; used
pixel by pixel it also tears neighbouring colours apart (grain, contouring). So gradecli uses it
only to find where the source distribution should go, then fits a smooth map to that:

1. the Monge-Kantorovich linear map (:mod:`~gradecli.color.transfer.mkl`) does the affine part
   and is IDT's starting point, so a few iterations suffice;
2. IDT (``iterations`` random rotations, 1-D matches at ``levels`` quantiles) moves a
   deterministic random subset of at most ``max_samples`` source pixels onto the target;
3. the residual displacement (moved minus linear) is fitted by regularised least squares on a
   coarse trilinear grid over the source's CIELAB box: mean squared data error, plus a
   thin-plate smoothness term (second derivatives scaled by the length ``smoothness`` in CIELAB
   units), plus a small ridge ``ridge`` that lets the residual fade to zero (the linear map) far
   from the data; beyond the box the residual stays constant;
4. the residual is scaled down, as a whole, if its steepest slope (a bound on the norm of its
   Jacobian, from the grid's finite differences) exceeds ``max_slope``. Ordinary looks stay far
   below it; it is what keeps a near-constant source (a black frame, whose few distinct colours
   IDT would spread over the whole target) from amplifying noise.

The result is a smooth, deterministic (for a given ``seed``) function of colour: linear map plus
a smooth residual, evaluated at any colour by trilinear interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from gradecli.color.transfer.base import DEFAULT_MAX_GAIN, register_map
from gradecli.color.transfer.mkl import DEFAULT_EPS, MklMap, fit_mkl
from gradecli.errors import BadInputError

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["IdtMap", "fit_idt", "sliced_transport"]

DEFAULT_ITERATIONS = 20
DEFAULT_LEVELS = 128
DEFAULT_MAX_SAMPLES = 20_000
DEFAULT_GRID = (9, 13, 13)
DEFAULT_SMOOTHNESS = 8.0
DEFAULT_RIDGE = 1e-3
DEFAULT_MAX_SLOPE = 2.0
_BOX_PAD = 4.0  # CIELAB units around the source samples' box
_MIN_STEP = 1e-3  # merge 1-D quantile knots closer than this (CIELAB units)


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A uniformly random 3x3 rotation (QR of a Gaussian matrix with the sign fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def _match_1d(v: np.ndarray, qv: np.ndarray, qt: np.ndarray) -> np.ndarray:
    """Displacement moving values ``v`` (quantiles ``qv``) to quantiles ``qt``; constant beyond."""
    group = np.concatenate([[0], np.cumsum(np.diff(qv) >= _MIN_STEP)])
    counts = np.bincount(group)
    xg = np.bincount(group, weights=qv) / counts
    dg = np.bincount(group, weights=qt - qv) / counts
    if len(xg) < 2:
        return np.full_like(v, dg[0])
    return np.interp(v, xg, dg)


def sliced_transport(
    moving: np.ndarray,
    target: np.ndarray,
    *,
    iterations: int = DEFAULT_ITERATIONS,
    levels: int = DEFAULT_LEVELS,
    rng: np.random.Generator,
) -> np.ndarray:
    """Pitie's IDT: move samples ``moving`` (N, 3) so their distribution matches ``target``.

    Each iteration draws a random rotation and matches the three rotated marginals at ``levels``
    quantiles. Returns the moved samples (N, 3); the inputs are not modified.
    """
    x = np.array(moving, dtype=np.float64)
    p = (np.arange(levels) + 0.5) / levels
    for _ in range(iterations):
        rot = _random_rotation(rng)
        xp = x @ rot
        tp = target @ rot
        qx = np.quantile(xp, p, axis=0)
        qt = np.quantile(tp, p, axis=0)
        for k in range(3):
            xp[:, k] += _match_1d(xp[:, k], qx[:, k], qt[:, k])
        x = xp @ rot.T
    return x


# -- the smooth residual grid ------------------------------------------------------------------


def _cell_coords(
    lab: np.ndarray, lo: np.ndarray, step: np.ndarray, shape: tuple[int, int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Lower-corner indices (N, 3) and fractions (N, 3) of clamped grid coordinates."""
    n = np.asarray(shape)
    u = np.clip((lab - lo) / step, 0.0, n - 1.0)
    i = np.minimum(u.astype(np.intp), n - 2)
    return i, u - i


def _corner_weights(
    lab: np.ndarray, lo: np.ndarray, step: np.ndarray, shape: tuple[int, int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Flat node indices (N, 8) and trilinear weights (N, 8) of each colour's cell corners."""
    i, f = _cell_coords(lab, lo, step, shape)
    _, n1, n2 = shape
    idx = []
    wts = []
    for c0 in (0, 1):
        w0 = f[:, 0] if c0 else 1 - f[:, 0]
        for c1 in (0, 1):
            w1 = f[:, 1] if c1 else 1 - f[:, 1]
            for c2 in (0, 1):
                w2 = f[:, 2] if c2 else 1 - f[:, 2]
                idx.append(((i[:, 0] + c0) * n1 + (i[:, 1] + c1)) * n2 + (i[:, 2] + c2))
                wts.append(w0 * w1 * w2)
    return np.stack(idx, axis=1), np.stack(wts, axis=1)


def _diff_1d(n: int, order: int) -> sp.csr_matrix:
    """Forward difference matrix of ``order`` 1 or 2 on ``n`` points."""
    import scipy.sparse as sp  # imported when idt is fitted, not when gradecli starts
    if order == 1:
        return sp.diags([-np.ones(n - 1), np.ones(n - 1)], [0, 1], shape=(n - 1, n), format="csr")
    return sp.diags(
        [np.ones(n - 2), -2 * np.ones(n - 2), np.ones(n - 2)],
        [0, 1, 2],
        shape=(n - 2, n),
        format="csr",
    )


def _thin_plate(shape: tuple[int, int, int], step: np.ndarray, length: float) -> sp.csr_matrix:
    """Normal matrix of the discrete thin-plate energy, second derivatives scaled by length^2.

    Energy = sum over nodes of (length^2 f_ii)^2 for each axis plus 2 (length^2 f_ij)^2 for each
    pair, divided by the number of nodes (a mean, like the data term).
    """
    import scipy.sparse as sp
    eyes = [sp.identity(n, format="csr") for n in shape]
    terms = []
    for a in range(3):
        if shape[a] < 3:
            continue
        mats = list(eyes)
        mats[a] = _diff_1d(shape[a], 2) * (length**2 / step[a] ** 2)
        d = sp.kron(sp.kron(mats[0], mats[1]), mats[2], format="csr")
        terms.append(d.T @ d)
    for a in range(3):
        for b in range(a + 1, 3):
            mats = list(eyes)
            mats[a] = _diff_1d(shape[a], 1)
            mats[b] = _diff_1d(shape[b], 1) * (length**2 / (step[a] * step[b]))
            d = sp.kron(sp.kron(mats[0], mats[1]), mats[2], format="csr")
            terms.append(2.0 * (d.T @ d))
    total = sum(terms) if terms else sp.csr_matrix((int(np.prod(shape)),) * 2)
    return total / float(np.prod(shape))


def fit_residual_grid(
    lab: np.ndarray,
    residual: np.ndarray,
    lo: np.ndarray,
    step: np.ndarray,
    shape: tuple[int, int, int],
    *,
    smoothness: float = DEFAULT_SMOOTHNESS,
    ridge: float = DEFAULT_RIDGE,
) -> np.ndarray:
    """Regularised least-squares trilinear grid (shape + (3,)) through samples ``residual``."""
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
    m = int(np.prod(shape))
    idx, w = _corner_weights(lab, lo, step, shape)
    n = len(lab)
    a = sp.csr_matrix((w.ravel(), idx.ravel(), np.arange(0, 8 * n + 1, 8)), shape=(n, m))
    lhs = (a.T @ a) / n + _thin_plate(shape, step, smoothness) + sp.identity(m) * (ridge / m)
    rhs = (a.T @ residual) / n
    sol = spla.splu(sp.csc_matrix(lhs)).solve(np.ascontiguousarray(rhs))
    return sol.reshape(*shape, 3)


def residual_slope(residual: np.ndarray, step: np.ndarray) -> float:
    """Upper bound on the Jacobian norm of a trilinear residual grid (CIELAB units per unit).

    ``sqrt(sum over axes of the largest squared finite-difference derivative along that axis)``.
    """
    total = 0.0
    for axis in range(3):
        d = np.diff(residual, axis=axis) / step[axis]
        total += float(np.max(np.sum(d * d, axis=-1), initial=0.0))
    return float(np.sqrt(total))


@register_map
@dataclass(frozen=True, eq=False)
class IdtMap:
    """``y = linear(x) + residual(x)``: an MKL map plus a smooth trilinear residual grid.

    The grid has nodes ``lo + i * step`` (CIELAB, per axis L*, a*, b*) and values ``residual``
    (shape (nL, na, nb, 3), CIELAB units); colours outside the grid's box use the clamped
    coordinate (the residual stays constant beyond it).
    """

    kind: ClassVar[str] = "idt"
    linear: MklMap
    lo: tuple[float, float, float]
    step: tuple[float, float, float]
    residual: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        res = np.array(self.residual, dtype=np.float64)
        if res.ndim != 4 or res.shape[-1] != 3 or min(res.shape[:3]) < 2:
            raise ValueError(f"idt residual grid must be (nL, na, nb, 3), got {res.shape}")
        if not np.all(np.isfinite(res)) or min(self.step) <= 0:
            raise ValueError("idt residual grid must be finite with positive steps")
        res.setflags(write=False)
        object.__setattr__(self, "residual", res)

    def apply_lab(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (N, 3) -> CIELAB (N, 3)."""
        lab = np.asarray(lab, dtype=np.float64).reshape(-1, 3)
        out = self.linear.apply_lab(lab)
        shape = self.residual.shape[:3]
        i, f = _cell_coords(lab, np.asarray(self.lo), np.asarray(self.step), shape)
        g = self.residual
        i0, i1, i2 = i[:, 0], i[:, 1], i[:, 2]
        f0, f1, f2 = f[:, 0:1], f[:, 1:2], f[:, 2:3]
        # Trilinear: interpolate along b*, then a*, then L*.
        c00 = g[i0, i1, i2] + f2 * (g[i0, i1, i2 + 1] - g[i0, i1, i2])
        c01 = g[i0, i1 + 1, i2] + f2 * (g[i0, i1 + 1, i2 + 1] - g[i0, i1 + 1, i2])
        c10 = g[i0 + 1, i1, i2] + f2 * (g[i0 + 1, i1, i2 + 1] - g[i0 + 1, i1, i2])
        c11 = g[i0 + 1, i1 + 1, i2] + f2 * (g[i0 + 1, i1 + 1, i2 + 1] - g[i0 + 1, i1 + 1, i2])
        c0 = c00 + f1 * (c01 - c00)
        c1 = c10 + f1 * (c11 - c10)
        out += c0 + f0 * (c1 - c0)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "linear": self.linear.to_dict(),
            "lo": list(self.lo),
            "step": list(self.step),
            "residual": self.residual.tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IdtMap:
        lo = np.asarray(d["lo"], dtype=np.float64).reshape(3)
        step = np.asarray(d["step"], dtype=np.float64).reshape(3)
        return cls(
            linear=MklMap.from_dict(d["linear"]),
            lo=(float(lo[0]), float(lo[1]), float(lo[2])),
            step=(float(step[0]), float(step[1]), float(step[2])),
            residual=np.asarray(d["residual"], dtype=np.float64),
        )


def _subsample_pair(
    source: np.ndarray, target: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``n`` rows of each, drawn with ``rng``; the same rows where the lengths agree.

    Sharing the draw makes matching a sample to itself exactly the identity (two independent
    draws from one sample differ by sampling noise, which IDT would faithfully transfer).
    """

    def draw(length: int) -> np.ndarray | None:
        return None if length <= n else np.sort(rng.choice(length, size=n, replace=False))

    i_s = draw(len(source))
    i_t = i_s if len(target) == len(source) else draw(len(target))
    return (
        source if i_s is None else source[i_s],
        target if i_t is None else target[i_t],
    )


def fit_idt(
    source: np.ndarray,
    target: np.ndarray,
    *,
    seed: int = 0,
    iterations: int = DEFAULT_ITERATIONS,
    levels: int = DEFAULT_LEVELS,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    grid: tuple[int, int, int] = DEFAULT_GRID,
    smoothness: float = DEFAULT_SMOOTHNESS,
    ridge: float = DEFAULT_RIDGE,
    max_slope: float = DEFAULT_MAX_SLOPE,
    eps: float = DEFAULT_EPS,
    max_gain: float = DEFAULT_MAX_GAIN,
) -> IdtMap:
    """Fit an :class:`IdtMap` from CIELAB samples ``source`` and ``target`` (N, 3) float64.

    ``iterations`` (0..200) IDT rotations; ``levels`` (8..4096) quantiles per 1-D match;
    ``max_samples`` (>= 100) pixels of each side used for IDT (a random subset drawn with
    ``seed``); ``grid`` nodes along L*, a*, b* (2..64 each); ``smoothness`` > 0 the thin-plate
    length scale in CIELAB units (larger = smoother); ``ridge`` >= 0 the pull of the residual to
    zero; ``max_slope`` > 0 caps the residual's slope (CIELAB units per unit); ``eps`` and
    ``max_gain`` regularise the linear part (see :func:`fit_mkl`).
    """
    grid_t = tuple(int(g) for g in np.broadcast_to(np.asarray(grid), (3,)))
    if not (
        0 <= int(iterations) <= 200
        and 8 <= int(levels) <= 4096
        and int(max_samples) >= 100
        and all(2 <= g <= 64 for g in grid_t)
        and smoothness > 0
        and ridge >= 0
        and max_slope > 0
    ):
        raise BadInputError(
            "idt: need 0 <= iterations <= 200, 8 <= levels <= 4096, max_samples >= 100, "
            "2 <= grid <= 64, smoothness > 0, ridge >= 0, max_slope > 0"
        )
    rng = np.random.default_rng(seed)
    linear = fit_mkl(source, target, eps=eps, max_gain=max_gain, lightness="joint")
    src, tgt = _subsample_pair(source, target, int(max_samples), rng)
    start = linear.apply_lab(src)
    moved = sliced_transport(start, tgt, iterations=int(iterations), levels=int(levels), rng=rng)

    lo = src.min(axis=0) - _BOX_PAD
    hi = src.max(axis=0) + _BOX_PAD
    lo[0], hi[0] = max(lo[0], 0.0), min(hi[0], 100.0)
    hi = np.maximum(hi, lo + 2 * _BOX_PAD)
    step = (hi - lo) / (np.asarray(grid_t) - 1)
    residual = fit_residual_grid(
        src,
        moved - start,
        lo,
        step,
        grid_t,
        smoothness=smoothness,
        ridge=ridge,  # type: ignore[arg-type]
    )
    slope = residual_slope(residual, step)
    if slope > max_slope:
        residual = residual * (max_slope / slope)
    return IdtMap(
        linear=linear,
        lo=(float(lo[0]), float(lo[1]), float(lo[2])),
        step=(float(step[0]), float(step[1]), float(step[2])),
        residual=residual,
    )
