"""Grade planar Y'CbCr frames with a LUT on a torch device (a CUDA GPU, or torch's CPU device
for tests): the torch counterparts of the CPU kernels in :mod:`gradecli.engine.kernels`.

Two kernels, chosen as :func:`gradecli.engine.kernels.make_kernel` chooses:

- :class:`TorchTableKernel` (8-bit in and out, one subsampling): the CPU table kernel's exact
  table, 2**24 packed entries indexed ``(Cb << 16) | (Cr << 8) | Y`` (64 MiB on the device),
  built lazily for the chroma pairs a batch of frames uses, then one gather per pixel; output
  chroma is ``(sum of the block's 4x-scaled entries + half) >> shift``, as in the CPU kernel.
- :class:`TorchFloatKernel` (10/12/16-bit, or a change of depth or subsampling): codes ->
  R'G'B' -> LUT -> codes in float64, as ``FloatKernel`` computes, chroma upsampled by
  replication and the output chroma the mean of its block (odd sizes: edge blocks repeat
  their last row/column). Out-of-cube R'G'B' is graded at the nearest in-cube colour and keeps
  its excess, as ``_graded_keeping_excess`` does.

Agreement with the CPU kernels (checked by tests/engine/test_torch_kernel.py):

- 8-bit, a plain 3D LUT (no shaper, unit domain): the same codes. The CPU table rows come from
  the C extension, which evaluates in float32 exactly the operations :mod:`torch_lut` does, in
  the same order, without fused multiply-adds (``-O3`` for baseline x86-64 emits none).
- 8-bit, a LUT with a 1D shaper or a domain (or an install without the C extension): the CPU
  rows are evaluated by numpy in float32, whose Y'CbCr <-> R'G'B' matrix products go through
  BLAS (another summation order, fused multiply-adds). An entry can then differ by one code:
  one Y' code, or one unit of a 4x-scaled chroma entry (so at most one chroma code after the
  block mean), where the unrounded value lies within a few float32 ulps (about 1e-4 of a code)
  of a .5 rounding boundary; a few entries in 10**4 in the tests.
- 10/16-bit (float64 on both sides): the same codes except where float64's different
  summation orders (BLAS matrix products, numpy's block mean) move a value lying within about
  1e-12 of a code of a .5 boundary across it: one code, in practice never seen.

On CUDA the same operations run as IEEE float32/float64 kernels (PyTorch builds them without
fast-math), so the statements above hold there too; they are checked by the same tests on a
machine with a GPU (benchmarks/gpu_check.sh).
"""

from __future__ import annotations

import torch

from gradecli.color.lut import Lut
from gradecli.color.ycbcr import YCbCrSpec
from gradecli.engine.torch_lut import TorchAffine, TorchLut, affine_apply
from gradecli.io.video import PlaneLayout

__all__ = ["TorchFloatKernel", "TorchTableKernel", "make_torch_kernel"]

#: Chroma pairs whose table rows are built at once (4096 x 256 points: ~100 MB of temporaries).
_PAIRS_PER_CHUNK = 4096


def _edge_index(n: int, size: int, device: torch.device) -> torch.Tensor:
    """Indices 0..size-1 clamped to n-1: repeats the last row/column to pad to ``size``."""
    return torch.clamp(torch.arange(size, device=device), max=n - 1)


def _pad_edge(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """(N, H, W) padded to (N, h, w) by repeating its last row and column."""
    n_, hh, ww = x.shape
    if (hh, ww) == (h, w):
        return x
    if hh != h:
        x = x[:, _edge_index(hh, h, x.device)]
    if ww != w:
        x = x[:, :, _edge_index(ww, w, x.device)]
    return x


def _upsample(c: torch.Tensor, log2_h: int, log2_w: int, h: int, w: int) -> torch.Tensor:
    """Chroma (N, ch, cw) replicated to (N, h, w) (cropped: odd sizes)."""
    if log2_h:
        c = torch.repeat_interleave(c, 1 << log2_h, dim=1)
    if log2_w:
        c = torch.repeat_interleave(c, 1 << log2_w, dim=2)
    return c[:, :h, :w]


class TorchTableKernel:
    """Exact 8-bit Y'CbCr -> Y'CbCr grading through a lazily built table on ``device``.

    ``lut`` with ``interpolation``; input and output share the subsampling ``layout``.
    :meth:`process` takes and returns device tensors: Y (N, H, W), Cb and Cr (N, ch, cw), uint8.
    """

    def __init__(self, lut: Lut, interpolation: str, in_spec: YCbCrSpec, out_spec: YCbCrSpec,
                 layout: PlaneLayout, device: torch.device) -> None:
        if in_spec.bit_depth != 8 or out_spec.bit_depth != 8 or layout.bit_depth != 8:
            raise ValueError("TorchTableKernel needs 8-bit input and output")
        self.device = device
        self.layout = layout
        self.lut = TorchLut(lut, interpolation, device, torch.float32)
        self.to_rgb = TorchAffine.of(in_spec.codes_to_rgb_affine(), torch.float32)
        self.to_codes = TorchAffine.of(out_spec.rgb_to_codes_affine(), torch.float32)
        self.table = torch.zeros(1 << 24, dtype=torch.int32, device=device)
        self.built = torch.zeros(1 << 16, dtype=torch.bool, device=device)
        self.entries_built = 0

    def _rows(self, pairs: torch.Tensor) -> torch.Tensor:
        """Packed entries (K, 256) int32 of chroma pairs ``pairs`` (K,) int64, all luma codes:
        Y' in bits 24..31, 4 x Cr in bits 12..23, 4 x Cb in bits 0..11 (CPU kernel's packing)."""
        f32 = torch.float32
        y = torch.arange(256, device=self.device, dtype=f32)[None, :]
        cb = (pairs >> 8).to(f32)[:, None]
        cr = (pairs & 0xFF).to(f32)[:, None]
        rgb = affine_apply(self.to_rgb, y, cb, cr)  # each (K, 256)
        inside = [torch.clamp(c, 0.0, 1.0) for c in rgb]
        graded = self.lut(inside)
        g = [graded[k] + (rgb[k] - inside[k]) for k in range(3)]
        codes = affine_apply(self.to_codes, *g)
        q = []
        for c, (scale, top) in enumerate(((1.0, 255.0), (4.0, 1020.0), (4.0, 1020.0))):
            v = torch.round(codes[c] * scale)  # round half to even, as nearbyintf and np.rint
            v = torch.nan_to_num(v, nan=0.0).clamp(0.0, top)
            q.append(v.to(torch.int64))
        packed = (q[0] << 24) | (q[2] << 12) | q[1]
        packed = torch.where(packed >= 1 << 31, packed - (1 << 32), packed)  # as int32 bits
        return packed.to(torch.int32)

    def _ensure(self, chroma: torch.Tensor) -> None:
        """Build the rows of every chroma pair in ``chroma`` ((Cb << 8) | Cr, int64) not built
        yet (one device-to-host synchronisation: the count of new pairs)."""
        pairs = torch.unique(chroma)
        new = pairs[~self.built[pairs]]
        if new.numel() == 0:
            return
        rows = self.table.view(1 << 16, 256)
        for s in range(0, new.numel(), _PAIRS_PER_CHUNK):
            chunk = new[s : s + _PAIRS_PER_CHUNK]
            rows[chunk] = self._rows(chunk)
        self.built[new] = True
        self.entries_built += int(new.numel()) * 256

    def process(self, y: torch.Tensor, u: torch.Tensor, v: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Grade a batch: uint8 (N, H, W), (N, ch, cw), (N, ch, cw) -> the same shapes."""
        lw, lh = self.layout.log2_w, self.layout.log2_h
        bh, bw = 1 << lh, 1 << lw
        n, h, w = y.shape
        ch, cw = u.shape[1], u.shape[2]
        chroma = (u.to(torch.int64) << 8) | v.to(torch.int64)  # (N, ch, cw)
        self._ensure(chroma)
        yp = _pad_edge(y, ch * bh, cw * bw).to(torch.int64).view(n, ch, bh, cw, bw)
        idx = (chroma << 8)[:, :, None, :, None] | yp
        e = self.table[idx]  # (N, ch, bh, cw, bw) int32
        luma = ((e >> 24) & 0xFF).to(torch.uint8).view(n, ch * bh, cw * bw)[:, :h, :w]
        s = (e & 0xFFFFFF).to(torch.int64).sum(dim=(2, 4))  # fields never carry: < 4096 each
        shift = lh + lw + 2  # entries hold 4x the code; a block has 2**(lh + lw) of them
        half = 1 << (shift - 1)
        out_u = (((s & 0xFFF) + half) >> shift).to(torch.uint8)
        out_v = ((((s >> 12) & 0xFFF) + half) >> shift).to(torch.uint8)
        return luma.contiguous(), out_u, out_v


class TorchFloatKernel:
    """General planar Y'CbCr kernel in float64 on ``device`` (any depth and subsampling in and
    out), FloatKernel's arithmetic. :meth:`process` takes Y (N, H, W) and chroma (N, ch, cw)
    integer tensors holding codes (int32; uint8 is accepted) and returns int32 code tensors in
    the output layout (0..2**depth - 1)."""

    def __init__(self, lut: Lut, interpolation: str, in_spec: YCbCrSpec, out_spec: YCbCrSpec,
                 in_layout: PlaneLayout, out_layout: PlaneLayout, device: torch.device) -> None:
        self.device = device
        self.in_layout, self.out_layout = in_layout, out_layout
        self.lut = TorchLut(lut, interpolation, device, torch.float64)
        self.to_rgb = TorchAffine.of(in_spec.codes_to_rgb_affine(), torch.float64)
        self.to_codes = TorchAffine.of(out_spec.rgb_to_codes_affine(), torch.float64)
        self.max_code = out_spec.max_code

    def process(self, y: torch.Tensor, u: torch.Tensor, v: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Grade a batch of frames (one at a time on the device, bounding memory)."""
        outs = [self._frame(y[i : i + 1], u[i : i + 1], v[i : i + 1]) for i in range(y.shape[0])]
        return tuple(torch.cat([o[c] for o in outs]) for c in range(3))  # type: ignore[return-value]

    def _frame(self, y: torch.Tensor, u: torch.Tensor, v: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        f64 = torch.float64
        lay, out = self.in_layout, self.out_layout
        n, h, w = y.shape
        cb = _upsample(u, lay.log2_h, lay.log2_w, h, w).to(f64)
        cr = _upsample(v, lay.log2_h, lay.log2_w, h, w).to(f64)
        rgb = affine_apply(self.to_rgb, y.to(f64), cb, cr)
        inside = [torch.clamp(c, 0.0, 1.0) for c in rgb]
        graded = self.lut(inside)
        codes = affine_apply(self.to_codes, *[graded[k] + (rgb[k] - inside[k]) for k in range(3)])
        hi = float(self.max_code)
        res = [torch.round(codes[0]).clamp(0.0, hi).to(torch.int32)]
        bh, bw = 1 << out.log2_h, 1 << out.log2_w
        ch, cw = -(-h >> out.log2_h), -(-w >> out.log2_w)
        for c in (1, 2):
            x = _pad_edge(codes[c], ch * bh, cw * bw)
            if bh * bw > 1:
                x = x.view(n, ch, bh, cw, bw).sum(dim=(2, 4)) / float(bh * bw)
            res.append(torch.round(x).clamp(0.0, hi).to(torch.int32))
        return res[0], res[1], res[2]


def make_torch_kernel(lut: Lut, interpolation: str, in_spec: YCbCrSpec, in_layout: PlaneLayout,
                      out_spec: YCbCrSpec, out_layout: PlaneLayout, device: torch.device
                      ) -> TorchTableKernel | TorchFloatKernel:
    """The torch kernel the CPU would choose for this input and output (see make_kernel)."""
    if (in_layout.bit_depth == 8 and out_layout.bit_depth == 8
            and (in_layout.log2_w, in_layout.log2_h) == (out_layout.log2_w, out_layout.log2_h)):
        return TorchTableKernel(lut, interpolation, in_spec, out_spec, out_layout, device)
    return TorchFloatKernel(lut, interpolation, in_spec, out_spec, in_layout, out_layout, device)

