"""What look does a picture have? Estimate a shot's grade relative to a neutral rendering.

A picture's colours are its content times its grade. This module estimates the part of the grade
that single-image evidence can tell apart from content, as a :class:`ShotLook`:

- **cast** (white balance) and **exposure**: from the single-image colour-constancy estimates
  and tone statistics of :mod:`gradecli.color.look_features` (grey-world, shades of grey,
  white patch, bright and dark pixels, grey-edge overall and per lightness third, luminance
  percentiles), combined by a ridge regression fitted on the training photos under random casts
  (:mod:`gradecli.color.look_prior`, ``python -m training.tune_looks --write``). A regression
  fitted that way is the "do no harm" estimate: what content alone explains (a desert's warmth,
  a night scene's darkness) it learns to leave alone, and where the evidence is weak it stays
  near no grade, as Resolve's Shot Match does;
- **black point**: a lifted black (pedestal, fade) from the 0.5th percentile of luminance code
  values, above what natural photos show.

Contrast, saturation and tone curves are not estimated: a single picture's spread of lightness
or chroma is dominated by what it shows (measured: a ridge regression from the same features
explains under a fifth of their variance on held-out photos), and these are left as they are.

Arrays: R'G'B' code values (..., 3) float 0..1 in one encoding (see gradecli.color.spaces);
pictures (H, W, 3). A look is applied, and removed, as a function of colour alone, so it bakes
into a 3D LUT.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradecli.color import look_prior
from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.look_features import FEATURE_NAMES, illuminant_estimates, look_features
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
    "change_evidence",
    "towards",
]

#: The 0.5th percentile of luminance code values below which a black counts as clean: the 90th
#: percentile of the training photos (their median is 0.056; haze, fog and snow lift many of them
#: further). A lower threshold measured worse in benchmarks/bench_look_match.py (common-look
#: residual 5.80 against 5.40 with 0.08), since it took haze for a grade.
BLACK_CLEAN = 0.28
#: How much of a lift above that is taken as the grade's (the rest may be fog, snow, haze).
BLACK_SHARE = 0.5
#: Largest cast (log-chromaticity distance from neutral) and exposure (stops) an estimate may
#: take: the edge of the casts the prior was fitted on (training.tune_looks).
MAX_CAST = 0.8
MAX_EXPOSURE = 1.0
#: A change of look (cast and exposure) is made in full only where it stands out from the
#: estimates' content noise (look_prior.NOISE): positive-part James-Stein shrinkage
#: ``max(0, 1 - EVIDENCE / m2)``, ``m2`` the change's squared Mahalanobis length in that noise.
#: EVIDENCE is chosen with the prior, by cross-validation on the training photos
#: (look_prior.EVIDENCE, ``python -m training.tune_looks``): the smallest threshold at which a
#: change between two pictures graded alike stays within a harm budget.
EVIDENCE = float(look_prior.EVIDENCE)
#: Standardised features are clipped to +-FEATURE_CLIP (in fitting and in use): a picture far
#: outside what the training photos show (a white card with a few saturated sweets: its darkest
#: pixels' chromaticity 10 standard deviations out) must not extrapolate the linear prior into a
#: strong cast.
FEATURE_CLIP = 3.0
#: Spread of the single-image illuminant estimates (mean log-chromaticity distance from their
#: mean) at which ShotLook.confidence is one half.
DISAGREEMENT_HALF = 0.15

_MAX_SAMPLES = 20000  # samples an estimate uses (evenly strided): the figures settle well before
_AGREEING = ("grey_world", "shades_of_grey", "grey_edge", "bright_pixels")
_LUMA = np.array([0.2126, 0.7152, 0.0722])  # BT.709 / sRGB luminance weights of linear R, G, B
#: Pixels with a linear channel above this are anchored towards white when a look is applied or
#: removed: grades roll highlights off towards white.
_BRIGHT = 0.6


@dataclass(frozen=True)
class ShotLook:
    """A shot's estimated grade relative to a neutral rendering.

    - ``cast``: log-chromaticity ``(log R/G, log B/G)`` of the illuminant the grade added, in
      linear light; (0, 0) is neutral; + first component is warmer/redder, + second bluer.
    - ``exposure``: stops the grade added (linear gain ``2 ** exposure``).
    - ``black``: the lifted black the grade added, in luminance code values 0..1 (0 = none).
    - ``confidence``: 0..1, how far the single-image illuminant estimates agreed (1 =
      fully); reported, not used (the prior already weighs the evidence).
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

    @classmethod
    def from_gains(cls, gains: np.ndarray, black: float = 0.0,
                   confidence: float = 1.0) -> ShotLook:
        """The look whose :attr:`gains` are ``gains`` (linear-light R, G, B, all > 0)."""
        g = np.asarray(gains, np.float64)
        return cls((float(np.log(g[0] / g[1])), float(np.log(g[2] / g[1]))),
                   float(np.log2(_LUMA @ g)), black, confidence)

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


def standardised(features: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Features (..., F) as the prior takes them, in fitting and in use: standardised by the
    training photos' ``mean`` and ``scale``, clipped to +-FEATURE_CLIP."""
    return np.clip((features - mean) / scale, -FEATURE_CLIP, FEATURE_CLIP)


def _predict(features: np.ndarray) -> np.ndarray:
    """(log R/G, log B/G, stops) from the prior's ridge regression, clamped to its range."""
    if tuple(look_prior.FEATURES) != FEATURE_NAMES:  # a stale generated module
        raise RuntimeError("gradecli.color.look_prior was fitted on other features: run "
                           "python -m training.tune_looks --write")
    z = standardised(features, look_prior.MEAN, look_prior.SCALE)
    cast_ev = z @ look_prior.WEIGHTS + look_prior.INTERCEPT
    norm = float(np.hypot(*cast_ev[:2]))
    if norm > MAX_CAST:
        cast_ev[:2] *= MAX_CAST / norm
    cast_ev[2] = float(np.clip(cast_ev[2], -MAX_EXPOSURE, MAX_EXPOSURE))
    return cast_ev


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
    features = look_features(x, encoding, picture)
    if features is None:
        return NEUTRAL
    cast_ev = _predict(features)
    est = np.array([features[FEATURE_NAMES.index(f"{k}.log_rg"):][:2] for k in _AGREEING])
    disagreement = float(np.mean(np.linalg.norm(est - est.mean(axis=0), axis=1)))
    confidence = 1.0 / (1.0 + (disagreement / DISAGREEMENT_HALF) ** 2)
    look = ShotLook((float(cast_ev[0]), float(cast_ev[1])), float(cast_ev[2]), 0.0, confidence)
    # The black point, measured once the cast and exposure are removed.
    y = (_linear(x, encoding) / look.gains) @ _LUMA
    luma_code = get_encoding(encoding).encode(np.clip(y, 0.0, 1.0))
    black = BLACK_SHARE * max(0.0, float(np.percentile(luma_code, 0.5)) - BLACK_CLEAN)
    return ShotLook(look.cast, look.exposure, black, confidence)


def _highlight_weight(lin: np.ndarray) -> np.ndarray:
    """0 while any linear channel is below _BRIGHT (0.6), rising smoothly to 1 as the darkest
    channel reaches 1: how near white (and to clipping in every channel) a colour is, so how
    much it is anchored to white. Saturated bright colours (an orange with red at 1) are not."""
    t = np.clip((lin.min(axis=-1, keepdims=True) - _BRIGHT) / (1.0 - _BRIGHT), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _gain(lin: np.ndarray, gains: np.ndarray, stops: float) -> np.ndarray:
    """Linear RGB (..., 3) times ``gains``, whites anchored unless the change brightens
    (``stops`` > 0: a brightening may clip, as it would): colours near white in every channel
    blend towards staying where they are, so a clean white stays white (a darkening never
    greys it) and neutral."""
    graded = lin * gains
    if stops > 0.0:
        return graded
    w = _highlight_weight(lin)
    return (1.0 - w) * graded + w * lin


def _unblack(rgb: np.ndarray, black: float) -> np.ndarray:
    v = np.clip(np.asarray(rgb, np.float64), 0.0, 1.0)
    return np.clip((v - black) / (1.0 - black), 0.0, 1.0)


def apply_look(look: ShotLook, rgb: np.ndarray, encoding: str = "srgb") -> np.ndarray:
    """Give neutral R'G'B' (..., 3) 0..1 the look: cast and exposure in linear light (whites
    anchored: a clean white keeps its place), then the lifted black on code values."""
    enc = get_encoding(encoding)
    lin = enc.decode(np.clip(np.asarray(rgb, np.float64), 0.0, 1.0))
    out = enc.encode(np.clip(_gain(lin, look.gains, look.exposure), 0.0, 1.0))
    return look.black + (1.0 - look.black) * out


def remove_look(look: ShotLook, rgb: np.ndarray, encoding: str = "srgb") -> np.ndarray:
    """The inverse of :func:`apply_look` (exact away from the anchored highlights): the picture
    with its look removed. Codes below the lifted black go to 0 (never below)."""
    enc = get_encoding(encoding)
    lin = enc.decode(_unblack(rgb, look.black))
    return enc.encode(np.clip(_gain(lin, 1.0 / look.gains, -look.exposure), 0.0, 1.0))


def transfer_look(
    source: ShotLook, target: ShotLook, rgb: np.ndarray, encoding: str = "srgb",
    strength: float = 1.0,
) -> np.ndarray:
    """Remove ``source``'s look and apply ``target``'s, ``strength`` 0..1 of the way (blended in
    the looks' parameters, so half strength is half the cast, not a mix of two pictures).

    The cast and exposure change as one gain (``target``'s over ``source``'s, anchored once), so
    two looks with equal cast and exposure leave colours where they are."""
    if strength < 1.0:
        target = mean_look([source, target], [1.0 - strength, strength])
    enc = get_encoding(encoding)
    lin = enc.decode(_unblack(rgb, source.black))
    gains = target.gains / source.gains
    out = enc.encode(np.clip(_gain(lin, gains, target.exposure - source.exposure), 0.0, 1.0))
    return target.black + (1.0 - target.black) * out


def change_evidence(source: ShotLook, target: ShotLook, noise_scale: float = 2.0,
                    evidence: float | None = None) -> float:
    """How much, 0..1, of the change from ``source``'s cast and exposure to ``target``'s to make.

    ``noise_scale``: the variance of the change's noise in units of one estimate's
    (look_prior.NOISE): 2 when both looks are estimates of different pictures, 1 when the target
    is given exactly (neutral), ``1 - 1/n`` towards the average of n estimates including the
    source. ``evidence``: the shrinkage threshold (default: the module's :data:`EVIDENCE`, read at
    each call). 1 for a change well above the noise, 0 for one within it ("do no harm")."""
    if evidence is None:
        evidence = EVIDENCE
    d = np.array([*np.subtract(target.cast, source.cast), target.exposure - source.exposure])
    if not d.any() or noise_scale <= 0.0:
        return 1.0
    m2 = float(d @ np.linalg.solve(noise_scale * look_prior.NOISE, d))
    return max(0.0, 1.0 - evidence / m2) if m2 > 0.0 else 1.0


def towards(source: ShotLook, target: ShotLook, amount: float) -> ShotLook:
    """``target`` with its cast and exposure ``amount`` 0..1 of the way from ``source``'s (its
    black point and confidence kept)."""
    k = float(np.clip(amount, 0.0, 1.0))
    cast = np.add(source.cast, k * np.subtract(target.cast, source.cast))
    exposure = source.exposure + k * (target.exposure - source.exposure)
    return ShotLook((float(cast[0]), float(cast[1])), float(exposure), target.black,
                    target.confidence)


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
