"""Colour transfer methods: make one sample's colours look like another's.

``match`` and ``grade --ref`` fit a method from a SOURCE sample of CIELAB pixels (the clip to
grade) and a TARGET sample (the look to reach) and get a :class:`ColorTransform`: a pure,
vectorised function of RGB code values 0..1 that the engine bakes into a 3D LUT.

>>> t = fit_transfer("mkl", source_lab, target_lab, strength=0.8, encoding="bt709")
>>> graded = t(rgb)                      # (..., 3) 0..1 -> (..., 3) 0..1
>>> params = t.to_dict()                 # plain data; ColorTransform.from_dict(params) rebuilds it

Methods (:data:`METHODS`):

- ``reinhard``: per-channel mean / standard deviation in CIELAB (Reinhard et al. 2001).
- ``histogram``: per-channel CDF matching with smooth, monotone, slope-limited curves.
- ``mkl``: Monge-Kantorovich linear map of the CIELAB covariance (Pitie & Kokaram 2007).
- ``idt``: iterative distribution transfer (Pitie et al. 2005) fitted as a smooth map.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradecli.color.spaces import get_encoding
from gradecli.color.transfer.base import (
    ColorTransform,
    LabMap,
    as_lab_samples,
    check_strength,
    map_from_dict,
)
from gradecli.color.transfer.histogram import fit_histogram
from gradecli.color.transfer.idt import fit_idt
from gradecli.color.transfer.mkl import fit_mkl
from gradecli.color.transfer.reinhard import fit_reinhard
from gradecli.errors import BadInputError

__all__ = [
    "ColorTransform",
    "LabMap",
    "TransferMethod",
    "METHODS",
    "DEFAULT_METHOD",
    "fit_transfer",
    "get_method",
    "map_from_dict",
]


@dataclass(frozen=True)
class TransferMethod:
    """A registered method: its name, a one-line summary and its fit function.

    ``fit(source, target, *, seed, **options)`` takes validated CIELAB samples (N, 3) float64
    and returns a :class:`LabMap`; ``options`` names the keyword options it accepts.
    """

    name: str
    summary: str
    fit: Callable[..., LabMap]

    @property
    def options(self) -> tuple[str, ...]:
        params = inspect.signature(self.fit).parameters.values()
        return tuple(p.name for p in params if p.kind is p.KEYWORD_ONLY and p.name != "seed")


METHODS: dict[str, TransferMethod] = {
    m.name: m
    for m in (
        TransferMethod(
            "reinhard", "per-channel mean and standard deviation in CIELAB", fit_reinhard
        ),
        TransferMethod(
            "histogram", "per-channel CDF matching with smooth monotone curves", fit_histogram
        ),
        TransferMethod("mkl", "Monge-Kantorovich linear transfer of the covariance", fit_mkl),
        TransferMethod(
            "idt", "iterative distribution transfer, fitted as a smooth map of colour", fit_idt
        ),
    )
}

#: The method ``match`` and ``grade --ref`` use unless told otherwise. In
#: benchmarks/bench_transfer_methods.py IDT had by far the lowest same-content error (mean
#: CIEDE2000 0.8 against 2.0-2.4 for the others) and the second-smallest spread between N
#: different shots (after ``histogram``, whose per-channel curves bend L* the most), with no
#: grain amplification and a fit of about half a second. ``mkl`` is the conservative choice
#: (affine, exact, 4x faster to fit) when a reference is very unlike the clip.
DEFAULT_METHOD = "idt"


def get_method(name: str) -> TransferMethod:
    """Look a method up by name (case-insensitive); unknown names list the valid ones."""
    key = str(name).strip().lower()
    if key not in METHODS:
        raise BadInputError(
            f"unknown colour transfer method {name!r}; valid methods: {', '.join(METHODS)}"
        )
    return METHODS[key]


def fit_transfer(
    method: str,
    source_lab: np.ndarray,
    target_lab: np.ndarray,
    *,
    strength: float = 1.0,
    encoding: str = "bt709",
    seed: int = 0,
    **options: Any,
) -> ColorTransform:
    """Fit colour transfer ``method`` from ``source_lab`` to ``target_lab``.

    ``source_lab`` / ``target_lab``: float CIELAB pixels (..., 3), L* 0..100 (e.g. a few hundred
    thousand pixels sampled from several frames); non-finite rows are ignored.
    ``strength`` 0..1 blends the transfer with the identity in CIELAB (0 = no change).
    ``encoding`` ("srgb", "bt709", "bt2020") is the RGB encoding the returned transform reads and
    writes. ``seed`` makes randomised methods (``idt``) deterministic. ``options`` are
    method-specific (see each ``fit_*``); unknown ones raise :class:`BadInputError`.

    Returns a :class:`ColorTransform`: RGB (..., 3) 0..1 -> RGB (..., 3) 0..1.
    """
    m = get_method(method)
    unknown = sorted(set(options) - set(m.options))
    if unknown:
        raise BadInputError(
            f"{m.name}: unknown option(s) {', '.join(unknown)}; "
            f"valid: {', '.join(m.options) or 'none'}"
        )
    strength = check_strength(strength)
    enc = get_encoding(encoding).name
    src = as_lab_samples(source_lab, "source")
    tgt = as_lab_samples(target_lab, "target")
    lab_map = m.fit(src, tgt, seed=int(seed), **options)
    return ColorTransform(method=m.name, lab_map=lab_map, strength=strength, encoding=enc)
