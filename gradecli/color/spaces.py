"""RGB <-> CIE XYZ <-> CIELAB (D65) for the RGB encodings of stills and SDR video.

Arrays are float and shaped ``(..., 3)``. RGB is non-linear code values 0..1 in one of the
encodings of :data:`ENCODINGS`; XYZ is relative with Y = 1 for white; CIELAB has L* 0..100 and
a*, b* roughly -128..127, white point D65 (CIE 1931 2 degree, xy 0.3127, 0.3290).

Matrices are derived from each encoding's primaries and white point (SMPTE RP 177), the same way
colour-science derives them, except sRGB's, which IEC 61966-2-1 publishes rounded; tests check
agreement with colour-science.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gradecli.color import transfer_functions as tf
from gradecli.errors import BadInputError

__all__ = [
    "D65_XY",
    "D65_XYZ",
    "Encoding",
    "ENCODINGS",
    "get_encoding",
    "rgb_to_xyz",
    "xyz_to_rgb",
    "xyz_to_lab",
    "lab_to_xyz",
    "rgb_to_lab",
    "lab_to_rgb",
    "lab_to_lch",
    "lch_to_lab",
]

D65_XY = np.array([0.3127, 0.3290])
D65_XYZ = np.array([D65_XY[0] / D65_XY[1], 1.0, (1 - D65_XY.sum()) / D65_XY[1]])

_EPSILON = 216 / 24389
_KAPPA = 24389 / 27


def _npm(primaries_xy: np.ndarray, white_xy: np.ndarray) -> np.ndarray:
    """Normalised primary matrix (RGB linear -> XYZ) from xy chromaticities (SMPTE RP 177)."""
    p = np.asarray(primaries_xy, dtype=np.float64)
    xyz = np.stack([p[:, 0] / p[:, 1], np.ones(3), (1 - p[:, 0] - p[:, 1]) / p[:, 1]])
    w = np.array([white_xy[0] / white_xy[1], 1.0, (1 - white_xy[0] - white_xy[1]) / white_xy[1]])
    s = np.linalg.solve(xyz, w)
    return xyz * s


@dataclass(frozen=True)
class Encoding:
    """An RGB encoding: primaries (to and from XYZ) and the transfer function used to linearise.

    ``decode`` maps code values 0..1 to linear light 0..1 and ``encode`` is its inverse (both
    clip their input to 0..1). ``decode_extended`` and ``encode_extended`` are the same curves
    without the clip, for intermediate values that leave 0..1: odd (mirrored for negative
    values) and continued beyond 1 (see gradecli.color.transfer_functions).
    """

    name: str
    rgb_to_xyz: np.ndarray
    decode: Callable[[np.ndarray], np.ndarray]
    encode: Callable[[np.ndarray], np.ndarray]
    decode_extended: Callable[[np.ndarray], np.ndarray]
    encode_extended: Callable[[np.ndarray], np.ndarray]

    @property
    def xyz_to_rgb(self) -> np.ndarray:
        return np.linalg.inv(self.rgb_to_xyz)


_BT709_PRIMARIES = np.array([[0.64, 0.33], [0.30, 0.60], [0.15, 0.06]])
_BT2020_PRIMARIES = np.array([[0.708, 0.292], [0.170, 0.797], [0.131, 0.046]])

# IEC 61966-2-1 publishes the sRGB matrix rounded to 4 decimals; that matrix is the standard.
_SRGB_MATRIX = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)

# Each encoding's curves: (decode, encode, decode_extended, encode_extended).
_SRGB_CURVES = (
    tf.srgb_eotf,
    tf.srgb_eotf_inverse,
    tf.srgb_eotf_extended,
    tf.srgb_eotf_inverse_extended,
)
_BT1886_CURVES = (
    tf.bt1886_eotf,
    tf.bt1886_eotf_inverse,
    tf.bt1886_eotf_extended,
    tf.bt1886_eotf_inverse_extended,
)

ENCODINGS: dict[str, Encoding] = {
    # Stills: sRGB primaries (= BT.709) with the sRGB piecewise EOTF.
    "srgb": Encoding("srgb", _SRGB_MATRIX, *_SRGB_CURVES),
    # SDR HD video as a reference display shows it: BT.709 primaries, BT.1886 (gamma 2.4).
    "bt709": Encoding("bt709", _npm(_BT709_PRIMARIES, D65_XY), *_BT1886_CURVES),
    # SDR UHD video: BT.2020 primaries, BT.1886.
    "bt2020": Encoding("bt2020", _npm(_BT2020_PRIMARIES, D65_XY), *_BT1886_CURVES),
}


def get_encoding(name: str | Encoding) -> Encoding:
    """Look an encoding up by name ("srgb", "bt709", "bt2020")."""
    if isinstance(name, Encoding):
        return name
    try:
        return ENCODINGS[name.lower()]
    except KeyError:
        raise BadInputError(
            f"unknown RGB encoding {name!r}; known: {', '.join(sorted(ENCODINGS))}"
        ) from None


def rgb_to_xyz(rgb: np.ndarray, encoding: str | Encoding = "srgb") -> np.ndarray:
    """Non-linear RGB code values 0..1 -> XYZ (Y = 1 for white)."""
    enc = get_encoding(encoding)
    return enc.decode(rgb) @ enc.rgb_to_xyz.T


def xyz_to_rgb(xyz: np.ndarray, encoding: str | Encoding = "srgb") -> np.ndarray:
    """XYZ -> non-linear RGB code values, clipped to 0..1 (out-of-gamut colours clip)."""
    enc = get_encoding(encoding)
    return enc.encode(np.asarray(xyz, dtype=np.float64) @ enc.xyz_to_rgb.T)


def xyz_to_lab(xyz: np.ndarray, white: np.ndarray = D65_XYZ) -> np.ndarray:
    """XYZ -> CIELAB (L* 0..100) relative to ``white`` (default D65)."""
    t = np.asarray(xyz, dtype=np.float64) / white
    f = np.where(t > _EPSILON, np.cbrt(t), (_KAPPA * t + 16) / 116)
    L = 116 * f[..., 1] - 16
    a = 500 * (f[..., 0] - f[..., 1])
    b = 200 * (f[..., 1] - f[..., 2])
    return np.stack([L, a, b], axis=-1)


def lab_to_xyz(lab: np.ndarray, white: np.ndarray = D65_XYZ) -> np.ndarray:
    """CIELAB -> XYZ relative to ``white`` (default D65)."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16) / 116
    fx = fy + lab[..., 1] / 500
    fz = fy - lab[..., 2] / 200
    f = np.stack([fx, fy, fz], axis=-1)
    t = np.where(f**3 > _EPSILON, f**3, (116 * f - 16) / _KAPPA)
    # L* below 8 lies on the linear segment for Y.
    t[..., 1] = np.where(lab[..., 0] > _KAPPA * _EPSILON, fy**3, lab[..., 0] / _KAPPA)
    return t * white


def rgb_to_lab(rgb: np.ndarray, encoding: str | Encoding = "srgb") -> np.ndarray:
    """Non-linear RGB code values 0..1 -> CIELAB D65 (L* 0..100)."""
    return xyz_to_lab(rgb_to_xyz(rgb, encoding))


def lab_to_rgb(lab: np.ndarray, encoding: str | Encoding = "srgb") -> np.ndarray:
    """CIELAB D65 -> non-linear RGB code values, clipped to 0..1."""
    return xyz_to_rgb(lab_to_xyz(lab), encoding)


def lab_to_lch(lab: np.ndarray) -> np.ndarray:
    """CIELAB -> LCh(ab): L*, chroma C*, hue angle h in degrees 0..360."""
    lab = np.asarray(lab, dtype=np.float64)
    c = np.hypot(lab[..., 1], lab[..., 2])
    h = np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360
    return np.stack([lab[..., 0], c, h], axis=-1)


def lch_to_lab(lch: np.ndarray) -> np.ndarray:
    """LCh(ab) with hue in degrees -> CIELAB."""
    lch = np.asarray(lch, dtype=np.float64)
    h = np.radians(lch[..., 2])
    return np.stack([lch[..., 0], lch[..., 1] * np.cos(h), lch[..., 1] * np.sin(h)], axis=-1)
