"""Smooth gamut compression of CIELAB colours into an RGB encoding's 0..1 cube.

A colour transform in CIELAB (a Reinhard transfer, a histogram match, ...) can push colours out of
the RGB cube: L* above 100 or below 0, or more colourfulness than the display can show. Clipping
each RGB channel would shift hues and flatten gradients into bands, so :class:`GamutCompression`
pulls such colours back smoothly instead:

1. **Lightness** gets a soft shoulder below L* = 100 and a soft toe above L* = 0, sized by how far
   the fitted transform overshoots (``l_max - 100`` and ``0 - l_min``): with
   ``w = min(knee * overshoot, max_l_knee)``, L* inside ``[w_lo, 100 - w_hi]`` is unchanged and
   the rest is rolled off with ``tanh`` (continuous, with a continuous slope).
2. **Saturation** is compressed by moving the colour, in linear light, along the straight line
   towards a neutral anchor grey. Mixing with a grey keeps the dominant wavelength (the
   colorimetric hue; the CIELAB hue angle moves by about 1 degree typically, more for saturated
   blues, where CIELAB's constant-hue lines are known to be curved). The anchor's luminance is
   ``Y_a = (1 - p) Y + p * 0.18`` with ``p = anchor_pull * C*^2 / (C*^2 + 25^2)``: near-neutral
   colours (pale highlights, say) are compressed at constant L*, while saturated ones beyond the
   yellow or cyan cusp lose a little lightness instead of most of their chroma (at constant L*,
   a pure yellow lifted by 0.25 L* would have to lose 18 units of chroma). The cube is convex in linear light and the anchor lies inside it, so
   every line leaves the cube exactly once, at a point known in closed form: with
   ``d = rgb_lin - Y_a``, the relative saturation
   ``r = max_k(d_k / (1 - Y_a) if d_k > 0 else -d_k / Y_a)`` is <= 1 exactly for in-gamut
   colours. Every ``r`` up to ``1 - w`` is unchanged and larger ones become
   ``1 - w + w tanh((r - 1 + w) / w)``, a soft knee whose asymptote is the cube's surface.

   The knee is sized in CIELAB units: ``overshoot(L*, h)`` is how far (CIELAB distance, beyond a
   tolerance) the fitted transform pushes colours out near that lightness and hue, and
   ``w = min(knee * overshoot / D_s, max_knee)`` with ``D_s`` the CIELAB distance from the anchor
   to the surface along the colour's line (about ``|lab - lab_anchor| / r``). So a transform that
   stays in gamut (the identity, say) is left exactly as it is, one that overshoots by a little
   barely changes saturated colours, and a strong one gets a wide, gentle knee.

   (Why not reduce CIELAB chroma along a ray of constant L* and CIELAB hue, with a tabulated
   boundary? Such rays do not always leave the cube once: near the yellow corner, at L* 96-97 and
   h 102-104 degrees, a ray leaves the sRGB cube at C* 27 and re-enters it at C* 95, so "the
   largest in-gamut chroma at (L*, h)" is ill-defined there; a table is also costly and inexact.
   The linear-light line is exact, closed-form and fast.)
3. What is left outside 0..1 after that is rounding error only; RGB is clipped to 0..1.

Units: CIELAB D65 with L* 0..100, hue angles in degrees; RGB is non-linear code values 0..1 in the
encoding's own primaries; "linear" is the encoding's linear light with 1 = diffuse white.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradecli.color.spaces import D65_XYZ, get_encoding, lab_to_xyz, xyz_to_lab
from gradecli.errors import BadInputError

__all__ = [
    "GamutCompression",
    "relative_saturation",
    "in_gamut",
    "soft_gamut_map",
]

# Bins of the fitted overshoot (lightness x CIELAB hue), values at bin centres, hue periodic.
_OVERSHOOT_L_BINS = 10
_OVERSHOOT_H_BINS = 24
_TINY = 1e-12
#: Luminance of the mid grey the compression anchor is pulled towards (L* 49.5).
ANCHOR_Y = 0.18
#: CIELAB chroma at which the anchor is pulled half of ``anchor_pull`` towards mid grey.
ANCHOR_CHROMA = 25.0
#: L* range over which the pull fades in (smoothstep): only colours lighter than the red,
#: magenta and blue cusps, where the yellow, cyan and green cusps are, are pulled.
ANCHOR_L_RANGE = (70.0, 95.0)
_EPSILON = 216 / 24389
_KAPPA = 24389 / 27


def _encoding_name(encoding: str) -> str:
    return get_encoding(encoding).name


def _linear_rgb(lab: np.ndarray, encoding: str) -> tuple[np.ndarray, np.ndarray]:
    """CIELAB -> (linear RGB unclipped, luminance Y), both float64."""
    xyz = lab_to_xyz(np.asarray(lab, dtype=np.float64))
    return xyz @ get_encoding(encoding).xyz_to_rgb.T, xyz[..., 1]


def _grey_rgb(encoding: str) -> np.ndarray:
    """Linear RGB of the D65 white (Y = 1): (1, 1, 1) up to the rounding of sRGB's matrix."""
    return get_encoding(encoding).xyz_to_rgb @ D65_XYZ


def _y_to_l(Y: np.ndarray) -> np.ndarray:
    """Relative luminance Y (0..1) -> CIE L*."""
    return np.where(Y > _EPSILON, 116 * np.cbrt(Y) - 16, _KAPPA * Y)


def _anchor_y(Y: np.ndarray, L: np.ndarray, chroma: np.ndarray, pull: float) -> np.ndarray:
    """Anchor luminance: the colour's own Y, pulled to mid grey for light, saturated colours.

    ``Y`` luminance, ``L`` its L* (0..100), ``chroma`` CIELAB C*; ``pull`` 0..1.
    """
    y = np.clip(Y, 0.0, 1.0)
    if pull == 0:
        return y
    lo, hi = ANCHOR_L_RANGE
    t = np.clip((L - lo) / (hi - lo), 0.0, 1.0)
    c2 = np.square(chroma)
    p = pull * c2 / (c2 + ANCHOR_CHROMA**2) * (t * t * (3 - 2 * t))
    return y + p * (ANCHOR_Y - y)


def _saturation(
    lin: np.ndarray, y_anchor: np.ndarray, grey: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(r, d, anchor): relative saturation (<= 1 inside the cube), offset from the anchor grey."""
    anchor = y_anchor[..., None] * grey
    d = lin - anchor
    room_up = np.maximum(1.0 - anchor, _TINY)
    room_down = np.maximum(anchor, _TINY)
    r = np.max(np.where(d > 0, d / room_up, -d / room_down), axis=-1)
    return r, d, anchor


def relative_saturation(
    lab: np.ndarray, encoding: str = "bt709", anchor_pull: float = 0.5
) -> np.ndarray:
    """How far CIELAB colours (..., 3) reach towards the RGB cube's surface (see module doc).

    0 for the anchor grey, 1 on the surface of the cube, above 1 outside. Meaningful for
    0 <= L* <= 100 (outside, lightness is clamped for the anchor only).
    """
    lin, Y = _linear_rgb(lab, encoding)
    return _saturation(
        lin,
        _anchor_y(Y, lab[..., 0], np.hypot(lab[..., 1], lab[..., 2]), anchor_pull),
        _grey_rgb(encoding),
    )[0]


def in_gamut(lab: np.ndarray, encoding: str = "bt709", tol: float = 1e-9) -> np.ndarray:
    """Whether CIELAB colours (..., 3) lie inside the RGB cube of ``encoding`` (bool, (...))."""
    lin, _ = _linear_rgb(lab, encoding)
    return np.all((lin >= -tol) & (lin <= 1 + tol), axis=-1)


def _soft_knee(x: np.ndarray, width: np.ndarray | float, top: float) -> np.ndarray:
    """Identity up to ``top - width``, then ``top - width + width * tanh(...)`` towards ``top``.

    ``width`` 0 gives a hard clip at ``top``. Continuous, with a continuous slope where
    ``width > 0``.
    """
    width = np.asarray(width, dtype=np.float64)
    thr = top - width
    safe_w = np.where(width > 0, width, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        rolled = thr + width * np.tanh((x - thr) / safe_w)
    return np.where(x <= thr, x, np.where(width > 0, rolled, np.minimum(x, top)))


def _zero_table() -> tuple[tuple[float, ...], ...]:
    return tuple((0.0,) * _OVERSHOOT_H_BINS for _ in range(_OVERSHOOT_L_BINS))


def _hue_deg(lab: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360.0


@dataclass(frozen=True)
class GamutCompression:
    """A sized smooth gamut compression: CIELAB (..., 3) -> RGB 0..1 (or in-gamut CIELAB).

    Parameters (plain numbers so the object serialises with :meth:`to_dict`):

    - ``encoding``: the RGB encoding whose cube is the target gamut ("srgb", "bt709", "bt2020").
    - ``l_min`` / ``l_max``: lowest / highest L* the colours to compress are expected to reach
      (``l_min <= 0``, ``l_max >= 100``); they size the toe and the shoulder.
    - ``overshoot``: a 10 x 24 table (lightness bins of 10 L*, CIELAB hue bins of 15 degrees,
      values at the bin centres, interpolated bilinearly) of how far the expected colours reach
      beyond the cube, in CIELAB units (0 = they stay inside, or nearly).
    - ``knee``: knee width per unit of overshoot (dimensionless, > 0).
    - ``max_knee``: largest saturation knee width (0..1); colours with relative saturation below
      ``1 - max_knee`` are never changed.
    - ``max_l_knee``: largest toe / shoulder width in L* units (0..50).
    - ``anchor_pull``: 0..1, how far the anchor's luminance is pulled from the colour's towards
      mid grey (0 = compress at constant L*).
    """

    encoding: str = "bt709"
    l_min: float = 0.0
    l_max: float = 100.0
    overshoot: tuple[tuple[float, ...], ...] = field(default_factory=_zero_table)
    knee: float = 1.0
    max_knee: float = 0.4
    max_l_knee: float = 25.0
    anchor_pull: float = 0.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "encoding", _encoding_name(self.encoding))
        ov = np.asarray(self.overshoot, dtype=np.float64)
        if ov.shape != (_OVERSHOOT_L_BINS, _OVERSHOOT_H_BINS) or not np.all(np.isfinite(ov)):
            raise BadInputError(
                f"gamut overshoot must be a finite {_OVERSHOOT_L_BINS}x{_OVERSHOOT_H_BINS} table"
            )
        if not (
            0 < self.max_knee < 1
            and self.knee > 0
            and 0 <= self.max_l_knee <= 50
            and 0 <= self.anchor_pull <= 1
        ):
            raise BadInputError(
                "gamut parameters out of range (knee > 0, 0 < max_knee < 1, "
                "0 <= max_l_knee <= 50, 0 <= anchor_pull <= 1)"
            )
        if not (np.isfinite(self.l_min) and np.isfinite(self.l_max)):
            raise BadInputError("gamut l_min / l_max must be finite")
        # Padded copy for periodic hue interpolation: columns -1, 0..23, 24 (bin centres).
        padded = np.concatenate([ov[:, -1:], np.maximum(ov, 0.0), ov[:, :1]], axis=1)
        object.__setattr__(self, "_table", padded)
        object.__setattr__(self, "_grey", _grey_rgb(self.encoding))

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def fixed(
        cls,
        encoding: str = "bt709",
        *,
        overshoot: float = 10.0,
        l_min: float = -10.0,
        l_max: float = 110.0,
        **kwargs: Any,
    ) -> GamutCompression:
        """A compression with the same overshoot everywhere (not sized for a transform).

        ``overshoot`` in CIELAB units (>= 0); ``l_min`` / ``l_max`` in L*.
        """
        value = float(max(overshoot, 0.0))
        table = tuple((value,) * _OVERSHOOT_H_BINS for _ in range(_OVERSHOOT_L_BINS))
        return cls(
            encoding=encoding,
            l_min=float(min(l_min, 0.0)),
            l_max=float(max(l_max, 100.0)),
            overshoot=table,
            **kwargs,
        )

    @classmethod
    def fit(
        cls,
        lab: np.ndarray,
        encoding: str = "bt709",
        *,
        tolerance: float = 1.0,
        **kwargs: Any,
    ) -> GamutCompression:
        """Size the compression for the colours ``lab`` (..., 3) that a transform produces.

        Typically ``lab`` is the transform evaluated on a grid over the RGB cube, so that every
        colour the transform can produce lies among or between the colours it was sized for.
        The overshoot of a colour is the CIELAB distance a hard clip (onto the surface, along the
        compression line) would move it, less ``tolerance`` (CIELAB units): overshoots smaller
        than that get no knee and are simply clipped. Non-finite rows are ignored.
        """
        px = np.asarray(lab, dtype=np.float64).reshape(-1, 3)
        px = px[np.isfinite(px).all(axis=1)]
        if len(px) == 0:
            return cls(encoding=encoding, **kwargs)
        l_min = float(min(px[:, 0].min(), 0.0))
        l_max = float(max(px[:, 0].max(), 100.0))
        sized = cls(encoding=encoding, l_min=l_min, l_max=l_max, **kwargs)
        L = sized._compress_lightness(px[:, 0])
        lab_l = np.stack([L, px[:, 1], px[:, 2]], axis=-1)
        lin, Y = _linear_rgb(lab_l, sized.encoding)
        grey = sized._grey  # type: ignore[attr-defined]
        r, d, anchor = _saturation(
            lin, _anchor_y(Y, L, np.hypot(px[:, 1], px[:, 2]), sized.anchor_pull), grey
        )
        # Distance a hard clip (onto the surface, along the same line) would move each colour.
        clipped = anchor + np.minimum(1.0, 1.0 / np.maximum(r, _TINY))[..., None] * d
        enc = get_encoding(sized.encoding)
        dist = np.linalg.norm(
            xyz_to_lab(np.clip(clipped, 0, 1) @ enc.rgb_to_xyz.T) - lab_l, axis=-1
        )
        over = np.where(r > 1.0, np.clip(dist - tolerance, 0.0, 200.0), 0.0)
        li = np.clip((L / (100.0 / _OVERSHOOT_L_BINS)).astype(np.intp), 0, _OVERSHOOT_L_BINS - 1)
        h = _hue_deg(px)
        hj = np.clip((h / (360.0 / _OVERSHOOT_H_BINS)).astype(np.intp), 0, _OVERSHOOT_H_BINS - 1)
        table = np.zeros((_OVERSHOOT_L_BINS, _OVERSHOOT_H_BINS))
        np.maximum.at(table, (li, hj), over)
        # Dilate by one bin (lightness clamped, hue periodic) so that interpolating between bin
        # centres never under-sizes the knee next to a bin that needs it.
        padded = np.pad(table, ((1, 1), (0, 0)), mode="edge")
        dilated = table.copy()
        for di in (-1, 0, 1):
            shifted = padded[1 + di : 1 + di + _OVERSHOOT_L_BINS]
            for dj in (-1, 0, 1):
                dilated = np.maximum(dilated, np.roll(shifted, dj, axis=1))
        return cls(
            encoding=encoding,
            l_min=l_min,
            l_max=l_max,
            overshoot=tuple(tuple(float(v) for v in row) for row in dilated),
            **kwargs,
        )

    # -- application --------------------------------------------------------------------------

    def _compress_lightness(self, L: np.ndarray) -> np.ndarray:
        w_hi = float(np.clip(self.knee * (self.l_max - 100.0), 0.0, self.max_l_knee))
        w_lo = float(np.clip(self.knee * (0.0 - self.l_min), 0.0, self.max_l_knee))
        out = _soft_knee(np.asarray(L, dtype=np.float64), w_hi, 100.0)
        return -_soft_knee(-out, w_lo, 0.0)

    def _knee_width(self, L: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Knee width in CIELAB units at lightness ``L`` and CIELAB hue ``h`` (degrees)."""
        table = self._table  # type: ignore[attr-defined]
        dl = 100.0 / _OVERSHOOT_L_BINS
        dh = 360.0 / _OVERSHOOT_H_BINS
        u = np.clip(L / dl - 0.5, 0.0, _OVERSHOOT_L_BINS - 1.0)
        i = np.minimum(u.astype(np.intp), _OVERSHOOT_L_BINS - 2)
        fu = u - i
        v = np.clip(np.mod(h, 360.0) / dh + 0.5, 0.0, _OVERSHOOT_H_BINS + 1.0)
        j = np.minimum(v.astype(np.intp), _OVERSHOOT_H_BINS)
        fv = v - j
        over = (table[i, j] * (1 - fv) + table[i, j + 1] * fv) * (1 - fu) + (
            table[i + 1, j] * (1 - fv) + table[i + 1, j + 1] * fv
        ) * fu
        return self.knee * over

    def compress_linear(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (..., 3) -> linear RGB (..., 3) inside 0..1, compressed smoothly."""
        lab = np.asarray(lab, dtype=np.float64)
        if lab.shape[-1:] != (3,):
            raise BadInputError(f"expected CIELAB shaped (..., 3), got {lab.shape}")
        L = self._compress_lightness(lab[..., 0])
        a, b = lab[..., 1], lab[..., 2]
        lin, Y = _linear_rgb(np.stack([L, a, b], axis=-1), self.encoding)
        chroma = np.hypot(a, b)
        y_anchor = _anchor_y(Y, L, chroma, self.anchor_pull)
        r, d, anchor = _saturation(lin, y_anchor, self._grey)  # type: ignore[attr-defined]
        # Only colours with r beyond the widest possible knee can change.
        idx = np.flatnonzero(r.ravel() > 1.0 - self.max_knee)
        if len(idx) == 0:
            return np.clip(lin, 0.0, 1.0)
        out = lin.reshape(-1, 3).copy()
        r_k = r.ravel()[idx]
        L_k = L.ravel()[idx]
        lab_k = lab.reshape(-1, 3)[idx]
        w_lab = self._knee_width(L_k, _hue_deg(lab_k))
        # CIELAB distance from the anchor to the surface along this colour's line, about
        # |lab - lab_anchor| / r (exact in the limit of a straight line in CIELAB).
        l_anchor = _y_to_l(y_anchor.ravel()[idx])
        dist = np.sqrt((L_k - l_anchor) ** 2 + np.square(chroma.ravel()[idx]))
        w = np.minimum(w_lab / np.maximum(dist / r_k, 1e-6), self.max_knee)
        scale = _soft_knee(r_k, w, 1.0) / r_k
        out[idx] = anchor.reshape(-1, 3)[idx] + scale[:, None] * d.reshape(-1, 3)[idx]
        out = out.reshape(lin.shape)
        return np.clip(out, 0.0, 1.0)

    def compress_lab(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (..., 3) -> CIELAB inside the gamut.

        Colours inside the gamut and below the knees are returned unchanged (to float
        precision); the rest keep their lightness (unless outside the toe / shoulder) and their
        dominant wavelength and lose saturation smoothly.
        """
        enc = get_encoding(self.encoding)
        return xyz_to_lab(self.compress_linear(lab) @ enc.rgb_to_xyz.T)

    def __call__(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (..., 3) -> RGB code values (..., 3) in 0..1 of :attr:`encoding`."""
        return get_encoding(self.encoding).encode(self.compress_linear(lab))

    # -- serialisation ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain parameters (JSON-able); :meth:`from_dict` inverts it."""
        return {
            "encoding": self.encoding,
            "l_min": float(self.l_min),
            "l_max": float(self.l_max),
            "overshoot": [list(row) for row in self.overshoot],
            "knee": float(self.knee),
            "max_knee": float(self.max_knee),
            "max_l_knee": float(self.max_l_knee),
            "anchor_pull": float(self.anchor_pull),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GamutCompression:
        """Rebuild from :meth:`to_dict` output."""
        try:
            return cls(
                encoding=str(d["encoding"]),
                l_min=float(d["l_min"]),
                l_max=float(d["l_max"]),
                overshoot=tuple(tuple(float(v) for v in row) for row in d["overshoot"]),
                knee=float(d.get("knee", 1.0)),
                max_knee=float(d.get("max_knee", 0.4)),
                max_l_knee=float(d.get("max_l_knee", 25.0)),
                anchor_pull=float(d.get("anchor_pull", 0.5)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadInputError(f"malformed gamut compression parameters: {exc}") from None


def soft_gamut_map(
    lab: np.ndarray, encoding: str = "bt709", *, overshoot: float = 10.0
) -> np.ndarray:
    """CIELAB (..., 3) -> RGB 0..1 with a fixed smooth compression (see :class:`GamutCompression`).

    For colours from an unknown source; a fitted transform carries its own, sized compression.
    ``overshoot`` (CIELAB units, >= 0) sizes the knee as if colours reached that far out.
    """
    return GamutCompression.fixed(encoding, overshoot=overshoot)(lab)
