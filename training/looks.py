"""Random looks for training and evaluating the style model: seeded generator -> 3D LUT table.

A look is a smooth map of R'G'B' code values 0..1 (sRGB) to 0..1, returned as the table of a
:class:`gradecli.color.lut.Lut`: float32 ``(S, S, S, 3)``, indexed ``table[r, g, b]`` (red index
first, as in gradecli), nodes evenly spaced over the unit cube. It is built, in this order, from:

1. channel mixing in code values (off-diagonal mixing or saturation about Rec.709 luma, rows
   normalised so that greys stay grey, plus an optional colour cast);
2. exposure: a linear-light gain of ``2 ** exposure`` with a smooth per-channel shoulder (tanh
   above linear 0.75), so that nothing is pushed past white (the grade model's gamut
   compression folds colours brighter than white back to grey, which no look should do);
3. :func:`gradecli.color.grade_model.apply_grade` with random :class:`GradeParams` (white
   balance temperature and tint, contrast and pivot, lift/gamma/gain per channel,
   saturation, vibrance, split toning, hue-range rotations, fades, highlight roll-off, teal &
   orange, bleach bypass) -- every control is switched on at random, so looks range from a
   single control to a dozen;
4. film-like tone curves per channel: a sigmoid toe and shoulder blended with the identity with
   its own black and white points (cross-processing when the channels differ), or a monotone
   PCHIP curve through random points;
5. a smooth random perturbation: a few Gaussian bumps in RGB that move colours by at most a few
   hundredths, slow enough to keep the map monotone;
6. a clip to 0..1.

Per-channel gains above 1 are folded into the exposure step (gains are divided by their
largest value), and a draw whose table is not monotone along each channel's own axis (a step
below -0.03 on a 17^3 grid) is drawn again, so every look is smooth and monotone per channel.

All random draws come from the ``numpy.random.Generator`` passed in and happen before any grid
is evaluated, so the same generator state gives the same look at every table size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import PchipInterpolator

from gradecli.color.grade_model import GradeParams, HueShift, apply_grade
from gradecli.color.lut import Lut
from gradecli.color.spaces import get_encoding

__all__ = [
    "Look",
    "identity_table",
    "is_monotone",
    "random_look",
    "random_looks",
    "sample_look",
]

_LUMA = np.array([0.2126, 0.7152, 0.0722])


def identity_table(size: int) -> np.ndarray:
    """The identity look: float32 (size, size, size, 3), ``[r, g, b] -> (r, g, b)``."""
    g = np.linspace(0.0, 1.0, size)
    return np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).astype(np.float32)


@dataclass(frozen=True)
class Look:
    """The drawn parameters of one look (see the module docstring for the order of steps).

    ``mix``: 3x3 matrix on code values (rows sum to 1 unless it has a cast), or None.
    ``exposure``: stops, applied in linear light with a shoulder towards white.
    ``params``: the grade model's controls. ``curves``: ``("film", m, black, white, p)`` with
    per-channel arrays, ``("pchip", ys)`` with (3, 5) monotone node values, or None.
    ``bumps``: (centres (K, 3), widths (K,), displacements (K, 3)) or None.
    """

    mix: np.ndarray | None = None
    exposure: float = 0.0
    params: GradeParams = field(default_factory=GradeParams)
    curves: tuple | None = None
    bumps: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    _tables: dict = field(default_factory=dict, repr=False, compare=False)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """Apply the look to R'G'B' (..., 3) 0..1; returns float64 (..., 3) in 0..1."""
        x = np.clip(np.asarray(rgb, dtype=np.float64), 0.0, 1.0)
        shape = x.shape
        x = x.reshape(-1, 3)
        if self.mix is not None:
            x = np.clip(x @ self.mix.T, 0.0, 1.0)
        if self.exposure != 0:
            x = _expose(x, self.exposure)
        if not self.params.is_neutral:
            x = apply_grade(self.params, x)
        if self.curves is not None:
            x = _apply_curves(self.curves, x)
        if self.bumps is not None:
            centres, widths, disp = self.bumps
            d2 = ((x[:, None, :] - centres[None]) ** 2).sum(-1)
            x = x + np.exp(-0.5 * d2 / widths[None] ** 2) @ disp
        return np.clip(x, 0.0, 1.0).reshape(shape)

    def table(self, size: int = 17) -> np.ndarray:
        """The look sampled on a ``size``-node grid: float32 (size, size, size, 3) (cached)."""
        if size not in self._tables:
            t = self(identity_table(size).astype(np.float64)).astype(np.float32)
            t.setflags(write=False)
            self._tables[size] = t
        return self._tables[size]

    def lut(self, size: int = 33) -> Lut:
        """The look as a gradecli :class:`Lut` of ``size`` nodes per axis."""
        return Lut(self.table(size).astype(np.float64), title="random look")


_SHOULDER = 0.75


def _expose(x: np.ndarray, stops: float) -> np.ndarray:
    """Linear-light gain ``2 ** stops`` on sRGB code values, with a tanh shoulder per channel."""
    enc = get_encoding("srgb")
    lin = enc.decode(x) * 2.0**stops
    if stops > 0:
        t = _SHOULDER
        lin = np.where(lin <= t, lin, t + (1.0 - t) * np.tanh((lin - t) / (1.0 - t)))
    return enc.encode(np.clip(lin, 0.0, 1.0))


def _apply_curves(curves: tuple, x: np.ndarray) -> np.ndarray:
    kind = curves[0]
    out = np.empty_like(x)
    if kind == "film":
        _, m, black, white, p = curves
        for c in range(3):
            v = x[:, c]
            s = v ** p[c] / (v ** p[c] + (1.0 - v) ** p[c] + 1e-12)
            y = (1.0 - m[c]) * v + m[c] * s
            out[:, c] = black[c] + (white[c] - black[c]) * y
        return out
    _, ys = curves
    nodes = np.linspace(0.0, 1.0, ys.shape[1])
    for c in range(3):
        out[:, c] = PchipInterpolator(nodes, ys[c])(x[:, c])
    return out


def _on(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


def _random_params(rng: np.random.Generator) -> tuple[GradeParams, float]:
    """Random grade controls and an exposure in stops (gains above 1 folded into it)."""
    kw: dict = {}
    exposure = 0.0
    if _on(rng, 0.5):
        exposure = float(np.clip(rng.normal(0.0, 0.45), -1.3, 1.3))
    if _on(rng, 0.6):
        kw["temperature"] = float(rng.uniform(-2200.0, 2200.0))
    if _on(rng, 0.45):
        kw["tint"] = float(rng.uniform(-45.0, 45.0))
    if _on(rng, 0.6):
        kw["contrast"] = float(rng.uniform(-0.45, 0.6))
        kw["pivot"] = float(rng.uniform(0.35, 0.65))
    if _on(rng, 0.5):
        kw["lift"] = tuple(float(v) for v in rng.normal(0.0, 0.035, 3) + rng.normal(0.0, 0.02))
        kw["gamma"] = tuple(float(v) for v in np.exp(rng.normal(0.0, 0.12, 3)))
        gain = np.exp(rng.normal(0.0, 0.08, 3))
        top = float(gain.max())
        if top > 1.0:  # code-value gain -> about 2.2x the stops in linear light
            exposure += 2.2 * np.log2(top)
            gain = gain / top
        kw["gain"] = tuple(float(v) for v in gain)
    if _on(rng, 0.6):
        kw["saturation"] = float(rng.uniform(-0.55, 0.4))
    if _on(rng, 0.3):
        kw["vibrance"] = float(rng.uniform(-0.5, 0.6))
    if _on(rng, 0.4):
        kw["shadow_hue"] = float(rng.uniform(0.0, 360.0))
        kw["shadow_amount"] = float(rng.uniform(0.1, 0.8))
    if _on(rng, 0.4):
        kw["highlight_hue"] = float(rng.uniform(0.0, 360.0))
        kw["highlight_amount"] = float(rng.uniform(0.1, 0.7))
        kw["split_balance"] = float(rng.uniform(-0.5, 0.5))
    if _on(rng, 0.25):
        kw["fade"] = float(rng.uniform(0.05, 0.45))
    if _on(rng, 0.25):
        kw["highlight_rolloff"] = float(rng.uniform(0.1, 0.8))
    if _on(rng, 0.3):
        shifts = []
        for _ in range(int(rng.integers(1, 3))):
            width = float(rng.uniform(30.0, 90.0))
            shifts.append(
                HueShift(
                    float(rng.uniform(0.0, 360.0)),
                    width,
                    float(rng.uniform(-0.4, 0.4) * width),
                    float(np.exp(rng.normal(0.0, 0.25))),
                )
            )
        kw["hue_shifts"] = tuple(shifts)
    if _on(rng, 0.2):
        kw["teal_orange"] = float(rng.uniform(0.2, 0.9))
    if _on(rng, 0.12):
        kw["bleach_bypass"] = float(rng.uniform(0.2, 0.7))
    return GradeParams(**kw), exposure


def _random_mix(rng: np.random.Generator) -> np.ndarray | None:
    if not _on(rng, 0.35):
        return None
    if _on(rng, 0.5):  # saturation about luma, as a matrix
        s = float(rng.uniform(0.4, 1.4))
        m = s * np.eye(3) + (1.0 - s) * np.ones((3, 1)) * _LUMA[None, :]
    else:
        m = np.eye(3) + rng.normal(0.0, 0.07, (3, 3)) * (1.0 - np.eye(3))
        m = m / m.sum(axis=1, keepdims=True)
    if _on(rng, 0.4):  # a colour cast: unequal row sums
        m = m * np.exp(rng.normal(0.0, 0.06, (3, 1)))
    return m


def _random_curves(rng: np.random.Generator) -> tuple | None:
    u = rng.random()
    if u < 0.3:
        base_m, base_p = rng.uniform(0.2, 0.8), rng.uniform(1.2, 2.2)
        base_b, base_w = rng.uniform(0.0, 0.08), rng.uniform(0.9, 1.0)
        m = np.clip(base_m + rng.normal(0.0, 0.08, 3), 0.0, 1.0)
        p = np.clip(base_p + rng.normal(0.0, 0.1, 3), 1.0, 2.5)
        black = np.clip(base_b + rng.normal(0.0, 0.015, 3), 0.0, 0.12)
        white = np.clip(base_w + rng.normal(0.0, 0.02, 3), 0.85, 1.0)
        return ("film", m, black, white, p)
    if u < 0.5:
        base = np.sort(rng.uniform(0.0, 1.0, 3))
        ys = np.empty((3, 5))
        for c in range(3):
            mid = np.sort(np.clip(base + rng.normal(0.0, 0.03, 3), 0.0, 1.0))
            inner = 0.5 * np.linspace(0.25, 0.75, 3) + 0.5 * mid  # halfway to a random curve
            ys[c] = [rng.uniform(0.0, 0.07), *inner, rng.uniform(0.92, 1.0)]
            ys[c] = np.maximum.accumulate(ys[c])
        return ("pchip", ys)
    return None


def _random_bumps(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    if not _on(rng, 0.4):
        return None
    k = int(rng.integers(2, 6))
    centres = rng.uniform(0.0, 1.0, (k, 3))
    widths = rng.uniform(0.15, 0.4, k)
    disp = rng.normal(0.0, 1.0, (k, 3))
    disp *= (rng.uniform(0.01, 0.04, k) / np.linalg.norm(disp, axis=1))[:, None]
    return centres, widths, disp


_CHECK_SIZE = 17
_MIN_STEP = -0.03
_TRIES = 10


def is_monotone(table: np.ndarray, min_step: float = _MIN_STEP) -> bool:
    """True when each output channel of ``table`` (S, S, S, 3) never falls by more than
    ``min_step`` (code values) between neighbouring nodes along its own input axis."""
    return all(float(np.diff(table[..., c], axis=c).min()) >= min_step for c in range(3))


def sample_look(rng: np.random.Generator, identity_prob: float = 0.04) -> Look:
    """Draw one random look (its parameters only; call ``.table(S)`` to sample it).

    With probability ``identity_prob`` the look is the identity. Draws that are not monotone
    per channel (:func:`is_monotone` on a 17^3 grid) are drawn again (up to 10 times, then the
    identity).
    """
    if _on(rng, identity_prob):
        return Look()
    for _ in range(_TRIES):
        mix = _random_mix(rng)
        params, exposure = _random_params(rng)
        curves = _random_curves(rng)
        bumps = _random_bumps(rng)
        look = Look(mix=mix, exposure=exposure, params=params, curves=curves, bumps=bumps)
        if is_monotone(look.table(_CHECK_SIZE)):
            return look
    return Look()


def random_look(rng: np.random.Generator, size: int = 17) -> np.ndarray:
    """One random look as a float32 (size, size, size, 3) table (``table[r, g, b]``)."""
    return sample_look(rng).table(size).copy()


def random_looks(seed: int, count: int, size: int = 17) -> np.ndarray:
    """``count`` looks from ``numpy.random.default_rng(seed)``: float32 (count, S, S, S, 3)."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, size, size, size, 3), dtype=np.float32)
    for i in range(count):
        out[i] = random_look(rng, size)
    return out
