"""`match` and `grade --ref`: one look for many clips (or for a clip and a still), shot by shot.

Each input is analysed in one decode pass (hard cuts, colour samples per shot); a target look is
built (see :mod:`gradecli.pipeline.targets`); every shot gets a LUT towards it
(:mod:`gradecli.pipeline.shot_fit`: its estimated look removed and the target's given, or a
colour transfer for takes of one scene), written as a .cube; then each clip is rendered through
its shots' LUTs (:mod:`gradecli.pipeline.render`). Before/after CIEDE2000 between clips is
measured on the samples, through the very LUTs that are written.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gradecli import __version__
from gradecli.color.look_estimate import ShotLook, mean_look
from gradecli.color.lut import Lut
from gradecli.color.masks import SkinModel
from gradecli.color.spaces import rgb_to_lab
from gradecli.engine.analysis import ClipAnalysis, ShotSamples, analyze_clip
from gradecli.errors import BadInputError
from gradecli.io.luts import write_lut
from gradecli.io.video import is_video_path
from gradecli.pipeline.analysis import MediaProfile, analysis_encoding
from gradecli.pipeline.look import with_look
from gradecli.pipeline.match_gate import VERIFY_FRAMES, measure_rendered
from gradecli.pipeline.match_pairs import ClipLooks, clip_looks, match_pairs
from gradecli.pipeline.match_plan import plan_match
from gradecli.pipeline.match_result import (
    ClipResult,
    MatchPair,
    MatchResult,
    ShotResult,
    write_report,
)
from gradecli.pipeline.options import (
    AUTO_METHOD,
    MODEL_METHODS,
    MatchOptions,
    load_style_model,
    model_needs_picture,
    resolve_method,
    resolve_mode,
)
from gradecli.pipeline.protect import face_skin_model
from gradecli.pipeline.reference import clip_target
from gradecli.pipeline.render import PhaseFn, RenderJob, RenderOutcome, render_all
from gradecli.pipeline.scene_looks import SceneShift, clip_scene_shifts, shifted
from gradecli.pipeline.shot_fit import ShotGoal, ShotInput, fit_shot_lut
from gradecli.pipeline.shot_look import (
    clip_look,
    clip_picture,
    clip_thumb,
    default_max_de,
    measured_look,
    same_scene,
    scene_noise_scale,
    shot_looks,
    target_look,
    target_noise_scale,
    unbarred,
)
from gradecli.pipeline.targets import Target, build_target, parse_target

__all__ = ["MatchOptions", "MatchResult", "ClipResult", "ShotResult", "MatchPair", "match_clips",
           "grade_analyses", "write_report", "AUTO_METHOD", "MODEL_METHODS", "resolve_method",
           "resolve_mode"]

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





def match_clips(
    inputs: list[str | os.PathLike],
    out_dir: str | os.PathLike,
    options: MatchOptions | None = None,
    *,
    on_clip: Callable[[str, str], None] | None = None,
    progress: PhaseFn | None = None,
    overwrite: str = "yes",
    on_fitted: Callable[[MatchResult], None] | None = None,
) -> MatchResult:
    """Match ``inputs`` (clips) to one look and write graded clips, LUTs and a JSON report.

    Everything is checked first (gradecli.pipeline.match_plan; ``overwrite`` says what happens
    to outputs that exist). ``on_clip(path, status)`` is told what happens ("analysed",
    "rendered", "failed: ..."); ``progress`` starts each phase's progress. The verdict is
    measured on the rendered clips' graded frames as they were encoded, profiled as ``verify``
    profiles a file (on the analysed frames with ``luts_only``). ``on_fitted`` as for
    :func:`grade_analyses`. Raises BadInputError when fewer than two inputs can be used.
    """
    opts = options or MatchOptions()
    plan = plan_match(inputs, out_dir, opts, overwrite)
    failed = list(plan.failed)
    if on_clip:
        for path, err in failed:
            on_clip(path, f"failed: {err}")
    clock = time.perf_counter()
    analyses = _analyse_all(plan, opts, failed, on_clip, progress)
    timings = {"analysis": time.perf_counter() - clock}
    if len(analyses) < 2:
        why = "; ".join(e for _, e in failed)
        raise BadInputError(
            f"match needs at least two usable clips, got {len(analyses)}"
            + (f" ({why})" if why else "")
        )
    plan.folder.mkdir(parents=True, exist_ok=True)
    target = _outside_clip_target(opts.target, [c.input for c in plan.clips], _analyser(opts))
    skip = {str(c.input) for c in plan.clips if c.skip}
    clock = time.perf_counter()
    result = grade_analyses(analyses, failed, plan.folder, opts, target=target, on_clip=on_clip,
                            progress=progress, skip_render=skip, on_fitted=on_fitted,
                            gate_frames=VERIFY_FRAMES)
    timings["fitting, rendering and measuring"] = time.perf_counter() - clock
    return dataclasses.replace(result, options=opts.to_dict(), timings=timings)


def _analyser(opts: MatchOptions, progress=None) -> Callable[[Path], ClipAnalysis]:
    def analyse(p: Path) -> ClipAnalysis:
        return analyze_clip(
            p,
            encoding=lambda info: analysis_encoding(info.ycbcr.matrix),
            detect_shots=opts.detect_cuts,
            seed=opts.seed,
            progress=progress(p) if progress is not None else None,
        )
    return analyse


def _analyse_all(plan, opts: MatchOptions, failed: list[tuple[str, str]], on_clip,
                 phase: PhaseFn | None) -> list[ClipAnalysis]:
    """Every planned clip analysed, two at a time (one thread's Python work overlaps the
    other's decoding); a clip that fails is added to ``failed`` and reported."""
    paths = [c.input for c in plan.clips]
    expected = {p: c.info.frame_count or 0 for p, c in zip(paths, plan.clips, strict=True)}
    done = dict.fromkeys(paths, 0)
    update = phase(f"analysing {len(paths)} clips", sum(expected.values()) or None) \
        if phase is not None else None

    def per_clip(p: Path):
        if update is None:
            return None

        def tell(n: int, _expected: int | None) -> None:
            done[p] = n
            update(sum(done.values()), max(sum(expected.values()), sum(done.values())))
        return tell

    analyse = _analyser(opts, per_clip)
    analyses: list[ClipAnalysis] = []
    pool = ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1, len(paths))),
                              thread_name_prefix="gradecli-analyse")
    try:
        futures = [pool.submit(analyse, p) for p in paths]
        for k, (p, fut) in enumerate(zip(paths, futures, strict=True), 1):
            try:
                a = fut.result()
                analyses.append(a)
                if on_clip:
                    on_clip(str(p), f"analysed ({k}/{len(paths)}): {a.frames} frames, "
                                    f"{len(a.shots)} shot(s)")
            except BadInputError as e:
                failed.append((str(p), str(e)))
                if on_clip:
                    on_clip(str(p), f"failed: {e}")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return analyses


def _outside_clip_target(spec: str, paths: list[Path], analyse) -> Target | None:
    """For ``hero:CLIP`` naming a clip that is not among ``paths``, and for ``ref:CLIP``: the
    target made from the clip's own analysis (it is analysed, not rendered); else None."""
    kind, arg = parse_target(spec)
    if kind not in ("hero", "ref") or arg is None:
        return None
    p = Path(arg)
    if not is_video_path(p):
        return None
    if kind == "hero" and any(p.resolve() == q.resolve() for q in paths):
        return None
    return clip_target(kind, analyse(p))



@dataclass
class _GroupPlan:
    """How one group of clips is matched: the target, what is matched (mode) and how (method,
    style model), each member's shot looks and clip look, the target look and the noise of a
    change towards it."""

    members: list[int]
    target: Target
    mode: str
    method: str
    model: Any
    shot_looks: dict[int, list[ShotLook]]
    clip_looks: dict[int, ShotLook]
    goal: ShotLook | None
    noise_scale: float
    #: The target's picture (a hero clip's or a reference's thumbnail), None for other targets.
    target_picture: np.ndarray | None = None
    #: Look mode: (clip index, shot index) -> the change given to a shot whose scene another
    #: shot or the target shows too (gradecli.pipeline.scene_looks).
    shifts: dict[tuple[int, int], SceneShift] = dataclasses.field(default_factory=dict)

    @property
    def hero(self) -> int | None:
        return self.members[self.target.hero] if self.target.hero is not None else None


def _plan_group(members: list[int], analyses: list[ClipAnalysis], labs: list[np.ndarray],
                opts: MatchOptions, target: Target | None) -> _GroupPlan:
    tgt = target or build_target(
        opts.target,
        [labs[i] for i in members],
        [analyses[i].path for i in members],
        thumbs=[clip_thumb(analyses[i]) for i in members],
    )
    pictures = [clip_picture(analyses[i]) for i in members]
    if tgt.hero is None and tgt.thumb is not None:
        pictures.append(tgt.thumb)
    one_scene = tgt.kind != "neutral" and same_scene(pictures)
    mode = resolve_mode(opts, tgt.kind, one_scene)
    method = "look" if mode == "look" else resolve_method(opts.method, tgt.kind)
    model = None
    if method in MODEL_METHODS:
        model_needs_picture(tgt)
        model = load_style_model(method, opts.device)
    looks = {i: shot_looks(analyses[i]) for i in members}
    clip_looks = {i: clip_look(analyses[i], looks[i]) for i in members}
    goal = None
    if mode == "look":
        goal = target_look(tgt, [clip_looks[i] for i in members],
                           [len(analyses[i].rgb) for i in members], analyses[members[0]].encoding)
    target_picture = pictures[tgt.hero] if tgt.hero is not None else tgt.thumb
    noise = target_noise_scale(tgt.kind, len(members))
    shifts = {} if goal is None else clip_scene_shifts([analyses[i] for i in members],
                                                       [looks[i] for i in members], tgt, goal,
                                                       noise, target_picture)
    shifts = {(members[k], j): v for (k, j), v in shifts.items()}
    return _GroupPlan(members, tgt, mode, method, model, looks, clip_looks, goal, noise,
                      target_picture, shifts)


def _skin_for(path: Path, opts: MatchOptions, on_clip) -> SkinModel | None:
    """The clip's face-seeded skin model when skin is to be protected (None: not asked, or no
    face in the clip, which is then rendered unprotected and said so)."""
    if opts.protect_skin <= 0.0:
        return None
    skin = face_skin_model(path, required=False)
    if skin is None and on_clip:
        on_clip(str(path), "no face found: its skin is not protected")
    return skin


def _lut_path(out: Path, a: ClipAnalysis, shot: ShotSamples, base: Path | None) -> Path:
    """Where a shot's LUT goes: ``base`` (or ``out/<clip>.cube``), ``.shotNN`` before the suffix
    when the clip has several shots."""
    base = base if base is not None else out / f"{a.path.stem}.cube"
    if len(a.shots) == 1:
        return base
    return base.with_name(f"{base.stem}.shot{shot.index + 1:02d}{base.suffix}")


def _grade_shot(a: ClipAnalysis, shot: ShotSamples, src_look: ShotLook, src_lab: np.ndarray,
                plan: _GroupPlan, opts: MatchOptions, is_hero: bool,
                lut_path: Path, shift: SceneShift | None = None,
                ) -> tuple[ShotResult, Lut, ShotLook]:
    """Fit, title and write one shot's LUT; its result and the look of its output. ``shift``:
    the shot's change to its scene's level (look mode), made in full."""
    after_mean = None  # the mean of the shot's samples through the LUT, if known
    share = None
    if is_hero:
        lut = Lut.identity(opts.lut_size)
    else:
        pic = shot.thumb if shot.thumb is not None else clip_thumb(a)
        if shift is not None:  # one scene with other clips: to its level, in full
            goal = ShotGoal(plan.mode, plan.method, plan.target,
                            shifted(src_look, shift, plan.goal), noise_scale=0.0)
        else:
            goal = ShotGoal(plan.mode, plan.method, plan.target, plan.goal, plan.model,
                            scene_noise_scale(plan.noise_scale, unbarred(a, pic),
                                              plan.target_picture))
        fit = fit_shot_lut(ShotInput(shot.rgb, src_lab, pic, a.encoding, src_look), goal, opts)
        lut, after_mean, share = fit.lut, fit.after_mean, fit.look_share
    if opts.look is not None:
        lut = with_look(lut, opts.look, a.encoding)
        after_mean = None
    lut = dataclasses.replace(
        lut,
        title=f"gradecli {plan.method} {a.path.stem} shot {shot.index + 1}",
        comments=(f"gradecli {__version__} match: {a.path.name} frames "
                  f"{shot.start}-{shot.end - 1} -> {plan.target.description}",),
    )
    write_lut(lut, lut_path)
    after = None
    if after_mean is None or opts.interpolation != "tetrahedral":
        after = lut.apply(shot.rgb.astype(np.float64), interpolation=opts.interpolation)
        after_mean = rgb_to_lab(after, a.encoding).mean(axis=0)
    after_look = measured_look(lut, shot.rgb if after is None else None, a.encoding,
                               unbarred(a, shot.thumb), graded=after)
    result = ShotResult(shot.index, shot.start, shot.end, shot.start_s, shot.end_s,
                        str(lut_path), src_lab.mean(axis=0).tolist(), after_mean.tolist(),
                        src_look.to_dict(), after_look.to_dict(),
                        None if share is None else round(share, 3),
                        None if shift is None else shift.scene,
                        None if shift is None else round(shift.share, 3))
    return result, lut, after_look


def _grade_clip(i: int, a: ClipAnalysis, lab: np.ndarray, group: int, plan: _GroupPlan,
                opts: MatchOptions, out: Path, dst: Path, lut_base: Path | None,
                ) -> tuple[ClipResult, list[tuple[int, Lut]], ClipLooks]:
    """Every shot of clip ``i``: its result, its LUT schedule and its looks before and after."""
    shots, written, after_looks = [], [], []
    for j, (shot, src_look) in enumerate(zip(a.shots, plan.shot_looks[i], strict=True)):
        src_lab = lab if len(a.shots) == 1 else rgb_to_lab(shot.rgb, a.encoding)
        res, lut, after_look = _grade_shot(a, shot, src_look, src_lab, plan, opts,
                                           i == plan.hero, _lut_path(out, a, shot, lut_base),
                                           plan.shifts.get((i, j)))
        shots.append(res)
        written.append((shot.start, lut))
        after_looks.append(after_look)
    weights = np.array([len(s.rgb) for s in a.shots], float)
    before = np.average([s.before_mean_lab for s in shots], axis=0, weights=weights)
    after = np.average([s.after_mean_lab for s in shots], axis=0, weights=weights)
    looks = clip_looks(a, plan.clip_looks[i], mean_look(after_looks, weights.tolist()), written,
                        opts.interpolation)
    result = ClipResult(str(a.path), None if opts.luts_only else str(dst), group, a.frames,
                        a.cuts, shots, before.tolist(), after.tolist(), looks.before.to_dict(),
                        looks.after.to_dict())
    return result, written, looks


def _match_result(plans: list[_GroupPlan], results: list[ClipResult],
                  failed: list[tuple[str, str]], look_pairs: dict[str, ClipLooks],
                  luts_by_clip: dict[str, list[tuple[int, Lut]]], opts: MatchOptions
                  ) -> MatchResult:
    """The result of fitting (before any render): groups, pairs and the verdict's threshold."""
    by_group: dict[int, list[ClipResult]] = {}
    for r in results:
        by_group.setdefault(r.group, []).append(r)
    by = "look" if any(p.mode == "look" for p in plans) else "colour"
    return MatchResult(
        "/".join(dict.fromkeys(p.method for p in plans)),
        "; ".join(dict.fromkeys(p.target.description for p in plans)),
        results,
        failed,
        [[r.path for r in m] for m in by_group.values()],
        match_pairs(by_group, look_pairs),
        default_max_de(by, opts.max_de),
        adjustments=opts.look.to_dict() if opts.look is not None else {},
        luts=luts_by_clip,
        by=by,
        target_kind=parse_target(opts.target)[0],
    )


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
    progress: PhaseFn | None = None,
    skip_render: set[str] | frozenset[str] = frozenset(),
    on_fitted: Callable[[MatchResult], None] | None = None,
    gate_frames: int = 0,
) -> MatchResult:
    """Match analysed clips: per group a target and a plan, per shot a LUT (written), per clip
    a render job (unless ``opts.luts_only``, or its path is in ``skip_render``: its output is
    kept); pairs and verdict (on the analysed frames). ``output_names`` and ``lut_names`` (per
    clip) replace ``out/<clip name>`` and ``out/<clip stem>.cube``. ``on_fitted(result)`` is told
    the result once every LUT is written, before rendering (work that needs the LUTs, not the
    video, can overlap the render). With ``gate_frames`` > 0 the verdict is then measured on
    the rendered clips (gradecli.pipeline.match_gate), each profiled on ``gate_frames`` of its
    graded frames as they were encoded (kept outputs are decoded)."""
    labs = [rgb_to_lab(a.rgb, a.encoding) for a in analyses]
    group_ids = _group_clips(labs, opts.groups)
    results: list[ClipResult] = []
    jobs: list[RenderJob] = []
    plans: list[_GroupPlan] = []
    luts_by_clip: dict[str, list[tuple[int, Lut]]] = {}
    look_pairs: dict[str, ClipLooks] = {}
    for g in sorted(set(group_ids)):
        plan = _plan_group([i for i, gi in enumerate(group_ids) if gi == g], analyses, labs,
                           opts, target)
        plans.append(plan)
        for i in plan.members:
            a = analyses[i]
            dst = output_names[i] if output_names is not None else out / a.path.name
            res, written, looks = _grade_clip(i, a, labs[i], g, plan, opts, out, dst,
                                              lut_names[i] if lut_names is not None else None)
            results.append(res)
            luts_by_clip[str(a.path)] = written
            look_pairs[str(a.path)] = looks
            if not opts.luts_only and str(a.path) not in skip_render:
                skin = _skin_for(a.path, opts, on_clip)
                jobs.append(RenderJob(str(a.path), str(dst), tuple(written), opts.encode,
                                      a.bars, opts.interpolation, skin, opts.protect_skin,
                                      opts.device, gate_frames))
    profiles: dict[str, MediaProfile] = {}

    def done(job: RenderJob, outcome: RenderOutcome) -> None:
        err = outcome.error
        if outcome.profile is not None:
            profiles[job.src] = outcome.profile
        if err:
            failed.append((job.src, err))
            for r in results:
                if r.path == job.src:
                    r.output = None
        if on_clip:
            on_clip(job.src, f"failed: {err}" if err else "rendered")

    result = _match_result(plans, results, failed, look_pairs, luts_by_clip, opts)
    if on_fitted is not None:
        on_fitted(result)
    if jobs:
        render_all(jobs, opts.jobs, progress, done)
    for r in results:
        if r.path in skip_render and on_clip:
            on_clip(r.path, "kept: its graded clip exists (--skip-existing)")
    if gate_frames > 0 and not opts.luts_only:
        result = measure_rendered(result, profiles, gate_frames, progress)
    return result
