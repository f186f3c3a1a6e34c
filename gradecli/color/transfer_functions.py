"""Transfer functions (OETFs/EOTFs) of the encodings gradecli reads and writes.

Every function maps float arrays elementwise; non-linear code values are 0..1 floats (a full-range
code value divided by its maximum, e.g. ``v8 / 255``) and linear light is relative, 0..1 for
diffuse white. Inputs outside 0..1 are clipped to 0..1 first: display-referred SDR video has no
meaning outside that range, and negative values would give NaN under a power law.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "srgb_eotf",
    "srgb_eotf_inverse",
    "bt709_oetf",
    "bt709_oetf_inverse",
    "bt1886_eotf",
    "bt1886_eotf_inverse",
]

# The constants as ITU-R BT.709-6 publishes them (colour-science uses the same).
_BT709_ALPHA = 1.099
_BT709_BETA = 0.018


def _clip01(x: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)


def srgb_eotf(v: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB: non-linear code value 0..1 -> linear light 0..1."""
    v = _clip01(v)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def srgb_eotf_inverse(lin: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB: linear light 0..1 -> non-linear code value 0..1."""
    lin = _clip01(lin)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def bt709_oetf(lin: np.ndarray) -> np.ndarray:
    """ITU-R BT.709 (and BT.2020) camera OETF: scene linear 0..1 -> code value 0..1."""
    lin = _clip01(lin)
    return np.where(lin < _BT709_BETA, 4.5 * lin, _BT709_ALPHA * lin**0.45 - (_BT709_ALPHA - 1))


def bt709_oetf_inverse(v: np.ndarray) -> np.ndarray:
    """Inverse of :func:`bt709_oetf`: code value 0..1 -> scene linear 0..1."""
    v = _clip01(v)
    return np.where(v < 0.081, v / 4.5, ((v + (_BT709_ALPHA - 1)) / _BT709_ALPHA) ** (1 / 0.45))


def bt1886_eotf(v: np.ndarray) -> np.ndarray:
    """ITU-R BT.1886 display EOTF with a zero black level (gamma 2.4): code value -> linear 0..1.

    This is how a BT.709 or BT.2020 SDR picture is shown on a reference display, so it is the right
    decoding when the displayed colour is what is being measured.
    """
    return _clip01(v) ** 2.4


def bt1886_eotf_inverse(lin: np.ndarray) -> np.ndarray:
    """Inverse of :func:`bt1886_eotf`: display linear 0..1 -> code value 0..1."""
    return _clip01(lin) ** (1 / 2.4)
