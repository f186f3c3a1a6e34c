"""What look does a picture have? Estimate a shot's grade relative to a neutral rendering.

A picture's colours are its content times its grade. This module estimates the part of the grade
that single-image evidence can tell apart from content, as a :class:`ShotLook`:

- **cast** (white balance): the illuminant colour in linear light, in log-chromaticity
  ``(log R/G, log B/G)``, from grey-edge (first order, p = 6, sigma = 1; van de Weijer, Gevers &
  Gijsenij 2007), which measured best on the training photos; shades of grey (Minkowski p = 6,
  Finlayson & Trezzi 2004), bright pixels (the brightest 3% unclipped pixels, after Joze et al.
  2012) and grey pixels (after Huo et al. 2006) only say how far to trust it; grey-world is
  reported but not used (worst of all, as published);
- **black point**: a lifted black (pedestal, fade) from the 0.5th percentile of luminance code
  values, above what natural photos show.

Exposure is part of a look (``ShotLook.exposure``, applied and removed like the rest) but is not
estimated from a single picture: measured, it only moved content.

Single-image estimates mix content into the grade (a desert makes grey-world see a warm cast).
So each raw estimate is shrunk towards "no grade": the cast by a measured factor after removing
the bias content gives on uncast photos, both measured on the training photos
(``python -m training.tune_looks``). Where the four illuminant estimates
disagree, the evidence is weak and the cast is shrunk further ("do no harm", as Resolve's Shot
Match does). Contrast, saturation and tone curves are not estimated: a single picture's spread of
lightness or chroma is dominated by what it shows, and these are left as they are.

Arrays: R'G'B' code values (..., 3) float 0..1 in one encoding (see gradecli.color.spaces);
pictures (H, W, 3). A look is applied, and removed, as a function of colour alone, so it bakes
into a 3D LUT.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.spaces import get_encoding, rgb_to_lab
from gradecli.errors import BadInputError

__all__ = [
    "ShotLook",
    "NEUTRAL",
    "estimate_look",
    "illuminant_estimates",
    "apply_look",
    "remove_look",
    "transfer_look",
    "mean_look",
    "look_difference",
]

# -- priors, measured by `python -m training.tune_looks` on the 46 training photos ---------------
#: Mean log-chromaticity (log R/G, log B/G) grey-edge gives for uncast photos (what content alone
#: makes it see; a median, robust to sunsets).
CAST_BIAS = np.array([-0.016, -0.044])
#: How much of the (bias-corrected, confidence-weighted) estimate is taken as the grade's cast.
#: Measured: 0.75 gave the smallest median cast error (0.149 log units against 0.191 for no
#: correction, random casts of std 0.15 / 0.2); 1.0 is worse in the tail.
CAST_SHRINK = 1.0
#: Disagreement (mean log-chromaticity distance of the other estimates from grey-edge) at which
#: the cast is shrunk to half.
DISAGREEMENT_HALF = 0.1
#: The 0.5th percentile of luminance code values below which a black counts as clean: the 90th
#: percentile of the training photos (their median is 0.056; haze, fog and snow lift many of them
#: further). A lower threshold measured worse in benchmarks/bench_look_match.py (common-look
#: residual 5.80 against 5.40 with 0.08), since it took haze for a grade.
BLACK_CLEAN = 0.28
#: How much of a lift above that is taken as the grade's (the rest may be fog, snow, haze).
BLACK_SHARE = 0.5

_MAX_SAMPLES = 20000  # samples an estimate uses (evenly strided): the figures settle well before
_CONFIRMING = ("shades_of_grey", "grey_pixels")
_LUMA = np.array([0.2126, 0.7152, 0.0722])  # BT.709 / sRGB luminance weights of linear R, G, B
_CLIPPED = 0.97  # a channel code value at or above this is taken as clipped
#: Pixels with a linear channel above this are left out of the estimates: grades roll highlights
#: off towards white (apply_look anchors them too), so they do not carry the cast linearly.
_BRIGHT = 0.6
#: Linear luminance the median pixel is normalised to before the bright/dark masks (18% grey).
_MID_GREY = 0.18
_DARK = 0.02  # pixels with linear luminance below this are noise, not evidence of colour


@dataclass(frozen=True)
class ShotLook:
    """A shot's estimated grade relative to a neutral rendering.

    - ``cast``: log-chromaticity ``(log R/G, log B/G)`` of the illuminant the grade added, in
      linear light; (0, 0) is neutral; + first component is warmer/redder, + second bluer.
    - ``exposure``: stops the grade added (linear gain ``2 ** exposure``).
    - ``black``: the lifted black the grade added, in luminance code values 0..1 (0 = none).
    - ``confidence``: 0..1, how far the four illuminant estimates agreed (1 = fully).
    """

    cast: tuple[float, float] = (0.0, 0.0)
    exposure: float = 0.0
    black: float = 0.0
    confidence: float = 1.0

    @property
    def gains(self) -> np.ndarray:
        """Linear-light RGB gains of the cast and exposure (luminance of grey kept by the cast)."""
        g = np.exp(np.array([self.cast[0], 0.0, self.cast[1]]))
        return g / float(_LUMA @ g) * 2.0**self.exposure

    def mired(self) -> tuple[float, float]:
        """The cast as (warmth, green-magenta) for people: warmth in mired-like units (+ warm),
        tint in the same scale (+ magenta)."""
        r, b = self.cast
        return (round(float((r - b) * 100.0), 1), round(float((r + b) * 50.0), 1))

    def describe(self) -> str:
        """Words and numbers: "warm 12, tint -3 (green), -0.4 stop, black lifted 0.05"."""
        warm, tint = self.mired()
        parts = []
        if abs(warm) >= 1.0:
            parts.append(f"{'warm' if warm > 0 else 'cool'} {abs(warm):.0f}")
        if abs(tint) >= 1.0:
            parts.append(f"tint {tint:+.0f} ({'magenta' if tint > 0 else 'green'})")
        if abs(self.exposure) >= 0.05:
            parts.append(f"{self.exposure:+.1f} stop")
        if self.black >= 0.005:
            parts.append(f"black lifted {self.black:.2f}")
        return ", ".join(parts) or "neutral"

    def to_dict(self) -> dict:
        warm, tint = self.mired()
        return {
            "cast": [round(float(c), 4) for c in self.cast],
            "warmth": warm,
            "tint": tint,
            "exposure": round(float(self.exposure), 3),
            "black": round(float(self.black), 4),
            "confidence": round(float(self.confidence), 3),
            "words": self.describe(),
        }


NEUTRAL = ShotLook()


def _linear(rgb: np.ndarray, encoding: str) -> np.ndarray:
    return get_encoding(encoding).decode(np.clip(np.asarray(rgb, np.float64), 0.0, 1.0))


def _log_chroma(v: np.ndarray) -> np.ndarray:
    v = np.maximum(np.asarray(v, np.float64), 1e-6)
    return np.array([np.log(v[0] / v[1]), np.log(v[2] / v[1])])


def _minkowski(x: np.ndarray, p: float) -> np.ndarray:
    return np.mean(x**p, axis=0) ** (1.0 / p)


def _grey_edge(picture_lin: np.ndarray, p: float = 6.0, sigma: float = 1.0) -> np.ndarray | None:
    """First-order grey-edge: Minkowski norm of each channel's gradient magnitude."""
    pic = np.ascontiguousarray(picture_lin, dtype=np.float32)
    if pic.ndim != 3 or min(pic.shape[:2]) < 8:
        return None
    blur = cv2.GaussianBlur(pic, (0, 0), sigma)
    gx = cv2.Sobel(blur, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(blur, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt(gx.astype(np.float64) ** 2 + gy**2).reshape(-1, 3)
    bright = (blur.reshape(-1, 3) > _BRIGHT).any(axis=1) | (blur.reshape(-1, 3) @ _LUMA < _DARK)
    mag = mag[~bright]
    if len(mag) < 64 or float(mag.max()) <= 0.0:
        return None
    return _minkowski(mag, p)


def _grey_pixels(lin: np.ndarray, rounds: int = 4, share: float = 10.0) -> np.ndarray:
    """Grey-world over the ``share`` % of pixels nearest to grey under the current estimate,
    iterated (after Huo et al. 2006, robust automatic white balance)."""
    lin = np.maximum(lin, 1e-4)
    est = np.zeros(2)
    m = lin.mean(axis=0)
    for _ in range(rounds):
        c = lin / np.exp(np.array([est[0], 0.0, est[1]]))
        d = np.hypot(np.log(c[:, 0] / c[:, 1]), np.log(c[:, 2] / c[:, 1]))
        m = lin[d <= np.percentile(d, share)].mean(axis=0)
        est = _log_chroma(m)
    return m


def illuminant_estimates(
    rgb: np.ndarray, encoding: str = "srgb", picture: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The raw single-image illuminant estimates, each as log-chromaticity (log R/G, log B/G).

    ``rgb``: samples (N, 3) R'G'B' 0..1; ``picture``: optional (H, W, 3) R'G'B' 0..1 (uint8
    accepted) for grey-edge, which needs neighbours. Clipped and near-black pixels are left out.
    Returns {} when fewer than 64 pixels are usable.
    """
    x = np.asarray(rgb, np.float64).reshape(-1, 3)
    lin = _linear(x, encoding)
    lin = lin[(x < _CLIPPED).all(axis=1) & (lin @ _LUMA > 1e-4)]
    if len(lin) < 64:
        return {}
    pic_lin = None
    if picture is not None:
        pic = np.asarray(picture)
        pic = pic / 255.0 if pic.dtype == np.uint8 else pic.astype(np.float64)
        pic_lin = _linear(pic, encoding)
    # Normalise by a first estimate (cast and exposure), so that which pixels count as dark or
    # bright does not depend on the cast: then a cast moves every estimate by the same amount.
    first = _log_chroma(_minkowski(lin, 6.0))
    for _ in range(2):
        norm = np.exp(np.array([first[0], 0.0, first[1]]))
        norm *= float(np.median((lin / norm) @ _LUMA)) / _MID_GREY
        n = lin / norm
        n = n[(n <= _BRIGHT).all(axis=1) & (n @ _LUMA > _DARK)]
        if len(n) < 64:
            return {}
        edge = None
        if pic_lin is not None:
            edge = _grey_edge(pic_lin / norm)
        first = _log_chroma(norm * (edge if edge is not None else _minkowski(n, 6.0)))
    est = {"grey_world": n.mean(axis=0), "shades_of_grey": _minkowski(n, 6.0)}
    bright = n[np.argsort(n.sum(axis=1))[-max(16, len(n) * 3 // 100):]]
    est["bright_pixels"] = bright.mean(axis=0)
    est["grey_pixels"] = _grey_pixels(n)
    if edge is not None:
        est["grey_edge"] = edge
    return {k: _log_chroma(v * norm) for k, v in est.items()}


def estimate_look(
    rgb: np.ndarray, encoding: str = "srgb", picture: np.ndarray | None = None
) -> ShotLook:
    """Estimate the grade of a shot or still from its samples (and picture, for grey-edge).

    ``rgb``: (N, 3) R'G'B' code values 0..1 (any shape (..., 3) is flattened). Returns
    :data:`NEUTRAL` for pictures with too few usable pixels (black frames, flat cards).
    """
    x = np.asarray(rgb, np.float64).reshape(-1, 3)
    if x.size and not np.all(np.isfinite(x)):
        raise BadInputError("RGB samples contain NaN or infinite values")
    x = x[:: max(1, len(x) // _MAX_SAMPLES)]
    est = illuminant_estimates(x, encoding, picture)
    if not est:
        return NEUTRAL
    # Grey-edge measured best on its own; the others say how far to trust it.
    best = est.get("grey_edge", est["shades_of_grey"])
    others = np.array([v for k, v in est.items() if k in _CONFIRMING])
    disagreement = float(np.mean(np.linalg.norm(others - best, axis=1)))
    confidence = 1.0 / (1.0 + (disagreement / DISAGREEMENT_HALF) ** 2)
    cast = confidence * CAST_SHRINK * (best - CAST_BIAS)

    # Exposure is not estimated: a picture's brightness is mostly what it shows, and taking even
    # a Bayesian share of it as the grade's measured worse (smallest SSIM of L* 0.83 against 0.98
    # without, common-look residual 5.92 against 5.80, benchmarks/bench_look_match.py).
    g = np.exp(np.array([cast[0], 0.0, cast[1]]))
    y = (_linear(x, encoding) / (g / float(_LUMA @ g))) @ _LUMA
    luma_code = get_encoding(encoding).encode(np.clip(y, 0.0, 1.0))
    black = BLACK_SHARE * max(0.0, float(np.percentile(luma_code, 0.5)) - BLACK_CLEAN)
    return ShotLook((float(cast[0]), float(cast[1])), 0.0, black, confidence)


def _highlight_weight(lin: np.ndarray) -> np.ndarray:
    """0 below linear _BRIGHT (0.6), rising smoothly to 1 at 1: how much a colour is anchored
    to white."""
    t = np.clip((lin.max(axis=-1, keepdims=True) - _BRIGHT) / (1.0 - _BRIGHT), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def apply_look(look: ShotLook, rgb: np.ndarray, encoding: str = "srgb") -> np.ndarray:
    """Give neutral R'G'B' (..., 3) 0..1 the look: cast and exposure in linear light (whites
    anchored: a clean white keeps its place), then the lifted black on code values."""
    enc = get_encoding(encoding)
    lin = enc.decode(np.clip(np.asarray(rgb, np.float64), 0.0, 1.0))
    graded = lin * look.gains
    w = _highlight_weight(lin) * (look.exposure <= 0.0)  # a brightening may clip, as it would
    out = enc.encode(np.clip((1.0 - w) * graded + w * lin * look.gains.max(), 0.0, 1.0))
    return look.black + (1.0 - look.black) * out


def remove_look(look: ShotLook, rgb: np.ndarray, encoding: str = "srgb") -> np.ndarray:
    """The inverse of :func:`apply_look` (exact away from the anchored highlights): the picture
    with its look removed. Codes below the lifted black go to 0 (never below)."""
    enc = get_encoding(encoding)
    v = np.clip(np.asarray(rgb, np.float64), 0.0, 1.0)
    v = np.clip((v - look.black) / (1.0 - look.black), 0.0, 1.0)
    lin = enc.decode(v)
    inv = 1.0 / look.gains
    w = _highlight_weight(lin) * (look.exposure >= 0.0)
    return enc.encode(np.clip((1.0 - w) * lin * inv + w * lin * inv.max(), 0.0, 1.0))


def transfer_look(
    source: ShotLook, target: ShotLook, rgb: np.ndarray, encoding: str = "srgb",
    strength: float = 1.0,
) -> np.ndarray:
    """Remove ``source``'s look and apply ``target``'s, ``strength`` 0..1 of the way (blended in
    the looks' parameters, so half strength is half the cast, not a mix of two pictures)."""
    if strength < 1.0:
        target = mean_look([source, target], [1.0 - strength, strength])
    return apply_look(target, remove_look(source, rgb, encoding), encoding)


def mean_look(looks: list[ShotLook], weights: list[float] | None = None) -> ShotLook:
    """The average look: weighted mean of casts (log-chromaticity), exposures and confidences;
    the weighted median black (one faded clip does not fade the rest unless most are)."""
    if not looks:
        return NEUTRAL
    w = np.ones(len(looks)) if weights is None else np.asarray(weights, np.float64)
    w = w / w.sum()
    cast = w @ np.array([lk.cast for lk in looks])
    exposure = float(w @ np.array([lk.exposure for lk in looks]))
    conf = float(w @ np.array([lk.confidence for lk in looks]))
    blacks = np.array([lk.black for lk in looks])
    order = np.argsort(blacks)
    black = float(blacks[order][np.searchsorted(np.cumsum(w[order]), 0.5 - 1e-9)])
    return ShotLook((float(cast[0]), float(cast[1])), exposure, black, conf)


def look_difference(a: ShotLook, b: ShotLook) -> float:
    """How differently two looks render a standard chart: the mean CIEDE2000 between the 24
    ColorChecker patches (colour-science's "ColorChecker24 - After November 2014", sRGB) given
    look ``a`` and given look ``b``. 0 for equal looks, whatever the pictures showed."""
    chart = colorchecker_srgb()
    la = rgb_to_lab(apply_look(a, chart), "srgb")
    lb = rgb_to_lab(apply_look(b, chart), "srgb")
    return float(np.mean(delta_e2000(la, lb)))


#: The 24 ColorChecker patches (colour-science's "ColorChecker24 - After November 2014", xyY
#: under D50) as sRGB code values 0..1, Bradford-adapted to D65 and clipped: what
#: :func:`colorchecker_srgb_reference` computes, stored to 8 decimals because importing
#: colour-science costs about 0.8 s per run (tests check the two agree within 1e-7).
_CHART = np.array(
    [
        [0.45372740, 0.31097884, 0.25489019],
        [0.77343965, 0.56336414, 0.49658252],
        [0.35618065, 0.47186216, 0.60881284],
        [0.35870582, 0.42458398, 0.24990269],
        [0.51421875, 0.49823170, 0.68465523],
        [0.37388056, 0.74023701, 0.67346687],
        [0.87869136, 0.48693047, 0.18929952],
        [0.26882765, 0.35117348, 0.65591027],
        [0.77365327, 0.31359792, 0.37278350],
        [0.36423513, 0.22658425, 0.40743275],
        [0.61201432, 0.73363242, 0.22824167],
        [0.89167390, 0.63258933, 0.15362520],
        [0.15576252, 0.24148514, 0.56952622],
        [0.23762597, 0.57672062, 0.27503050],
        [0.69872202, 0.21030188, 0.22249391],
        [0.92689407, 0.78238952, 0.05767646],
        [0.74988446, 0.30908260, 0.57424892],
        [0.00000000, 0.52065713, 0.64777935],
        [0.94505362, 0.94765423, 0.92326974],
        [0.78848491, 0.79308226, 0.78847582],
        [0.63240934, 0.63986647, 0.63843608],
        [0.47322938, 0.47412256, 0.47290457],
        [0.32444147, 0.32955578, 0.33147876],
        [0.19429252, 0.19476108, 0.19747205],
    ]
)
_CHART.setflags(write=False)


def colorchecker_srgb() -> np.ndarray:
    """The 24 ColorChecker patches as sRGB code values (24, 3) 0..1, D65 (read-only)."""
    return _CHART


def colorchecker_srgb_reference() -> np.ndarray:
    """:func:`colorchecker_srgb` computed with colour-science (slow to import; for tests)."""
    import colour

    cc = colour.CCS_COLOURCHECKERS["ColorChecker24 - After November 2014"]
    xyz = colour.xyY_to_XYZ(np.array(list(cc.data.values())))
    rgb = colour.XYZ_to_RGB(
        xyz, colour.RGB_COLOURSPACES["sRGB"], illuminant=cc.illuminant,
        chromatic_adaptation_transform="Bradford", apply_cctf_encoding=True,
    )
    return np.clip(rgb, 0.0, 1.0)
