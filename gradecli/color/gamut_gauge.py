"""Relative saturation of CIELAB colours in an RGB encoding's cube, and the soft knees (tanh
shoulders) that gamut compression and the grade model roll values off with.

Arrays: CIELAB (..., 3) with L* 0..100 (D65); linear RGB (N, 3); knees act element-wise.
"""

from __future__ import annotations

import numpy as np

from gradecli.color.spaces import D65_XYZ, get_encoding, lab_to_xyz

__all__ = ["in_gamut", "relative_saturation", "soft_clip_lightness", "soft_knee",
           "tanh_shoulder"]

_TINY = 1e-12


def encoding_name(encoding: str) -> str:
    return get_encoding(encoding).name


class Gauge:
    """Relative saturation of CIELAB colours in one encoding (see the module docstring)."""

    def __init__(self, encoding: str) -> None:
        enc = get_encoding(encoding)
        self.xyz_to_rgb = enc.xyz_to_rgb
        # Linear RGB of the D65 white (Y = 1): (1, 1, 1) up to the rounding of sRGB's matrix.
        self.grey = enc.xyz_to_rgb @ D65_XYZ

    def __call__(self, lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(r, linear RGB unclipped) of CIELAB ``lab`` (N, 3)."""
        xyz = lab_to_xyz(lab)
        lin = xyz @ self.xyz_to_rgb.T
        return self.saturation(lin, xyz[:, 1]), lin

    def saturation(self, lin: np.ndarray, y: np.ndarray) -> np.ndarray:
        """r of linear RGB ``lin`` (N, 3) with luminance ``y`` (N,)."""
        yc = np.clip(y, 0.0, 1.0)
        r = None
        for k in range(3):
            anchor = yc * self.grey[k]
            d = lin[:, k] - anchor
            rk = np.where(
                d > 0, d / np.maximum(1.0 - anchor, _TINY), -d / np.maximum(anchor, _TINY)
            )
            r = rk if r is None else np.maximum(r, rk)
        return r  # type: ignore[return-value]


def relative_saturation(lab: np.ndarray, encoding: str = "bt709") -> np.ndarray:
    """How far CIELAB colours (..., 3) reach from the grey of their luminance to the cube's surface.

    0 on the grey axis, exactly 1 on the surface of the RGB cube of ``encoding``, above 1 outside
    (in linear light; meaningful for 0 <= L* <= 100).
    """
    lab = np.asarray(lab, dtype=np.float64)
    return Gauge(encoding)(lab.reshape(-1, 3))[0].reshape(lab.shape[:-1])


def in_gamut(lab: np.ndarray, encoding: str = "bt709", tol: float = 1e-9) -> np.ndarray:
    """Whether CIELAB colours (..., 3) lie inside the RGB cube of ``encoding`` (bool, (...))."""
    lin = lab_to_xyz(np.asarray(lab, dtype=np.float64)) @ get_encoding(encoding).xyz_to_rgb.T
    return np.all((lin >= -tol) & (lin <= 1 + tol), axis=-1)


def tanh_shoulder(
    x: np.ndarray, start: float | np.ndarray, width: float | np.ndarray
) -> np.ndarray:
    """Identity up to ``start``, then ``start + width * tanh((x - start) / width)``.

    A shoulder with slope 1 at ``start`` that rises towards the asymptote ``start + width``;
    continuous, with a continuous slope where ``width > 0``. Where ``width`` is 0 it is a hard
    clip at ``start``. ``start`` and ``width`` may be scalars or arrays broadcasting with ``x``
    (``width >= 0``). This is the one soft knee of gradecli.color: gamut compression, the grade
    model's lightness knees and its highlight roll-off all use it.
    """
    width = np.asarray(width, dtype=np.float64)
    safe_w = np.where(width > 0, width, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        rolled = start + width * np.tanh((x - start) / safe_w)
    return np.where(x <= start, x, np.where(width > 0, rolled, np.minimum(x, start)))


def soft_knee(x: np.ndarray, width: float | np.ndarray, top: float) -> np.ndarray:
    """A knee of ``width`` (>= 0) below ``top``: identity up to ``top - width``, then a tanh
    shoulder towards ``top`` (:func:`tanh_shoulder`); ``width`` 0 gives a hard clip at ``top``.
    """
    return tanh_shoulder(x, top - np.asarray(width, dtype=np.float64), width)


def soft_clip_lightness(L: np.ndarray, width_hi: float, width_lo: float) -> np.ndarray:
    """L* rolled off smoothly into 0..100: a :func:`soft_knee` of ``width_hi`` L* below 100 and a
    mirrored one of ``width_lo`` above 0 (width 0: a hard clip on that side)."""
    out = soft_knee(np.asarray(L, dtype=np.float64), width_hi, 100.0)
    return -soft_knee(-out, width_lo, 0.0)
