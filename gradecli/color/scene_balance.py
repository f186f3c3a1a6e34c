"""How the grades of two pictures of one scene differ, measured from their colours.

Two pictures of the same scene (two takes, two cameras on one set) show the same content, so
the change of grade between them can be read from their colours directly, where a single
picture's grade cannot be told from its content. A change of white balance and exposure scales
each linear-light channel by a gain; so it scales every percentile of that channel, until the
channel clips (or sinks into coding noise near black). Comparing percentiles rather than
means keeps clipped highlights out: a warm take with its reds clipped over a quarter of the
picture still measures its red gain from the unclipped percentiles.

Arrays: R'G'B' code values (N, 3) float 0..1 in one encoding (see gradecli.color.spaces).
"""

from __future__ import annotations

import numpy as np

from gradecli.color.spaces import get_encoding

__all__ = ["GAIN_SPREAD", "balance_change", "colour_balance", "gain_spread"]

#: The percentiles of each linear channel a colour balance keeps, and the range of linear
#: values in which a pair of them is compared: a cast scales every percentile of a channel by
#: its gain until it clips (or sinks into coding noise near black).
_LEVELS = np.arange(5.0, 96.0, 5.0)
_USABLE = (0.003, 0.9)
#: Largest :func:`gain_spread` of two pictures that differ by a change of white balance and
#: exposure. Measured: the bundled Caminandes excerpt against its FFmpeg 3500 K copy, shot by
#: shot, 0.014-0.069; takes in different casts of the test pictures 0.00-0.035; different photos
#: whose lightness layouts correlate above 0.8 (a mountain meadow, dandelions, dune grass)
#: 0.64-0.96.
GAIN_SPREAD = 0.12


def colour_balance(rgb: np.ndarray, encoding: str = "srgb") -> np.ndarray:
    """The percentiles (5, 10, ... 95) of each linear-light channel of the samples ``rgb``
    (N, 3) R'G'B' 0..1, as (3, 19) linear values 0..1: what :func:`balance_change` compares
    between two pictures of one scene."""
    lin = get_encoding(encoding).decode(np.clip(np.asarray(rgb, np.float64).reshape(-1, 3),
                                                0.0, 1.0))
    if not len(lin):
        return np.zeros((3, len(_LEVELS)))
    return np.percentile(lin, _LEVELS, axis=0).T


def balance_change(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How the grade of a shot ``b`` differs from that of a shot ``a`` of the same scene, from
    their :func:`colour_balance`: the natural logarithms of the linear-light gains (R, G, B)
    taking ``a`` to ``b``, each the median ratio of the channel's percentiles where both lie in
    the usable range (neither clipped nor near black; a channel with none counts as
    unchanged)."""
    return np.array([float(np.median(r)) if len(r) else 0.0 for r in _log_ratios(a, b)])


def gain_spread(a: np.ndarray, b: np.ndarray) -> float:
    """How far two pictures' colours are from differing by per-channel gains, from their
    :func:`colour_balance`: the largest over R, G, B of the median absolute deviation of the
    log ratios of their usable percentiles (0 for an exact change of white balance and exposure;
    inf where a channel has fewer than three usable percentiles)."""
    ratios = _log_ratios(a, b)
    if any(len(r) < 3 for r in ratios):
        return float("inf")
    return max(float(np.median(np.abs(r - np.median(r)))) for r in ratios)


def _log_ratios(a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """Per channel, log(b / a) of the percentiles where both lie in the usable range."""
    ok = (a > _USABLE[0]) & (a < _USABLE[1]) & (b > _USABLE[0]) & (b < _USABLE[1])
    return [np.log(b[c][ok[c]] / a[c][ok[c]]) for c in range(3)]
