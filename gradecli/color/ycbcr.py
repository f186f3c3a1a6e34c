"""Y'CbCr code values <-> non-linear R'G'B' (ITU-R BT.601, BT.709, BT.2020 non-constant luminance).

Pure maths on arrays. Code values are integers (or floats) at a bit depth ``n`` (8, 10, 12, 16);
"limited" range puts black/white at 16..235 (Y) and 16..240 (Cb, Cr) scaled by ``2**(n-8)``,
"full" range uses 0..2**n - 1 with chroma centred on ``2**(n-1)`` (ITU-T H.273). R'G'B' is
float 0..1. This is what swscale does when it is told the right matrix and range; gradecli does it
itself so that the matrix, range and depth of a stream are always honoured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradecli.errors import BadInputError

__all__ = ["MATRICES", "YCbCrSpec", "ycbcr_to_rgb", "rgb_to_ycbcr"]

#: Luma coefficients (Kr, Kb) of each matrix.
MATRICES: dict[str, tuple[float, float]] = {
    "bt601": (0.299, 0.114),
    "bt709": (0.2126, 0.0722),
    "bt2020": (0.2627, 0.0593),
    "smpte240m": (0.212, 0.087),
    "fcc": (0.30, 0.11),
}


@dataclass(frozen=True)
class YCbCrSpec:
    """How a stream's Y'CbCr code values relate to R'G'B': matrix, range and bit depth."""

    matrix: str = "bt709"
    full_range: bool = False
    bit_depth: int = 8

    def __post_init__(self) -> None:
        if self.matrix not in MATRICES:
            raise BadInputError(
                f"unknown Y'CbCr matrix {self.matrix!r}; known: {', '.join(MATRICES)}"
            )
        if not 8 <= self.bit_depth <= 16:
            raise BadInputError(f"unsupported bit depth {self.bit_depth}")

    @property
    def max_code(self) -> int:
        return (1 << self.bit_depth) - 1

    def scale_offset(self) -> tuple[float, float, float, float]:
        """(y_offset, y_scale, c_offset, c_scale): ``y = (Y - y_offset) / y_scale`` etc."""
        n = self.bit_depth
        if self.full_range:
            return 0.0, float((1 << n) - 1), float(1 << (n - 1)), float((1 << n) - 1)
        k = float(1 << (n - 8))
        return 16 * k, 219 * k, 128 * k, 224 * k

    def to_rgb_matrix(self) -> np.ndarray:
        """3x3 matrix from (y, cb, cr) normalised (y 0..1, c -0.5..0.5) to R'G'B'."""
        kr, kb = MATRICES[self.matrix]
        kg = 1 - kr - kb
        return np.array(
            [
                [1.0, 0.0, 2 * (1 - kr)],
                [1.0, -2 * kb * (1 - kb) / kg, -2 * kr * (1 - kr) / kg],
                [1.0, 2 * (1 - kb), 0.0],
            ]
        )

    def from_rgb_matrix(self) -> np.ndarray:
        """3x3 matrix from R'G'B' to (y, cb, cr) normalised."""
        return np.linalg.inv(self.to_rgb_matrix())

    def codes_to_rgb_affine(self) -> tuple[np.ndarray, np.ndarray]:
        """(A, b) with ``rgb = A @ codes + b``: code values straight to R'G'B' 0..1."""
        yo, ys, co, cs = self.scale_offset()
        a = self.to_rgb_matrix() @ np.diag([1 / ys, 1 / cs, 1 / cs])
        return a, -a @ np.array([yo, co, co])

    def rgb_to_codes_affine(self) -> tuple[np.ndarray, np.ndarray]:
        """(A, b) with ``codes = A @ rgb + b`` (unrounded code values)."""
        yo, ys, co, cs = self.scale_offset()
        return np.diag([ys, cs, cs]) @ self.from_rgb_matrix(), np.array([yo, co, co])


def ycbcr_to_rgb(
    ycbcr: np.ndarray, spec: YCbCrSpec, *, clip: bool = True, dtype: type = np.float64
) -> np.ndarray:
    """Y'CbCr code values (..., 3) -> R'G'B' float 0..1 (clipped unless ``clip=False``).

    Chroma must already be at the luma's resolution (upsampled by the caller). ``dtype``
    float32 halves the work for analysis; float64 (default) is exact to 1e-12.
    """
    # The code-value normalisation folded into the matrix: rgb = codes @ A.T + b.
    a, b = spec.codes_to_rgb_affine()
    v = np.asarray(ycbcr).astype(dtype, copy=False)
    rgb = v @ a.T.astype(dtype)
    rgb += b.astype(dtype)
    if clip:
        np.clip(rgb, 0.0, 1.0, out=rgb)
    return rgb


def rgb_to_ycbcr(
    rgb: np.ndarray, spec: YCbCrSpec, *, round_codes: bool = True, dtype: type = np.float64
) -> np.ndarray:
    """R'G'B' float 0..1 (..., 3) -> Y'CbCr code values, rounded and clipped to 0..2**n - 1.

    With ``round_codes=False`` returns unrounded float codes (for averaging chroma first).
    ``dtype`` float32 halves the work where 1e-4 of a code value does not matter.
    """
    a, b = spec.rgb_to_codes_affine()
    out = np.asarray(rgb).astype(dtype, copy=False) @ a.T.astype(dtype)
    out += b.astype(dtype)
    if round_codes:
        out = np.clip(np.rint(out), 0, spec.max_code)
    return out


def planes_to_rgb(
    planes: list[np.ndarray],
    spec: YCbCrSpec,
    log2_w: int,
    log2_h: int,
    *,
    clip: bool = True,
    dtype: type = np.float64,
) -> np.ndarray:
    """Planar Y'CbCr codes (Y, Cb, Cr; chroma subsampled by 2**log2_w x 2**log2_h) -> R'G'B'
    float (H, W, 3) 0..1, chroma upsampled by replication (see :func:`ycbcr_to_rgb`)."""
    y = planes[0]
    h, w = y.shape
    codes = np.empty((h, w, 3), dtype=np.float32)
    codes[..., 0] = y
    for c in (1, 2):
        up = planes[c]
        if log2_h:
            up = np.repeat(up, 1 << log2_h, axis=0)
        if log2_w:
            up = np.repeat(up, 1 << log2_w, axis=1)
        codes[..., c] = up[:h, :w]
    return ycbcr_to_rgb(codes, spec, clip=clip, dtype=dtype)
