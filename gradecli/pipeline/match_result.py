"""What ``match`` (and ``grade --ref`` on clips) returns: per shot, per clip, per pair, overall.

Plain dataclasses that the CLI renders and :func:`write_report` serialises as
``match_report.json``. CIEDE2000 figures are ΔE00 (0 = equal); mean colours are CIELAB (L* 0..100).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from gradecli import __version__
from gradecli.color.lut import Lut
from gradecli.io.files import write_atomic

__all__ = ["ShotResult", "ClipResult", "MatchPair", "MatchResult", "scene_partners",
           "scene_words", "write_report"]


@dataclass
class ShotResult:
    index: int
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    lut: str | None
    before_mean_lab: list[float]
    after_mean_lab: list[float]
    #: The shot's estimated look (ShotLook.to_dict()) before and after its LUT.
    look_before: dict = field(default_factory=dict)
    look_after: dict = field(default_factory=dict)
    #: Look matching: the share 0..1 of the change of cast and exposure towards the target look
    #: that was made; the rest was within the estimator's content noise. None in other modes.
    look_change: float | None = None
    #: Look matching, a shot whose scene another shot (or the target's own picture) shows too
    #: (gradecli.pipeline.scene_looks): the scene's number (0, 1, ...) and the share 0..1 of
    #: the change from the scene's mean look to the target that was made (1: the scene shows
    #: the target); the shot then moved to that level in full (look_change 1). None otherwise.
    scene: int | None = None
    scene_change: float | None = None


@dataclass
class ClipResult:
    path: str
    output: str | None
    group: int
    frames: int
    cuts: list[int]
    shots: list[ShotResult]
    before_mean_lab: list[float]
    after_mean_lab: list[float]
    look_before: dict = field(default_factory=dict)
    look_after: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MatchPair:
    """Two clips of one group: CIEDE2000 between their mean colours and between their looks
    (the ColorChecker rendered through each), before and after matching."""

    a: str
    b: str
    before: float
    after: float
    look_before: float
    look_after: float
    #: The verdict's figure (mean colours or looks, as the result's ``by``) measured on the two
    #: rendered clips' graded frames as they were encoded, profiled exactly as ``verify``
    #: profiles a file (gradecli.pipeline.match_gate); None when no video
    #: was rendered (then "after" is an estimate: each shot's LUT on the analysed frames).
    rendered: float | None = None

    def value(self, by: str, when: str) -> float:
        """The figure a verdict ``by`` "look" or "colour" reads, ``when`` "before"/"after"
        (after: on the rendered clips where they were measured)."""
        if when == "after" and self.rendered is not None:
            return self.rendered
        return getattr(self, f"look_{when}" if by == "look" else when)


@dataclass
class MatchResult:
    method: str
    target: str
    clips: list[ClipResult]
    failed: list[tuple[str, str]]
    groups: list[list[str]]
    pairs: list[MatchPair]
    max_de: float
    report: str | None = None
    #: The ``--adjust`` look applied after matching (GradeParams.to_dict()), {} for none.
    adjustments: dict = field(default_factory=dict)
    #: Per input path, the LUT schedule written for it: [(first frame, Lut), ...] (not reported).
    luts: dict[str, list[tuple[int, Lut]]] = field(default_factory=dict, repr=False)
    #: What the verdict compares: "look" (look differences on a ColorChecker chart) or "colour"
    #: (mean colours).
    by: str = "colour"
    #: The kind of ``--target`` (gradecli.pipeline.targets.TARGET_KINDS: "average", "ref" ...);
    #: ``target`` is its description.
    target_kind: str = "average"
    #: Where the "after" figures of the verdict come from: "rendered clips" (profiled as
    #: verify profiles them) or "analysed frames" (LUTs on the analysis samples: an estimate,
    #: when no video was rendered).
    measured: str = "analysed frames"
    #: The options of the run (MatchOptions as plain values) and its phases' seconds.
    options: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    @property
    def max_before(self) -> float:
        return max((p.value(self.by, "before") for p in self.pairs), default=0.0)

    @property
    def max_after(self) -> float:
        return max((p.value(self.by, "after") for p in self.pairs), default=0.0)

    @property
    def looks_left(self) -> bool:
        """True when look matching changed no shot's cast or exposure: every difference was
        within what content alone makes the estimates differ."""
        shares = [s.look_change for c in self.clips for s in c.shots
                  if s.look_change is not None]
        return bool(shares) and max(shares) == 0.0

    @property
    def passed(self) -> bool:
        return not self.failed and self.max_after <= self.max_de

    def to_dict(self) -> dict:
        return {
            "gradecli": __version__,
            "method": self.method,
            "target": self.target,
            "adjustments": self.adjustments,
            "groups": self.groups,
            "clips": [dataclasses.asdict(c) for c in self.clips],
            "failed": [{"path": p, "error": e} for p, e in self.failed],
            "pairs": [dataclasses.asdict(p) for p in self.pairs],
            "max_delta_e00_before": self.max_before,
            "max_delta_e00_after": self.max_after,
            "threshold": self.max_de,
            "passed": self.passed,
            "by": self.by,
            "measured": self.measured,
            "options": self.options,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "note": "before/after: CIEDE2000 between clips' mean CIELAB colours; look_before/"
            "look_after: mean CIEDE2000 between the 24 ColorChecker patches rendered through the "
            "two clips' estimated looks; 'after' applies each shot's LUT to the analysed samples; "
            "'rendered': the verdict's figure on the rendered clips, as verify measures it. The "
            "verdict uses " + ("rendered" if self.measured == "rendered clips" else
                               "look_after" if self.by == "look" else "after"),
        }


def scene_partners(scenes_by_clip: dict[str, set[int]]) -> dict[str, list[str]]:
    """Clip path -> the other clips (paths, in order) with a shot in one of its scenes
    (ShotResult.scene), from each clip's set of scene numbers; clips without one are left
    out."""
    out = {}
    for path, mine in scenes_by_clip.items():
        others = [p for p, theirs in scenes_by_clip.items() if p != path and mine & theirs]
        if others:
            out[path] = others
    return out


def scene_words(partners: list[str]) -> str:
    """"same scene as b.mp4, c.mp4 (matched by colour)" for the clips :func:`scene_partners`
    gives a clip ("" for none)."""
    if not partners:
        return ""
    return f"same scene as {', '.join(Path(p).name for p in partners)} (matched by colour)"


def write_report(result: MatchResult, path: str | os.PathLike) -> None:
    """Write the JSON report atomically."""
    write_atomic(path, json.dumps(result.to_dict(), indent=2).encode("utf-8"))
    result.report = str(path)
