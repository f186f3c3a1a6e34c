"""Interpolation kernels for LUT tables: vectorised numpy, chunked, no per-pixel Python loops.

Conventions (shared with :mod:`gradecli.color.lut`):

- A 3D table is a float array ``(N, N, N, 3)`` indexed ``table[r, g, b]`` (red index first),
  holding output RGB. A 1D table is ``(M, 3)``: one curve per channel.
- Coordinates are *normalised*: 0 is the first node and 1 the last node of every axis. They are
  clamped to 0..1 (the .cube specifications and OpenColorIO clamp; colour-science extrapolates).
  +/-inf therefore clamp; a NaN in any channel of a point gives NaN in all three outputs.
- Arithmetic is done in float32 when the coordinates are float32 and in float64 otherwise; the
  result has that dtype.

Tetrahedral interpolation splits each cell into the 6 tetrahedra that share the cell's main
diagonal (the Kuhn / Freudenthal split, as in FFmpeg, OpenColorIO and colour-science): with the
fractional coordinates sorted ``f1 >= f2 >= f3`` the value is
``(1 - f1) V000 + (f1 - f2) V1 + (f2 - f3) V2 + f3 V111``, ``V1`` and ``V2`` being the corners one
and two steps along the path that follows the axes in that order. Trilinear interpolation is the
usual tensor product.

Speed: the table is kept one contiguous row per output channel, flat indices are computed in
int32 and every corner is one ``np.take``; all arithmetic is on contiguous (P,) arrays of a chunk
of :data:`CHUNK` points, which stays in the CPU caches. :func:`grid_u8` evaluates a table on a
separable grid (every combination of three per-axis coordinate lists, e.g. the 256**3 colours of
8-bit RGB) without evaluating each point from scratch: see its docstring.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from gradecli.errors import BadInputError

__all__ = [
    "CHUNK",
    "INTERPOLATIONS",
    "Interpolation",
    "Table3D",
    "grid_u8",
    "interp_1d",
    "interp_3d",
    "prepare_3d",
    "tetrahedral",
    "trilinear",
]

Interpolation = Literal["tetrahedral", "trilinear"]
INTERPOLATIONS: tuple[str, ...] = ("tetrahedral", "trilinear")

#: Points per chunk: keeps the temporaries of one chunk (a few MiB) in the CPU caches.
CHUNK = 32768


@dataclass(frozen=True)
class Table3D:
    """A 3D table prepared for gathers.

    ``chan`` is ``(3, N**3)`` C-contiguous in the working dtype: one row per output channel,
    flat index ``r * N * N + g * N + b``.
    """

    chan: np.ndarray
    size: int

    @property
    def dtype(self) -> np.dtype:
        return self.chan.dtype


def _work_dtype(a: np.ndarray) -> type[np.floating]:
    return np.float32 if a.dtype == np.float32 else np.float64


def prepare_3d(table: np.ndarray | Table3D, dtype: type[np.floating] = np.float64) -> Table3D:
    """Pack a ``(N, N, N, 3)`` table (N >= 2) for the kernels, in ``dtype`` (float32/float64)."""
    if isinstance(table, Table3D):
        if table.chan.dtype == dtype:
            return table
        return Table3D(table.chan.astype(dtype), table.size)
    t = np.asarray(table)
    if t.ndim != 4 or t.shape[3] != 3 or not (t.shape[0] == t.shape[1] == t.shape[2]):
        raise BadInputError(f"a 3D LUT table must be shaped (N, N, N, 3), got {t.shape}")
    n = t.shape[0]
    if not 2 <= n <= 256:
        raise BadInputError(f"a 3D LUT table needs 2..256 nodes per axis, got {n}")
    return Table3D(np.ascontiguousarray(t.reshape(-1, 3).T, dtype=dtype), n)


def _check_coords(coords: np.ndarray) -> np.ndarray:
    c = np.asarray(coords)
    if c.ndim == 0 or c.shape[-1] != 3:
        raise BadInputError(f"coordinates must be shaped (..., 3), got {c.shape}")
    if not (np.issubdtype(c.dtype, np.floating) or np.issubdtype(c.dtype, np.integer)):
        raise BadInputError(f"coordinates must be numbers, got dtype {c.dtype}")
    return c


def _prepare_chunk(c: np.ndarray, dt: type[np.floating]) -> tuple[np.ndarray, np.ndarray | None]:
    """(3, P) copy of the (P, 3) chunk ``c`` in ``dt`` clamped to 0..1, and its NaN rows or None."""
    xt = np.empty((3, c.shape[0]), dtype=dt)
    np.copyto(xt, c.T, casting="unsafe")
    nan = None
    if np.isnan(xt).any():
        nan = np.isnan(xt).any(axis=0)
        xt[:, nan] = 0.0
    np.clip(xt, dt(0.0), dt(1.0), out=xt)  # numpy's maximum/minimum with a scalar are slower
    return xt, nan


def _cell(xt: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell index (int32) and fraction of clamped normalised coordinates ``xt`` (modified)."""
    xt *= n - 1
    i = xt.astype(np.int32)  # floor, since xt >= 0
    np.minimum(i, n - 2, out=i)
    xt -= i
    return i, xt


def _flat_base(i: np.ndarray, n: int) -> np.ndarray:
    base = i[0] * np.int32(n * n)
    base += i[1] * np.int32(n)
    base += i[2]
    return base


def _finish(res: np.ndarray, nan: np.ndarray | None, out: np.ndarray) -> None:
    if nan is not None:
        res[:, nan] = np.nan
    out[...] = res.T


def _tetra_chunk(tab: Table3D, c: np.ndarray, out: np.ndarray) -> None:
    n = tab.size
    xt, nan = _prepare_chunk(c, tab.dtype.type)
    i, f = _cell(xt, n)
    s_r, s_g, s_b = n * n, n, 1
    s_all = s_r + s_g + s_b
    base = _flat_base(i, n)
    fr, fg, fb = f
    hi = np.maximum(fr, fg)
    lo = np.minimum(fr, fg)
    # a: offset of the larger of r, g; o1: of the largest fraction; amin: of the smallest.
    a = np.multiply((fr >= fg).view(np.uint8), s_r - s_g, dtype=np.int32)
    a += s_g
    o1 = np.subtract(s_b, a, dtype=np.int32)
    o1 *= (fb > hi).view(np.uint8)
    o1 += a
    mn = np.subtract(s_r + s_g, a, dtype=np.int32)
    amin = np.subtract(s_b, mn, dtype=np.int32)
    amin *= (fb < lo).view(np.uint8)
    amin += mn
    # Sorted fractions f1 >= f2 >= f3 and the four weights.
    f1 = np.maximum(hi, fb)
    f3 = np.minimum(lo, fb)
    f2 = np.minimum(hi, fb)
    np.maximum(f2, lo, out=f2)
    w0 = 1.0 - f1
    w1 = np.subtract(f1, f2, out=f1)
    w2 = np.subtract(f2, f3, out=f2)
    # Corner indices: V000, one step, two steps (all but the smallest axis), V111.
    i0 = base.astype(np.intp)
    o1 += base
    i1 = o1.astype(np.intp)
    base += s_all
    i3 = base.astype(np.intp)
    base -= amin
    i2 = base.astype(np.intp)
    res = np.empty_like(xt)
    tmp = np.empty_like(w0)
    for k in range(3):
        ch, r = tab.chan[k], res[k]
        np.take(ch, i0, out=r, mode="clip")  # indices are in range; "clip" avoids buffering
        r *= w0
        np.take(ch, i1, out=tmp, mode="clip")
        tmp *= w1
        r += tmp
        np.take(ch, i2, out=tmp, mode="clip")
        tmp *= w2
        r += tmp
        np.take(ch, i3, out=tmp, mode="clip")
        tmp *= f3
        r += tmp
    _finish(res, nan, out)


def _trilinear_chunk(tab: Table3D, c: np.ndarray, out: np.ndarray) -> None:
    n = tab.size
    xt, nan = _prepare_chunk(c, tab.dtype.type)
    i, f = _cell(xt, n)
    base = _flat_base(i, n)
    fr, fg, fb = f
    idx = {}
    for dr in (0, 1):
        for dg in (0, 1):
            for db in (0, 1):
                off = dr * n * n + dg * n + db
                idx[dr, dg, db] = (base + np.int32(off)).astype(np.intp)
    res = np.empty_like(xt)
    v = np.empty((6, xt.shape[1]), dtype=xt.dtype)
    for k in range(3):
        ch = tab.chan[k]
        for j, (dr, dg) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
            v0, v1 = v[j], v[4]
            np.take(ch, idx[dr, dg, 0], out=v0, mode="clip")
            np.take(ch, idx[dr, dg, 1], out=v1, mode="clip")
            v1 -= v0
            v1 *= fb
            v0 += v1  # v[j]: lerp along b at (dr, dg)
        for j in (0, 2):
            v[j + 1] -= v[j]
            v[j + 1] *= fg
            v[j] += v[j + 1]  # v[0], v[2]: lerp along g at dr = 0, 1
        v[2] -= v[0]
        v[2] *= fr
        np.add(v[0], v[2], out=res[k])
    _finish(res, nan, out)


def _run_chunks(
    kernel: Callable[[Table3D, np.ndarray, np.ndarray], None],
    table: np.ndarray | Table3D,
    coords: np.ndarray,
    out: np.ndarray | None,
) -> np.ndarray:
    c = _check_coords(coords)
    dt = _work_dtype(c)
    tab = prepare_3d(table, dt)
    flat = c.reshape(-1, 3)
    if out is None:
        out = np.empty(c.shape, dtype=dt)
    elif out.shape != c.shape or out.dtype != dt or not out.flags.c_contiguous:
        raise BadInputError(
            f"out must be a C-contiguous {np.dtype(dt).name} array shaped {c.shape}, "
            f"got {out.dtype} {out.shape}"
        )
    oflat = out.reshape(-1, 3)
    for s in range(0, flat.shape[0], CHUNK):
        kernel(tab, flat[s : s + CHUNK], oflat[s : s + CHUNK])
    return out


def tetrahedral(
    table: np.ndarray | Table3D, coords: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Tetrahedral interpolation of ``table`` (N, N, N, 3) at normalised ``coords`` (..., 3).

    Coordinates are clamped to 0..1; returns (..., 3) float32 for float32 coordinates, else
    float64 (written into ``out`` when given).
    """
    return _run_chunks(_tetra_chunk, table, coords, out)


def trilinear(
    table: np.ndarray | Table3D, coords: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Trilinear interpolation of ``table`` (N, N, N, 3) at normalised ``coords`` (..., 3).

    Same conventions as :func:`tetrahedral`.
    """
    return _run_chunks(_trilinear_chunk, table, coords, out)


def interp_3d(
    table: np.ndarray | Table3D,
    coords: np.ndarray,
    interpolation: str = "tetrahedral",
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Interpolate a 3D table with ``interpolation`` ("tetrahedral" or "trilinear")."""
    if interpolation == "tetrahedral":
        return tetrahedral(table, coords, out)
    if interpolation == "trilinear":
        return trilinear(table, coords, out)
    raise BadInputError(
        f"unknown interpolation {interpolation!r}: use one of {', '.join(INTERPOLATIONS)}"
    )


def interp_1d(table: np.ndarray, coords: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Per-channel linear interpolation of a 1D table (M, 3) at normalised ``coords`` (..., 3).

    Channel k of the result is curve k evaluated at channel k of the coordinates (0 = first
    entry, 1 = last entry, clamped). Same dtype rules as :func:`tetrahedral`.
    """
    c = _check_coords(coords)
    t = np.asarray(table)
    if t.ndim != 2 or t.shape[1] != 3 or t.shape[0] < 2:
        raise BadInputError(f"a 1D LUT table must be shaped (M, 3) with M >= 2, got {t.shape}")
    dt = _work_dtype(c)
    m = t.shape[0]
    cols = np.ascontiguousarray(t.T, dtype=dt)  # (3, M)
    flat = c.reshape(-1, 3)
    if out is None:
        out = np.empty(c.shape, dtype=dt)
    oflat = out.reshape(-1, 3)
    for s in range(0, flat.shape[0], CHUNK):
        xt, nan = _prepare_chunk(flat[s : s + CHUNK], dt)
        i, f = _cell(xt, m)
        i = i.astype(np.intp)
        res = np.empty_like(xt)
        v1 = np.empty_like(res[0])
        for k in range(3):
            v0 = res[k]
            np.take(cols[k], i[k], out=v0, mode="clip")
            np.take(cols[k], i[k] + 1, out=v1, mode="clip")
            v1 -= v0
            v1 *= f[k]
            v0 += v1
        _finish(res, nan, oflat[s : s + CHUNK])
    return out


# --------------------------------------------------------------------------------------------
# Separable grids quantised to 8 bits (the exact table for 8-bit frames)
# --------------------------------------------------------------------------------------------


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
