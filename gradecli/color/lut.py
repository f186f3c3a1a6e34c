"""LUTs as values: a 3D table with an optional per-channel 1D shaper, and fast ways to apply it.

Every grade in gradecli ends up as a :class:`Lut` (see docs/ARCHITECTURE.md, "Colour
decisions"): :meth:`Lut.from_function` samples any ``f: RGB -> RGB`` on the grid, and the video is
graded only through :meth:`Lut.apply` (float frames), :func:`build_table_u8` + :func:`apply_u8`
(8-bit frames, exact table) or :func:`apply_u16` (10/16-bit frames).

Values are code values of the clip's own RGB: floats 0..1 for float frames, 0..255 (uint8) and
0..65535 (uint16) for integer frames. A LUT maps an input inside its domain (by default the unit
cube) to an output that may lie anywhere; inputs outside the domain are clamped to it, as the
.cube specifications and OpenColorIO do (colour-science extrapolates instead; we follow the
specifications).

Pipeline of :meth:`Lut.apply` for an input ``x``::

    x -> [shaper: clamp to shaper_domain, per-channel linear 1D table]
      -> [3D table: clamp to domain, tetrahedral or trilinear interpolation] -> output

This module is pure numpy: no IO (see :mod:`gradecli.io.luts` for .cube and Hald files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from gradecli.color import lut_interp
from gradecli.color.lut_grid import grid_u8
from gradecli.color.lut_interp import CHUNK, INTERPOLATIONS, Table3D
from gradecli.errors import BadInputError, LutError

__all__ = [
    "DEFAULT_DOMAIN",
    "MAX_1D_SIZE",
    "MAX_3D_SIZE",
    "U8_TABLE_SIZE",
    "Lut",
    "apply_u16",
    "apply_u8",
    "build_table_u8",
]

#: Input domain of a table when none is given: [[min r, g, b], [max r, g, b]].
DEFAULT_DOMAIN = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
MAX_3D_SIZE = 256
MAX_1D_SIZE = 65536
#: Number of entries of the exact 8-bit table: one per 24-bit RGB colour.
U8_TABLE_SIZE = 1 << 24


def _check_interpolation(interpolation: str) -> None:
    if interpolation not in INTERPOLATIONS:
        raise BadInputError(
            f"unknown interpolation {interpolation!r}: use one of {', '.join(INTERPOLATIONS)}"
        )


def _frozen_array(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True, order="C")
    a.setflags(write=False)
    return a


def _domain(value: object, what: str) -> np.ndarray:
    try:
        d = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise BadInputError(f"{what} must be numbers: {e}") from None
    if d.shape == (2,):
        d = np.repeat(d[:, None], 3, axis=1)
    if d.shape != (2, 3):
        raise BadInputError(
            f"{what} must be shaped (2, 3) [[min r, g, b], [max r, g, b]], got {d.shape}"
        )
    if not np.isfinite(d).all():
        raise LutError(f"{what} has NaN or infinite values")
    if not (d[0] < d[1]).all():
        raise LutError(
            f"{what} minimum must be below its maximum in every channel, got {d.tolist()}"
        )
    return _frozen_array(d)


def _grid(size: int, domain: np.ndarray) -> np.ndarray:
    """(size, size, size, 3) float64 grid over ``domain``; [..., 0] varies along axis 0 (red)."""
    axes = [np.linspace(domain[0, k], domain[1, k], size) for k in range(3)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)


def _check_size(size: object, lo: int, hi: int, what: str) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise BadInputError(f"{what} must be an integer, got {size!r}")
    if not lo <= int(size) <= hi:
        raise BadInputError(f"{what} must be in {lo}..{hi}, got {size}")
    return int(size)


@dataclass(frozen=True, eq=False, repr=False)
class Lut:
    """A colour LUT: an optional per-channel 1D shaper followed by an optional 3D table.

    - ``table``: float64 (N, N, N, 3), N in 2..256, indexed ``table[r, g, b]`` (red index
      first), output RGB; ``None`` for a 1D-only LUT.
    - ``domain``: (2, 3) input range of the 3D table, [[min r, g, b], [max r, g, b]]; nodes are
      evenly spaced over it. Default the unit cube.
    - ``shaper``: float64 (M, 3), M in 2..65536: one curve per channel applied before the 3D
      table (or alone, for a 1D-only LUT), nodes evenly spaced over ``shaper_domain``.
    - ``title``, ``comments``: carried to and from files (single lines).

    Arrays are copied and made read-only; two Luts compare equal only when they are the same
    object (compare tables with numpy). Invalid values raise :class:`LutError`, invalid
    arguments (shapes, types) :class:`BadInputError`.
    """

    table: np.ndarray | None
    domain: np.ndarray = field(default_factory=lambda: DEFAULT_DOMAIN.copy())
    shaper: np.ndarray | None = None
    shaper_domain: np.ndarray = field(default_factory=lambda: DEFAULT_DOMAIN.copy())
    title: str = ""
    comments: tuple[str, ...] = ()
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.table is None and self.shaper is None:
            raise BadInputError("a LUT needs a 3D table, a 1D shaper or both")
        if self.table is not None:
            t = np.asarray(self.table)
            if t.ndim != 4 or t.shape[3] != 3 or not (t.shape[0] == t.shape[1] == t.shape[2]):
                raise BadInputError(f"a 3D LUT table must be shaped (N, N, N, 3), got {t.shape}")
            if not 2 <= t.shape[0] <= MAX_3D_SIZE:
                raise LutError(f"3D LUT size {t.shape[0]} is outside 2..{MAX_3D_SIZE}")
            t = _frozen_array(t)
            if not np.isfinite(t).all():
                raise LutError("3D LUT table has NaN or infinite values")
            set_(self, "table", t)
        if self.shaper is not None:
            s = np.asarray(self.shaper)
            if s.ndim != 2 or s.shape[1] != 3:
                raise BadInputError(f"a 1D LUT table must be shaped (M, 3), got {s.shape}")
            if not 2 <= s.shape[0] <= MAX_1D_SIZE:
                raise LutError(f"1D LUT size {s.shape[0]} is outside 2..{MAX_1D_SIZE}")
            s = _frozen_array(s)
            if not np.isfinite(s).all():
                raise LutError("1D LUT table has NaN or infinite values")
            set_(self, "shaper", s)
        set_(self, "domain", _domain(self.domain, "3D LUT domain"))
        set_(self, "shaper_domain", _domain(self.shaper_domain, "1D LUT domain"))
        if not isinstance(self.title, str) or "\n" in self.title or "\r" in self.title:
            raise BadInputError(f"a LUT title must be a single line of text, got {self.title!r}")
        if isinstance(self.comments, str) or not isinstance(self.comments, Iterable):
            raise BadInputError("LUT comments must be a sequence of strings")
        comments = tuple(self.comments)
        for c in comments:
            if not isinstance(c, str) or "\n" in c or "\r" in c:
                raise BadInputError(f"a LUT comment must be a single line of text, got {c!r}")
        set_(self, "comments", comments)

    # ---------------------------------------------------------------- construction
    @classmethod
    def identity(cls, size: int = 33) -> Lut:
        """The identity 3D LUT with ``size`` nodes per axis on the unit cube."""
        size = _check_size(size, 2, MAX_3D_SIZE, "3D LUT size")
        return cls(_grid(size, DEFAULT_DOMAIN))

    @classmethod
    def from_function(
        cls,
        fn: Callable[[np.ndarray], np.ndarray],
        size: int = 33,
        domain: np.ndarray | None = None,
        title: str = "",
        comments: Iterable[str] = (),
    ) -> Lut:
        """Sample ``fn`` on a ``size**3`` grid over ``domain`` (default the unit cube).

        ``fn`` maps float64 RGB (..., 3) to RGB (..., 3); it is called once with the whole grid
        (size, size, size, 3). A non-finite output raises :class:`LutError`.
        """
        size = _check_size(size, 2, MAX_3D_SIZE, "3D LUT size")
        dom = _domain(DEFAULT_DOMAIN if domain is None else domain, "3D LUT domain")
        grid = _grid(size, dom)
        values = np.asarray(fn(grid), dtype=np.float64)
        if values.shape != grid.shape:
            raise BadInputError(
                f"the function must return an array shaped like its input {grid.shape}, "
                f"got {values.shape}"
            )
        return cls(values, dom, title=title, comments=tuple(comments))

    # ---------------------------------------------------------------- properties
    @property
    def size(self) -> int | None:
        """Nodes per axis of the 3D table, or None for a 1D-only LUT."""
        return None if self.table is None else int(self.table.shape[0])

    @property
    def shaper_size(self) -> int | None:
        """Entries of the 1D shaper, or None when there is none."""
        return None if self.shaper is None else int(self.shaper.shape[0])

    @property
    def input_domain(self) -> np.ndarray:
        """Range of inputs the LUT distinguishes: the shaper's domain if any, else the 3D one."""
        return self.shaper_domain if self.shaper is not None else self.domain

    def __repr__(self) -> str:
        parts = []
        if self.table is not None:
            parts.append(f"size={self.size}")
            if not np.array_equal(self.domain, DEFAULT_DOMAIN):
                parts.append(f"domain={self.domain.tolist()}")
        if self.shaper is not None:
            parts.append(f"shaper_size={self.shaper_size}")
            if not np.array_equal(self.shaper_domain, DEFAULT_DOMAIN):
                parts.append(f"shaper_domain={self.shaper_domain.tolist()}")
        if self.title:
            parts.append(f"title={self.title!r}")
        return f"Lut({', '.join(parts)})"

    # ---------------------------------------------------------------- application
    def _prepared(self, dtype: type[np.floating]) -> Table3D:
        key = np.dtype(dtype).name
        tab = self._cache.get(key)
        if tab is None:
            tab = lut_interp.prepare_3d(self.table, dtype)
            self._cache[key] = tab
        return tab

    def _apply_chunk(self, x: np.ndarray, interpolation: str, out: np.ndarray) -> None:
        dt = x.dtype.type
        if self.shaper is not None:
            d = self.shaper_domain.astype(dt)
            x = lut_interp.interp_1d(self.shaper, (x - d[0]) / (d[1] - d[0]))
            if self.table is None:
                out[...] = x
                return
        if not np.array_equal(self.domain, DEFAULT_DOMAIN):
            d = self.domain.astype(dt)
            x = (x - d[0]) / (d[1] - d[0])
        lut_interp.interp_3d(self._prepared(dt), x, interpolation, out=out)

    def apply(self, rgb: np.ndarray, interpolation: str = "tetrahedral") -> np.ndarray:
        """Apply the LUT to float RGB ``rgb`` (..., 3).

        Returns (..., 3) float32 for float32 input (computed in float32) and float64 otherwise.
        Inputs outside a table's domain are clamped to it; +/-inf clamp too; a NaN in any
        channel gives NaN in all three channels of that pixel.
        """
        _check_interpolation(interpolation)
        x = np.asarray(rgb)
        if x.ndim == 0 or x.shape[-1] != 3:
            raise BadInputError(f"RGB values must be shaped (..., 3), got {x.shape}")
        if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
            raise BadInputError(f"RGB values must be numbers, got dtype {x.dtype}")
        dt = np.float32 if x.dtype == np.float32 else np.float64
        flat = x.reshape(-1, 3)
        out = np.empty(x.shape, dtype=dt)
        oflat = out.reshape(-1, 3)
        step = 8 * CHUNK  # bounds the temporaries of the shaper and domain steps
        for s in range(0, flat.shape[0], step):
            chunk = flat[s : s + step].astype(dt, copy=False)
            self._apply_chunk(chunk, interpolation, oflat[s : s + step])
        return out

    __call__ = apply

    # ---------------------------------------------------------------- transformations
    def resample(self, size: int, interpolation: str = "tetrahedral") -> Lut:
        """This LUT sampled as a 3D table of ``size`` nodes over its input domain (no shaper)."""
        size = _check_size(size, 2, MAX_3D_SIZE, "3D LUT size")
        _check_interpolation(interpolation)
        dom = self.input_domain
        grid = _grid(size, dom)
        return Lut(self.apply(grid, interpolation), dom, title=self.title, comments=self.comments)

    def compose(
        self, other: Lut, size: int | None = None, interpolation: str = "tetrahedral"
    ) -> Lut:
        """``self`` then ``other``, as a 3D LUT over ``self``'s input domain.

        ``size`` defaults to the larger 3D size of the two (33 if neither has a 3D table).
        """
        if not isinstance(other, Lut):
            raise BadInputError(f"can only compose with a Lut, got {type(other).__name__}")
        if size is None:
            size = max([s for s in (self.size, other.size) if s is not None], default=33)
        size = _check_size(size, 2, MAX_3D_SIZE, "3D LUT size")
        _check_interpolation(interpolation)
        dom = self.input_domain
        grid = _grid(size, dom)
        values = other.apply(self.apply(grid, interpolation), interpolation)
        return Lut(values, dom, title=self.title, comments=self.comments)

    def is_identity(self, tol: float = 1e-6) -> bool:
        """True when every input inside the input domain maps to itself within ``tol``.

        Both stages are piecewise linear, so it suffices that every node holds its own input
        position and that the shaper's output range lies inside the 3D domain.
        """
        if self.shaper is not None:
            d = self.shaper_domain
            nodes = np.linspace(d[0], d[1], self.shaper.shape[0])
            if not np.allclose(self.shaper, nodes, rtol=0.0, atol=tol):
                return False
            if self.table is not None and (
                (d[0] < self.domain[0] - tol).any() or (d[1] > self.domain[1] + tol).any()
            ):
                return False
        if self.table is not None:
            grid = _grid(self.table.shape[0], self.domain)
            if not np.allclose(self.table, grid, rtol=0.0, atol=tol):
                return False
        return True


# ------------------------------------------------------------------------------------------
# Integer frames
# ------------------------------------------------------------------------------------------


def _axis_values(lut: Lut, codes: np.ndarray) -> np.ndarray:
    """(K, 3) float64: the shaper applied to grey levels ``codes`` (K,) in 0..1, per channel.

    For a LUT with a 3D table the result is in the table's normalised coordinates (0..1); for a
    1D-only LUT it is the output value.
    """
    v = np.repeat(codes[:, None], 3, axis=1)
    if lut.shaper is not None:
        d = lut.shaper_domain
        v = lut_interp.interp_1d(lut.shaper, (v - d[0]) / (d[1] - d[0]))
    if lut.table is not None:
        d = lut.domain
        v = np.clip((v - d[0]) / (d[1] - d[0]), 0.0, 1.0)
    return v


def _quantise(v: np.ndarray, top: int, dtype: type[np.integer]) -> np.ndarray:
    """floor(v * top + 0.5) clamped to 0..top (round half up), as ``dtype``."""
    q = np.floor(np.asarray(v, dtype=np.float64) * top + 0.5)
    return np.clip(q, 0, top).astype(dtype)


def build_table_u8(
    lut: Lut, interpolation: str = "tetrahedral", workers: int | None = None
) -> np.ndarray:
    """The exact 8-bit table of ``lut``: uint32 ('<u4') array of 2**24 entries.

    Entry ``r << 16 | g << 8 | b`` (uint8 code values of the input) holds the output codes
    packed little-endian: red in byte 0 (the lowest), green in byte 1, blue in byte 2, 0 in
    byte 3, i.e. the bytes R, G, B, 0 in memory. Each output code is ``floor(v * 255 + 0.5)``
    clamped to 0..255 of the LUT's value ``v`` at ``(r, g, b) / 255``, so :func:`apply_u8` is
    ``Lut.apply`` rounded to nearest (evaluated in float32: a half-code tie can differ by one).

    64 MiB; built in a few tenths of a second on two cores (``workers`` threads, default
    min(2, CPUs)) by :func:`gradecli.color.lut_grid.grid_u8`, since shaper and domain act per
    channel and so fold into the three axes of the 256**3 grid.
    """
    if not isinstance(lut, Lut):
        raise BadInputError(f"build_table_u8 needs a Lut, got {type(lut).__name__}")
    _check_interpolation(interpolation)
    axes = _axis_values(lut, np.arange(256) / 255.0)
    if lut.table is None:
        q = _quantise(axes, 255, np.uint32)
        packed = (
            q[:, 0, None, None] | (q[None, :, 1, None] << 8) | (q[None, None, :, 2] << 16)
        ).astype("<u4")
        return packed.reshape(-1)
    grid = grid_u8(
        lut.table, (axes[:, 0], axes[:, 1], axes[:, 2]), interpolation, workers
    )
    return grid.reshape(-1).astype("<u4", copy=False)


def _check_u8_table(table: np.ndarray) -> None:
    if (
        not isinstance(table, np.ndarray)
        or table.shape != (U8_TABLE_SIZE,)
        or table.dtype.kind != "u"
        or table.dtype.itemsize != 4
    ):
        raise BadInputError("apply_u8 needs the uint32 table of 2**24 entries from build_table_u8")


def apply_u8(frame: np.ndarray, table: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Apply an exact 8-bit table (from :func:`build_table_u8`) to a uint8 RGB frame (..., 3).

    One packed-index gather per pixel: the index ``r << 16 | g << 8 | b`` is read as a
    big-endian 32-bit word straddling the previous pixel's blue byte (masked to 24 bits), and
    each 4-byte table entry is stored at the pixel's 3-byte slot in increasing order, so the
    zero 4th byte is overwritten by the next pixel. Returns a new C-contiguous uint8 array, or
    ``out`` (a C-contiguous uint8 array of the frame's shape) when given.
    """
    _check_u8_table(table)
    f = np.asarray(frame)
    if f.dtype != np.uint8 or f.ndim == 0 or f.shape[-1] != 3:
        raise BadInputError(f"apply_u8 needs a uint8 (..., 3) frame, got {f.dtype} {f.shape}")
    f = np.ascontiguousarray(f)
    if out is None:
        out = np.empty(f.shape, dtype=np.uint8)
    elif (
        not isinstance(out, np.ndarray)
        or out.shape != f.shape
        or out.dtype != np.uint8
        or not out.flags.c_contiguous
        or np.may_share_memory(out, f)
    ):
        raise BadInputError("out must be a separate C-contiguous uint8 array shaped like the frame")
    n = f.size // 3
    if n == 0:
        return out
    src = f.reshape(-1)
    dst = out.reshape(-1)
    step = 1 << 18  # pixels per block: keeps indices and gathered words in cache
    idx = np.empty(min(n, step), dtype=np.uint32)
    words = np.empty(min(n, step), dtype=table.dtype)
    for s in range(0, n, step):
        e = min(n, s + step)
        k = e - s
        # Index of pixel p = big-endian word at bytes 3p-1 .. 3p+2, low 24 bits.
        if s == 0:
            r, g, b = (int(v) for v in src[:3])
            idx[0] = (r << 16) | (g << 8) | b
            lo = 1
        else:
            lo = 0
        if k > lo:
            be = np.ndarray(
                (k - lo,), dtype=">u4", buffer=src, offset=3 * (s + lo) - 1, strides=(3,)
            )
            np.bitwise_and(be, 0xFFFFFF, out=idx[lo:k])
        np.take(table, idx[:k], out=words[:k], mode="clip")
        # Pixels s .. e-2 as overlapping 4-byte stores (in increasing address order), the last
        # pixel of the frame as 3 bytes; stores never reach past the block's own pixels + 1 byte.
        m = k if e < n else k - 1
        if m:
            w = np.ndarray((m,), dtype="<u4", buffer=dst, offset=3 * s, strides=(3,))
            np.copyto(w, words[:m], casting="unsafe")
        if e == n:
            last = int(words[k - 1])
            dst[3 * n - 3 : 3 * n] = (last & 0xFF, (last >> 8) & 0xFF, (last >> 16) & 0xFF)
    return out


def apply_u16(frame: np.ndarray, lut: Lut, interpolation: str = "tetrahedral") -> np.ndarray:
    """Apply ``lut`` to a uint16 RGB frame (..., 3) of code values 0..65535 (10-bit video
    scaled to 16 bits, as in rgb48le). Returns uint16, ``floor(v * 65535 + 0.5)`` clamped.

    Shaper and domain act per channel, so they are folded into one 65536-entry coordinate table
    per channel; the 3D interpolation runs in float64 over blocks of pixels (float32 would move
    a few percent of outputs by one 16-bit code).
    """
    if not isinstance(lut, Lut):
        raise BadInputError(f"apply_u16 needs a Lut, got {type(lut).__name__}")
    _check_interpolation(interpolation)
    f = np.asarray(frame)
    if f.dtype != np.uint16 or f.ndim == 0 or f.shape[-1] != 3:
        raise BadInputError(f"apply_u16 needs a uint16 (..., 3) frame, got {f.dtype} {f.shape}")
    key = "u16axes"
    axes = lut._cache.get(key)
    if axes is None:
        axes = np.ascontiguousarray(_axis_values(lut, np.arange(65536) / 65535.0).T)  # (3, 65536)
        if lut.table is None:
            axes = _quantise(axes, 65535, np.uint16)
        lut._cache[key] = axes
    flat = f.reshape(-1, 3)
    out = np.empty(f.shape, dtype=np.uint16)
    oflat = out.reshape(-1, 3)
    if lut.table is None:
        for k in range(3):
            oflat[:, k] = axes[k].take(flat[:, k])
        return out
    tab = lut._prepared(np.float64)
    coords = np.empty((CHUNK, 3), dtype=np.float64)
    for s in range(0, flat.shape[0], CHUNK):
        block = flat[s : s + CHUNK]
        c = coords[: block.shape[0]]
        for k in range(3):
            np.take(axes[k], block[:, k], out=c[:, k])
        v = lut_interp.interp_3d(tab, c, interpolation)
        oflat[s : s + CHUNK] = _quantise(v, 65535, np.uint16)
    return out
