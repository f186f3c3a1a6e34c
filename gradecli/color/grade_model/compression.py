"""Smooth compression of a grade's CIELAB colours into the RGB cube (code values 0..1).

Both compressions first roll L* smoothly into 0..100 (a tanh shoulder below L* 100 and a toe
above L* 0, each as wide as the grade overshoots, at most 25 L*) and then pull chroma in: along
lines of constant CIELAB hue (:class:`CielabCompression`, gradecli.color.gamut's) or along
lines to the grey of equal luminance in linear light (:class:`LinearCompression`). Both are
sized once per grade from what it does to the whole RGB cube (``fit``) and map CIELAB (N, 3)
to R'G'B' code values (N, 3) in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradecli.color.gamut import GamutCompression, soft_clip_lightness, soft_knee
from gradecli.color.spaces import D65_XYZ, get_encoding, lab_to_xyz, xyz_to_lab

_CIELAB_KNEE = 0.25
_CIELAB_MAX_KNEE = 0.2
_MAX_KNEE = 3.0
_TINY = 1e-12
#: Gamut compressions :func:`apply_grade` offers.
COMPRESSIONS = ("cielab", "linear")


def _knee_widths(lab: np.ndarray) -> tuple[float, float]:
    """Widths in L* of the shoulder below 100 and the toe above 0: how far the grade's L*
    (N, 3 CIELAB) overshoots 100 and undershoots 0, at most 25 each."""
    w_hi = float(np.clip(lab[:, 0].max() - 100.0, 0.0, 25.0))
    w_lo = float(np.clip(-lab[:, 0].min(), 0.0, 25.0))
    return w_hi, w_lo


@dataclass(frozen=True)
class LinearCompression:
    """Closed-form smooth compression into the RGB cube, in linear light.

    Lightness first: a tanh shoulder below L* 100 and toe above L* 0, each as wide as the grade
    overshoots (at most 25 L*). Then each colour moves on the straight line to the grey of the
    same luminance (in linear RGB, so in xy towards the white point: luminance and dominant
    wavelength are kept), to the relative saturation ``r' = soft_knee(r)``, where ``r`` is
    gradecli.color.gamut's relative saturation (1 on the cube's surface), which is linear along
    that line, so no search is needed. The knee starts about ``knee`` CIELAB units inside the
    surface: ``w = min(knee / D, 0.4)`` in units of ``r``, with ``D = C* / r`` about the CIELAB
    distance from the grey to the surface along the line. ``knee`` is a quarter of the grade's
    largest overshoot over the cube (CIELAB distance beyond 1 unit that clipping would move a
    colour), at most 3: a grade that stays in the cube is left as it is, and colours more than
    3 CIELAB units inside the surface are never changed. Fast, but lines to the grey in linear
    RGB are not of constant CIELAB hue: saturated reds drift towards crimson.
    """

    encoding: str
    width_hi: float
    width_lo: float
    knee: float

    @classmethod
    def fit(cls, lab: np.ndarray, encoding: str) -> LinearCompression:
        """Size the knees for the CIELAB colours (N, 3) the grade makes of the RGB cube."""
        w_hi, w_lo = _knee_widths(lab)
        sized = cls(encoding, w_hi, w_lo, 0.0)
        lab_l, lin, grey = sized._linear(lab)
        r = sized._saturation(lin, grey)
        out = r > 1.0
        if not np.any(out):
            return sized
        clipped = grey[out] + (lin[out] - grey[out]) / r[out, None]
        enc = get_encoding(encoding)
        dist = np.linalg.norm(xyz_to_lab(clipped @ enc.rgb_to_xyz.T) - lab_l[out], axis=-1)
        over = float(np.max(dist)) - 1.0
        return cls(encoding, w_hi, w_lo, float(np.clip(0.25 * over, 0.0, _MAX_KNEE)))

    def _linear(self, lab: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(CIELAB after the lightness knees, its linear RGB unclipped, the grey of its
        luminance in linear RGB)."""
        enc = get_encoding(self.encoding)
        L = soft_clip_lightness(lab[:, 0], self.width_hi, self.width_lo)
        lab_l = np.stack([L, lab[:, 1], lab[:, 2]], axis=-1)
        xyz = lab_to_xyz(lab_l)
        y = np.clip(xyz[:, 1], 0.0, 1.0)
        white = enc.xyz_to_rgb @ D65_XYZ
        return lab_l, xyz @ enc.xyz_to_rgb.T, y[:, None] * white

    @staticmethod
    def _saturation(lin: np.ndarray, grey: np.ndarray) -> np.ndarray:
        d = lin - grey
        room = np.where(d > 0, 1.0 - grey, grey)
        return np.max(np.abs(d) / np.maximum(room, _TINY), axis=-1)

    def __call__(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (N, 3) -> R'G'B' code values (N, 3) in 0..1."""
        lab_l, lin, grey = self._linear(lab)
        r = self._saturation(lin, grey)
        if self.knee > 0:
            surface = np.hypot(lab_l[:, 1], lab_l[:, 2]) / np.maximum(r, _TINY)
            width = np.minimum(self.knee / np.maximum(surface, _TINY), 0.4)
            target = soft_knee(r, width, 1.0)
        else:
            target = np.minimum(r, 1.0)
        scale = np.where(r > target, target / np.maximum(r, _TINY), 1.0)
        out = grey + (lin - grey) * scale[:, None]
        return get_encoding(self.encoding).encode(np.clip(out, 0.0, 1.0))


def _lightness_knees(lab: np.ndarray, width_hi: float, width_lo: float) -> np.ndarray:
    """``lab`` with L* rolled off smoothly below 100 and above 0 (knees as wide as given)."""
    if width_hi <= 0 and width_lo <= 0:
        return lab
    L = soft_clip_lightness(lab[:, 0], width_hi, width_lo)
    return np.stack([L, lab[:, 1], lab[:, 2]], axis=-1)


@dataclass(frozen=True)
class CielabCompression:
    """Lightness first (as :class:`LinearCompression`: a tanh shoulder below L* 100 and a toe
    above L* 0, each as wide as the grade overshoots, at most 25 L*), then gradecli.color.gamut's
    compression along lines of constant hue. Colours the grade lifts above white (exposure,
    gain) roll into the highlights instead of meeting a gauge that is undefined there."""

    width_hi: float
    width_lo: float
    inner: GamutCompression

    @classmethod
    def fit(cls, lab: np.ndarray, encoding: str) -> CielabCompression:
        """Lightness knees, then gamut.GamutCompression (with knees a quarter of its defaults)
        fitted to the grade's CIELAB colours (N, 3) of the RGB cube."""
        w_hi, w_lo = _knee_widths(lab)
        inner = GamutCompression.fit(
            _lightness_knees(lab, w_hi, w_lo), encoding, knee=_CIELAB_KNEE,
            max_knee=_CIELAB_MAX_KNEE,
        )
        return cls(w_hi, w_lo, inner)

    def __call__(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (N, 3) -> R'G'B' code values (N, 3) in 0..1."""
        return self.inner(_lightness_knees(lab, self.width_hi, self.width_lo))
