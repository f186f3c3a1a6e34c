"""Frame kernels: apply a colour transform (a LUT) to decoded video frames, plane by plane.

Two kernels, chosen by :func:`make_kernel`:

- :class:`Yuv8TableKernel` for 8-bit planar Y'CbCr in and out (the common case). It folds the
  stream's Y'CbCr -> R'G'B' conversion, the LUT and the conversion back into one exact table
  indexed by the packed (Y, Cb, Cr) code, filled lazily for the chroma pairs that occur. A frame
  then costs one gather per pixel; no swscale round trip, no float maths per pixel.
- :class:`FloatKernel` for everything else (10/12/16-bit, format changes, RGB sources): Y'CbCr
  (or RGB) -> float R'G'B' -> LUT -> Y'CbCr at the output's depth and subsampling, in row bands.

Chroma is upsampled by replication and the output chroma of a subsampled block is the mean of its
pixels' results. Y'CbCr codes whose R'G'B' falls outside 0..1 (sub-blacks, super-whites and the
out-of-gamut colours that chroma subsampling and compression create) are graded at the nearest
colour inside the cube, as a LUT requires, and keep their excess over it: the grade moves them by
the same amount as their in-range neighbour instead of flattening them. So an identity LUT
reproduces every Y'CbCr code exactly, and a grade never turns compression noise near black or
white into blotches.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gradecli.color.lut import Lut
from gradecli.color.ycbcr import YCbCrSpec, planes_to_rgb, rgb_to_ycbcr, ycbcr_to_rgb
from gradecli.engine.protect import ProtectedGrade, ProtectedKernel
from gradecli.io.video import PlaneLayout

try:  # the C inner loop (setup.py builds it where a compiler is present); numpy otherwise
    from gradecli.engine import _yuvtable
except ImportError:  # pragma: no cover - exercised only on installs without a compiler
    _yuvtable = None

__all__ = ["ColorFunction", "FloatKernel", "LutGrade", "Yuv8TableKernel", "lut_of",
           "make_kernel"]

#: A colour transform on R'G'B' float arrays (..., 3) in 0..1, e.g. ``Lut.apply``.
ColorFunction = Callable[[np.ndarray], np.ndarray]

# Packed table entry: U'*4 in bits 0..11, V'*4 in bits 12..23 (room for summing 4 of them),
# Y' in bits 24..31.
_U_MASK = 0x000FFF
_PACK_SCALE = np.array([1.0, 4.0, 4.0], dtype=np.float32)
_PACK_MAX = np.array([255.0, 1020.0, 1020.0], dtype=np.float32)


def _graded_keeping_excess(fn: ColorFunction, rgb: np.ndarray) -> np.ndarray:
    """``fn`` applied to ``rgb`` clipped to 0..1, plus the part of ``rgb`` outside 0..1."""
    inside = np.clip(rgb, 0.0, 1.0)
    graded = np.asarray(fn(inside))
    return graded.astype(np.result_type(graded.dtype, rgb.dtype), copy=False) + (rgb - inside)


@dataclass(frozen=True)
class LutGrade:
    """A schedule entry's grade when it is a LUT: the :class:`Lut` and its interpolation
    ("tetrahedral" or "trilinear"). Callable like ``lut.apply``; the engine reads the LUT from
    it directly to choose the fastest exact kernel (the C table build for a plain 3D LUT)."""

    lut: Lut
    interpolation: str = "tetrahedral"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return self.lut.apply(rgb, interpolation=self.interpolation)


def lut_of(fn: ColorFunction) -> tuple[Lut, str] | None:
    """(Lut, interpolation) when ``fn`` is a LUT (a :class:`LutGrade` with tetrahedral or
    trilinear interpolation, or a :class:`Lut`, tetrahedral), else None (any other colour
    function, e.g. skin protection)."""
    if isinstance(fn, LutGrade) and fn.interpolation in ("tetrahedral", "trilinear"):
        return fn.lut, fn.interpolation
    if isinstance(fn, Lut):
        return fn, "tetrahedral"
    return None


def _plain_lut(fn: ColorFunction) -> tuple[np.ndarray, bool] | None:
    """(float32 (n, n, n, 3) table, tetrahedral?) when ``fn`` is a plain 3D LUT over the unit
    cube (:func:`lut_of` with no shaper and the unit domain), else None.

    Such a LUT's table rows can be built in C; any other function is evaluated through numpy.
    """
    found = lut_of(fn)
    if found is None:
        return None
    lut, interpolation = found
    if (
        lut.table is None
        or lut.shaper is not None
        or not np.array_equal(lut.domain, [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    ):
        return None
    return np.ascontiguousarray(lut.table, dtype=np.float32), interpolation == "tetrahedral"


def _affine(a_b: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """A spec's (A, b) affine map as the 3x4 float64 ``[A | b]`` the C table build reads."""
    a, b = a_b
    return np.ascontiguousarray(np.column_stack([a, b]), dtype=np.float64)


def _block_mean(x: np.ndarray, log2_w: int, log2_h: int) -> np.ndarray:
    """Mean over (2**log2_h, 2**log2_w) blocks, edge blocks of odd sizes included (float64)."""
    bh, bw = 1 << log2_h, 1 << log2_w
    h, w = x.shape
    if bh == bw == 1:
        return x.astype(np.float64)
    ph, pw = -h % bh, -w % bw
    if ph or pw:
        x = np.pad(x, ((0, ph), (0, pw)), mode="edge")
    return x.reshape(x.shape[0] // bh, bh, x.shape[1] // bw, bw).mean(axis=(1, 3))


class Yuv8TableKernel:
    """Exact 8-bit Y'CbCr -> Y'CbCr kernel through a lazily built 2**24-entry table (64 MiB),
    indexed (Cb << 16) | (Cr << 8) | Y and filled 256 luma codes at a time per chroma pair.

    ``fn`` maps R'G'B' float (..., 3) 0..1 to R'G'B'. Input and output share the subsampling.
    Thread-safe: several frames may be processed at once. The per-frame lookup runs in the C
    extension ``_yuvtable`` when it was built (one pass, no GIL) and in numpy otherwise
    (``use_c=False`` forces numpy); both give identical codes.
    """

    def __init__(
        self,
        fn: ColorFunction,
        in_spec: YCbCrSpec,
        out_spec: YCbCrSpec,
        layout: PlaneLayout,
        *,
        use_c: bool | None = None,
    ) -> None:
        if in_spec.bit_depth != 8 or out_spec.bit_depth != 8 or layout.bit_depth != 8:
            raise ValueError("Yuv8TableKernel needs 8-bit input and output")
        self.fn = fn
        self.in_spec = in_spec
        self.out_spec = out_spec
        self.layout = layout
        self.table = np.zeros(1 << 24, dtype=np.uint32)
        self._built = np.zeros(1 << 16, dtype=bool)
        self._lock = threading.Lock()
        self._scratch = threading.local()
        self.entries_built = 0
        c_ok = _yuvtable is not None and layout.log2_w <= 1 and layout.log2_h <= 1
        self.use_c = c_ok if use_c is None else (use_c and c_ok)
        # A plain 3D LUT's rows are built in C too (about 15x faster than through numpy).
        self._c_lut = _plain_lut(fn) if self.use_c else None
        if self._c_lut is not None:
            self._to_rgb = _affine(in_spec.codes_to_rgb_affine())
            self._to_codes = _affine(out_spec.rgb_to_codes_affine())

    def _buffers(self, shape: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Per-thread index and result buffers, reused from frame to frame (no page faults)."""
        bufs = getattr(self._scratch, "bufs", None)
        if bufs is None or bufs[0].shape != shape:
            bufs = (np.empty(shape, np.uint32), np.empty(shape, np.uint32))
            self._scratch.bufs = bufs
        return bufs

    def _ensure(self, chroma_index: np.ndarray) -> None:
        """Build the rows of every chroma pair in ``chroma_index`` ((Cb << 8) | Cr codes)."""
        if np.take(self._built, chroma_index).all():  # the common case, and cheaper than bincount
            return
        present = np.bincount(chroma_index.ravel(), minlength=1 << 16).astype(bool)
        self._build_pairs(np.flatnonzero(present & ~self._built))

    def _build_pairs(self, pairs: np.ndarray) -> None:
        """Build the table rows (all 256 luma codes) of the chroma pairs ``pairs`` not built yet:
        in C for a plain 3D LUT, through ``fn`` in numpy otherwise."""
        if pairs.size == 0:
            return
        with self._lock:
            new = pairs[~self._built[pairs]]  # another thread may have built some meanwhile
            if new.size == 0:
                return
            if self._c_lut is not None:
                lut, tetra = self._c_lut
                self.entries_built += _yuvtable.fill(
                    self.table, new.astype(np.int64), lut, self._to_rgb, self._to_codes, tetra
                )
                self._built[new] = True
                return
            # Evaluate in chunks of chroma pairs x all 256 luma codes.
            for start in range(0, new.size, 4096):
                chunk = new[start : start + 4096]
                codes = np.empty((chunk.size, 256, 3), dtype=np.float32)
                codes[..., 0] = np.arange(256)[None, :]
                codes[..., 1] = (chunk >> 8)[:, None]
                codes[..., 2] = (chunk & 0xFF)[:, None]
                # float32 is ample for 8-bit codes (errors ~1e-4 of a code value).
                rgb = ycbcr_to_rgb(codes, self.in_spec, clip=False, dtype=np.float32)
                graded = _graded_keeping_excess(self.fn, rgb)
                out = rgb_to_ycbcr(graded, self.out_spec, round_codes=False, dtype=np.float32)
                out *= _PACK_SCALE
                np.rint(out, out=out)
                np.clip(out, 0, _PACK_MAX, out=out)
                q = out.astype(np.uint32)
                packed = q[..., 0] << 24
                packed |= q[..., 2] << 12
                packed |= q[..., 1]
                # Row of 256 luma codes per chroma pair: index (Cb << 16) | (Cr << 8) | Y.
                self.table.reshape(1 << 16, 256)[chunk] = packed
                self.entries_built += packed.size
            self._built[new] = True

    def process(
        self, planes: list[np.ndarray], out: list[np.ndarray] | None = None
    ) -> list[np.ndarray]:
        """Grade one frame: planes (Y, Cb, Cr) uint8 -> planes (Y, Cb, Cr) uint8.

        Writes into ``out`` (e.g. views of an output frame's planes) when given.
        """
        y, u, v = planes
        lw, lh = self.layout.log2_w, self.layout.log2_h
        h, w = y.shape
        if self.use_c:
            # The C loop reads rows as contiguous bytes (frame planes are; other views are copied).
            y, u, v = (p if p.strides[-1] == 1 else np.ascontiguousarray(p) for p in planes)
            given = out if out is not None else [None, None, None]
            res = [
                o if o is not None and o.strides[-1] == 1 else np.empty(shape, np.uint8)
                for o, shape in zip(given, ((h, w), u.shape, v.shape), strict=True)
            ]
            flags = np.zeros(1 << 16, dtype=np.uint8)
            if _yuvtable.need(self._built, u, v, flags):
                self._build_pairs(np.flatnonzero(flags))
            _yuvtable.apply(self.table, y, u, v, res[0], res[1], res[2], lw, lh)
            if out is None:
                return res
            for o, r in zip(out, res, strict=True):
                if o is not r:
                    np.copyto(o, r)
            return out
        chroma = np.left_shift(u, 8, dtype=np.uint32)
        chroma |= v
        self._ensure(chroma)
        bh, bw = 1 << lh, 1 << lw
        ch, cw = chroma.shape
        if h != ch * bh or w != cw * bw:  # odd sizes: replicate the last row/column
            y = np.pad(y, ((0, ch * bh - h), (0, cw * bw - w)), mode="edge")
        # Index (Cb << 16) | (Cr << 8) | Y: neighbouring pixels share chroma and have close luma,
        # so their entries share cache lines (Y in the low bits makes the gather cache-friendly).
        chroma <<= 8
        full = np.repeat(chroma, bw, axis=1) if bw > 1 else chroma
        idx, packed = self._buffers((ch, bh, cw * bw))
        np.copyto(idx, y.reshape(ch, bh, cw * bw), casting="unsafe")
        idx |= full[:, None, :]
        np.take(self.table, idx, out=packed)  # (ch, bh, W)
        luma = packed.view(np.uint8)[..., 3::4].reshape(ch * bh, cw * bw)[:h, :w]
        if out is None:
            out = [np.empty((h, w), np.uint8), np.empty((ch, cw), np.uint8),
                   np.empty((ch, cw), np.uint8)]
        np.copyto(out[0], luma)
        # Sum the blocks' packed entries without masking: carries out of the chroma fields only
        # go upwards into the luma byte, which is not read from the sums.
        rows = packed[:, 0]
        for i in range(1, bh):
            rows = rows + packed[:, i]
        acc = rows[:, 0::bw]
        for j in range(1, bw):
            acc = acc + rows[:, j::bw]
        shift = lh + lw + 2  # each entry holds 4x the code; a block has 2**(lh + lw) of them
        half = 1 << (shift - 1)
        np.copyto(out[1], ((acc & _U_MASK) + half) >> shift, casting="unsafe")
        np.copyto(out[2], (((acc >> 12) & _U_MASK) + half) >> shift, casting="unsafe")
        return out


class FloatKernel:
    """General kernel: any planar Y'CbCr depth/subsampling (or RGB) in, any planar Y'CbCr out."""

    def __init__(
        self,
        fn: ColorFunction,
        in_spec: YCbCrSpec,
        out_spec: YCbCrSpec,
        in_layout: PlaneLayout | None,
        out_layout: PlaneLayout,
        band_rows: int = 128,
    ) -> None:
        self.fn = fn
        self.in_spec = in_spec
        self.out_spec = out_spec
        self.in_layout = in_layout
        self.out_layout = out_layout
        self.band_rows = band_rows

    def _rgb_from_planes(self, planes: list[np.ndarray]) -> np.ndarray:
        lay = self.in_layout
        assert lay is not None
        return planes_to_rgb(planes, self.in_spec, lay.log2_w, lay.log2_h, clip=False)

    def _planes_from_rgb(self, rgb: np.ndarray) -> list[np.ndarray]:
        out = rgb_to_ycbcr(_graded_keeping_excess(self.fn, rgb), self.out_spec, round_codes=False)
        hi = self.out_spec.max_code
        dt = self.out_layout.dtype
        lw, lh = self.out_layout.log2_w, self.out_layout.log2_h
        planes = [np.clip(np.rint(out[..., 0]), 0, hi).astype(dt)]
        for c in (1, 2):
            planes.append(np.clip(np.rint(_block_mean(out[..., c], lw, lh)), 0, hi).astype(dt))
        return planes

    def process(self, planes: list[np.ndarray]) -> list[np.ndarray]:
        """Grade a planar Y'CbCr frame given as (Y, Cb, Cr) planes."""
        lay = self.in_layout
        assert lay is not None
        # Bands whose height is a multiple of both subsampling factors.
        step = max(self.band_rows, 1 << max(lay.log2_h, self.out_layout.log2_h))
        step -= step % (1 << max(lay.log2_h, self.out_layout.log2_h))
        h = planes[0].shape[0]
        parts: list[list[np.ndarray]] = []
        for r0 in range(0, h, step):
            r1 = min(h, r0 + step)
            c0, c1 = r0 >> lay.log2_h, -(-r1 >> lay.log2_h)
            band = [planes[0][r0:r1], planes[1][c0:c1], planes[2][c0:c1]]
            parts.append(self._planes_from_rgb(self._rgb_from_planes(band)))
        return [np.concatenate([p[i] for p in parts], axis=0) for i in range(3)]

    def process_rgb(self, rgb: np.ndarray) -> list[np.ndarray]:
        """Grade an RGB frame (uint8, or uint16 0..65535) into output Y'CbCr planes."""
        scale = 255.0 if rgb.dtype == np.uint8 else 65535.0
        return self._planes_from_rgb(rgb.astype(np.float64) / scale)


def make_kernel(
    fn: ColorFunction,
    in_spec: YCbCrSpec,
    in_layout: PlaneLayout | None,
    out_spec: YCbCrSpec,
    out_layout: PlaneLayout,
    key_tables: dict | None = None,
) -> Yuv8TableKernel | FloatKernel | ProtectedKernel:
    """The fastest exact kernel for this input/output combination (two, blended per pixel by
    a skin mask, for a :class:`gradecli.engine.protect.ProtectedGrade`; its skin-key table
    taken from, or kept in, ``key_tables``: gradecli.engine.protect.key_table)."""
    if isinstance(fn, ProtectedGrade):
        if in_layout is None:  # an RGB source: the protected grade as one colour function
            return FloatKernel(fn, in_spec, out_spec, in_layout, out_layout)
        base = make_kernel(fn.grade, in_spec, in_layout, out_spec, out_layout)
        alt = make_kernel(fn.protect, in_spec, in_layout, out_spec, out_layout)
        return ProtectedKernel(base, alt, fn, in_spec, in_layout,
                               isinstance(base, Yuv8TableKernel), key_tables)
    if (
        in_layout is not None
        and in_layout.bit_depth == 8
        and out_layout.bit_depth == 8
        and (in_layout.log2_w, in_layout.log2_h) == (out_layout.log2_w, out_layout.log2_h)
    ):
        return Yuv8TableKernel(fn, in_spec, out_spec, out_layout)
    return FloatKernel(fn, in_spec, out_spec, in_layout, out_layout)
