"""Single-picture evidence of a grade: illuminant estimates and tone statistics, as one vector.

The look estimator (:mod:`gradecli.color.look_estimate`) turns these features into a shot's cast
and exposure with a linear model fitted on photos (:mod:`gradecli.color.look_prior`). The
features are the published single-image colour-constancy estimates, each a log-chromaticity
``(log R/G, log B/G)`` of linear light, plus where the picture's tones sit:

- grey-world (Buchsbaum 1980), shades of grey (Minkowski p = 6, Finlayson & Trezzi 2004), white
  patch (each channel's 99th percentile), the brightest 5 % and the darkest 20 % of pixels,
  and grey-world within each third of the lightness range (what a split tone moves);
- grey-edge (first order, p = 6 and p = 1, sigma = 1; van de Weijer, Gevers & Gijsenij 2007),
  and its p = 2 form within each third of the lightness range, from the picture;
- the luminance code values at 11 percentiles (0.5 % .. 99.5 %): where black, mid-tones and
  white sit, which is the evidence of exposure (well-exposed photos reach near white);
- the share of pixels with a clipped channel, and of near-black pixels.

Arrays: R'G'B' code values 0..1 in one encoding (gradecli.color.spaces); samples ``(N, 3)``,
pictures ``(H, W, 3)`` (uint8 accepted). Clipped (any channel >= 0.98) and near-black (linear
luminance < 0.002) pixels are left out of the illuminant estimates.
"""

from __future__ import annotations

import cv2
import numpy as np

from gradecli.color.spaces import get_encoding

__all__ = ["FEATURE_NAMES", "PICTURE_SIDE", "illuminant_estimates", "look_features"]

_LUMA = np.array([0.2126, 0.7152, 0.0722])  # BT.709 / sRGB luminance weights of linear RGB
_CLIPPED = 0.98  # a channel code value at or above this is taken as clipped
_DARK = 0.002  # linear luminance below which a pixel is noise, not evidence of colour
_MIN_PIXELS = 64
#: Pictures are reduced to at most this many pixels on the long side before grey-edge (the size
#: of match's shot thumbnails), so gradients mean the same on stills and clips.
PICTURE_SIDE = 128
_QUANTILES = (0.5, 2.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 98.0, 99.5)
_BANDS = ("dark", "mid", "bright")

_ILLUMINANTS = (
    "grey_world", "shades_of_grey", "white_patch", "bright_pixels", "dark_pixels",
    "grey_edge", "grey_edge_p1", *(f"grey_edge_{b}" for b in _BANDS),
    *(f"grey_world_{b}" for b in _BANDS),
)
#: The names of :func:`look_features`' entries, in order.
FEATURE_NAMES: tuple[str, ...] = (
    *(f"{n}.{c}" for n in _ILLUMINANTS for c in ("log_rg", "log_bg")),
    *(f"luma_code_p{q:g}" for q in _QUANTILES),
    "clipped_share",
    "black_share",
)


def _log_chroma(v: np.ndarray) -> np.ndarray:
    v = np.maximum(np.asarray(v, np.float64), 1e-6)
    return np.array([np.log(v[0] / v[1]), np.log(v[2] / v[1])])


def _minkowski(x: np.ndarray, p: float) -> np.ndarray:
    return np.mean(x**p, axis=0) ** (1.0 / p)


def _thirds(y: np.ndarray) -> list[np.ndarray]:
    """Masks of the dark, mid and bright thirds of ``y`` (each falls back to all when tiny)."""
    lo, hi = np.percentile(y, [100 / 3, 200 / 3])
    masks = [y <= lo, (y > lo) & (y <= hi), y > hi]
    return [m if m.sum() >= 16 else np.ones_like(m) for m in masks]


def _small(picture: np.ndarray) -> np.ndarray:
    p = np.asarray(picture)
    p = p.astype(np.float32) / 255.0 if p.dtype == np.uint8 else p.astype(np.float32)
    h, w = p.shape[:2]
    s = PICTURE_SIDE / max(h, w)
    if s < 1.0:
        size = (max(8, round(w * s)), max(8, round(h * s)))
        p = cv2.resize(p, size, interpolation=cv2.INTER_AREA)
    return np.clip(p, 0.0, 1.0)


def _grey_edges(picture: np.ndarray, encoding: str) -> dict[str, np.ndarray] | None:
    """Grey-edge estimates (linear RGB) of a picture: p = 6, p = 1, and p = 2 per lightness
    third; None when the picture is too small or flat."""
    pic = _small(picture)
    if pic.ndim != 3 or min(pic.shape[:2]) < 8:
        return None
    codes = pic.reshape(-1, 3)
    lin = get_encoding(encoding).decode(pic.astype(np.float64)).astype(np.float32)
    blur = cv2.GaussianBlur(lin, (0, 0), 1.0)
    gx = cv2.Sobel(blur, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(blur, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt(gx.astype(np.float64) ** 2 + gy.astype(np.float64) ** 2).reshape(-1, 3)
    y = blur.reshape(-1, 3).astype(np.float64) @ _LUMA
    ok = (codes < _CLIPPED).all(axis=1) & (y > _DARK) & (mag.sum(axis=1) > 1e-6)
    if ok.sum() < _MIN_PIXELS:
        return None
    mag, y = mag[ok], y[ok]
    out = {"grey_edge": _minkowski(mag, 6.0), "grey_edge_p1": mag.mean(axis=0)}
    for band, m in zip(_BANDS, _thirds(y), strict=True):
        out[f"grey_edge_{band}"] = _minkowski(mag[m], 2.0)
    return out


def illuminant_estimates(
    rgb: np.ndarray, encoding: str = "srgb", picture: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The single-image illuminant estimates, name -> log-chromaticity (log R/G, log B/G).

    ``rgb``: samples (N, 3) R'G'B' 0..1; ``picture``: optional (H, W, 3) for the grey-edge
    estimates (which need neighbours; without a picture they are the shades-of-grey value).
    Returns {} when fewer than 64 samples are usable.
    """
    x = np.asarray(rgb, np.float64).reshape(-1, 3)
    lin = get_encoding(encoding).decode(np.clip(x, 0.0, 1.0))
    y = lin @ _LUMA
    ok = (x < _CLIPPED).all(axis=1) & (y > _DARK)
    if ok.sum() < _MIN_PIXELS:
        return {}
    n, yn = lin[ok], y[ok]
    est = {
        "grey_world": n.mean(axis=0),
        "shades_of_grey": _minkowski(n, 6.0),
        "white_patch": np.percentile(n, 99.0, axis=0),
        "bright_pixels": n[yn >= np.percentile(yn, 95.0)].mean(axis=0),
        "dark_pixels": n[yn <= np.percentile(yn, 20.0)].mean(axis=0),
    }
    edges = _grey_edges(picture, encoding) if picture is not None else None
    if edges is None:
        sog = est["shades_of_grey"]
        edges = {k: sog for k in ("grey_edge", "grey_edge_p1",
                                  *(f"grey_edge_{b}" for b in _BANDS))}
    est.update(edges)
    for band, m in zip(_BANDS, _thirds(yn), strict=True):
        est[f"grey_world_{band}"] = n[m].mean(axis=0)
    return {k: _log_chroma(est[k]) for k in _ILLUMINANTS}


def look_features(
    rgb: np.ndarray, encoding: str = "srgb", picture: np.ndarray | None = None
) -> np.ndarray | None:
    """The feature vector (len(FEATURE_NAMES),) of samples ``rgb`` (N, 3) and their picture,
    or None when fewer than 64 samples are usable (black frames, flat cards)."""
    x = np.clip(np.asarray(rgb, np.float64).reshape(-1, 3), 0.0, 1.0)
    est = illuminant_estimates(x, encoding, picture)
    if not est:
        return None
    enc = get_encoding(encoding)
    luma_code = enc.encode(np.clip(enc.decode(x) @ _LUMA, 0.0, 1.0))
    tone = np.percentile(luma_code, _QUANTILES)
    shares = [float((x >= _CLIPPED).any(axis=1).mean()), float((x.max(axis=1) < 0.03).mean())]
    return np.concatenate([np.concatenate([est[k] for k in _ILLUMINANTS]), tone, shares])
