"""Soft masks of skin, sky and foliage from colour and texture: what a colourist's qualifiers do.

Every mask is float32 (H, W) in 0..1 for a picture of R'G'B' code values 0..1 (sRGB-encoded,
(H, W, 3)), refined to follow the picture's edges with a guided filter (He, Sun & Tang 2010,
built from OpenCV box filters) guided by the picture's luma.

- **skin**: a Gaussian colour model in (Cb, Cr) of 8-bit full-range BT.601 Y'CbCr, the space of
  the published skin priors. :func:`fit_skin_model` fits it, with a luma range, to the skin of
  the faces a clip shows, and :func:`skin_probability` keys a picture with it (a soft
  Mahalanobis key in a soft luma range): :func:`skin_key` per pixel, then :func:`refine_skin`
  (:class:`SkinKey` offers both steps, so a video engine can tabulate the per-pixel one over
  Y'CbCr codes). Colour alone cannot tell skin from wood, fur, sand or hair of the same
  colour, so the pipeline keys skin only where faces seeded a model; the published skin
  cluster of Chai & Ngan (1999), Cb 77..127 and Cr 133..173 (``PRIOR_SKIN``), gated to CIELAB
  skin hues, is there for callers who want a key without faces.
- **sky**: blue (navy at dusk to pale by day) or near-white, smooth, and connected to the top
  of the picture; clouds where they touch it.
- **foliage**: yellow-green to green hues with some chroma (a hue key: a green wall is keyed
  too).

Temporal smoothing of clips (an exponential average within a shot, reset at cuts) is
:func:`smooth_in_time`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from gradecli.color.spaces import lab_to_lch, rgb_to_lab
from gradecli.color.ycbcr import YCbCrSpec
from gradecli.errors import BadInputError

__all__ = [
    "CLASSES",
    "SkinModel",
    "PRIOR_SKIN",
    "ycbcr_chroma",
    "fit_skin_model",
    "skin_key",
    "skin_probability",
    "SkinKey",
    "luma601",
    "refine_skin",
    "sky_probability",
    "foliage_probability",
    "guided_filter",
    "masks_for",
    "smooth_in_time",
]

CLASSES = ("skin", "sky", "foliage")
#: BT.601 R'G'B' -> (Y', Cb, Cr) rows (Cb, Cr about 0, -0.5..0.5), the space of the skin priors.
_BT601 = YCbCrSpec("bt601", full_range=True).from_rgb_matrix().astype(np.float32)


@dataclass(frozen=True)
class SkinModel:
    """Skin colour as a 2-D Gaussian over chroma and a luma range (Y' 0..1) it is keyed in;
    ``faces``: how many faces it was fitted on. A fitted model's chroma is :func:`skin_chroma`
    (hue degrees, log saturation per luma); the published prior (``faces`` 0) is in (Cb, Cr)
    8-bit codes (BT.601 full range of the sRGB code values), as published."""

    mean: tuple[float, float]
    cov: tuple[tuple[float, float], tuple[float, float]]
    faces: int = 0
    luma: tuple[float, float] = (0.05, 0.99)
    #: One model per distinct face (people and lights differ); a pixel is skin when it fits
    #: any of them. Empty: this model alone.
    parts: tuple[SkinModel, ...] = ()

    def mahalanobis(self, cbcr: np.ndarray) -> np.ndarray:
        """Mahalanobis distance of (..., 2) chroma (see the class) from the model."""
        d = cbcr - np.asarray(self.mean, np.float32)
        if self.faces:  # hue angles wrap (to -180..180; rint is several times faster than %)
            d[..., 0] -= np.float32(360.0) * np.rint(d[..., 0] * np.float32(1.0 / 360.0))
        inv = np.linalg.inv(np.asarray(self.cov, np.float64)).astype(np.float32)
        q = d[..., 0] ** 2 * inv[0, 0] + 2 * d[..., 0] * d[..., 1] * inv[0, 1] \
            + d[..., 1] ** 2 * inv[1, 1]
        return np.sqrt(np.maximum(q, 0.0))

    def to_dict(self) -> dict:
        return {"mean": [round(v, 2) for v in self.mean],
                "cov": [[round(v, 2) for v in row] for row in self.cov], "faces": self.faces,
                "luma": [round(v, 3) for v in self.luma], "parts": len(self.parts)}


#: Chai & Ngan (1999), "Face segmentation using skin-color map in videophone applications", IEEE
#: TCSVT 9(4): skin occupies Cb 77..127, Cr 133..173; read here as mean +- 2 std.
PRIOR_SKIN = SkinModel((102.0, 153.0), ((12.5**2, 0.0), (0.0, 10.0**2)))

#: A face's own skin varies less than all the skin of a clip (shading, hands, other people):
#: the fitted covariance is widened by this factor (in standard deviations) and kept above a
#: floor of _MIN_STD codes.
_WIDEN = 1.5
_MIN_STD = np.array([3.0, 0.08])  # degrees of hue, log saturation
#: Face-box pixels farther than this many robust standard deviations from the box's median
#: chroma are not skin (eyes, brows, lips, hair and background at the box's edges).
_FACE_GATE = 2.5
#: The luma range keyed: from this share of the faces' 5th percentile (shadowed skin, necks)
#: to this share of their 95th (highlights, paler hands) plus 0.05.
_LUMA_LO, _LUMA_HI = 0.45, 1.25
#: At most this many faces' models are kept (the largest faces first).
_MAX_PARTS = 6
#: Added to luma before chroma is divided by it (keeps the near-blacks' noise from exploding).
_LUMA_FLOOR = 0.1
#: Soft key on the Mahalanobis distance: 1 inside _KEY_IN, 0 beyond _KEY_OUT.
_KEY_IN, _KEY_OUT = 2.0, 3.2


def _mix(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``x @ rows.T`` (..., k) float32 of pixels x (..., 3) and a (k, 3) matrix, written as
    element-wise products and sums: a matrix product sums in an order that depends on the
    array's shape and the machine's threads (BLAS), so a picture and the same pixels as a list
    would differ in the last bit; this is the same for every shape."""
    x = np.asarray(x, np.float32)
    m = np.asarray(rows, np.float32)
    return np.stack([x[..., 0] * m[k, 0] + x[..., 1] * m[k, 1] + x[..., 2] * m[k, 2]
                     for k in range(m.shape[0])], axis=-1)


def ycbcr_chroma(rgb: np.ndarray) -> np.ndarray:
    """(Cb, Cr) in 8-bit codes (..., 2) of R'G'B' code values 0..1 (BT.601 full range)."""
    return _mix(rgb, 255.0 * _BT601[1:]) + np.float32(128.0)


def skin_chroma(rgb: np.ndarray) -> np.ndarray:
    """The chroma a fitted skin model keys (..., 2): the hue angle (degrees, 0..360) of
    (Cb, Cr) about neutral (8-bit codes, BT.601 full range) and the log of their saturation
    divided by luma (Y' 0..1, plus _LUMA_FLOOR).

    Skin has a narrow hue and a moderate saturation for its lightness that holds across shading
    (a face's shadowed and lit sides share them); hair, wood and fur of a similar colour differ
    in hue by 10..20 degrees or carry more saturation for their lightness, and a warm grey wall
    carries much less."""
    x = np.asarray(rgb, np.float32)
    d = _mix(x, 255.0 * _BT601[1:])
    hue = np.arctan2(d[..., 1], d[..., 0])
    hue *= np.float32(180.0 / np.pi)
    hue += np.where(hue < 0.0, np.float32(360.0), np.float32(0.0))  # 0..360
    sat = np.hypot(d[..., 0], d[..., 1]) / (_luma(x) + np.float32(_LUMA_FLOOR))
    return np.stack([hue, np.log1p(sat)], axis=-1).astype(np.float32)


def _luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 Y' (..., ) 0..1 of R'G'B' 0..1 (the same for every shape, see :func:`_mix`)."""
    return _mix(rgb, _BT601[:1])[..., 0]


def _fit_part(pixels: np.ndarray, faces: int) -> SkinModel | None:
    """One skin model from face pixels (N, 3) R'G'B' 0..1: a Gaussian over :func:`skin_chroma`
    of the pixels near their median (robust spread; eyes, brows, lips, hair and background
    at the box's edges fall outside), widened, and their luma range. None below 50 pixels."""
    y = _luma(pixels)
    keep = (y > 0.04) & (y < 0.97)
    chroma = skin_chroma(pixels[keep]).astype(np.float64)
    y = y[keep]
    if len(chroma) < 50:
        return None
    med = np.median(chroma, axis=0)
    chroma[:, 0] = med[0] + (chroma[:, 0] - med[0] + 180.0) % 360.0 - 180.0  # unwrap hues
    dev = np.abs(chroma - med)
    spread = np.maximum(1.4826 * np.median(dev, axis=0), _MIN_STD)
    near = np.all(dev <= _FACE_GATE * spread, axis=1)
    chroma, y = chroma[near], y[near]
    if len(chroma) < 50:
        return None
    mean = chroma.mean(axis=0)
    cov = np.cov(chroma.T) * _WIDEN**2 + np.diag(_MIN_STD**2)
    lo, hi = np.percentile(y, [5, 95])
    luma = (max(0.03, _LUMA_LO * float(lo)), min(0.995, _LUMA_HI * float(hi) + 0.05))
    return SkinModel((float(mean[0] % 360.0), float(mean[1])),
                     ((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
                     faces, luma)


def _same(a: SkinModel, b: SkinModel) -> bool:
    """Whether two parts key nearly the same colours (means within one standard deviation)."""
    return bool(a.mahalanobis(np.asarray(b.mean, np.float32)[None])[0] < 1.0
                and b.mahalanobis(np.asarray(a.mean, np.float32)[None])[0] < 1.0)


def fit_skin_model(face_pixels: list[np.ndarray]) -> SkinModel | None:
    """The skin model of the faces whose inner pixels ((N, 3) R'G'B' 0..1 each) are given: one
    part per distinct face (:func:`_fit_part`; at most _MAX_PARTS, the largest faces first),
    so several people and lights are each keyed as they are. None when no face gives one."""
    pix = sorted((np.asarray(p, np.float32).reshape(-1, 3) for p in face_pixels if np.size(p)),
                 key=len, reverse=True)
    parts: list[SkinModel] = []
    for px in pix:
        part = _fit_part(px, 1)
        if part is not None and not any(_same(part, q) for q in parts):
            parts.append(part)
        if len(parts) == _MAX_PARTS:
            break
    if not parts:
        return None
    whole = _fit_part(np.concatenate(pix), len(pix)) or parts[0]
    return SkinModel(whole.mean, whole.cov, len(pix), whole.luma, tuple(parts))


def _ramp(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """0 at ``lo``, 1 at ``hi`` (or the reverse when hi < lo), smooth in between."""
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def guided_filter(p: np.ndarray, guide: np.ndarray, radius: int, eps: float = 1e-3) -> np.ndarray:
    """He, Sun & Tang's guided filter of ``p`` (H, W) by the grey ``guide`` (H, W), both 0..1:
    ``p`` smoothed within regions of ``guide`` and kept sharp across its edges. 0..1 float32.
    (OpenCV's own, ``cv2.ximgproc.guidedFilter``, is in opencv-contrib only; this is the
    paper's box-filter form on OpenCV's box filter.)"""
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


def skin_key(rgb: np.ndarray, model: SkinModel | None = PRIOR_SKIN) -> np.ndarray:
    """The per-pixel step of :func:`skin_probability`: each pixel's skin key (...,) 0..1 from
    its own colour alone (R'G'B' (..., 3) 0..1, any leading shape), before the spatial
    refinement (:func:`refine_skin`); all zero when ``model`` is None."""
    x = np.clip(np.asarray(rgb, np.float32), 0.0, 1.0)
    if model is None:
        return np.zeros(x.shape[:-1], np.float32)
    chroma = skin_chroma(x) if model.faces else ycbcr_chroma(x)
    y = _luma(x)
    p = np.zeros(x.shape[:-1], np.float32)
    for part in model.parts or (model,):
        lo, hi = part.luma
        key = _ramp(part.mahalanobis(chroma), _KEY_OUT, _KEY_IN)
        np.maximum(p, key * _ramp(y, 0.6 * lo, lo) * _ramp(y, min(1.0, hi + 0.03), hi), out=p)
    if model.faces == 0:
        lch = _lch(x)
        C, h = lch[..., 1], lch[..., 2]
        p *= _ramp(np.abs(((h - 52.0) + 180.0) % 360.0 - 180.0), 45.0, 30.0)
        p *= _ramp(C, 5.0, 9.0) * _ramp(C, 60.0, 48.0)
    return p


def luma601(rgb: np.ndarray) -> np.ndarray:
    """BT.601 Y' (...,) 0..1 of R'G'B' (..., 3) 0..1, clipped to 0..1 first: the guide
    :func:`refine_skin` follows."""
    return _luma(np.clip(np.asarray(rgb, np.float32), 0.0, 1.0))


def refine_skin(key: np.ndarray, luma: np.ndarray) -> np.ndarray:
    """The spatial step of :func:`skin_probability`: a picture's per-pixel skin key (H, W)
    0..1 refined by the guided filter to follow the edges of its luma (H, W) 0..1."""
    return guided_filter(key, luma, _radius(np.shape(key)))


def skin_probability(rgb: np.ndarray, model: SkinModel | None = PRIOR_SKIN,
                     refine: bool = True) -> np.ndarray:
    """Skin mask (H, W) 0..1 of a picture (H, W, 3) R'G'B' 0..1 under ``model``; all zero when
    ``model`` is None (no face seeded one). The published prior (``faces`` 0) is also gated to
    CIELAB hues of skin (about 20..85 degrees) with some chroma; a model fitted on faces keys
    their colour as it is, whatever the light. (:func:`skin_key` per pixel, then
    :func:`refine_skin` when ``refine``.)"""
    x = _check(rgb)
    if model is None:
        return np.zeros(x.shape[:2], np.float32)
    p = skin_key(x, model)
    return refine_skin(p, _luma(x)) if refine else p


@dataclass(frozen=True)
class SkinKey:
    """:func:`skin_probability` under one ``model`` as a callable (picture (H, W, 3) 0..1 ->
    mask (H, W) 0..1), also offered in its two steps for callers that tabulate the first:
    :meth:`pixels`, a function of each pixel's colour alone, and :meth:`refine`, the spatial
    step (a video engine keys 8-bit Y'CbCr frames through a table of :meth:`pixels`)."""

    model: SkinModel | None

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return skin_probability(rgb, self.model)

    def pixels(self, rgb: np.ndarray) -> np.ndarray:
        """(..., 2) float32 of R'G'B' (..., 3) 0..1: each pixel's skin key and BT.601 luma,
        both 0..1."""
        return np.stack([skin_key(rgb, self.model), luma601(rgb)], axis=-1)

    def refine(self, key: np.ndarray, luma: np.ndarray) -> np.ndarray:
        """The mask (H, W) 0..1 of a picture's :meth:`pixels` planes (key, luma; (H, W))."""
        if self.model is None:
            return np.zeros(np.shape(key), np.float32)
        return refine_skin(key, luma)


def sky_probability(rgb: np.ndarray, refine: bool = True) -> np.ndarray:
    """Sky mask (H, W) 0..1: blue (from a dusk's navy to a pale day sky) or near-white and
    smooth, connected to the top of the picture; clouds (bright, low chroma, textured) where
    they touch such a sky."""
    x = _check(rgb)
    return _sky(x, _lch(x), refine)


def _lch(x: np.ndarray) -> np.ndarray:
    """CIELAB L*, C*, h (degrees) (H, W, 3) float32 of a checked sRGB picture."""
    return lab_to_lch(rgb_to_lab(x.astype(np.float64), "srgb")).astype(np.float32)


def _sky(x: np.ndarray, lch: np.ndarray, refine: bool) -> np.ndarray:
    L, C, h = lch[..., 0], lch[..., 1], lch[..., 2]
    blue = _ramp(np.abs(((h - 255.0) + 180.0) % 360.0 - 180.0), 70.0, 45.0) * _ramp(C, 6.0, 12.0)
    r = _radius(x.shape)
    std = _local_std(L, r)
    # Skies are smooth; a dusk sky is dark (L* ~20) but then clearly blue. An overcast or hazy
    # sky is pale and nearly flat; grey metal, walls and snow are darker or carry texture, so
    # the grey term asks more of both than the blue one.
    blue = blue * _ramp(L, 10.0, 20.0) * _ramp(std, 6.0, 2.0)
    grey = _ramp(C, 12.0, 6.0) * _ramp(L, 68.0, 80.0) * _ramp(std, 2.0, 0.8)
    core = np.maximum(blue, 0.8 * grey) * _top_connected(np.maximum(blue, 0.8 * grey) > 0.35,
                                                          x.shape)
    cloud = _ramp(L, 55.0, 70.0) * _ramp(C, 30.0, 20.0) * _ramp(std, 16.0, 10.0)
    grown = _connected_to(core > 0.35, (core > 0.35) | (cloud > 0.5))
    p = np.maximum(core, cloud * grown)
    return guided_filter(p, _luma(x), r) if refine else p


def _connected_to(seed: np.ndarray, region: np.ndarray) -> np.ndarray:
    """1 on the connected regions of ``region`` that hold a pixel of ``seed``, else 0."""
    n, labels = cv2.connectedComponents(region.astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[np.unique(labels[seed & region])] = True
    keep[0] = False
    return keep[labels].astype(np.float32)


def _top_connected(seed: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """1 on the connected regions of ``seed`` that reach the top 4 % of rows, grown by a few
    pixels; 0 elsewhere."""
    top = np.zeros(shape[:2], bool)
    top[: max(1, shape[0] // 25)] = True
    mask = _connected_to(top, seed)
    k = 2 * _radius(shape) + 1
    return cv2.dilate(mask, np.ones((k, k), np.uint8))


def foliage_probability(rgb: np.ndarray, refine: bool = True) -> np.ndarray:
    """Foliage mask (H, W) 0..1: yellow-green to green hues (CIELAB about 85..175 degrees,
    fully 100..160) with some chroma, neither near black nor near white. Sharp or out of
    focus, leaves and grass are keyed alike; so are green things that are not plants (a green
    wall, car or neon), which colour alone cannot tell apart."""
    x = _check(rgb)
    return _foliage(x, _lch(x), refine)


def _foliage(x: np.ndarray, lch: np.ndarray, refine: bool) -> np.ndarray:
    L, C, h = lch[..., 0], lch[..., 1], lch[..., 2]
    hue = _ramp(np.abs(h - 130.0), 45.0, 30.0)
    chroma = _ramp(C, 8.0, 14.0)
    light = _ramp(L, 6.0, 14.0) * _ramp(L, 95.0, 85.0)
    p = hue * chroma * light
    return guided_filter(p, _luma(x), _radius(x.shape)) if refine else p


def masks_for(rgb: np.ndarray, skin: SkinModel | None = PRIOR_SKIN) -> dict[str, np.ndarray]:
    """All three masks of a picture: class name -> (H, W) float32 0..1. Foliage is not keyed
    where the sky is (pale yellow-green clouds of a warm grade)."""
    x = _check(rgb)
    lch = _lch(x)
    sky = _sky(x, lch, True)
    return {"skin": skin_probability(x, skin), "sky": sky,
            "foliage": _foliage(x, lch, True) * (1.0 - sky)}


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
