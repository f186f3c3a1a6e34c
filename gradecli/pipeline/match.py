"""`match` and `grade --ref`: one look for many clips (or for a clip and a still), shot by shot.

Each input is analysed in one decode pass (hard cuts, colour samples per shot); a target look is
built (see :mod:`gradecli.pipeline.targets`); every shot gets a colour transfer fitted from its
samples to the target, baked into a 3D LUT and written as a .cube; then each clip is rendered
through its shots' LUTs. Before/after CIEDE2000 between clips is measured on the samples, through
the very LUTs that are written.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from gradecli import __version__
from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.grade_model import GradeParams
from gradecli.color.look_estimate import estimate_look, look_difference, mean_look
from gradecli.color.lut import Lut
from gradecli.color.spaces import rgb_to_lab
from gradecli.color.transfer import get_method
from gradecli.engine.analysis import ClipAnalysis, analyze_clip
from gradecli.engine.transcode import transcode
from gradecli.errors import BadInputError, GradeError
from gradecli.io.files import write_atomic
from gradecli.io.luts import write_lut
from gradecli.io.video import EncodeOptions, is_video_path
from gradecli.pipeline.analysis import analysis_encoding
from gradecli.pipeline.look import with_look
from gradecli.pipeline.paths import check_input
from gradecli.pipeline.shot_fit import ShotGoal, ShotInput, fit_shot_lut
from gradecli.pipeline.shot_look import (
    MATCH_MODES,
    default_max_de,
    measured_look,
    same_scene,
    target_look,
    unbarred,
)
from gradecli.pipeline.targets import Target, build_target, parse_target

__all__ = ["MatchOptions", "MatchResult", "ClipResult", "ShotResult", "match_clips"]


@dataclass(frozen=True)
class MatchOptions:
    """How to match: transfer method, target, strength 0..1, LUT size, grouping, rendering."""

    method: str = "auto"
    #: What is made equal: "look" (each shot's estimated grade removed, one target look given,
    #: content colours kept), "colour" (colour distributions: right for takes of one scene) or
    #: "auto" (colour when every clip shows the same scene, else look). An explicit
    #: colour-transfer ``method`` means "colour". Measured in benchmarks/bench_look_match.py.
    match: str = "auto"
    target: str = "average"
    strength: float = 1.0
    lut_size: int = 33
    groups: str = "none"  # or "auto"
    #: The verdict's threshold; None: 2.0 for mean colours, 4.0 for looks (DEFAULT_MAX_DE).
    max_de: float | None = None
    luts_only: bool = False
    jobs: int = 1
    detect_cuts: bool = True
    interpolation: str = "tetrahedral"
    encode: EncodeOptions = field(default_factory=EncodeOptions)
    seed: int = 0
    #: For consensus targets (average, median): how much of the difference in contrast (L*
    #: spread) between a shot and the target to remove, 0..1. Between different pictures much of
    #: that difference is content, not grade; colour balance and exposure are always matched.
    contrast: float = 0.5
    #: A parametric look applied after the transfer (``--adjust``), or None.
    look: GradeParams | None = None
    #: Where the style model runs (``--method model``): cpu, cuda or auto.
    device: str = "cpu"

    def validate(self) -> None:
        if self.method != "auto" and self.method not in MODEL_METHODS:
            get_method(self.method)
        if self.device not in ("cpu", "cuda", "auto"):
            raise BadInputError(f"--device must be cpu, cuda or auto, got {self.device!r}")
        if self.match not in MATCH_MODES:
            raise BadInputError(
                f"--match must be {' or '.join(MATCH_MODES)}, got {self.match!r}"
            )
        kind, _ = parse_target(self.target)
        if kind == "neutral" and resolve_mode(self, kind) != "look":
            raise BadInputError(
                "--target neutral needs --match look or auto and no --method (it removes looks)"
            )
        if not 0.0 <= self.strength <= 1.0:
            raise BadInputError(f"--strength must be in 0..1, got {self.strength}")
        if not 2 <= self.lut_size <= 129:
            raise BadInputError(f"--lut-size must be 2..129, got {self.lut_size}")
        if self.groups not in ("none", "auto"):
            raise BadInputError(f"--groups must be none or auto, got {self.groups!r}")
        if not 0.0 <= self.contrast <= 1.0:
            raise BadInputError(f"--contrast must be in 0..1, got {self.contrast}")
        if self.jobs < 1:
            raise BadInputError(f"--jobs must be at least 1, got {self.jobs}")


#: What ``--method auto`` (the default) uses, by target kind. A target that is one real clip or
#: still has a look in the whole shape of its colour distribution: move the whole distribution
#: (idt). A consensus of different pictures (average, median, a profile) is only meaningful in
#: its statistics: match means and covariance (mkl), which keeps pictures' structure best.
#: Measured in benchmarks/bench_match.py.
AUTO_METHOD = {
    "average": "mkl",
    "median": "mkl",
    "stats": "mkl",
    "first": "idt",
    "brightest": "idt",
    "hero": "idt",
    "ref": "idt",
}


#: The bundled style model (gradecli.models.style), by ``--method`` name -> weights variant.
MODEL_METHODS = {"model": "fp32", "model-int8": "int8"}


def resolve_method(method: str, target_kind: str) -> str:
    """The transfer method to use: ``method``, or for "auto" the one for ``target_kind``."""
    if method in MODEL_METHODS:
        return method
    return AUTO_METHOD[target_kind] if method == "auto" else get_method(method).name


def resolve_mode(opts: MatchOptions, target_kind: str, one_scene: bool = False) -> str:
    """"look", "colour" or "model": what a match does for a target of ``target_kind``. A
    ``stats:`` profile is a colour distribution, and an explicit transfer method (reinhard,
    histogram, mkl, idt) matches distributions, so both mean "colour"; ``--match auto`` means
    colour when the pictures show ``one_scene``, else look."""
    if opts.method in MODEL_METHODS:
        return "model"
    if target_kind == "stats" or opts.method != "auto":
        return "colour"
    if opts.match == "auto":
        return "colour" if one_scene else "look"
    return opts.match


def load_style_model(method: str, device: str):
    """The style model for ``--method model`` / ``model-int8`` (ONNX Runtime, lazily)."""
    from gradecli.models.style import StyleModel

    return StyleModel.load(variant=MODEL_METHODS[method], device=device)


def model_needs_picture(target: Target) -> None:
    if target.thumb is None:
        raise BadInputError(
            f"--method model needs a target with a picture (ref:IMAGE, hero:CLIP_OR_STILL, "
            f"first or brightest); {target.description} has none"
        )


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


@dataclass
class MatchResult:
    method: str
    target: str
    clips: list[ClipResult]
    failed: list[tuple[str, str]]
    groups: list[list[str]]
    pairs: list[dict]
    max_de: float
    report: str | None = None
    #: The ``--adjust`` look applied after matching (GradeParams.to_dict()), {} for none.
    adjustments: dict = field(default_factory=dict)
    #: Per input path, the LUT schedule written for it: [(first frame, Lut), ...] (not reported).
    luts: dict[str, list[tuple[int, Lut]]] = field(default_factory=dict, repr=False)
    #: What the verdict compares: "look" (look differences on a ColorChecker chart) or "colour"
    #: (mean colours).
    by: str = "colour"

    @property
    def _key(self) -> str:
        return "look_" if self.by == "look" else ""

    @property
    def max_before(self) -> float:
        return max((p[self._key + "before"] for p in self.pairs), default=0.0)

    @property
    def max_after(self) -> float:
        return max((p[self._key + "after"] for p in self.pairs), default=0.0)

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
            "clips": [{**c.__dict__, "shots": [s.__dict__ for s in c.shots]} for c in self.clips],
            "failed": [{"path": p, "error": e} for p, e in self.failed],
            "pairs": self.pairs,
            "max_delta_e00_before": self.max_before,
            "max_delta_e00_after": self.max_after,
            "threshold": self.max_de,
            "passed": self.passed,
            "by": self.by,
            "note": "before/after: CIEDE2000 between clips' mean CIELAB colours; look_before/"
            "look_after: mean CIEDE2000 between the 24 ColorChecker patches rendered through the "
            "two clips' estimated looks; 'after' applies each shot's LUT to the analysed samples; "
            "the verdict uses " + ("look_after" if self.by == "look" else "after"),
        }


def _group_clips(labs: list[np.ndarray], mode: str, gap: float = 20.0) -> list[int]:
    """Group ids per clip. ``auto``: clips whose mean L* differ by more than ``gap`` (a dark
    interior next to a bright exterior) go to different groups (single linkage on mean L*)."""
    if mode != "auto" or len(labs) < 2:
        return [0] * len(labs)
    lum = np.array([lab[:, 0].mean() for lab in labs])
    order = np.argsort(lum)
    groups = [0] * len(labs)
    g = 0
    for prev, cur in itertools.pairwise(order):
        if lum[cur] - lum[prev] > gap:
            g += 1
        groups[cur] = g
    groups[order[0]] = 0
    return groups





def _clip_thumb(a: ClipAnalysis) -> np.ndarray | None:
    """The picture of a clip's middle shot (for model targets)."""
    return a.shots[len(a.shots) // 2].thumb if a.shots else None


def _render(job: tuple) -> tuple[str, str | None]:
    src, dst, schedule, encode, bars = job
    try:
        transcode(src, dst, schedule, encode, keep_bars=bars)
        return src, None
    except GradeError as e:
        return src, str(e)


def match_clips(
    inputs: list[str | os.PathLike],
    out_dir: str | os.PathLike,
    options: MatchOptions | None = None,
    *,
    on_clip: Callable[[str, str], None] | None = None,
    progress=None,
) -> MatchResult:
    """Match ``inputs`` (clips) to one look and write graded clips, LUTs and a JSON report.

    ``on_clip(path, status)`` is told what happens ("analysed", "rendered", "failed: ...").
    Raises BadInputError when fewer than two inputs can be used.
    """
    opts = options or MatchOptions()
    opts.validate()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BadInputError(f"{out}: output must be a folder")
    paths = [Path(p) for p in inputs]
    names = [p.name for p in paths]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise BadInputError(f"two inputs share the name {dup[0]}; outputs would collide")
    for p in paths:
        if out.exists() and (out / p.name).resolve() == p.resolve():
            raise BadInputError(f"{p}: output folder is the input's folder; refusing to overwrite")

    def analyse(p: Path) -> ClipAnalysis:
        check_input(p)
        if not is_video_path(p):
            raise BadInputError(f"{p}: not a video (use grade for stills)")
        return analyze_clip(
            p,
            encoding=lambda info: analysis_encoding(info.ycbcr.matrix),
            detect_shots=opts.detect_cuts,
            seed=opts.seed,
        )

    analyses: list[ClipAnalysis] = []
    failed: list[tuple[str, str]] = []
    # Two clips at a time: one thread's Python work overlaps the other's decoding.
    pool = ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1, len(paths))),
                              thread_name_prefix="gradecli-analyse")
    try:
        futures = [pool.submit(analyse, p) for p in paths]
        for p, fut in zip(paths, futures, strict=True):
            try:
                analyses.append(fut.result())
                if on_clip:
                    on_clip(
                        str(p),
                        f"analysed: {analyses[-1].frames} frames, "
                        f"{len(analyses[-1].shots)} shot(s)",
                    )
            except BadInputError as e:
                failed.append((str(p), str(e)))
                if on_clip:
                    on_clip(str(p), f"failed: {e}")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if len(analyses) < 2:
        why = "; ".join(e for _, e in failed)
        raise BadInputError(
            f"match needs at least two usable clips, got {len(analyses)}"
            + (f" ({why})" if why else "")
        )
    out.mkdir(parents=True, exist_ok=True)
    target = _outside_hero(opts.target, paths, analyse)
    return grade_analyses(analyses, failed, out, opts, target=target, on_clip=on_clip,
                           progress=progress)


def _outside_hero(spec: str, paths: list[Path], analyse) -> Target | None:
    """For ``hero:CLIP`` naming a clip that is not among ``paths``: the target made from its own
    analysis (the clip is analysed, not rendered); else None."""
    kind, arg = parse_target(spec)
    if kind != "hero" or arg is None:
        return None
    p = Path(arg)
    if any(p.resolve() == q.resolve() for q in paths) or not is_video_path(p):
        return None
    a = analyse(p)
    lab = rgb_to_lab(a.rgb, a.encoding)
    return Target("hero", f"hero {p.name} (not rendered)", lab[:: max(1, len(lab) // 60000)],
                  None, unbarred(a, _clip_thumb(a)))


def _render_all(jobs: list[tuple], workers: int, results: list[ClipResult],
                failed: list[tuple[str, str]], on_clip, progress) -> None:
    """Render every job (one clip, in parallel processes when ``workers`` > 1); a failed clip is
    added to ``failed`` and loses its output in ``results``."""
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            outcomes = list(pool.map(_render, jobs))
    else:
        outcomes = []
        for src, dst, schedule, encode, bars in jobs:
            try:
                transcode(src, dst, schedule, encode, progress=progress, keep_bars=bars)
                outcomes.append((src, None))
            except GradeError as e:
                outcomes.append((src, str(e)))
    for src, err in outcomes:
        if err:
            failed.append((src, err))
            for r in results:
                if r.path == src:
                    r.output = None
        if on_clip:
            on_clip(src, f"failed: {err}" if err else "rendered")


def _pairs(by_group: dict[int, list[ClipResult]], looks: dict[str, tuple]) -> list[dict]:
    """Per pair of clips in a group: CIEDE2000 between mean colours and between looks (the
    ColorChecker rendered through each), before and after. ``looks``: path -> (before, after)."""
    pairs = []
    for members in by_group.values():
        for x, y in itertools.combinations(members, 2):
            pairs.append(
                {
                    "a": x.path,
                    "b": y.path,
                    "before": float(delta_e2000(x.before_mean_lab, y.before_mean_lab)),
                    "after": float(delta_e2000(x.after_mean_lab, y.after_mean_lab)),
                    "look_before": look_difference(looks[x.path][0], looks[y.path][0]),
                    "look_after": look_difference(looks[x.path][1], looks[y.path][1]),
                }
            )
    return pairs


def grade_analyses(
    analyses: list[ClipAnalysis],
    failed: list[tuple[str, str]],
    out: Path,
    opts: MatchOptions,
    *,
    target: Target | None = None,
    output_names: list[Path] | None = None,
    lut_names: list[Path] | None = None,
    on_clip=None,
    progress=None,
) -> MatchResult:
    labs = [rgb_to_lab(a.rgb, a.encoding) for a in analyses]
    group_ids = _group_clips(labs, opts.groups)
    results: list[ClipResult] = []
    jobs = []
    target_desc = []
    methods_used: list[str] = []
    luts_by_clip: dict[str, list[tuple[int, Lut]]] = {}
    clip_look_pairs: dict[str, tuple] = {}
    modes: list[str] = []
    for g in sorted(set(group_ids)):
        members = [i for i, gi in enumerate(group_ids) if gi == g]
        tgt = target or build_target(
            opts.target,
            [labs[i] for i in members],
            [analyses[i].path for i in members],
            thumbs=[_clip_thumb(analyses[i]) for i in members],
        )
        target_desc.append(tgt.description)
        hero = members[tgt.hero] if tgt.hero is not None else None
        pictures = [unbarred(analyses[i], _clip_thumb(analyses[i])) for i in members]
        if tgt.hero is None and tgt.thumb is not None:
            pictures.append(tgt.thumb)
        one_scene = tgt.kind != "neutral" and same_scene(pictures)
        mode = resolve_mode(opts, tgt.kind, one_scene)
        modes.append(mode)
        method = "look" if mode == "look" else resolve_method(opts.method, tgt.kind)
        methods_used.append(method)
        model = None
        if method in MODEL_METHODS:
            model_needs_picture(tgt)
            model = load_style_model(method, opts.device)
        looks = {
            i: [estimate_look(s.rgb, analyses[i].encoding, unbarred(analyses[i], s.thumb))
                for s in analyses[i].shots]
            for i in members
        }
        clip_looks = [
            mean_look(looks[i], [len(s.rgb) for s in analyses[i].shots]) for i in members
        ]
        goal = None
        if mode == "look":
            goal = target_look(tgt, clip_looks, [len(analyses[i].rgb) for i in members],
                               analyses[members[0]].encoding)
        for i in members:
            a = analyses[i]
            stem = a.path.stem
            shots: list[ShotResult] = []
            schedule = []
            written: list[tuple[int, Lut]] = []
            shot_after_looks = []
            for shot, src_look in zip(a.shots, looks[i], strict=True):
                src_lab = labs[i] if len(a.shots) == 1 else rgb_to_lab(shot.rgb, a.encoding)
                after_mean = None  # the mean of the shot's samples through the LUT, if known
                if i == hero:
                    lut = Lut.identity(opts.lut_size)
                else:
                    pic = shot.thumb if shot.thumb is not None else _clip_thumb(a)
                    fit = fit_shot_lut(
                        ShotInput(shot.rgb, src_lab, pic, a.encoding, src_look),
                        ShotGoal(mode, method, tgt, goal, model),
                        opts,
                    )
                    lut, after_mean = fit.lut, fit.after_mean
                if opts.look is not None:
                    lut = with_look(lut, opts.look, a.encoding)
                    after_mean = None
                lut = dataclasses.replace(
                    lut,
                    title=f"gradecli {method} {stem} shot {shot.index + 1}",
                    comments=(
                        f"gradecli {__version__} match: {a.path.name} frames "
                        f"{shot.start}-{shot.end - 1} -> {tgt.description}",
                    ),
                )
                if lut_names is not None:
                    base = lut_names[i]
                    name = (
                        base
                        if len(a.shots) == 1
                        else base.with_name(f"{base.stem}.shot{shot.index + 1:02d}{base.suffix}")
                    )
                else:
                    name = out / (
                        f"{stem}.cube"
                        if len(a.shots) == 1
                        else f"{stem}.shot{shot.index + 1:02d}.cube"
                    )
                write_lut(lut, name)
                after = None
                if after_mean is None or opts.interpolation != "tetrahedral":
                    after = lut.apply(shot.rgb.astype(np.float64),
                                      interpolation=opts.interpolation)
                    after_mean = rgb_to_lab(after, a.encoding).mean(axis=0)
                after_look = measured_look(
                    lut, shot.rgb if after is None else None, a.encoding,
                    unbarred(a, shot.thumb), graded=after,
                )
                shots.append(
                    ShotResult(
                        shot.index,
                        shot.start,
                        shot.end,
                        shot.start_s,
                        shot.end_s,
                        str(name),
                        src_lab.mean(axis=0).tolist(),
                        after_mean.tolist(),
                        src_look.to_dict(),
                        after_look.to_dict(),
                    )
                )
                shot_after_looks.append(after_look)
                schedule.append((shot.start, partial(lut.apply, interpolation=opts.interpolation)))
                written.append((shot.start, lut))
            luts_by_clip[str(a.path)] = written
            weights = np.array([len(s.rgb) for s in a.shots], float)
            before = np.average([s.before_mean_lab for s in shots], axis=0, weights=weights)
            after = np.average([s.after_mean_lab for s in shots], axis=0, weights=weights)
            look_pair = (clip_looks[members.index(i)],
                         mean_look(shot_after_looks, weights.tolist()))
            dst = output_names[i] if output_names is not None else out / a.path.name
            results.append(
                ClipResult(
                    str(a.path),
                    None if opts.luts_only else str(dst),
                    g,
                    a.frames,
                    a.cuts,
                    shots,
                    before.tolist(),
                    after.tolist(),
                    look_pair[0].to_dict(),
                    look_pair[1].to_dict(),
                )
            )
            clip_look_pairs[str(a.path)] = look_pair
            if not opts.luts_only:
                jobs.append((str(a.path), str(dst), schedule, opts.encode, a.bars))
    if jobs:
        _render_all(jobs, opts.jobs, results, failed, on_clip, progress)
    by_group: dict[int, list[ClipResult]] = {}
    for r in results:
        by_group.setdefault(r.group, []).append(r)
    pairs = _pairs(by_group, clip_look_pairs)
    groups = [[r.path for r in m] for m in by_group.values()]
    result = MatchResult(
        "/".join(dict.fromkeys(methods_used)),
        "; ".join(dict.fromkeys(target_desc)),
        results,
        failed,
        groups,
        pairs,
        default_max_de("look" if "look" in modes else "colour", opts.max_de),
        adjustments=opts.look.to_dict() if opts.look is not None else {},
        luts=luts_by_clip,
        by="look" if "look" in modes else "colour",
    )
    return result


def write_report(result: MatchResult, path: str | os.PathLike) -> None:
    """Write the JSON report atomically."""
    write_atomic(path, json.dumps(result.to_dict(), indent=2).encode("utf-8"))
    result.report = str(path)
