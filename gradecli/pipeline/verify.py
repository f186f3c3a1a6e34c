"""`verify`: are these clips and stills consistent in colour? (a CI gate on delivered footage)."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

import numpy as np

from gradecli.color.ciede2000 import delta_e2000
from gradecli.errors import BadInputError
from gradecli.pipeline.analysis import MediaProfile, profile_media

__all__ = ["PairResult", "VerifyResult", "verify"]


@dataclass(frozen=True)
class PairResult:
    a: str
    b: str
    delta_e00: float


@dataclass(frozen=True)
class VerifyResult:
    items: list[MediaProfile]
    pairs: list[PairResult]
    max_de: float

    @property
    def max_delta_e00(self) -> float:
        return max((p.delta_e00 for p in self.pairs), default=0.0)

    @property
    def passed(self) -> bool:
        return self.max_delta_e00 <= self.max_de

    def to_dict(self) -> dict:
        return {
            "items": [
                {
                    "path": it.path,
                    "kind": it.kind,
                    "frames": it.frames,
                    "mean_lab": list(it.stats.mean),
                    "std_lab": list(it.stats.std),
                }
                for it in self.items
            ],
            "pairs": [{"a": p.a, "b": p.b, "delta_e00": p.delta_e00} for p in self.pairs],
            "max_delta_e00": self.max_delta_e00,
            "threshold": self.max_de,
            "passed": self.passed,
        }


def verify(paths: list[str | os.PathLike], max_de: float = 2.0, frames: int = 48) -> VerifyResult:
    """Profile every input and compare the mean colours of every pair in CIEDE2000.

    Raises BadInputError (naming the file) for the first input that cannot be read.
    """
    if not paths:
        raise BadInputError("verify needs at least one clip or image")
    if not np.isfinite(max_de) or max_de < 0:
        raise BadInputError(f"--max-de must be a non-negative number, got {max_de}")
    items = [profile_media(p, frames=frames) for p in paths]
    pairs = [
        PairResult(a.path, b.path, float(delta_e2000(a.stats.mean, b.stats.mean)))
        for a, b in itertools.combinations(items, 2)
    ]
    return VerifyResult(items, pairs, max_de)
