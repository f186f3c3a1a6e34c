"""match's pairs: how far two clips' colours and looks are apart, before and after matching.

Looks are compared as ``verify --by look`` compares them (the ColorChecker rendered through each
clip's estimated look), and two clips of one scene by their colours
(gradecli.pipeline.scene_looks.scene_look_difference).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.look_estimate import ShotLook
from gradecli.color.lut import Lut
from gradecli.color.scene_balance import colour_balance
from gradecli.engine.analysis import ClipAnalysis
from gradecli.pipeline.match_result import ClipResult, MatchPair
from gradecli.pipeline.scene_looks import scene_look_difference
from gradecli.pipeline.shot_look import clip_picture

__all__ = ["ClipLooks", "clip_looks", "match_pairs"]


@dataclass(frozen=True)
class ClipLooks:
    """A clip's look before and after its LUTs, and what tells two clips of one scene apart
    exactly: its picture (the middle shot's) and that shot's colour balance before and after
    (gradecli.pipeline.scene_looks.scene_look_difference)."""

    before: ShotLook
    after: ShotLook
    picture: np.ndarray | None = None
    balance_before: np.ndarray | None = None
    balance_after: np.ndarray | None = None


def clip_looks(a: ClipAnalysis, before: ShotLook, after: ShotLook,
               written: list[tuple[int, Lut]], interpolation: str) -> ClipLooks:
    """:class:`ClipLooks` of an analysed clip with looks ``before`` and ``after`` and LUT
    schedule ``written`` (first frame, LUT) per shot, applied with ``interpolation``."""
    if not a.shots:
        return ClipLooks(before, after)
    m = len(a.shots) // 2
    rgb = a.shots[m].rgb.astype(np.float64)
    graded = written[m][1].apply(rgb, interpolation=interpolation)
    return ClipLooks(before, after, clip_picture(a), colour_balance(rgb, a.encoding),
                      colour_balance(graded, a.encoding))


def match_pairs(by_group: dict[int, list[ClipResult]], looks: dict[str, ClipLooks]
           ) -> list[MatchPair]:
    """Per pair of clips in a group: CIEDE2000 between mean colours and between looks (the
    ColorChecker rendered through each; for two clips of one scene, by their colours:
    scene_looks.scene_look_difference), before and after. ``looks``: by path."""
    pairs = []
    for members in by_group.values():
        for x, y in itertools.combinations(members, 2):
            lx, ly = looks[x.path], looks[y.path]
            pictures = (lx.picture, ly.picture)
            pairs.append(MatchPair(
                x.path, y.path,
                float(delta_e2000(x.before_mean_lab, y.before_mean_lab)),
                float(delta_e2000(x.after_mean_lab, y.after_mean_lab)),
                scene_look_difference(lx.before, ly.before, pictures,
                                      (lx.balance_before, ly.balance_before)),
                scene_look_difference(lx.after, ly.after, pictures,
                                      (lx.balance_after, ly.balance_after)),
            ))
    return pairs
