"""Fit a 3D LUT from a before/after image pair (regularised least squares over the grid).

A colourist hands over a still before and after grading; we want the 3D LUT that maps the one to the
other, so that the same grade can be applied to every frame of a clip and written as a ``.cube``.

The LUT is the table ``T`` of an ``size**3`` lattice on the unit cube, indexed ``T[r, g, b]`` (red
index first), applied by trilinear interpolation. Each "before" pixel ``x_p`` lies in one cell and
its interpolated value is ``sum_c w_pc T_c`` over that cell's 8 corners with trilinear weights
``w_pc``. We minimise, for each output channel separately::

    E(T) = sum_p a_p (sum_c w_pc T_c - y_p)^2          data term (a_p sum to 1: a weighted mean)
         + smoothness * S(T)                            smoothness term
         + sum_c mu_c (T_c - x_c)^2                     a tiny pull towards identity

where ``y_p`` is the "after" pixel, ``x_c`` the identity value at grid node ``c`` and ``S`` the
discrete thin-plate energy, the integral over the unit cube of the squared second derivatives
``f_rr^2 + f_gg^2 + f_bb^2 + 2 (f_rg^2 + f_rb^2 + f_gb^2)`` computed with finite differences on the
grid. ``S`` is zero exactly for affine maps (the identity included), so empty regions of the cube are
filled by a smooth, nearly linear continuation of the grade around them instead of holes or seams.
``mu_c`` is a small ridge that only matters where no pixel is near node ``c``; it keeps the system
well posed (e.g. for a grey image that covers only the neutral axis) and stops far extrapolation
from drifting away.

Solving: the normal equations ``(A^T W A + lambda R + M) T = A^T W y`` are assembled directly from
the pixels with ``np.bincount`` (``A`` is never formed), which is exact and ``O(pixels)``; the
``size**3`` sparse symmetric positive definite system is then solved for the 3 channels at once by a
coarse-to-fine preconditioned conjugate gradient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from gradecli.errors import BadInputError

if TYPE_CHECKING:  # pragma: no cover
    from gradecli.color.lut import Lut

__all__ = [
    "DEFAULT_MAX_SAMPLES",
    "DEFAULT_SMOOTHNESS",
    "MIN_PIXELS",
    "fit_lut",
    "fit_lut_table",
]

#: Default weight of the thin-plate smoothness term relative to the mean squared data error.
DEFAULT_SMOOTHNESS = 1e-4
#: Default cap on the number of pixels used (a deterministic random subset above it).
DEFAULT_MAX_SAMPLES = 4_000_000
#: Fewest usable (positive-weight) pixels accepted.
MIN_PIXELS = 16
#: Default strength of the pull towards identity at nodes far from all data.
DEFAULT_IDENTITY_PULL = 1e-6
