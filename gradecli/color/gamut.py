"""Smooth gamut compression of CIELAB colours into an RGB encoding's 0..1 cube.

A colour transform in CIELAB (a Reinhard transfer, a histogram match, ...) can push colours out of
the RGB cube: L* above 100 or below 0, or more chroma than the display can show at that lightness
and hue. Clipping each RGB channel would shift hues and flatten gradients into flat patches and
bands, so :class:`GamutCompression` pulls such colours back smoothly instead:

1. **Lightness** gets a soft shoulder below L* = 100 and a soft toe above L* = 0, sized by how far
   the fitted transform overshoots (``l_max - 100`` and ``0 - l_min``): with
   ``w = min(knee * overshoot, max_l_knee)``, L* inside ``[w_lo, 100 - w_hi]`` is unchanged and
   the rest is rolled off with ``tanh`` (continuous, with a continuous slope).

2. **Chroma** is reduced along a straight CIELAB line from the colour towards an anchor grey
   ``(L_a, 0, 0)``, so the CIELAB hue angle is kept exactly. For dark, mid-tone and near-neutral
   colours ``L_a = L*`` (constant lightness, which CIEDE2000 and the eye favour). For light,
   saturated colours the anchor moves towards L* 50:
   ``L_a = L* + p (50 - L*)``, ``p = anchor_pull * C*^2 / (C*^2 + 25^2) * s(L*)`` with ``s`` a
   smoothstep from 0 at L* 70 to 1 at L* 95, so colours near the yellow, cyan and green cusps lose
   a little lightness instead of most of their chroma (at constant L*, a pure yellow lifted by
   0.25 L* would have to lose 18 units of chroma).

   How far along its line a colour sits is measured by the *relative saturation*
   ``r = max_k(d_k / (1 - Y) if d_k > 0 else -d_k / Y)``, ``d = rgb_lin - Y`` (linear RGB minus the
   grey of the same luminance): exactly ``r <= 1`` inside the cube, 0 on the grey axis, continuous.
   Colours with ``r <= 1 - w`` are unchanged; the others get the target
   ``r' = 1 - w + w tanh((r - 1 + w) / w)`` (a soft knee whose asymptote is the cube's surface)
   and move along their line to the point where ``r = r'``, found by a bracketed secant search
   (Illinois), which stays on the in-gamut side of the root.

   The knee is sized in CIELAB units: ``overshoot(L*, h)`` is how far (CIELAB distance beyond a
   tolerance) the fitted transform pushes colours out near that lightness and hue, and
   ``w = min(knee * overshoot / D_s, max_knee)`` with ``D_s`` about the CIELAB distance from the
   anchor to the surface along the colour's line (``|lab - lab_anchor| / r``). A transform that
   stays in gamut (the identity, say) is left exactly as it is; one that overshoots by a little
   barely changes saturated colours; a strong one gets a wide, gentle knee.

   Caveat: the gamut is not convex in CIELAB, so a straight CIELAB line does not always leave the
   RGB cube once: near the yellow corner (L* 96-97, h 102-104 degrees) a line of constant L* and
   hue leaves the sRGB cube at C* 27 and re-enters it at C* 95. The search still returns an
   in-gamut point on the line there, but which crossing it finds can change abruptly: for light
   (L* > 90) yellow-green colours more than about twice as chromatic as the gamut allows, the
   output can jump by up to about 0.5 CIELAB units (a just-noticeable difference is about 1). Below
   L* 90, and within 1.5x of the gamut's chroma everywhere, the map is continuous.

3. What is left outside 0..1 after that is rounding error; RGB is clipped to 0..1.

Units: CIELAB D65 with L* 0..100, hue angles in degrees; RGB is non-linear code values 0..1 in the
encoding's own primaries; "linear" is the encoding's linear light with 1 = diffuse white.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradecli.color.gamut_gauge import (  # noqa: F401  (re-exported)
    Gauge,
    encoding_name,
    in_gamut,
    relative_saturation,
    soft_clip_lightness,
    soft_knee,
    tanh_shoulder,
)
from gradecli.color.spaces import D65_XYZ, get_encoding
from gradecli.errors import BadInputError

__all__ = [
    "GamutCompression",
    "relative_saturation",
    "in_gamut",
    "soft_gamut_map",
    "soft_clip_lightness",
    "soft_knee",
    "tanh_shoulder",
]

# Bins of the fitted overshoot (lightness x CIELAB hue), values at bin centres, hue periodic.
_OVERSHOOT_L_BINS = 10
_OVERSHOOT_H_BINS = 24
_TINY = 1e-12
# Search tolerance in relative saturation (1e-8 of the way to the surface: ~1e-6 CIELAB units).
_SEARCH_TOL = 1e-8
_KAPPA = 24389 / 27
#: Lightness of the grey that light, saturated colours are compressed towards.
ANCHOR_L = 50.0
#: CIELAB chroma at which the anchor is pulled half of ``anchor_pull`` of the way.
ANCHOR_CHROMA = 25.0
#: L* range over which the pull fades in (smoothstep).
ANCHOR_L_RANGE = (70.0, 95.0)
#: Iterations of the bracketed secant (Illinois) search along each compression line.
SEARCH_ITERATIONS = 12


def _anchor_l(L: np.ndarray, chroma: np.ndarray, pull: float) -> np.ndarray:
    """Lightness of the anchor grey: L* itself, pulled towards 50 for light saturated colours."""
    if pull == 0:
        return L
    lo, hi = ANCHOR_L_RANGE
    t = np.clip((L - lo) / (hi - lo), 0.0, 1.0)
    c2 = np.square(chroma)
    p = pull * c2 / (c2 + ANCHOR_CHROMA**2) * (t * t * (3 - 2 * t))
    return L + p * (ANCHOR_L - L)


class _Lines:
    """Points ``anchor + s * (lab - anchor)`` on N CIELAB lines, with a fused, fast gauge."""

    def __init__(self, gauge: Gauge, lab: np.ndarray, l_anchor: np.ndarray) -> None:
        self.gauge = gauge
        self.base_l = l_anchor
        self.delta_l = lab[:, 0] - l_anchor
        self.a = lab[:, 1]
        self.b = lab[:, 2]

    def points(self, s: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """CIELAB points (N, 3) at parameters ``s`` on the lines ``rows``."""
        return np.stack(
            [self.base_l[rows] + s * self.delta_l[rows], s * self.a[rows], s * self.b[rows]],
            axis=-1,
        )

    def r(self, s: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Relative saturation at parameters ``s`` on the lines ``rows`` (as ``Gauge`` would)."""
        fy = (self.base_l[rows] + s * self.delta_l[rows] + 16.0) / 116.0
        fx = fy + s * self.a[rows] / 500.0
        fz = fy - s * self.b[rows] / 200.0
        # CIELAB -> XYZ; the linear segment below f = 6/29, as in spaces.lab_to_xyz.
        x = D65_XYZ[0] * np.where(fx > 6 / 29, fx**3, (116 * fx - 16) / _KAPPA)
        y = np.where(fy > 6 / 29, fy**3, (116 * fy - 16) / _KAPPA)
        z = D65_XYZ[2] * np.where(fz > 6 / 29, fz**3, (116 * fz - 16) / _KAPPA)
        m = self.gauge.xyz_to_rgb
        yc = np.clip(y, 0.0, 1.0)
        r = None
        for k in range(3):
            lin = m[k, 0] * x + m[k, 1] * y + m[k, 2] * z
            anchor = yc * self.gauge.grey[k]
            d = lin - anchor
            rk = np.where(
                d > 0, d / np.maximum(1.0 - anchor, _TINY), -d / np.maximum(anchor, _TINY)
            )
            r = rk if r is None else np.maximum(r, rk)
        return r  # type: ignore[return-value]


def _search_line(
    gauge: Gauge,
    lab: np.ndarray,
    l_anchor: np.ndarray,
    r_start: np.ndarray,
    r_target: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Find ``s`` in 0..1 with ``r(anchor + s (lab - anchor)) = r_target`` (N,) for each colour.

    ``r_start`` is r at s = 1 (> r_target); at s = 0 (the grey anchor) r = 0 <= r_target.
    Returns (points on the lines (N, 3), their linear RGB (N, 3)).
    """
    lines = _Lines(gauge, lab, l_anchor)
    lo = np.zeros_like(r_target)
    hi = np.ones_like(r_target)
    f_lo = -r_target
    f_hi = r_start - r_target
    side = np.zeros(r_target.shape, dtype=np.int8)
    act = np.arange(len(r_target))  # lines still searching
    for _ in range(SEARCH_ITERATIONS):
        a_lo, a_hi, a_flo, a_fhi = lo[act], hi[act], f_lo[act], f_hi[act]
        s = a_lo + (a_hi - a_lo) * (-a_flo) / np.maximum(a_fhi - a_flo, _TINY)
        f = lines.r(s, act) - r_target[act]
        above = f > 0
        a_side = side[act]
        # Illinois: halve the stale end's value when the same end is replaced twice in a row.
        a_flo = np.where(above & (a_side == 1), 0.5 * a_flo, a_flo)
        a_fhi = np.where(~above & (a_side == -1), 0.5 * a_fhi, a_fhi)
        hi[act] = np.where(above, s, a_hi)
        f_hi[act] = np.where(above, f, a_fhi)
        lo[act] = np.where(above, a_lo, s)
        f_lo[act] = np.where(above, a_flo, f)
        side[act] = np.where(above, 1, -1)
        act = act[np.abs(f) > _SEARCH_TOL]
        if len(act) == 0:
            break
    # Secant point of the final bracket: continuous in the inputs, within ~1e-10 of the root
    # where the search has converged; where it has not (far out, strongly curved r), the
    # in-gamut end of the bracket.
    s = lo + (hi - lo) * (-f_lo) / np.maximum(f_hi - f_lo, _TINY)
    points = lines.points(s)
    r, lin = gauge(points)
    bad = np.flatnonzero(r > r_target + 1e-7)
    if len(bad):
        points[bad] = lines.points(lo[bad], bad)
        lin[bad] = gauge(points[bad])[1]
    return points, lin


def _zero_table() -> tuple[tuple[float, ...], ...]:
    return tuple((0.0,) * _OVERSHOOT_H_BINS for _ in range(_OVERSHOOT_L_BINS))


def _hue_deg(lab: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360.0


@dataclass(frozen=True)
class GamutCompression:
    """A sized smooth gamut compression: CIELAB (..., 3) -> RGB 0..1 (or in-gamut CIELAB).

    Parameters (plain numbers, so the object serialises with :meth:`to_dict`):

    - ``encoding``: the RGB encoding whose cube is the target gamut ("srgb", "bt709", "bt2020").
    - ``l_min`` / ``l_max``: lowest / highest L* the colours to compress are expected to reach
      (``l_min <= 0``, ``l_max >= 100``); they size the toe and the shoulder.
    - ``overshoot``: a 10 x 24 table (lightness bins of 10 L*, CIELAB hue bins of 15 degrees,
      values at the bin centres, interpolated bilinearly) of how far the expected colours reach
      beyond the cube, in CIELAB units (0 = they stay inside, or nearly).
    - ``knee``: knee width per unit of overshoot (dimensionless, > 0).
    - ``max_knee``: largest knee width in relative saturation (0..1); colours with relative
      saturation below ``1 - max_knee`` are never changed (unless outside the L* toe/shoulder).
    - ``max_l_knee``: largest toe / shoulder width in L* units (0..50).
    - ``anchor_pull``: 0..1, how far light saturated colours are compressed towards L* 50 rather
      than at constant L* (0 = always constant L*).
    """

    encoding: str = "bt709"
    l_min: float = 0.0
    l_max: float = 100.0
    overshoot: tuple[tuple[float, ...], ...] = field(default_factory=_zero_table)
    knee: float = 1.0
    max_knee: float = 0.4
    max_l_knee: float = 25.0
    anchor_pull: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "encoding", encoding_name(self.encoding))
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
        object.__setattr__(self, "_table", np.maximum(padded, 0.0))
        object.__setattr__(self, "_gauge", Gauge(self.encoding))

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
        A colour's overshoot is the CIELAB distance a hard clip (onto the surface, along its
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
        r, _ = sized._gauge(lab_l)  # type: ignore[attr-defined]
        over = np.zeros(len(px))
        out = np.flatnonzero(r > 1.0)
        if len(out):
            sub = lab_l[out]
            l_anchor = _anchor_l(sub[:, 0], np.hypot(sub[:, 1], sub[:, 2]), sized.anchor_pull)
            clipped, _ = _search_line(
                sized._gauge,  # type: ignore[attr-defined]
                sub,
                l_anchor,
                r[out],
                np.ones(len(out)),
            )
            dist = np.linalg.norm(clipped - sub, axis=-1)
            over[out] = np.clip(dist - tolerance, 0.0, 200.0)
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
        return soft_clip_lightness(L, w_hi, w_lo)

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

    def _compress(self, lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(compressed CIELAB (N, 3), its linear RGB clipped to 0..1) of CIELAB (N, 3)."""
        L = self._compress_lightness(lab[:, 0])
        lab_l = np.stack([L, lab[:, 1], lab[:, 2]], axis=-1)
        r, lin = self._gauge(lab_l)  # type: ignore[attr-defined]
        # Only colours beyond the widest possible knee can change.
        idx = np.flatnonzero(r > 1.0 - self.max_knee)
        if len(idx):
            sub = lab_l[idx]
            r_k = r[idx]
            chroma = np.hypot(sub[:, 1], sub[:, 2])
            l_anchor = _anchor_l(sub[:, 0], chroma, self.anchor_pull)
            w_lab = self._knee_width(sub[:, 0], _hue_deg(sub))
            # CIELAB distance from the anchor to the surface along the line, about |lab - A| / r.
            surface = np.hypot(sub[:, 0] - l_anchor, chroma) / r_k
            w = np.minimum(w_lab / np.maximum(surface, 1e-6), self.max_knee)
            r_t = soft_knee(r_k, w, 1.0)
            move = np.flatnonzero(r_t < r_k)
            if len(move):
                points, lin_m = _search_line(
                    self._gauge,  # type: ignore[attr-defined]
                    sub[move],
                    l_anchor[move],
                    r_k[move],
                    r_t[move],
                )
                lab_l[idx[move]] = points
                lin[idx[move]] = lin_m
        return lab_l, np.clip(lin, 0.0, 1.0)

    def compress_lab(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (..., 3) -> CIELAB (..., 3) inside the gamut (up to rounding).

        Colours inside the gamut and below the knees are returned unchanged; the rest keep their
        CIELAB hue and lose chroma (and, if light and saturated, a little lightness) smoothly.
        """
        lab = self._check(lab)
        return self._compress(lab.reshape(-1, 3))[0].reshape(lab.shape)

    def compress_linear(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (..., 3) -> linear RGB (..., 3) in 0..1 after compression."""
        lab = self._check(lab)
        return self._compress(lab.reshape(-1, 3))[1].reshape(lab.shape)

    def __call__(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (..., 3) -> RGB code values (..., 3) in 0..1 of :attr:`encoding`."""
        return get_encoding(self.encoding).encode(self.compress_linear(lab))

    @staticmethod
    def _check(lab: np.ndarray) -> np.ndarray:
        lab = np.asarray(lab, dtype=np.float64)
        if lab.ndim < 1 or lab.shape[-1] != 3:
            raise BadInputError(f"expected CIELAB shaped (..., 3), got {lab.shape}")
        return lab

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
                anchor_pull=float(d.get("anchor_pull", 1.0)),
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
