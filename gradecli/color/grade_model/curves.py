"""The grade's tone and colour curves on CIELAB D65 (L* 0..100, a* and b* about -128..127).

Lightness curves take and return L* (contrast about a pivot in L*/100, highlight roll-off, fade);
each is monotone with a continuous slope. Chroma and hue work in CIELCh (hue angles in degrees,
0..360; raised-cosine hue windows) and return new a*, b*; split toning adds a*b* offsets
weighted by lightness. Control values are clamped to their safe ranges (``params.SAFE_RANGES``).
"""

from __future__ import annotations

import math

import numpy as np

from gradecli.color.gamut import tanh_shoulder
from gradecli.color.grade_model.params import (
    DEFAULT_HIGHLIGHT_HUE,
    DEFAULT_SHADOW_HUE,
    GradeParams,
    clamp_param,
)

# -- lightness curves (L* in, L* out; continuous slopes, monotone) ----------------------------


def contrast_curve(L: np.ndarray, amount: float, pivot: float) -> np.ndarray:
    """Contrast on x = L*/100: a straight line of slope ``1 + amount`` through the pivot.

    ``amount > 0``: the line is joined by quadratic toe and shoulder to slope
    ``(1 - amount) / 2`` at black and white, which stay at 0 and 1 (a straight line with rounded
    corners; at amount 1 the quadratic S-curve), and continues with that slope beyond 0..1.
    ``amount < 0``: just the line, as a colourist's contrast knob does: black rises to
    ``pivot * -amount`` and white falls by ``(1 - pivot) * -amount``. Monotone with a continuous
    slope for amounts in -1..1.
    """
    if amount == 0:
        return L
    x = L / 100.0
    if amount < 0:
        return 100.0 * (pivot + (1.0 + amount) * (x - pivot))
    g, end = 1.0 + amount, (1.0 - amount) / 2.0
    toe = 4.0 * pivot * amount / (1.0 + 3.0 * amount)
    shoulder = 4.0 * (1.0 - pivot) * amount / (1.0 + 3.0 * amount)
    u = 1.0 - x
    inside = np.where(
        x < toe,
        end * x + (g - end) * np.square(x) / (2.0 * toe),
        np.where(
            u < shoulder,
            1.0 - (end * u + (g - end) * np.square(u) / (2.0 * shoulder)),
            pivot + g * (x - pivot),
        ),
    )
    out = np.where(x < 0, x * end, np.where(x > 1, 1 + (x - 1) * end, inside))
    return 100.0 * out


def rolloff_curve(L: np.ndarray, amount: float) -> np.ndarray:
    """Soft shoulder: identity below ``100 - 45 * amount``, then a tanh towards an asymptote."""
    if amount <= 0:
        return L
    knee = 100.0 - 45.0 * amount
    width = 1.15 * (100.0 - knee)
    return tanh_shoulder(L, knee, width)


def fade_curve(L: np.ndarray, amount: float) -> np.ndarray:
    """Matte: lift black by 30*amount and dim white by 5*amount, quadratic in between."""
    if amount == 0:
        return L
    lift, dim = 30.0 * amount, 5.0 * amount
    t = L / 100.0
    tc = np.clip(t, 0.0, 1.0)
    inside = L + lift * np.square(1 - tc) - dim * np.square(tc)
    below = lift + L * (1 - 2 * lift / 100.0)
    above = L - dim - (L - 100.0) * (2 * dim / 100.0)
    return np.where(t < 0, below, np.where(t > 1, above, inside))


# -- hue windows ------------------------------------------------------------------------------


def _hue_diff(h: np.ndarray, center: float) -> np.ndarray:
    """Signed hue difference ``h - center`` wrapped to -180..180 degrees."""
    return (h - center + 180.0) % 360.0 - 180.0


def _window(d: np.ndarray, half_width: float) -> np.ndarray:
    """Raised cosine: 1 at d = 0, 0 at |d| >= half_width (continuous slope)."""
    return np.where(np.abs(d) < half_width, 0.5 * (1 + np.cos(np.pi * d / half_width)), 0.0)


_SKIN_HUE, _SKIN_HALF_WIDTH = 55.0, 35.0
_TEAL_HUE, _ORANGE_HUE, _PULL_HALF_WIDTH = 200.0, 60.0, 80.0
_TONE_CHROMA = 25.0


def chroma_hue(p: GradeParams, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Saturation, vibrance, hue shifts, teal & orange, bleach desaturation: new (a*, b*)."""
    sat = max(1.0 + clamp_param(p.saturation, "saturation"), 0.0)
    vib = clamp_param(p.vibrance, "vibrance")
    teal = clamp_param(p.teal_orange, "teal_orange")
    bleach = clamp_param(p.bleach_bypass, "bleach_bypass")
    if sat == 1 and vib == 0 and teal == 0 and bleach == 0 and not p.hue_shifts:
        return a, b
    C = np.hypot(a, b)
    h = np.degrees(np.arctan2(b, a))
    # Chroma gain (as a log, so that the factors multiply) and hue rotation, per pixel.
    log_gain = np.zeros_like(C)
    dh = np.zeros_like(C)
    if vib != 0:
        skin = 1.0 - 0.75 * _window(_hue_diff(h, _SKIN_HUE), _SKIN_HALF_WIDTH)
        log_gain += np.log1p(vib * skin / (1.0 + np.square(C / 25.0)))
    for hs in p.hue_shifts:
        win = _window(_hue_diff(h, hs.center), hs.width)
        dh += float(np.clip(hs.shift, -0.6 * hs.width, 0.6 * hs.width)) * win
        log_gain += math.log(hs.chroma_scale) * win
    if teal != 0:
        for center, boost in ((_ORANGE_HUE, 0.15), (_TEAL_HUE, 0.05)):
            d = _hue_diff(h, center)
            win = _window(d, _PULL_HALF_WIDTH)
            dh -= 0.35 * teal * d * win
            log_gain += np.log1p(boost * teal * win)
    chroma = C * (sat * (1.0 - 0.6 * bleach)) * np.exp(log_gain)
    hr = np.radians(h + dh)
    return chroma * np.cos(hr), chroma * np.sin(hr)


def _bias(t: np.ndarray, balance: float) -> np.ndarray:
    """Schlick's bias: a smooth monotone warp of 0..1; balance > 0 pushes values up."""
    if balance == 0:
        return t
    k = 0.5 + 0.3 * balance
    return t / ((1.0 / k - 2.0) * (1.0 - t) + 1.0)


def split_tone(
    p: GradeParams, L: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Add the shadow and highlight tones (and teal & orange's) as a*b* offsets."""
    teal = clamp_param(p.teal_orange, "teal_orange")
    tones = [
        (p.shadow_hue, clamp_param(p.shadow_amount, "shadow_amount"), DEFAULT_SHADOW_HUE, True),
        (
            p.highlight_hue,
            clamp_param(p.highlight_amount, "highlight_amount"),
            DEFAULT_HIGHLIGHT_HUE,
            False,
        ),
    ]
    tones = [t for t in tones if t[1] != 0]
    if not tones and teal == 0:
        return a, b
    t = _bias(np.clip(L / 100.0, 0.0, 1.0), clamp_param(p.split_balance, "split_balance"))
    shadows = 6.75 * t * np.square(1 - t)
    highlights = 6.75 * np.square(t) * (1 - t)
    da, db = np.zeros_like(a), np.zeros_like(b)
    for hue, amount, default, is_shadow in tones:
        hr = math.radians(default if hue is None else hue)
        w = (shadows if is_shadow else highlights) * (amount * _TONE_CHROMA)
        da += w * math.cos(hr)
        db += w * math.sin(hr)
    if teal != 0:
        # Teal shadows, warm highlights; warm, chromatic colours (skin) keep out of the teal.
        C = np.hypot(a, b)
        warm = _window(_hue_diff(np.degrees(np.arctan2(b, a)), _ORANGE_HUE), _PULL_HALF_WIDTH)
        mid = np.clip((L - 25.0) / 30.0, 0.0, 1.0)
        protect = 1.0 - warm * np.square(C) / (np.square(C) + 100.0) * mid * mid * (3 - 2 * mid)
        flip = 180.0 if teal < 0 else 0.0
        for hue, amount, weight in (
            (_TEAL_HUE, 0.3, shadows * protect),
            (_ORANGE_HUE, 0.12, highlights),
        ):
            w = weight * (amount * abs(teal) * _TONE_CHROMA)
            hr = math.radians(hue + flip)
            da += w * math.cos(hr)
            db += w * math.sin(hr)
    return a + da, b + db
