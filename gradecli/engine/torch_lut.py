"""A :class:`~gradecli.color.lut.Lut` and the Y'CbCr <-> R'G'B' maps as torch operations, for
the torch frame kernels (:mod:`gradecli.engine.torch_kernel`).

Every step repeats the CPU code's arithmetic operation for operation, in the same order and the
same dtype, so that the torch kernels give the CPU kernels' codes:

- the code -> R'G'B' and R'G'B' -> code affine maps as ``((a0 * Y + a1 * Cb) + a2 * Cr) + b``
  per channel, as the C table build (``_yuvtable.fill``) evaluates them;
- the shaper (clamp, ``x * (M - 1)``, cell, ``v0 + (v1 - v0) * f``), the domain
  normalisation ``(x - lo) / (hi - lo)`` and the 3D interpolation (cell and fraction, the
  6-tetrahedra split with the same tie-breaks, ``p0 * w0 + p1 * w1 + p2 * w2 + p3 * f3``
  left to right; trilinear as nested ``c0 + (c1 - c0) * f``) as
  :mod:`gradecli.color.lut_interp` and ``_yuvtable.c`` do them.

Each torch operation is one rounded IEEE operation (no fused multiply-add: eager torch never
fuses separate operations), on the CPU and on CUDA alike. Inputs are clamped to the tables'
domains as the .cube specifications require. torch is imported by the caller's module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from gradecli.color.lut import DEFAULT_DOMAIN, Lut

__all__ = ["TorchAffine", "TorchLut", "affine_apply"]


@dataclass(frozen=True)
class TorchAffine:
    """A 3x4 affine map ``out_c = ((m[c,0] x0 + m[c,1] x1) + m[c,2] x2) + m[c,3]`` held as
    Python floats already rounded to the working dtype (float32 or float64)."""

    m: tuple[tuple[float, float, float, float], ...]
    dtype: torch.dtype

    @classmethod
    def of(cls, a_b: tuple[np.ndarray, np.ndarray], dtype: torch.dtype) -> TorchAffine:
        """From a spec's (A, b) pair (e.g. ``YCbCrSpec.codes_to_rgb_affine()``)."""
        a, b = a_b
        np_dt = np.float32 if dtype == torch.float32 else np.float64
        rows = np.column_stack([a, b]).astype(np_dt)
        return cls(tuple(tuple(float(v) for v in row) for row in rows), dtype)


def affine_apply(aff: TorchAffine, x0: torch.Tensor, x1: torch.Tensor,
                 x2: torch.Tensor) -> list[torch.Tensor]:
    """The three outputs of ``aff`` at inputs ``x0, x1, x2`` (tensors of ``aff.dtype``)."""
    out = []
    for m0, m1, m2, m3 in aff.m:
        acc = x0 * m0
        acc = acc + x1 * m1
        acc = acc + x2 * m2
        out.append(acc + m3)
    return out


def _scalar(v: float, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """A 0-d tensor holding ``v`` rounded to ``dtype`` (so arithmetic stays in ``dtype``)."""
    return torch.tensor(v, dtype=dtype, device=device)


class TorchLut:
    """A :class:`Lut` on a torch device in ``dtype`` (float32 for the 8-bit table, float64 for
    deeper video, as the CPU kernels compute), evaluated like ``Lut.apply``.

    ``interpolation``: "tetrahedral" or "trilinear". Inputs (R'G'B' 0..1, any shape (..., 3)
    split into three tensors) are clamped to the shaper's and the 3D table's domains.
    """

    def __init__(self, lut: Lut, interpolation: str, device: torch.device,
                 dtype: torch.dtype) -> None:
        if interpolation not in ("tetrahedral", "trilinear"):
            raise ValueError(f"unknown interpolation {interpolation!r}")
        self.tetrahedral = interpolation == "tetrahedral"
        self.dtype = dtype
        self.device = device
        np_dt = np.float32 if dtype == torch.float32 else np.float64
        self.shaper = None
        if lut.shaper is not None:
            s = np.ascontiguousarray(lut.shaper.T, dtype=np_dt)  # (3, M)
            self.shaper = torch.from_numpy(s).to(device)
            self.shaper_lo, self.shaper_span = self._domain(lut.shaper_domain, np_dt)
        self.table = None
        if lut.table is not None:
            n = lut.table.shape[0]
            self.size = n
            t = np.ascontiguousarray(lut.table.reshape(-1, 3).T, dtype=np_dt)  # (3, n**3)
            self.table = torch.from_numpy(t).to(device)
            self.domain = None
            if not np.array_equal(lut.domain, DEFAULT_DOMAIN):
                self.domain = self._domain(lut.domain, np_dt)

    def _domain(self, d: np.ndarray, np_dt: type) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Per channel (lo, hi - lo) in the working dtype, as numpy computes them."""
        dd = np.asarray(d).astype(np_dt)
        lo = [_scalar(float(dd[0, k]), self.dtype, self.device) for k in range(3)]
        span = [_scalar(float(dd[1, k] - dd[0, k]), self.dtype, self.device) for k in range(3)]
        return lo, span

    def _cell(self, x: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Cell index (int64) and fraction of ``x`` clamped to 0..1, for ``n`` nodes."""
        xt = torch.clamp(x, 0.0, 1.0) * _scalar(float(n - 1), self.dtype, self.device)
        i = torch.clamp(xt.to(torch.int64), max=n - 2)  # truncation is floor: xt >= 0
        return i, xt - i.to(self.dtype)

    def __call__(self, rgb: list[torch.Tensor]) -> list[torch.Tensor]:
        """The LUT at R'G'B' given as three same-shaped tensors; three tensors back."""
        x = list(rgb)
        if self.shaper is not None:
            lo, span = self.shaper_lo, self.shaper_span
            m = self.shaper.shape[1]
            for k in range(3):
                i, f = self._cell((x[k] - lo[k]) / span[k], m)
                v0 = self.shaper[k][i]
                v1 = self.shaper[k][i + 1]
                x[k] = v0 + (v1 - v0) * f
        if self.table is None:
            return x
        if self.domain is not None:
            lo, span = self.domain
            x = [(x[k] - lo[k]) / span[k] for k in range(3)]
        return self._tetra(x) if self.tetrahedral else self._trilinear(x)

    def _bases(self, x: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        n = self.size
        cells = [self._cell(x[k], n) for k in range(3)]
        base = cells[0][0] * (n * n) + cells[1][0] * n + cells[2][0]
        return base, [c[1] for c in cells]

    def _tetra(self, x: list[torch.Tensor]) -> list[torch.Tensor]:
        n = self.size
        s_r, s_g, s_b = n * n, n, 1
        base, (fr, fg, fb) = self._bases(x)
        hi = torch.maximum(fr, fg)
        lo = torch.minimum(fr, fg)
        a = torch.where(fr >= fg, s_r, s_g)  # offset of the larger of r, g
        o1 = torch.where(fb > hi, s_b, a)  # one step along the largest fraction
        mn = (s_r + s_g) - a  # offset of the smaller of r, g
        amin = torch.where(fb < lo, s_b, mn)  # offset of the smallest fraction
        f1 = torch.maximum(hi, fb)
        f3 = torch.minimum(lo, fb)
        f2 = torch.maximum(torch.minimum(hi, fb), lo)
        w0 = 1.0 - f1
        w1 = f1 - f2
        w2 = f2 - f3
        i0 = base
        i1 = base + o1
        i3 = base + (s_r + s_g + s_b)
        i2 = i3 - amin
        out = []
        for k in range(3):
            ch = self.table[k]
            r = ch[i0] * w0
            r = r + ch[i1] * w1
            r = r + ch[i2] * w2
            out.append(r + ch[i3] * f3)
        return out

    def _trilinear(self, x: list[torch.Tensor]) -> list[torch.Tensor]:
        n = self.size
        base, (fr, fg, fb) = self._bases(x)
        out = []
        for k in range(3):
            ch = self.table[k]

            def along_b(off: int, ch: torch.Tensor = ch) -> torch.Tensor:
                v0 = ch[base + off]
                return v0 + (ch[base + off + 1] - v0) * fb

            c00, c01 = along_b(0), along_b(n)
            c10, c11 = along_b(n * n), along_b(n * n + n)
            c0 = c00 + (c01 - c00) * fg
            c1 = c10 + (c11 - c10) * fg
            out.append(c0 + (c1 - c0) * fr)
        return out
