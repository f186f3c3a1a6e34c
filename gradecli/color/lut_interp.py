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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from gradecli.errors import BadInputError

__all__ = [
    "CHUNK",
    "INTERPOLATIONS",
    "Interpolation",
    "Table3D",
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

