"""The style model in torch: (source thumbnail, reference thumbnail) -> 3D LUT.

Architecture (after Image-Adaptive 3D LUT, Zeng et al. 2020, with a pair of inputs):

- **Encoder**, shared by source and reference, on a thumbnail of :data:`THUMB` x :data:`THUMB`
  sRGB code values 0..1 (:func:`gradecli.models.style.thumbnail` makes it): five 3x3 stride-2
  convolutions (16, 32, 64, 64, 64 channels, LeakyReLU) averaged over space (64 features of
  content and colour), beside a per-pixel branch on the thumbnail averaged 2x2 (two 1x1
  convolutions, 32 channels, averaged over space: a learned soft histogram of the colours),
  and 64 fixed colour statistics in CIELAB (:class:`ColourStats`: soft histograms of L*, a*,
  b*, C*, mean a*, b*, C* per lightness band, means and spreads). 160 features per image.
- **Head**: an MLP on ``[f_source, f_reference, f_reference - f_source]`` (480 -> 256 -> K + 48)
  gives K weights over K learned basis LUTs (:data:`BASES` of :data:`LUT_SIZE`^3 nodes,
  initialised near zero, so the untrained model is close to the identity) and 3 x 16 slopes of
  per-channel output curves.
- **LUT**: ``curve_c(identity + sum_k w_k * basis_k)`` on a 17^3 grid, where each curve is
  ``v + sum_j a_cj * relu(v - j/16)`` (piecewise linear, 17 nodes). The exported model
  upsamples it to 33^3 by trilinear interpolation (exact: a matrix per axis), which is the LUT
  gradecli applies.

Layouts. In torch the LUT is ``(N, 3, S, S, S)`` indexed ``[n, channel, b, g, r]`` (the layout of
:func:`torch.nn.functional.grid_sample`: depth = blue, height = green, width = red, so a grid
point is ``(r, g, b) * 2 - 1``). gradecli's :class:`~gradecli.color.lut.Lut` table is
``[r, g, b, channel]``; :func:`to_gradecli` / :func:`from_gradecli` convert. Images in torch are
``(N, 3, H, W)`` code values 0..1.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "BASES",
    "CURVE_KNOTS",
    "ColourStats",
    "LUT_SIZE",
    "OUT_SIZE",
    "THUMB",
    "ExportModel",
    "StyleLutNet",
    "apply_lut",
    "from_gradecli",
    "identity_lut",
    "monotonicity",
    "param_count",
    "srgb_to_lab",
    "to_gradecli",
    "total_variation",
    "upsample_matrix",
]

#: Thumbnail side (pixels) the encoder reads.
THUMB = 64
#: Nodes per axis of the predicted LUT and of the basis LUTs.
LUT_SIZE = 17
#: Nodes per axis of the exported LUT.
OUT_SIZE = 33
#: Number of basis LUTs.
BASES = 24
#: Ramps of each per-channel output curve.
CURVE_KNOTS = 16
_CNN_FEATURES = 96
_STAT_FEATURES = 64
_FEATURES = _CNN_FEATURES + _STAT_FEATURES

_SRGB_TO_XYZ_D65 = (
    np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    / np.array([0.3127 / 0.3290, 1.0, (1 - 0.3127 - 0.3290) / 0.3290])[:, None]
)
_LAB_EPS = 216.0 / 24389.0
_LAB_KAPPA = 24389.0 / 27.0


def srgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB code values (N, 3, ...) (clamped to 0..1) -> CIELAB D65 (N, 3, ...), L* 0..100.

    The IEC 61966-2-1 matrix, as gradecli.color.spaces; differentiable and exportable."""
    v = rgb.clamp(0.0, 1.0)
    lin = torch.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055).clamp(min=1e-6) ** 2.4)
    m = torch.as_tensor(_SRGB_TO_XYZ_D65, dtype=rgb.dtype)
    xyz = (lin.movedim(1, -1) @ m.t()).movedim(-1, 1)
    f = torch.where(
        xyz > _LAB_EPS, xyz.clamp(min=_LAB_EPS) ** (1.0 / 3.0), (_LAB_KAPPA * xyz + 16.0) / 116.0
    )
    fx, fy, fz = f[:, 0], f[:, 1], f[:, 2]
    return torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], dim=1)


def identity_lut(size: int = LUT_SIZE, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The identity LUT, (3, S, S, S) in the ``[channel, b, g, r]`` layout."""
    g = torch.linspace(0.0, 1.0, size, dtype=dtype)
    b, gg, r = torch.meshgrid(g, g, g, indexing="ij")
    return torch.stack([r, gg, b], dim=0)


def to_gradecli(lut: torch.Tensor) -> np.ndarray:
    """(3, S, S, S) ``[c, b, g, r]`` tensor -> float64 (S, S, S, 3) ``[r, g, b, c]`` array."""
    return lut.detach().permute(3, 2, 1, 0).cpu().double().numpy()


def from_gradecli(table: np.ndarray) -> torch.Tensor:
    """float (S, S, S, 3) ``[r, g, b, c]`` array -> float32 (3, S, S, S) ``[c, b, g, r]``."""
    return torch.from_numpy(np.ascontiguousarray(table, dtype=np.float32)).permute(3, 2, 1, 0)


def apply_lut(lut: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """Apply LUTs (N, 3, S, S, S) to images (N, 3, H, W) of code values 0..1, trilinearly.

    Inputs are clamped to the unit cube (as gradecli's Lut.apply does); returns (N, 3, H, W).
    """
    n, _, h, w = images.shape
    grid = images.clamp(0.0, 1.0).permute(0, 2, 3, 1).reshape(n, 1, 1, h * w, 3) * 2.0 - 1.0
    out = F.grid_sample(lut, grid, mode="bilinear", padding_mode="border", align_corners=True)
    return out.reshape(n, 3, h, w)


def upsample_matrix(src: int = LUT_SIZE, dst: int = OUT_SIZE) -> torch.Tensor:
    """(dst, src) linear-interpolation weights between node grids over 0..1 (rows sum to 1)."""
    pos = torch.linspace(0.0, src - 1.0, dst, dtype=torch.float64)
    lo = pos.floor().clamp(max=src - 2).long()
    frac = pos - lo
    m = torch.zeros(dst, src, dtype=torch.float64)
    m[torch.arange(dst), lo] = 1.0 - frac
    m[torch.arange(dst), lo + 1] += frac
    return m.float()


def total_variation(residual: torch.Tensor) -> torch.Tensor:
    """Mean squared slope of LUTs (N, 3, S, S, S) along the three axes, in output units per
    unit of input (first differences times S - 1)."""
    s = residual.shape[-1] - 1
    tv = 0.0
    for dim in (2, 3, 4):
        tv = tv + (torch.diff(residual, dim=dim) * s).pow(2).mean()
    return tv / 3.0


def monotonicity(lut: torch.Tensor) -> torch.Tensor:
    """Mean of how much each output channel falls along its own input axis (slope units, 0 for
    a LUT monotone per channel). Red varies along dim 4, green dim 3, blue dim 2."""
    s = lut.shape[-1] - 1
    pen = 0.0
    for c, dim in ((0, 4), (1, 3), (2, 2)):
        pen = pen + F.relu(-torch.diff(lut[:, c], dim=dim - 1) * s).mean()
    return pen / 3.0


def _conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=2, padding=1), nn.LeakyReLU(0.2))


def _soft_hist(v: torch.Tensor, centres: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian-kernel histogram of values (N, P) over ``centres`` (K,), normalised to mean 1."""
    k = torch.exp(-0.5 * ((v.unsqueeze(-1) - centres) / sigma) ** 2).mean(dim=1)
    return k * (centres.numel() / (k.sum(dim=-1, keepdim=True) + 1e-6))


class ColourStats(nn.Module):
    """Fixed colour statistics of a thumbnail in CIELAB (64 features, each about 0..2).

    Soft histograms of L*, a*, b* (12 bins each) and chroma C* (8 bins); mean a*, b*, C* in 4
    soft lightness bands (shadows to highlights: split toning, casts); mean and standard
    deviation of L*, a*, b*, C*.
    """

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("c_l", torch.linspace(0.0, 1.0, 12), persistent=False)
        self.register_buffer("c_ab", torch.linspace(-0.6, 0.6, 12), persistent=False)
        self.register_buffer("c_c", torch.linspace(0.0, 0.7, 8), persistent=False)
        self.register_buffer("c_band", torch.tensor([0.125, 0.375, 0.625, 0.875]), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lab = srgb_to_lab(x).flatten(2) / 100.0  # (N, 3, P)
        L, a, b = lab[:, 0], lab[:, 1], lab[:, 2]
        c = torch.sqrt(a * a + b * b + 1e-6)
        hists = [
            _soft_hist(L, self.c_l, 0.06),
            _soft_hist(a, self.c_ab, 0.07),
            _soft_hist(b, self.c_ab, 0.07),
            _soft_hist(c, self.c_c, 0.07),
        ]
        w = torch.exp(-0.5 * ((L.unsqueeze(-1) - self.c_band) / 0.15) ** 2)  # (N, P, 4)
        den = w.sum(dim=1) + 1e-3
        bands = [((w * v.unsqueeze(-1)).sum(dim=1) / den) * 5.0 for v in (a, b, c)]
        chans = torch.stack([L, a, b, c], dim=1)  # (N, 4, P)
        mean = chans.mean(dim=2)
        std = torch.sqrt(((chans - mean.unsqueeze(-1)) ** 2).mean(dim=2) + 1e-6)
        return torch.cat([*hists, *bands, mean * 2.0, std * 4.0], dim=1)


class Encoder(nn.Module):
    """Thumbnail (N, 3, H, W) code values 0..1 -> features (N, 160): 96 learned (content and
    colour) and 64 fixed colour statistics (:class:`ColourStats`)."""

    def __init__(self) -> None:
        super().__init__()
        self.spatial = nn.Sequential(
            _conv(3, 16), _conv(16, 32), _conv(32, 64), _conv(64, 64), _conv(64, 64)
        )
        self.pixel = nn.Sequential(
            nn.Conv2d(3, 32, 1), nn.LeakyReLU(0.2), nn.Conv2d(32, 32, 1), nn.LeakyReLU(0.2)
        )
        self.stats = ColourStats()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        st = self.stats(x)
        x = x - 0.5
        a = self.spatial(x).mean(dim=(2, 3))
        b = self.pixel(F.avg_pool2d(x, 2)).mean(dim=(2, 3))
        return torch.cat([a, b, st], dim=1)


class StyleLutNet(nn.Module):
    """(source, reference) thumbnails (N, 3, THUMB, THUMB) -> LUT (N, 3, 17, 17, 17).

    :meth:`forward` returns ``(lut, residual)``: the LUT (with its output curves) and the
    basis part ``sum_k w_k basis_k`` (for the regularisers).
    """

    def __init__(self, bases: int = BASES, size: int = LUT_SIZE) -> None:
        super().__init__()
        self.size = size
        self.encoder = Encoder()
        self.head = nn.Sequential(
            nn.Linear(3 * _FEATURES, 256),
            nn.LeakyReLU(0.2),
            nn.Linear(256, bases + 3 * CURVE_KNOTS),
        )
        nn.init.normal_(self.head[2].weight, std=1e-3)
        nn.init.zeros_(self.head[2].bias)
        self.bases = nn.Parameter(torch.randn(bases, 3 * size**3) * 1e-3)
        self.register_buffer("identity", identity_lut(size), persistent=False)
        self.register_buffer(
            "knots", torch.arange(CURVE_KNOTS, dtype=torch.float32) / CURVE_KNOTS, persistent=False
        )
        self.n_bases = bases

    def forward(
        self, source: torch.Tensor, reference: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        n = source.shape[0]
        f = self.encoder(torch.cat([source, reference], dim=0))
        fs, fr = f[:n], f[n:]
        out = self.head(torch.cat([fs, fr, fr - fs], dim=1))
        w = out[:, : self.n_bases]
        slopes = out[:, self.n_bases :].reshape(-1, 3, 1, CURVE_KNOTS)
        s = self.size
        residual = (w @ self.bases).reshape(-1, 3, s, s, s)
        lut = self.identity.unsqueeze(0) + residual
        # Per-channel output curve v + sum_j a_j relu(v - t_j), on the LUT's values.
        v = lut.reshape(-1, 3, s**3, 1)
        v = v.squeeze(-1) + (F.relu(v - self.knots) * slopes).sum(-1)
        return v.reshape(-1, 3, s, s, s), residual


class ExportModel(nn.Module):
    """What is exported to ONNX: thumbnails (N, 3, THUMB, THUMB) NCHW float32 sRGB code values
    0..1 -> LUT (N, 33, 33, 33, 3) in gradecli's ``[r, g, b, channel]`` order (unclipped)."""

    def __init__(self, net: StyleLutNet, out_size: int = OUT_SIZE) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("up_t", upsample_matrix(net.size, out_size).t().contiguous())

    def forward(self, source: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        lut, _ = self.net(source, reference)  # (N, 3, b, g, r)
        u = self.up_t
        x = lut @ u  # r -> R
        x = (x.transpose(-1, -2) @ u).transpose(-1, -2)  # g -> G
        x = x.permute(0, 1, 3, 4, 2) @ u  # (N, 3, G, R, B)
        return x.permute(0, 3, 2, 4, 1)  # (N, R, G, B, 3)


def param_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
