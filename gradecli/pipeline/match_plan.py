"""Before ``match`` decodes anything: every option, input and output checked, and the plan.

The plan is what ``match --dry-run`` prints: per input its size, duration and frame rate (read
from the file's header), the graded clip, its LUTs and whether that output exists, plus the
report. Existing outputs follow ``overwrite`` (gradecli.pipeline.batch.output_exists): "error"
refuses, "yes" replaces, "skip" leaves a clip whose graded file exists unrendered (its LUTs and
the report are written again, identical for the same inputs), so a farm job can resume.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gradecli.errors import BadInputError, VideoError
from gradecli.io.video import VideoInfo, is_video_path, probe_video
from gradecli.pipeline.batch import output_exists
from gradecli.pipeline.options import MatchOptions
from gradecli.pipeline.paths import check_input

__all__ = ["ClipPlan", "MatchPlan", "plan_match", "REPORT_NAME"]

REPORT_NAME = "match_report.json"


@dataclass(frozen=True)
class ClipPlan:
    """One input: its header's description, where its graded clip and LUTs go, and whether
    its graded clip is left as it is (``skip``: it exists and --skip-existing was given)."""

    input: Path
    info: VideoInfo
    output: Path
    luts: str
    skip: bool = False

    def to_dict(self) -> dict:
        i = self.info
        return {"input": str(self.input), "output": str(self.output), "luts": self.luts,
                "size": [i.width, i.height], "duration_s": i.duration_s,
                "frame_rate": float(i.frame_rate), "exists": self.output.exists(),
                "render": not self.skip}


@dataclass(frozen=True)
class MatchPlan:
    """The clips to match, the inputs that cannot be read (path, error: reported and skipped,
    as a broken clip in a batch is), the output folder and report, the options."""

    clips: list[ClipPlan]
    failed: list[tuple[str, str]]
    folder: Path
    report: Path
    options: MatchOptions

    def to_dict(self) -> dict:
        o = self.options
        return {"folder": str(self.folder), "report": str(self.report),
                "clips": [c.to_dict() for c in self.clips],
                "failed": [{"path": p, "error": e} for p, e in self.failed], "match": o.match,
                "method": o.method, "target": o.target, "luts_only": o.luts_only,
                "shots": "found by the analysis pass (cut detection)" if o.detect_cuts
                else "one per clip (--no-cuts)"}


def _existing_luts(folder: Path, stem: str) -> list[Path]:
    return sorted(p for p in [folder / f"{stem}.cube", *folder.glob(f"{stem}.shot*.cube")]
                  if p.exists())


def plan_match(inputs: list[str | os.PathLike], out_dir: str | os.PathLike,
               opts: MatchOptions, overwrite: str = "yes") -> MatchPlan:
    """Check everything that can be checked without decoding and say what match will write.
    Raises BadInputError naming the first problem."""
    opts.validate()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BadInputError(f"{out}: output must be a folder")
    paths = [Path(p) for p in inputs]
    if len(paths) < 2:
        raise BadInputError(f"match makes clips agree and needs at least two, got {len(paths)}")
    names = [p.name for p in paths]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise BadInputError(f"two inputs share the name {dup[0]}; outputs would collide")
    for p in paths:
        check_input(p)
        if not is_video_path(p):
            raise BadInputError(f"{p}: not a video (use grade for stills)")
        if out.exists() and (out / p.name).resolve() == p.resolve():
            raise BadInputError(f"{p}: output folder is the input's folder; refusing to overwrite")
    infos: dict[Path, VideoInfo] = {}
    failed: list[tuple[str, str]] = []
    for p in paths:
        try:
            infos[p] = probe_video(p)
        except VideoError as e:  # a broken clip is reported and skipped, the others go on
            failed.append((str(p), str(e)))
    report = out / "match_report.json"
    if overwrite == "error":
        output_exists(report, overwrite)
    clips = []
    for p, info in infos.items():
        dst = out / p.name
        if overwrite == "error":
            for lut in _existing_luts(out, p.stem):
                output_exists(lut, overwrite)
        skip = not opts.luts_only and output_exists(dst, overwrite)
        luts = f"{p.stem}.cube" + ("" if not opts.detect_cuts else f" or {p.stem}.shotNN.cube")
        clips.append(ClipPlan(p, info, dst, str(out / luts), skip))
    return MatchPlan(clips, failed, out, report, opts)
