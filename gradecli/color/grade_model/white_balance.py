"""White balance: a von Kries (CAT02) adaptation between whites on the Planckian locus.

The reference white is the Planckian radiator at 6500 K. ``temperature`` (kelvin-like, + warmer)
moves it along the locus in mireds (``1e6/6500 + temperature * 1e6/6500**2``, clamped to
1667..15000 K); ``tint`` (+ magenta, - green) moves it across the locus by ``-tint * 1.5e-4`` Duv
in CIE 1960 uv. Whites are XYZ with Y = 1; matrices map XYZ -> XYZ.
"""

from __future__ import annotations

import numpy as np

from gradecli.color.grade_model.params import GradeParams, clamp_param
from gradecli.color.spaces import Encoding

_CAT02 = np.array([[0.7328, 0.4296, -0.1624], [-0.7036, 1.6975, 0.0061], [0.0030, 0.0136, 0.9834]])
_REF_CCT = 6500.0
_MIRED_PER_UNIT = 1e6 / _REF_CCT**2
_CCT_RANGE = (1667.0, 15000.0)
_DUV_PER_TINT = -1.5e-4


def _planck_uv(cct: float) -> np.ndarray:
    """CIE 1960 uv of the Planckian radiator at ``cct`` kelvin (Krystek 1985, 1000..15000 K)."""
    t = cct
    u = (0.860117757 + 1.54118254e-4 * t + 1.28641212e-7 * t * t) / (
        1 + 8.42420235e-4 * t + 7.08145163e-7 * t * t
    )
    v = (0.317398726 + 4.22806245e-5 * t + 4.20481691e-8 * t * t) / (
        1 - 2.89741816e-5 * t + 1.61456053e-7 * t * t
    )
    return np.array([u, v])


def _uv_to_xyz(uv: np.ndarray) -> np.ndarray:
    """CIE 1960 uv -> XYZ with Y = 1."""
    u, v = uv
    x = 3 * u / (2 * u - 8 * v + 4)
    y = 2 * v / (2 * u - 8 * v + 4)
    return np.array([x / y, 1.0, (1 - x - y) / y])


def _target_uv(temperature: float, tint: float) -> np.ndarray:
    mired = 1e6 / _REF_CCT + temperature * _MIRED_PER_UNIT
    cct = float(np.clip(1e6 / max(mired, 1e-6), *_CCT_RANGE))
    uv = _planck_uv(cct)
    # Unit normal to the locus, pointing below it (towards magenta, negative Duv).
    tangent = _planck_uv(cct * 1.001) - _planck_uv(cct / 1.001)
    normal = np.array([tangent[1], -tangent[0]]) / np.hypot(*tangent)
    if normal[1] > 0:
        normal = -normal
    return uv - normal * (tint * _DUV_PER_TINT)


def white_balance_matrix(temperature: float, tint: float) -> np.ndarray:
    """XYZ -> XYZ (3, 3) von Kries (CAT02) adaptation for a white-balance shift.

    Maps the Planckian white at 6500 K to the white shifted by ``temperature`` (kelvin-like,
    mired-based, + warmer) and ``tint`` (+ magenta), both whites at Y = 1. Exactly the identity
    for (0, 0).
    """
    if temperature == 0 and tint == 0:
        return np.eye(3)
    src = _CAT02 @ _uv_to_xyz(_planck_uv(_REF_CCT))
    dst = _CAT02 @ _uv_to_xyz(_target_uv(temperature, tint))
    return np.linalg.solve(_CAT02, np.diag(dst / src) @ _CAT02)


def scaled_white_balance(p: GradeParams, enc: Encoding) -> np.ndarray:
    """The white-balance matrix (XYZ -> XYZ) scaled so that white's largest linear channel is 1.

    A warmer or cooler white at full luminance lies outside the RGB cube; scaling it down (by a
    few percent for moderate shifts) lets whites take the cast instead of being compressed back
    to neutral.
    """
    tint = clamp_param(p.tint, "tint")
    if p.temperature == 0 and tint == 0:
        return np.eye(3)
    m = white_balance_matrix(p.temperature, tint)
    white = enc.xyz_to_rgb @ m @ enc.rgb_to_xyz @ np.ones(3)
    return m / float(np.max(white))
