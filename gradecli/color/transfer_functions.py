"""Transfer functions (OETFs/EOTFs) of the encodings gradecli reads and writes.

Every function maps float arrays elementwise; non-linear code values are 0..1 floats (a full-range
code value divided by its maximum, e.g. ``v8 / 255``) and linear light is relative, 0..1 for
diffuse white. Inputs outside 0..1 are clipped to 0..1 first: display-referred SDR video has no
meaning outside that range, and negative values would give NaN under a power law.

The ``*_extended`` variants are the same curves without the clip, for intermediate values of a
calculation (a grade's lift / gamma / gain on unclipped code values): defined for all reals, odd
(mirrored through 0 for negative values, ``f(-x) = -f(x)``) and continued beyond 1 by the same
formula. On 0..1 they equal the clipped functions exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "srgb_eotf",
    "srgb_eotf_inverse",
    "srgb_eotf_extended",
    "srgb_eotf_inverse_extended",
    "bt709_oetf",
    "bt709_oetf_inverse",
    "bt1886_eotf",
    "bt1886_eotf_inverse",
    "bt1886_eotf_extended",
    "bt1886_eotf_inverse_extended",
]

# The constants as ITU-R BT.709-6 publishes them (colour-science uses the same).
_BT709_ALPHA = 1.099
_BT709_BETA = 0.018
# ITU-R BT.1886 with a zero black level: a pure power law.
_BT1886_GAMMA = 2.4


def _clip01(x: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)


def _mirrored(curve: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """``curve`` (defined for x >= 0) extended to all reals as an odd function."""
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * curve(np.abs(x))


# -- the curves, for non-negative inputs (one definition each) ---------------------------------


def _srgb_decode(v: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB EOTF of code values v >= 0 (no clip)."""
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _srgb_encode(lin: np.ndarray) -> np.ndarray:
    """Inverse sRGB EOTF of linear light lin >= 0 (no clip)."""
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def _bt1886_decode(v: np.ndarray) -> np.ndarray:
    """BT.1886 EOTF (zero black level) of code values v >= 0 (no clip)."""
    return v**_BT1886_GAMMA


def _bt1886_encode(lin: np.ndarray) -> np.ndarray:
    """Inverse BT.1886 EOTF of linear light lin >= 0 (no clip)."""
    return lin ** (1 / _BT1886_GAMMA)


# -- sRGB ---------------------------------------------------------------------------------------


def srgb_eotf(v: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB: non-linear code value 0..1 -> linear light 0..1."""
    return _srgb_decode(_clip01(v))


def srgb_eotf_inverse(lin: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB: linear light 0..1 -> non-linear code value 0..1."""
    return _srgb_encode(_clip01(lin))


def srgb_eotf_extended(v: np.ndarray) -> np.ndarray:
    """:func:`srgb_eotf` without the clip: any real code value -> linear light, odd in ``v``."""
    return _mirrored(_srgb_decode, v)


def srgb_eotf_inverse_extended(lin: np.ndarray) -> np.ndarray:
    """:func:`srgb_eotf_inverse` without the clip: any real linear value -> code value, odd."""
    return _mirrored(_srgb_encode, lin)


# -- BT.709 camera OETF -------------------------------------------------------------------------


def bt709_oetf(lin: np.ndarray) -> np.ndarray:
    """ITU-R BT.709 (and BT.2020) camera OETF: scene linear 0..1 -> code value 0..1."""
    lin = _clip01(lin)
    return np.where(lin < _BT709_BETA, 4.5 * lin, _BT709_ALPHA * lin**0.45 - (_BT709_ALPHA - 1))


def bt709_oetf_inverse(v: np.ndarray) -> np.ndarray:
    """Inverse of :func:`bt709_oetf`: code value 0..1 -> scene linear 0..1."""
    v = _clip01(v)
    return np.where(v < 0.081, v / 4.5, ((v + (_BT709_ALPHA - 1)) / _BT709_ALPHA) ** (1 / 0.45))


# -- BT.1886 display EOTF -----------------------------------------------------------------------


def bt1886_eotf(v: np.ndarray) -> np.ndarray:
    """ITU-R BT.1886 display EOTF with a zero black level (gamma 2.4): code value -> linear 0..1.

    This is how a BT.709 or BT.2020 SDR picture is shown on a reference display, so it is the right
    decoding when the displayed colour is what is being measured.
    """
    return _bt1886_decode(_clip01(v))


def bt1886_eotf_inverse(lin: np.ndarray) -> np.ndarray:
    """Inverse of :func:`bt1886_eotf`: display linear 0..1 -> code value 0..1."""
    return _bt1886_encode(_clip01(lin))


def bt1886_eotf_extended(v: np.ndarray) -> np.ndarray:
    """:func:`bt1886_eotf` without the clip: ``sign(v) * |v| ** 2.4`` for any real ``v``."""
    return _mirrored(_bt1886_decode, v)


def bt1886_eotf_inverse_extended(lin: np.ndarray) -> np.ndarray:
    """:func:`bt1886_eotf_inverse` without the clip: ``sign(x) * |x| ** (1 / 2.4)``."""
    return _mirrored(_bt1886_encode, lin)
