"""`verify`: are these clips and stills consistent in colour? (a CI gate on delivered footage)."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

import numpy as np

from gradecli.color.ciede2000 import delta_e2000
from gradecli.errors import BadInputError
from gradecli.pipeline.analysis import MediaProfile, check_media_path, profile_media
from gradecli.pipeline.scene_looks import profile_look_difference
from gradecli.pipeline.shot_look import default_max_de, same_scene

__all__ = ["PairResult", "VerifyResult", "verify"]


@dataclass(frozen=True)
class PairResult:
    """``delta_e00``: between mean colours; ``look_delta_e00``: the look difference (mean
    CIEDE2000 of the 24 ColorChecker patches rendered through the two estimated looks)."""

    a: str
    b: str
    delta_e00: float
    look_delta_e00: float = 0.0


@dataclass(frozen=True)
class VerifyResult:
    items: list[MediaProfile]
    pairs: list[PairResult]
    max_de: float
    #: What the verdict compares: "colour" (mean colours) or "look" (estimated looks).
    by: str = "colour"

    def value(self, p: PairResult) -> float:
        """The figure of pair ``p`` the verdict uses."""
        return p.look_delta_e00 if self.by == "look" else p.delta_e00

    @property
    def max_delta_e00(self) -> float:
        return max((self.value(p) for p in self.pairs), default=0.0)

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
                    "look": it.look.to_dict(),
                }
                for it in self.items
            ],
            "pairs": [
                {"a": p.a, "b": p.b, "delta_e00": p.delta_e00,
                 "look_delta_e00": p.look_delta_e00}
                for p in self.pairs
            ],
            "by": self.by,
            "max_delta_e00": self.max_delta_e00,
            "threshold": self.max_de,
            "passed": self.passed,
        }


def verify(
    paths: list[str | os.PathLike],
    max_de: float | None = None,
    frames: int = 48,
    by: str = "auto",
) -> VerifyResult:
    """Profile every input and compare every pair in CIEDE2000: their mean colours and their
    estimated looks; ``by`` ("colour", "look", or "auto": colour when every input shows the same
    scene, else look, as ``match --match auto`` decides) says which decides the verdict.

    Raises BadInputError (naming the file) for the first input that cannot be read.
    """
    if by not in ("auto", "colour", "look"):
        raise BadInputError(f"--by must be auto, colour or look, got {by!r}")
    if max_de is not None and (not np.isfinite(max_de) or max_de < 0):
        raise BadInputError(f"--max-de must be a non-negative number, got {max_de}")
    if frames < 1:
        raise BadInputError(f"--frames must be at least 1, got {frames}")
    for p in paths:  # every input checked before any decoding
        check_media_path(p)
    if len(paths) < 2:
        got = f"only {paths[0]}" if paths else "none"
        raise BadInputError(
            f"verify compares inputs pair by pair and needs at least two clips or stills ({got})"
        )
    items = [profile_media(p, frames=frames) for p in paths]
    if by == "auto":
        by = "colour" if same_scene([it.picture for it in items]) else "look"
    max_de = default_max_de(by, max_de)
    pairs = [
        PairResult(a.path, b.path, float(delta_e2000(a.stats.mean, b.stats.mean)),
                   profile_look_difference(a, b))
        for a, b in itertools.combinations(items, 2)
    ]
    return VerifyResult(items, pairs, max_de, by)
