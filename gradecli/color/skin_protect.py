"""The skin-preserving version of a grade, for ``--protect-skin``.

Where the skin mask is 1 a protected grade gives skin its own hue and chroma back (CIELAB a*, b*
of the colour before the grade) while keeping the grade's exposure: the lightness change the
grade gives mid grey (18 % linear) is applied to skin as well, so faces follow the shot's
brightness and are not pasted in. Arrays: R'G'B' code values (..., 3) 0..1 in ``encoding``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradecli.color.spaces import get_encoding, lab_to_rgb, rgb_to_lab

__all__ = ["exposure_lightness_change", "skin_preserving"]

ColorFunction = Callable[[np.ndarray], np.ndarray]


def exposure_lightness_change(grade: ColorFunction, encoding: str = "srgb") -> float:
    """The L* change (0..100 scale) ``grade`` gives mid grey (18 % linear light)."""
    enc = get_encoding(encoding)
    grey = np.full((1, 3), float(enc.encode(np.array(0.18))))
    before = rgb_to_lab(grey, encoding)[0, 0]
    after = rgb_to_lab(np.clip(np.asarray(grade(grey), np.float64), 0.0, 1.0), encoding)[0, 0]
    return float(after - before)


def skin_preserving(grade: ColorFunction, encoding: str = "srgb") -> ColorFunction:
    """The function that keeps a colour's hue and chroma and gives it ``grade``'s exposure."""
    delta = exposure_lightness_change(grade, encoding)

    def protected(rgb: np.ndarray) -> np.ndarray:
        x = np.clip(np.asarray(rgb, np.float64), 0.0, 1.0)
        lab = rgb_to_lab(x, encoding)
        lab[..., 0] = np.clip(lab[..., 0] + delta, 0.0, 100.0)
        return np.clip(lab_to_rgb(lab, encoding), 0.0, 1.0)

    return protected
