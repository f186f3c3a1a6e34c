"""An exact 8-bit table of a 3D LUT: the LUT evaluated on the whole 256^3 grid of 8-bit codes
(or a sub-grid), in parallel row blocks, for the engine's table kernels.

Arrays: code values 0..255 per axis; the result is uint8 (..., 3) rounded to nearest.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from gradecli.color.lut_interp import INTERPOLATIONS
from gradecli.errors import BadInputError

__all__ = ["grid_u8"]


def _axis_cells(coords: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.clip(np.asarray(coords, dtype=np.float64), 0.0, 1.0) * (n - 1)
    i = np.minimum(x.astype(np.intp), n - 2)
    return i, x - i


def _default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def grid_u8(
    table: np.ndarray,
    axes: tuple[np.ndarray, np.ndarray, np.ndarray],
    interpolation: str = "tetrahedral",
    workers: int | None = None,
) -> np.ndarray:
    """Evaluate ``table`` on the separable grid ``axes`` and quantise to 8-bit codes, packed.

    ``axes`` are three 1D arrays of normalised coordinates (red, green, blue), of lengths
    ``(A, B, C)`` with ``B * C`` at least a few hundred (e.g. 256 each for 8-bit RGB). Returns a
    uint32 array (A, B, C): byte 0 (the lowest) is red, byte 1 green, byte 2 blue, byte 3 zero, each
    ``floor(v * 255 + 0.5)`` clamped to 0..255 (round half up) of the interpolated value ``v``.

    Tetrahedral: for one green/blue point the value is, along red, a continuous piecewise-linear
    function of the red fraction ``t`` with breaks where ``t`` crosses the green and blue
    fractions, ``A3 + B3 t + C2 max(t - lo, 0) + C1 max(t - hi, 0)``. The coefficient planes are
    computed once per red cell from the two table planes around it, so every grid point costs a
    few multiply-adds in float32 instead of gathers. Trilinear: each red plane of the table is
    upsampled bilinearly (two small matrix products), then red is a linear blend of two planes.
    Red cells are shared out to ``workers`` threads (numpy releases the GIL); the default is
    min(2, CPUs).
    """
    t = np.asarray(table, dtype=np.float64)
    if t.ndim != 4 or t.shape[3] != 3 or not (t.shape[0] == t.shape[1] == t.shape[2] >= 2):
        raise BadInputError(f"a 3D LUT table must be shaped (N, N, N, 3), got {t.shape}")
    if interpolation not in INTERPOLATIONS:
        raise BadInputError(
            f"unknown interpolation {interpolation!r}: use one of {', '.join(INTERPOLATIONS)}"
        )
    ar, ag, ab = (np.asarray(a, dtype=np.float64).ravel() for a in axes)
    if not all(np.isfinite(a).all() for a in (ar, ag, ab)):
        raise BadInputError("grid coordinates must be finite")
    workers = _default_workers() if workers is None else max(1, int(workers))
    out = np.empty((ar.size, ag.size * ab.size), dtype=np.uint32)
    if interpolation == "trilinear":
        _grid_trilinear(t, ar, ag, ab, out, workers)
    else:
        _grid_tetrahedral(t, ar, ag, ab, out, workers)
    return out.reshape(ar.size, ag.size, ab.size)


def _store_u8(dst: np.ndarray, acc: np.ndarray, q: np.ndarray, clamp: bool = True) -> None:
    """Clamp (3, P) float codes (already + 0.5) to 0..255, truncate and pack into dst (P,) u32.

    ``clamp=False`` when the caller knows the codes are already in 0..255.5.
    """
    if clamp:
        np.clip(acc, np.float32(0.0), np.float32(255.0), out=acc)
    np.copyto(q, acc, casting="unsafe")  # truncation: floor for these non-negative values
    q[1] <<= 8
    q[2] <<= 16
    np.bitwise_or(q[0], q[1], out=dst)
    dst |= q[2]


def _map(workers: int, fn: Callable[[object], None], items: list) -> None:
    if workers > 1 and len(items) > 1:
        with ThreadPoolExecutor(workers) as ex:
            for _ in ex.map(fn, items):
                pass
    else:
        for it in items:
            fn(it)


def _split(items: list, parts: int) -> list[list]:
    """``items`` cut into ``parts`` contiguous runs of nearly equal length (none empty)."""
    parts = max(1, min(parts, len(items)))
    bounds = np.linspace(0, len(items), parts + 1).round().astype(int)
    return [items[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _grid_tetrahedral(
    t: np.ndarray,
    ar: np.ndarray,
    ag: np.ndarray,
    ab: np.ndarray,
    out: np.ndarray,
    workers: int,
) -> None:
    n = t.shape[0]
    ir, fr = _axis_cells(ar, n)
    ig, fg = _axis_cells(ag, n)
    ib, fb = _axis_cells(ab, n)
    # Green/blue plane: one entry per (g, b) pair, g major.
    fg_p = np.repeat(fg, ab.size)
    fb_p = np.tile(fb, ag.size)
    base = (np.repeat(ig, ab.size) * n) + np.tile(ib, ag.size)
    hi = np.maximum(fg_p, fb_p)
    lo = np.minimum(fg_p, fb_p)
    idx_0h = base + np.where(fg_p >= fb_p, n, 1)  # one step along the larger of g, b
    idx_0hl = base + (n + 1)  # one step along both
    w000 = (1.0 - hi).astype(np.float32)
    w0h = (hi - lo).astype(np.float32)
    hi = hi.astype(np.float32)
    lo = lo.astype(np.float32)
    # planes[j, k]: red plane j of output channel k, flat (g, b) index, in 8-bit code units.
    planes = np.ascontiguousarray((t * 255.0).astype(np.float32).transpose(0, 3, 1, 2))
    planes = planes.reshape(n, 3, n * n)
    p = base.size

    def corners(j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        res = np.empty((3, 3, p), np.float32)
        for k in range(3):
            for c, idx in enumerate((base, idx_0h, idx_0hl)):
                np.take(planes[j, k], idx, out=res[c, k], mode="clip")
        return res[0], res[1], res[2]

    def do_cells(cells: list[int]) -> None:
        u = np.empty(p, np.float32)
        v = np.empty(p, np.float32)
        acc = np.empty((3, p), np.float32)
        tmp = np.empty((3, p), np.float32)
        q = np.empty((3, p), np.uint32)
        zero = np.zeros(p, np.float32)  # maximum against an array is much faster than a scalar
        upper: tuple[int, tuple] | None = None
        for cell in cells:
            v000, v0h, v0hl = upper[1] if upper and upper[0] == cell else corners(cell)
            v100, v1h, v111 = corners(cell + 1)
            upper = (cell + 1, (v100, v1h, v111))
            # Piece for t < lo: path larger of g/b, smaller of g/b, then r; value A3 + B3 t.
            a3 = v000 * w000
            a3 += v0h * w0h
            a3 += v0hl * lo
            a3 += 0.5
            b3 = v111 - v0hl
            b2 = v1h - v0h  # lo <= t < hi: larger of g/b, r, smaller
            c1 = v100 - v000  # t >= hi: r first
            c1 -= b2
            c2 = b2
            c2 -= b3
            # Values are convex combinations of the corners: no clamp needed when all of them
            # are 0..255 (then value + 0.5 < 256).
            corner = (v000, v0h, v0hl, v100, v1h, v111)
            clamp = min(x.min() for x in corner) < 0.0 or max(x.max() for x in corner) > 255.0
            for r in np.flatnonzero(ir == cell):
                tr = np.float32(fr[r])
                np.subtract(tr, lo, out=u)
                np.maximum(u, zero, out=u)
                np.subtract(tr, hi, out=v)
                np.maximum(v, zero, out=v)
                np.multiply(b3, tr, out=acc)
                acc += a3
                np.multiply(c2, u, out=tmp)
                acc += tmp
                np.multiply(c1, v, out=tmp)
                acc += tmp
                _store_u8(out[r], acc, q, clamp)

    _map(workers, do_cells, _split([int(c) for c in np.unique(ir)], workers))


def _grid_trilinear(
    t: np.ndarray,
    ar: np.ndarray,
    ag: np.ndarray,
    ab: np.ndarray,
    out: np.ndarray,
    workers: int,
) -> None:
    n = t.shape[0]
    ir, fr = _axis_cells(ar, n)
    ig, fg = _axis_cells(ag, n)
    ib, fb = _axis_cells(ab, n)
    # Bilinear (g, b) upsampling of red plane j of the table: (3, B * C) in 8-bit code units.
    # (Plain gathers and blends: BLAS threads would fight the worker threads.)
    tc = np.ascontiguousarray((t * 255.0).transpose(0, 3, 1, 2))  # [r, channel, g, b]
    fg1 = fg[None, :, None]
    fb1 = fb[None, None, :]
    p = ag.size * ab.size

    def plane(j: int) -> np.ndarray:
        x = tc[j].take(ig, axis=1)
        x += (tc[j].take(ig + 1, axis=1) - x) * fg1  # (3, B, n)
        y = x.take(ib, axis=2)
        y += (x.take(ib + 1, axis=2) - y) * fb1  # (3, B, C)
        return y.astype(np.float32).reshape(3, p)

    def do_cells(cells: list[int]) -> None:
        acc = np.empty((3, p), np.float32)
        q = np.empty((3, p), np.uint32)
        upper: tuple[int, np.ndarray] | None = None
        for cell in cells:
            p0 = upper[1] if upper and upper[0] == cell else plane(cell)
            p1 = plane(cell + 1)
            upper = (cell + 1, p1)
            # A blend of two planes stays within their range: clamp only if that leaves 0..255.
            clamp = min(p0.min(), p1.min()) < 0.0 or max(p0.max(), p1.max()) > 255.0
            d = p1 - p0
            a = p0 + np.float32(0.5)
            for r in np.flatnonzero(ir == cell):
                np.multiply(d, np.float32(fr[r]), out=acc)
                acc += a
                _store_u8(out[r], acc, q, clamp)

    _map(workers, do_cells, _split([int(c) for c in np.unique(ir)], workers))
