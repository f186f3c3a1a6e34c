"""Skin protection in the engine: per pixel, a shot's LUT blended with a skin-preserving version
of it by a soft skin mask computed from each frame (``--protect-skin``).

``out = base + strength * mask * (protected - base)`` on the output code values of both LUTs'
kernels (8-bit: fixed point, exact where the mask is 0). The mask is keyed on a small copy of the
frame (at most MASK_SIDE pixels wide, from its planes, no full-size RGB conversion) and resized
to each plane. A key that splits into a per-pixel colour step and a spatial step
(:class:`SplitKey`, e.g. gradecli.color.masks.SkinKey) is keyed on 8-bit frames through a
:class:`KeyTable` of its per-pixel step over the stream's Y'CbCr codes: a gather per pixel
instead of the colour maths, then the spatial step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from gradecli.color.ycbcr import YCbCrSpec, planes_to_rgb, ycbcr_to_rgb

__all__ = ["MASK_SIDE", "KeyTable", "ProtectedGrade", "ProtectedKernel", "SplitKey", "key_table"]

#: The skin mask of a frame is computed this many pixels wide (or less), then resized.
MASK_SIDE = 480
#: A KeyTable is filled in blocks of 2**_BLOCK_BITS luma codes of one chroma pair.
_BLOCK_BITS = 4


@runtime_checkable
class SplitKey(Protocol):
    """A mask key (picture (H, W, 3) R'G'B' 0..1 -> mask (H, W) 0..1) that is a per-pixel
    colour step followed by a spatial one: ``refine(*pixels(rgb).transpose(2, 0, 1))`` is
    ``key(rgb)``."""

    def __call__(self, rgb: np.ndarray) -> np.ndarray: ...

    def pixels(self, rgb: np.ndarray) -> np.ndarray:
        """(..., 2): each pixel's key and guide, 0..1, from its own colour (..., 3) alone."""
        ...

    def refine(self, key: np.ndarray, guide: np.ndarray) -> np.ndarray:
        """The mask (H, W) 0..1 of a picture's per-pixel key and guide planes (H, W)."""
        ...


class KeyTable:
    """A :class:`SplitKey`'s per-pixel step over every 8-bit Y'CbCr code of a stream (``spec``),
    kept to 1/255 (key in the low byte, guide in the high byte of a uint16 entry indexed
    ``(Cb << 16) | (Cr << 8) | Y``; 32 MiB, touched only where filled). Filled lazily, in
    blocks of 2**_BLOCK_BITS luma codes of one chroma pair, for the codes the frames show (a
    clip shows a few thousand chroma pairs). Thread-safe."""

    def __init__(self, key: SplitKey, spec: YCbCrSpec) -> None:
        if spec.bit_depth != 8:
            raise ValueError("a KeyTable needs 8-bit Y'CbCr")
        self.key, self.spec = key, spec
        self.table = np.zeros(1 << 24, np.uint16)
        self.built = np.zeros(1 << (24 - _BLOCK_BITS), bool)
        self._lock = threading.Lock()
        #: Entries filled so far (each one evaluation of the key's per-pixel step).
        self.entries_built = 0

    def lookup(self, y: np.ndarray, cb: np.ndarray, cr: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        """The key and guide planes (h, w) float32 0..1 of same-sized uint8 planes."""
        idx = np.left_shift(cb, 16, dtype=np.uint32)
        idx |= np.left_shift(cr, 8, dtype=np.uint32)
        idx |= y
        blocks = idx >> _BLOCK_BITS
        built = np.take(self.built, blocks)
        if not built.all():
            self._fill(np.unique(blocks[~built]))
        entry = np.take(self.table, idx)
        scale = np.float32(1.0 / 255.0)
        return ((entry & 0xFF).astype(np.float32) * scale,
                (entry >> 8).astype(np.float32) * scale)

    def _fill(self, blocks: np.ndarray) -> None:
        """Evaluate the key's per-pixel step on the codes of ``blocks`` not filled yet."""
        with self._lock:
            blocks = blocks[~self.built[blocks]]  # another thread may have filled some
            if blocks.size == 0:
                return
            idx = (blocks.astype(np.int64) << _BLOCK_BITS)[:, None] \
                + np.arange(1 << _BLOCK_BITS)
            codes = np.stack([idx & 0xFF, (idx >> 16) & 0xFF, (idx >> 8) & 0xFF], axis=-1)
            rgb = ycbcr_to_rgb(codes.astype(np.float32), self.spec, dtype=np.float32)
            q = np.clip(np.rint(np.asarray(self.key.pixels(rgb)) * 255.0), 0, 255)
            q = q.astype(np.uint16)
            self.table[idx] = q[..., 0] | (q[..., 1] << 8)
            self.built[blocks] = True  # after the entries: readers never see a half block
            self.entries_built += idx.size


def key_table(key: SplitKey, spec: YCbCrSpec, tables: dict | None = None) -> KeyTable:
    """The :class:`KeyTable` of ``key`` over ``spec``'s codes: the one in ``tables`` (a cache
    the caller keeps, e.g. one per stream, so that the shots of a clip, which share their skin
    key, fill one table), made and kept there when missing; a new one without ``tables`` or for
    a key that cannot be a dict key. Callers serialise their access to ``tables``."""
    try:
        found = None if tables is None else tables.get((key, spec))
    except TypeError:  # an unhashable key
        return KeyTable(key, spec)
    if found is None:
        found = KeyTable(key, spec)
        if tables is not None:
            tables[(key, spec)] = found
    return found


@dataclass(frozen=True)
class ProtectedGrade:
    """A schedule entry with skin protection: the shot's ``grade`` and its skin-preserving
    ``protect`` version (both colour functions, usually LutGrades), the ``key`` that maps a
    small R'G'B' picture (h, w, 3) 0..1 to its skin mask (h, w) 0..1 (a :class:`SplitKey` is
    keyed on 8-bit video through a :class:`KeyTable`), and ``strength`` 0..1."""

    grade: Callable[[np.ndarray], np.ndarray]
    protect: Callable[[np.ndarray], np.ndarray]
    key: Callable[[np.ndarray], np.ndarray]
    strength: float = 1.0

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """The grade of one picture (H, W, 3) 0..1, protected where its skin mask says."""
        x = np.asarray(rgb)
        m = _resize(self.key(_small_rgb(x)), x.shape[:2])[..., None] * self.strength
        base = np.asarray(self.grade(x))
        return base + m * (np.asarray(self.protect(x)) - base)


def _small_rgb(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    step = max(1, -(-w // MASK_SIDE))
    return np.asarray(rgb[::step, ::step], np.float32)


def _resize(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    if mask.shape == (h, w):
        return mask.astype(np.float32)
    return cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


class ProtectedKernel:
    """Two kernels (the shot's grade and its protected version) and the per-frame blend; the
    same ``process`` as the kernel it wraps (Y'CbCr planes in, planes out)."""

    def __init__(self, base, protect, entry: ProtectedGrade, in_spec: YCbCrSpec,
                 in_layout, is_table: bool, key_tables: dict | None = None) -> None:
        self.base, self.protect, self.entry = base, protect, entry
        self.in_spec, self.in_layout = in_spec, in_layout
        #: Whether the wrapped kernels write into a given frame's planes (8-bit tables).
        self.is_table = is_table
        #: The key's per-pixel step tabulated over 8-bit codes (None: keyed through R'G'B').
        self.table = (key_table(entry.key, in_spec, key_tables)
                      if isinstance(entry.key, SplitKey) and in_layout.bit_depth == 8
                      and in_spec.bit_depth == 8 else None)

    def mask(self, planes: list[np.ndarray]) -> np.ndarray:
        """The frame's skin mask (small) times the strength, from its Y'CbCr planes."""
        small = self._small_planes(planes)
        if self.table is not None:
            m = self.entry.key.refine(*self.table.lookup(*small))
        else:
            m = self.entry.key(planes_to_rgb(small, self.in_spec, 0, 0, dtype=np.float32))
        return m * np.float32(self.entry.strength)

    def _small_planes(self, planes: list[np.ndarray]) -> list[np.ndarray]:
        """The frame's planes sampled at most MASK_SIDE pixels wide, all three the same size
        (whole chroma samples: one per kept luma sample)."""
        lay = self.in_layout
        h, w = planes[0].shape
        step = max(1, -(-w // MASK_SIDE))
        step = max(1 << max(lay.log2_w, lay.log2_h), step - step % (1 << max(lay.log2_w,
                                                                             lay.log2_h)))
        small = [planes[0][::step, ::step], planes[1][:: step >> lay.log2_h,
                                                      :: step >> lay.log2_w],
                 planes[2][:: step >> lay.log2_h, :: step >> lay.log2_w]]
        sh = min(p.shape[0] for p in small)
        sw = min(p.shape[1] for p in small)
        return [p[:sh, :sw] for p in small]

    def process(self, planes: list[np.ndarray], out: list[np.ndarray] | None = None
                ) -> list[np.ndarray]:
        """Grade one frame's planes (into ``out`` when given, as the table kernel does). The
        protected version is graded and blended only in the band of rows where the frame's
        mask is not 0 (elsewhere the blend is the grade exactly); a frame without skin costs
        the grade and its mask."""
        base = self.base.process(planes) if out is None else self.base.process(planes, out=out)
        m = self.mask(planes)
        band = self._band(m, planes[0].shape[0], base[1].shape[0])
        if band is None:  # no skin: the grade exactly
            return base
        r0, r1 = band
        lh = self.in_layout.log2_h
        alt = self.protect.process([planes[0][r0:r1], planes[1][r0 >> lh:-(-r1 >> lh)],
                                    planes[2][r0 >> lh:-(-r1 >> lh)]])
        for b, a in zip(base, alt, strict=True):
            scale = -(-planes[0].shape[0] // b.shape[0])  # 1, or 2 for 4:2:0 chroma
            rows = slice(r0 // scale, r0 // scale + a.shape[0])
            _blend(b[rows], a, _resize(m, b.shape)[rows])
        return base

    def _band(self, mask: np.ndarray, height: int, chroma_rows: int) -> tuple[int, int] | None:
        """Luma rows [r0, r1) outside which every plane's weight (``mask`` (h, w), resized to
        the plane bilinearly) is 0, on whole chroma rows of the input and the output; None
        when the mask is 0. Bilinear resizing reaches less than 2 mask rows beyond a row that
        is not 0."""
        rows = np.flatnonzero(mask.any(axis=1))
        if rows.size == 0:
            return None
        unit = max(1 << self.in_layout.log2_h, -(-height // chroma_rows))
        per = height / mask.shape[0]
        lo = max(0, int(np.floor((rows[0] - 2) * per)))
        hi = min(height, int(np.ceil((rows[-1] + 3) * per)))
        return lo - lo % unit, min(height, -(-hi // unit) * unit)


def _blend(b: np.ndarray, a: np.ndarray, weight: np.ndarray) -> None:
    """``b += weight * (a - b)`` in place on code values, ``weight`` 0..1: 8-bit in fixed point
    (weight q in 1/256: ``((256 - q) * b + q * a + 128) >> 8``, at most 65408, so uint16 holds
    it; exact where the weight is 0), deeper codes in float, rounded. (A weight resized from a
    0..1 mask stays in 0..1 up to rounding, which ``rint`` absorbs.)"""
    if b.dtype == np.uint8:
        w = weight * np.float32(256.0)
        q = np.rint(w, out=w).astype(np.uint16)
        acc = q * a
        np.subtract(256, q, out=q)
        q *= b
        acc += q
        acc += 128
        acc >>= 8
        np.copyto(b, acc, casting="unsafe")
    else:
        blended = b + weight * (a.astype(np.float32) - b)
        np.copyto(b, np.rint(blended).astype(b.dtype), casting="unsafe")
