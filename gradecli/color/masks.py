"""Soft masks of skin, sky and foliage from colour and texture: what a colourist's qualifiers do.

Every mask is float32 (H, W) in 0..1 for a picture of R'G'B' code values 0..1 (sRGB-encoded,
(H, W, 3)), refined to follow the picture's edges with a guided filter (He, Sun & Tang 2010,
built from OpenCV box filters) guided by the picture's luma.

- **skin**: a Gaussian colour model in (Cb, Cr) of 8-bit full-range BT.601 Y'CbCr, the space of
  the published skin priors: by default the skin cluster of Chai & Ngan (1999), Cb 77..127 and
  Cr 133..173, taken as mean +- 2 standard deviations; :func:`fit_skin_model` narrows it to the
  skin of the faces a clip shows (and :func:`skin_probability` keys a picture with it, a soft
  Mahalanobis key, luma gated away from black and clipped white).
- **sky**: bright, blue to blue-grey or white, smooth (little texture), and connected to the top
  of the picture.
- **foliage**: yellow-green to green hues with some chroma, and textured (leaves and grass are;
  a green wall or car is not).

Temporal smoothing of clips (an exponential average within a shot, reset at cuts) is
:func:`smooth_in_time`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from gradecli.color.spaces import lab_to_lch, rgb_to_lab
from gradecli.errors import BadInputError

__all__ = [
    "CLASSES",
    "SkinModel",
    "PRIOR_SKIN",
    "ycbcr_chroma",
    "fit_skin_model",
    "skin_probability",
    "sky_probability",
    "foliage_probability",
    "guided_filter",
    "masks_for",
    "smooth_in_time",
]

CLASSES = ("skin", "sky", "foliage")
_BT601 = np.array([[-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])  # Cb, Cr rows


@dataclass(frozen=True)
class SkinModel:
    """Skin colour as a 2-D Gaussian over (Cb, Cr) in 8-bit codes (BT.601, full range, of the
    sRGB code values); ``faces``: how many faces it was fitted on (0 for the prior)."""

    mean: tuple[float, float]
    cov: tuple[tuple[float, float], tuple[float, float]]
    faces: int = 0

    def mahalanobis(self, cbcr: np.ndarray) -> np.ndarray:
        """Mahalanobis distance of (..., 2) Cb, Cr codes from the model."""
        d = cbcr - np.asarray(self.mean, np.float32)
        inv = np.linalg.inv(np.asarray(self.cov, np.float64)).astype(np.float32)
        q = d[..., 0] ** 2 * inv[0, 0] + 2 * d[..., 0] * d[..., 1] * inv[0, 1] \
            + d[..., 1] ** 2 * inv[1, 1]
        return np.sqrt(np.maximum(q, 0.0))

    def to_dict(self) -> dict:
        return {"mean": [round(v, 2) for v in self.mean],
                "cov": [[round(v, 2) for v in row] for row in self.cov], "faces": self.faces}


#: Chai & Ngan (1999), "Face segmentation using skin-color map in videophone applications", IEEE
#: TCSVT 9(4): skin occupies Cb 77..127, Cr 133..173; read here as mean +- 2 std.
PRIOR_SKIN = SkinModel((102.0, 153.0), ((12.5**2, 0.0), (0.0, 10.0**2)))

#: A face's own skin varies less than all the skin of a clip (shading, hands, other people):
#: the fitted covariance is widened by this factor (in standard deviations) and kept above a
#: floor of _MIN_STD codes.
_WIDEN = 1.6
_MIN_STD = 4.0
#: Pixels of a face box farther than this from the prior (Mahalanobis) are not skin (eyes,
#: hair, background at the box's edges).
_FACE_GATE = 3.0
#: Weight of the prior against the faces' pixels: as many "pixels" as this.
_PRIOR_WEIGHT = 200.0
#: Soft key on the Mahalanobis distance: 1 inside _KEY_IN, 0 beyond _KEY_OUT.
_KEY_IN, _KEY_OUT = 2.0, 3.2


def ycbcr_chroma(rgb: np.ndarray) -> np.ndarray:
    """(Cb, Cr) in 8-bit codes (..., 2) of R'G'B' code values 0..1 (BT.601 full range)."""
    x = np.asarray(rgb, np.float32)
    return x @ (255.0 * _BT601.T).astype(np.float32) + 128.0


def _luma(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb, np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def fit_skin_model(face_pixels: list[np.ndarray], prior: SkinModel = PRIOR_SKIN) -> SkinModel:
    """The skin model of the faces whose inner pixels ((N, 3) R'G'B' 0..1 each) are given: their
    Cb, Cr Gaussian (gated by the prior, trimmed, widened), blended with the prior by the
    number of pixels. No pixels: the prior."""
    pix = [np.asarray(p, np.float32).reshape(-1, 3) for p in face_pixels if np.size(p)]
    if not pix:
        return prior
    cbcr = ycbcr_chroma(np.concatenate(pix))
    y = _luma(np.concatenate(pix))
    keep = (prior.mahalanobis(cbcr) < _FACE_GATE) & (y > 0.08) & (y < 0.97)
    cbcr = cbcr[keep]
    if len(cbcr) < 50:
        return prior
    # Trim the farthest 10 % from the median (glasses, lips, shadows at the edges).
    med = np.median(cbcr, axis=0)
    dist = np.linalg.norm(cbcr - med, axis=1)
    cbcr = cbcr[dist <= np.percentile(dist, 90)]
    mean = cbcr.mean(axis=0).astype(np.float64)
    cov = np.cov(cbcr.T).astype(np.float64) * _WIDEN**2
    cov += np.eye(2) * _MIN_STD**2
    w = len(cbcr) / (len(cbcr) + _PRIOR_WEIGHT)
    mean = w * mean + (1.0 - w) * np.asarray(prior.mean)
    cov = w * cov + (1.0 - w) * np.asarray(prior.cov)
    return SkinModel((float(mean[0]), float(mean[1])),
                     ((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
                     len(face_pixels))


def _ramp(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """0 at ``lo``, 1 at ``hi`` (or the reverse when hi < lo), smooth in between."""
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def guided_filter(p: np.ndarray, guide: np.ndarray, radius: int, eps: float = 1e-3) -> np.ndarray:
    """He, Sun & Tang's guided filter of ``p`` (H, W) by the grey ``guide`` (H, W), both 0..1:
    ``p`` smoothed within regions of ``guide`` and kept sharp across its edges. 0..1 float32."""
    size = (2 * radius + 1, 2 * radius + 1)

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, cv2.CV_32F, size, borderType=cv2.BORDER_REFLECT)

    i, q = guide.astype(np.float32), p.astype(np.float32)
    mi, mp = box(i), box(q)
    cov = box(i * q) - mi * mp
    var = box(i * i) - mi * mi
    a = cov / (var + eps)
    b = mp - a * mi
    return np.clip(box(a) * i + box(b), 0.0, 1.0)


def _radius(shape: tuple[int, ...]) -> int:
    return max(2, round(min(shape[:2]) / 90))


def _local_std(x: np.ndarray, radius: int) -> np.ndarray:
    size = (2 * radius + 1, 2 * radius + 1)
    m = cv2.blur(x, size)
    return np.sqrt(np.maximum(cv2.blur(x * x, size) - m * m, 0.0))


def skin_probability(rgb: np.ndarray, model: SkinModel = PRIOR_SKIN,
                     refine: bool = True) -> np.ndarray:
    """Skin mask (H, W) 0..1 of a picture (H, W, 3) R'G'B' 0..1 under ``model``."""
    x = _check(rgb)
    key = _ramp(model.mahalanobis(ycbcr_chroma(x)), _KEY_OUT, _KEY_IN)
    y = _luma(x)
    lch = lab_to_lch(rgb_to_lab(x.astype(np.float64), "srgb")).astype(np.float32)
    C, h = lch[..., 1], lch[..., 2]
    # Skin is never grey, nor beyond the reds and yellows: CIELAB hue about 20..85 degrees, and
    # some chroma (pale skin about 10, deep skin about 15..35).
    hue = _ramp(np.abs(((h - 52.0) + 180.0) % 360.0 - 180.0), 45.0, 30.0)
    chroma = _ramp(C, 5.0, 9.0) * _ramp(C, 60.0, 48.0)
    p = key * hue * chroma * _ramp(y, 0.05, 0.12) * _ramp(y, 0.99, 0.93)
    return guided_filter(p, y, _radius(x.shape)) if refine else p


def sky_probability(rgb: np.ndarray, refine: bool = True) -> np.ndarray:
    """Sky mask (H, W) 0..1: bright, blue to blue-grey or white, smooth, connected to the top."""
    x = _check(rgb)
    lch = lab_to_lch(rgb_to_lab(x.astype(np.float64), "srgb")).astype(np.float32)
    L, C, h = lch[..., 0], lch[..., 1], lch[..., 2]
    blue = _ramp(np.abs(((h - 245.0) + 180.0) % 360.0 - 180.0), 70.0, 45.0) * _ramp(C, 4.0, 10.0)
    grey = _ramp(C, 16.0, 8.0) * _ramp(L, 60.0, 75.0)
    colour = np.maximum(blue, 0.85 * grey)
    bright = _ramp(L, 15.0, 30.0)  # dusk skies are dark blue; the top-connected test decides
    r = _radius(x.shape)
    smooth = _ramp(_local_std(L, r), 6.0, 2.0)
    p = colour * bright * smooth
    p = p * _top_connected(p > 0.35, x.shape)
    return guided_filter(p, _luma(x), r) if refine else p


def _top_connected(seed: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """1 on the connected regions of ``seed`` that reach the top 4 % of rows, fading out over a
    few pixels; 0 elsewhere."""
    n, labels = cv2.connectedComponents(seed.astype(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros(shape[:2], np.float32)
    top = labels[: max(1, shape[0] // 25)]
    keep = np.zeros(n, bool)
    keep[np.unique(top)] = True
    keep[0] = False
    mask = keep[labels].astype(np.float32)
    k = 2 * _radius(shape) + 1
    return cv2.dilate(mask, np.ones((k, k), np.uint8))


def foliage_probability(rgb: np.ndarray, refine: bool = True) -> np.ndarray:
    """Foliage mask (H, W) 0..1: yellow-green to green hues with chroma, and textured."""
    x = _check(rgb)
    lch = lab_to_lch(rgb_to_lab(x.astype(np.float64), "srgb")).astype(np.float32)
    L, C, h = lch[..., 0], lch[..., 1], lch[..., 2]
    hue = _ramp(np.abs(h - 130.0), 50.0, 30.0)  # about 95..165 degrees
    # Leaves and grass have some chroma, never a neon's (CIELAB C* above 55 or so).
    chroma = _ramp(C, 6.0, 14.0) * _ramp(C, 65.0, 50.0)
    light = _ramp(L, 6.0, 14.0) * _ramp(L, 95.0, 85.0)
    r = _radius(x.shape)
    texture = _ramp(_local_std(L, r), 1.5, 4.0)
    p = hue * chroma * light * texture
    return guided_filter(p, _luma(x), r) if refine else p


def masks_for(rgb: np.ndarray, skin: SkinModel = PRIOR_SKIN) -> dict[str, np.ndarray]:
    """All three masks of a picture: class name -> (H, W) float32 0..1."""
    return {"skin": skin_probability(rgb, skin), "sky": sky_probability(rgb),
            "foliage": foliage_probability(rgb)}


def smooth_in_time(previous: np.ndarray | None, current: np.ndarray, weight: float = 0.5,
                   cut: bool = False) -> np.ndarray:
    """Exponential smoothing of a clip's masks: ``weight`` of the new frame's mask, the rest of
    the smoothed previous one; a cut (or no previous frame) starts afresh."""
    if previous is None or cut or previous.shape != current.shape:
        return current
    return (weight * current + (1.0 - weight) * previous).astype(np.float32)


def _check(rgb: np.ndarray) -> np.ndarray:
    x = np.asarray(rgb)
    if x.ndim != 3 or x.shape[2] != 3 or min(x.shape[:2]) < 4:
        raise BadInputError(f"a mask needs a picture shaped (H, W, 3), got {x.shape}")
    x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise BadInputError("the picture contains NaN or infinite values")
    return np.clip(x, 0.0, 1.0)
