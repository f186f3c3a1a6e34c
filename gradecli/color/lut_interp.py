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

Speed: table rows are padded to 4 values so that one ``np.take`` gathers a whole RGB corner.
:func:`grid_u8` evaluates a table on a separable grid (every combination of three per-axis
coordinate lists, e.g. the 256**3 colours of 8-bit RGB) without evaluating each point from
scratch: see its docstring.
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

    ``rows`` is ``(N**3, 4)`` C-contiguous (R, G, B, 0) in the working dtype, flat index
    ``r * N * N + g * N + b``.
    """

    rows: np.ndarray
    size: int

    @property
    def dtype(self) -> np.dtype:
        return self.rows.dtype


def _work_dtype(a: np.ndarray) -> type[np.floating]:
    return np.float32 if a.dtype == np.float32 else np.float64


def prepare_3d(table: np.ndarray | Table3D, dtype: type[np.floating] = np.float64) -> Table3D:
    """Pack a ``(N, N, N, 3)`` table (N >= 2) for the kernels, in ``dtype`` (float32/float64)."""
    if isinstance(table, Table3D):
        if table.rows.dtype == dtype:
            return table
        return Table3D(table.rows.astype(dtype), table.size)
    t = np.asarray(table)
    if t.ndim != 4 or t.shape[3] != 3 or not (t.shape[0] == t.shape[1] == t.shape[2]):
        raise BadInputError(f"a 3D LUT table must be shaped (N, N, N, 3), got {t.shape}")
    n = t.shape[0]
    if n < 2:
        raise BadInputError(f"a 3D LUT table needs at least 2 nodes per axis, got {n}")
    rows = np.zeros((n**3, 4), dtype=dtype)
    rows[:, :3] = t.reshape(-1, 3)
    return Table3D(rows, n)


def _check_coords(coords: np.ndarray) -> np.ndarray:
    c = np.asarray(coords)
    if c.ndim == 0 or c.shape[-1] != 3:
        raise BadInputError(f"coordinates must be shaped (..., 3), got {c.shape}")
    if not (np.issubdtype(c.dtype, np.floating) or np.issubdtype(c.dtype, np.integer)):
        raise BadInputError(f"coordinates must be numbers, got dtype {c.dtype}")
    return c


def _cell(xt: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell index (intp) and fraction of normalised coordinates ``xt``, scaled in place.

    ``xt`` is (3, P) in 0..1 (NaN already removed); on return it holds the fractions.
    """
    xt *= n - 1
    i = xt.astype(np.intp)  # floor: xt >= 0
    np.minimum(i, n - 2, out=i)
    xt -= i
    return i, xt


def _prepare_chunk(c: np.ndarray, dt: type[np.floating]) -> tuple[np.ndarray, np.ndarray | None]:
    """(3, P) clamped copy of the (P, 3) chunk ``c`` in ``dt``, and the mask of NaN rows (or None)."""
    xt = np.empty((3, c.shape[0]), dtype=dt)
    np.copyto(xt, c.T, casting="unsafe")
    nan = None
    if np.isnan(xt).any():
        nan = np.isnan(xt).any(axis=0)
        xt[:, nan] = 0.0
    np.maximum(xt, 0.0, out=xt)
    np.minimum(xt, 1.0, out=xt)
    return xt, nan


def _tetra_chunk(tab: Table3D, c: np.ndarray, out: np.ndarray) -> None:
    n = tab.size
    xt, nan = _prepare_chunk(c, tab.dtype.type)
    i, f = _cell(xt, n)
    s_r, s_g, s_b = n * n, n, 1
    base = i[0] * s_r
    base += i[1] * s_g
    base += i[2]
    fr, fg, fb = f
    hi = np.maximum(fr, fg)
    lo = np.minimum(fr, fg)
    # Offset of the axis of the largest fraction (o1) and of the smallest one.
    a = (fr >= fg).astype(np.intp)
    a *= s_r - s_g
    a += s_g  # s_r where fr >= fg else s_g
    gt = fb > hi
    o1 = s_b - a
    o1 *= gt
    o1 += a
    mn = (s_r + s_g) - a  # the other one of r, g
    lt = fb < lo
    amin = s_b - mn
    amin *= lt
    amin += mn
    f1 = np.maximum(hi, fb)
    f3 = np.minimum(lo, fb)
    f2 = np.minimum(hi, fb)
    np.maximum(f2, lo, out=f2)
    rows = tab.rows
    acc = rows.take(base, axis=0)
    w = 1.0 - f1
    acc *= w[:, None]
    v = rows.take(o1 + base, axis=0)
    np.subtract(f1, f2, out=w)
    v *= w[:, None]
    acc += v
    o2 = (s_r + s_g + s_b) - amin
    o2 += base
    v = rows.take(o2, axis=0)
    np.subtract(f2, f3, out=w)
    v *= w[:, None]
    acc += v
    base += s_r + s_g + s_b
    v = rows.take(base, axis=0)
    v *= f3[:, None]
    acc += v
    out[...] = acc[:, :3]
    if nan is not None:
        out[nan] = np.nan


def _trilinear_chunk(tab: Table3D, c: np.ndarray, out: np.ndarray) -> None:
    n = tab.size
    xt, nan = _prepare_chunk(c, tab.dtype.type)
    i, f = _cell(xt, n)
    s_r, s_g = n * n, n
    base = i[0] * s_r
    base += i[1] * s_g
    base += i[2]
    fr, fg, fb = (x[:, None] for x in f)
    rows = tab.rows

    def lerp_b(off: int) -> np.ndarray:
        v0 = rows.take(base + off, axis=0)
        v1 = rows.take(base + (off + 1), axis=0)
        v1 -= v0
        v1 *= fb
        v0 += v1
        return v0

    def lerp_gb(off: int) -> np.ndarray:
        v0 = lerp_b(off)
        v1 = lerp_b(off + s_g)
        v1 -= v0
        v1 *= fg
        v0 += v1
        return v0

    v0 = lerp_gb(0)
    v1 = lerp_gb(s_r)
    v1 -= v0
    v1 *= fr
    v0 += v1
    out[...] = v0[:, :3]
    if nan is not None:
        out[nan] = np.nan


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
        res = np.empty_like(xt)
        for k in range(3):
            v0 = cols[k].take(i[k])
            v1 = cols[k].take(i[k] + 1)
            v1 -= v0
            v1 *= f[k]
            np.add(v0, v1, out=res[k])
        if nan is not None:
            res[:, nan] = np.nan
        oflat[s : s + CHUNK] = res.T
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
    few multiply-adds in float32 instead of gathers. Trilinear: separable, three small matrix
    products. Red cells are shared out to ``workers`` threads (numpy releases the GIL); the
    default is min(2, CPUs).
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
    out = np.zeros((ar.size, ag.size * ab.size), dtype=np.uint32)
    if interpolation == "trilinear":
        _grid_trilinear(t, ar, ag, ab, out.view(np.uint8).reshape(ar.size, -1, 4), workers)
    else:
        _grid_tetrahedral(t, ar, ag, ab, out.view(np.uint8).reshape(ar.size, -1, 4), workers)
    return out.reshape(ar.size, ag.size, ab.size)


def _store_u8(dst: np.ndarray, acc: np.ndarray, u8: np.ndarray) -> None:
    """Clamp (3, P) float codes (already + 0.5) to 0..255, truncate, store in dst (P, 4)[:, :3]."""
    np.maximum(acc, 0.0, out=acc)
    np.minimum(acc, 255.0, out=acc)
    np.copyto(u8, acc, casting="unsafe")
    for k in range(3):
        np.copyto(dst[:, k], u8[k])


def _map(workers: int, fn: Callable[[object], None], items: list) -> None:
    if workers > 1 and len(items) > 1:
        with ThreadPoolExecutor(workers) as ex:
            for _ in ex.map(fn, items):
                pass
    else:
        for it in items:
            fn(it)


def _grid_tetrahedral(
    t: np.ndarray,
    ar: np.ndarray,
    ag: np.ndarray,
    ab: np.ndarray,
    out8: np.ndarray,
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
    hi32 = hi.astype(np.float32)
    lo32 = lo.astype(np.float32)
    planes = np.ascontiguousarray((t * 255.0).reshape(n, n * n, 3).transpose(0, 2, 1))
    p = base.size

    def corners(j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pl = planes[j]
        return pl.take(base, axis=1), pl.take(idx_0h, axis=1), pl.take(idx_0hl, axis=1)

    def do_cell(cell: int) -> None:
        rs = np.flatnonzero(ir == cell)
        v000, v0h, v0hl = corners(cell)
        v100, v1h, v111 = corners(cell + 1)
        # Piece for t < lo: path g/b-larger, g/b-smaller, then r.
        a3 = (1.0 - hi) * v000 + (hi - lo) * v0h + lo * v0hl + 0.5
        b3 = v111 - v0hl
        b2 = v1h - v0h  # lo <= t < hi: larger of g/b, r, smaller
        b1 = v100 - v000  # t >= hi: r first
        c2 = (b2 - b3).astype(np.float32)
        c1 = (b1 - b2).astype(np.float32)
        a3 = a3.astype(np.float32)
        b3 = b3.astype(np.float32)
        u = np.empty(p, np.float32)
        v = np.empty(p, np.float32)
        acc = np.empty((3, p), np.float32)
        tmp = np.empty((3, p), np.float32)
        u8 = np.empty((3, p), np.uint8)
        for r in rs:
            tr = np.float32(fr[r])
            np.subtract(tr, lo32, out=u)
            np.maximum(u, 0.0, out=u)
            np.subtract(tr, hi32, out=v)
            np.maximum(v, 0.0, out=v)
            np.multiply(b3, tr, out=acc)
            acc += a3
            np.multiply(c2, u, out=tmp)
            acc += tmp
            np.multiply(c1, v, out=tmp)
            acc += tmp
            _store_u8(out8[r], acc, u8)

    _map(workers, do_cell, [int(c) for c in np.unique(ir)])


def _lerp_matrix(i: np.ndarray, f: np.ndarray, n: int) -> np.ndarray:
    """(len(i), n) matrix of linear interpolation weights."""
    m = np.zeros((i.size, n))
    rows = np.arange(i.size)
    m[rows, i] = 1.0 - f
    m[rows, i + 1] += f
    return m


def _grid_trilinear(
    t: np.ndarray,
    ar: np.ndarray,
    ag: np.ndarray,
    ab: np.ndarray,
    out8: np.ndarray,
    workers: int,
) -> None:
    n = t.shape[0]
    wr, wg, wb = (_lerp_matrix(*_axis_cells(a, n), n) for a in (ar, ag, ab))
    # (c, r', g', b) with b interpolated last; r and g first (small arrays).
    x = np.einsum("ai,ijkc->cajk", wr, t)  # (3, A, n, n)
    x = np.einsum("bj,cajk->cabk", wg, x)  # (3, A, B, n)
    x = np.ascontiguousarray(x * 255.0, dtype=np.float32)
    wbt = np.ascontiguousarray(wb.T, dtype=np.float32)  # (n, C)
    nb = ab.size
    p = ag.size * nb

    def do_rows(r: int) -> None:
        acc = (x[:, r] @ wbt).reshape(3, p)  # (3, B*C) float32
        acc += 0.5
        _store_u8(out8[r], acc, np.empty((3, p), np.uint8))

    _map(workers, do_rows, list(range(ar.size)))
