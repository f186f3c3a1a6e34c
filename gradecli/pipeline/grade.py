"""`grade INPUT`: give one clip (shot by shot) or one still a look.

The look comes from a reference still (``ref``: a colour transfer per shot, see
:mod:`gradecli.pipeline.match`), from words (``prompt``: a parametric look), from adjustments
(``adjust``), or from a recipe of an earlier grade; a prompt and adjustments modify what a
reference gives. Every grade writes its LUT(s) and a recipe (``OUTPUT.grade.json``), and can
write a before/after contact sheet (``preview``) instead of, or besides, the graded file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gradecli import __version__
from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.grade_model import GradeParams, add
from gradecli.color.look_estimate import estimate_look
from gradecli.color.lut import Lut
from gradecli.color.masks import SkinModel
from gradecli.color.spaces import rgb_to_lab
from gradecli.engine.analysis import analyze_clip, bars_in_frames
from gradecli.engine.kernels import LutGrade
from gradecli.engine.transcode import transcode
from gradecli.errors import BadInputError
from gradecli.io.files import sha256_file
from gradecli.io.images import is_image_path, read_image, write_image
from gradecli.io.luts import write_lut
from gradecli.io.video import check_container, is_video_path, probe_video, read_frames_at
from gradecli.pipeline.analysis import analysis_encoding
from gradecli.pipeline.batch import output_exists
from gradecli.pipeline.look import Look, build_look, calibrated, look_lut, with_look
from gradecli.pipeline.match import grade_analyses
from gradecli.pipeline.options import (
    MatchOptions,
    load_style_model,
    model_needs_picture,
    resolve_method,
    resolve_mode,
)
from gradecli.pipeline.paths import check_input, check_output
from gradecli.pipeline.preview import PREVIEW_FRACTIONS, PreviewFrame, write_preview
from gradecli.pipeline.protect import face_skin_model, protected_grade
from gradecli.pipeline.recipe import Recipe, recipe_path_for, write_recipe
from gradecli.pipeline.reference import reference_target
from gradecli.pipeline.render import PhaseFn
from gradecli.pipeline.scene_looks import same_scene_goal
from gradecli.pipeline.shot_fit import ShotGoal, ShotInput, fit_shot_lut
from gradecli.pipeline.shot_look import (
    same_scene,
    scene_noise_scale,
    target_look,
    target_noise_scale,
)
from gradecli.pipeline.targets import Target

__all__ = ["GradePlan", "GradeRequest", "GradeResult", "default_output", "grade_file",
           "plan_grade", "request_from_recipe"]


@dataclass(frozen=True)
class GradeRequest:
    """What to grade towards: a reference still, a prompt, adjustments (any combination).

    ``prompt_params`` (from a recipe) is the prompt's look as it was baked; when given, the
    prompt is not parsed again. ``options`` carries method, strength, LUT size, cuts, encoding.
    """

    ref: str | os.PathLike | None = None
    prompt: str | None = None
    adjust: str | GradeParams | None = None
    prompt_params: GradeParams | None = None
    #: The prompt's matched looks as a recipe lists them (with ``prompt_params``).
    prompt_looks: tuple[dict, ...] = ()
    options: MatchOptions = field(default_factory=MatchOptions)
    parent: str | None = None


def request_from_recipe(
    recipe: Recipe,
    *,
    recipe_path: str | None = None,
    ref: str | os.PathLike | None = None,
    prompt: str | None = None,
    adjust: str | GradeParams | None = None,
    options: dict | None = None,
) -> GradeRequest:
    """A request that rebuilds ``recipe``, refined by what the user adds.

    ``ref`` and ``prompt`` replace the recipe's; ``adjust`` is added on top of the recipe's
    adjustments; ``options`` (MatchOptions field names) override the recipe's values.
    """
    extra = build_look(adjust=adjust).adjust if adjust is not None else GradeParams()
    base = {
        "method": recipe.method,
        "match": recipe.match,
        "strength": recipe.strength,
        "lut_size": recipe.lut_size,
        "interpolation": recipe.interpolation,
        "detect_cuts": recipe.detect_cuts,
        "seed": recipe.seed,
        "encode": recipe.encode,
        "device": recipe.device,
    }
    base.update({k: v for k, v in (options or {}).items() if v is not None})
    return GradeRequest(
        ref=ref if ref is not None else recipe.reference,
        prompt=prompt if prompt is not None else recipe.prompt,
        adjust=add(recipe.adjust, extra),
        prompt_params=None if prompt is not None else recipe.prompt_params,
        prompt_looks=() if prompt is not None else recipe.looks,
        options=MatchOptions(target="average", **base),
        parent=recipe_path,
    )


@dataclass(frozen=True)
class GradeResult:
    input: str
    output: str | None
    luts: list[str]
    shots: int
    method: str | None
    look: Look
    #: The prompt's matched looks: {"name", "weight", "phrase"}.
    looks: tuple[dict, ...]
    recipe: str | None
    preview: str | None
    #: Mean CIELAB of the input and of the graded input (sampled frames or the still).
    before_mean_lab: list[float]
    after_mean_lab: list[float]
    #: ΔE00 of the mean colour to the reference's, before and after (None without a reference).
    delta_e00_to_ref_before: float | None = None
    delta_e00_to_ref_after: float | None = None
    #: "written", or "skipped" (the output existed and --skip-existing was given).
    status: str = "written"
    #: Where each shot (each LUT) starts, seconds, and the clip's duration (None for a still).
    shot_starts_s: list[float] = field(default_factory=lambda: [0.0])
    duration_s: float | None = None

    def to_dict(self) -> dict:
        d = {k: v for k, v in dataclasses.asdict(self).items() if k != "look"}
        d["look"] = _look_desc(self.look) or None
        d["prompt_scale"] = self.look.prompt_scale
        d["prompt_scales"] = dict(self.look.prompt_scales)
        return d


def default_output(src: Path) -> Path:
    """``clip.mp4`` -> ``clip_graded.mp4`` beside it."""
    return src.with_name(f"{src.stem}_graded{src.suffix}")


def _titled(lut: Lut, title: str, comment: str) -> Lut:
    return dataclasses.replace(lut, title=title, comments=(comment,))


@dataclass(frozen=True)
class GradePlan:
    """What a grade will read and write, checked before any work: the input, the reference,
    the look, the graded file (``render``: whether it is written), the LUT (``.shotNN``
    inserted per shot), the recipe, the preview; ``skip``: the output exists and is left
    (``overwrite="skip"``)."""

    input: Path
    ref: Path | None
    look: Look
    output: Path
    render: bool
    still: bool
    lut: Path
    recipe: Path
    preview: Path | None
    skip: bool = False
    #: ``--protect-skin``: the input's face-seeded skin model (None: no protection).
    skin: SkinModel | None = None

    def to_dict(self) -> dict:
        return {"input": str(self.input), "ref": str(self.ref) if self.ref else None,
                "look": _look_desc(self.look) or None,
                "output": str(self.output) if self.render else None, "lut": str(self.lut),
                "recipe": str(self.recipe),
                "preview": str(self.preview) if self.preview else None,
                "status": "skip (exists)" if self.skip else "write"}

    def written_paths(self) -> list[Path]:
        """Every file this grade may write (shot LUTs as the existing ones matching)."""
        shots = list(self.lut.parent.glob(f"{self.lut.stem}.shot*{self.lut.suffix}"))
        paths = [self.lut, *shots, self.recipe]
        return paths + ([self.output] if self.render else []) + (
            [self.preview] if self.preview else [])


def plan_grade(
    src: str | os.PathLike,
    dst: str | os.PathLike | None = None,
    request: GradeRequest | None = None,
    *,
    lut_out: str | os.PathLike | None = None,
    preview: str | os.PathLike | None = None,
    overwrite: str = "yes",
    on_look=None,
) -> GradePlan:
    """Check every input, option and output of a grade and say what it writes (nothing is
    decoded). ``overwrite``: what to do with outputs that exist (batch.output_exists)."""
    req = request or GradeRequest()
    opts = req.options
    opts.validate()
    src_p = check_input(src)
    ref_p = check_input(req.ref) if req.ref is not None else None
    if ref_p is not None and not (is_image_path(ref_p) or is_video_path(ref_p)):
        raise BadInputError(f"{ref_p}: --ref must be a still image (.png, .jpg, .tif) or a clip")
    look = build_look(req.prompt, req.adjust, prompt_params=req.prompt_params)
    if on_look is not None:
        on_look(look, req.prompt_looks)
    if ref_p is None and look.is_neutral:
        raise BadInputError(
            "grade needs a look: --ref IMAGE, --prompt TEXT, --adjust NAME=VALUE or --recipe"
        )
    still = is_image_path(src_p)
    if not still and not is_video_path(src_p):
        raise BadInputError(f"{src_p}: not a video or image (unknown extension '{src_p.suffix}')")
    inputs = [src_p] + ([ref_p] if ref_p else [])
    render = not opts.luts_only and not (preview is not None and dst is None)
    out = check_output(dst if dst is not None else default_output(src_p), inputs)
    if render and still and not is_image_path(out):
        raise BadInputError(f"{out}: a still must be written as an image")
    if render and not still:
        check_container(out, opts.encode.codec)
    prev_p = check_output(preview, inputs) if preview is not None else None
    if prev_p is not None and not is_image_path(prev_p):
        raise BadInputError(f"{prev_p}: a preview must be an image (.png, .jpg)")
    home = out if render or opts.luts_only or prev_p is None else prev_p
    lut_base = check_output(Path(lut_out) if lut_out else home.with_suffix(".cube"), inputs)
    recipe_p = check_output(recipe_path_for(home), inputs)
    skin = face_skin_model(src_p) if opts.protect_skin > 0.0 and render else None
    plan = GradePlan(src_p, ref_p, look, out, render, still, lut_base, recipe_p, prev_p,
                     skin=skin)
    main = out if render else (prev_p or lut_base)
    if overwrite == "skip":
        return dataclasses.replace(plan, skip=output_exists(main, overwrite))
    for path in plan.written_paths():
        output_exists(path, overwrite)
    return plan


def grade_file(
    src: str | os.PathLike,
    dst: str | os.PathLike | None = None,
    request: GradeRequest | None = None,
    *,
    lut_out: str | os.PathLike | None = None,
    preview: str | os.PathLike | None = None,
    progress: PhaseFn | None = None,
    on_look=None,
    overwrite: str = "yes",
) -> GradeResult:
    """Grade ``src`` (clip or still) as ``request`` says.

    Writes, unless ``options.luts_only`` or only a ``preview`` is asked for (``dst`` None): the
    graded file at ``dst`` (default ``INPUT_graded.EXT``). Always: the LUT(s) (``lut_out``,
    else beside the output or the preview as ``.cube``, ``.shotNN`` inserted per shot) and the
    recipe ``OUTPUT.grade.json`` (or ``PREVIEW.grade.json``). With ``preview``: a before/after
    contact sheet PNG. ``on_look(look, recipe_looks)`` is told the look (and a recipe's matched
    looks) before any work is done; ``progress`` starts each phase's progress. Everything is
    checked first (:func:`plan_grade`); if the grade fails, no file it had begun to write is
    left (with -y, a LUT that existed may already have been replaced).
    """
    req = request or GradeRequest()
    plan = plan_grade(src, dst, req, lut_out=lut_out, preview=preview, overwrite=overwrite,
                      on_look=on_look)
    if plan.skip:
        return GradeResult(str(plan.input), str(plan.output) if plan.render else None, [], 0,
                           None, plan.look, req.prompt_looks, None, None, [], [],
                           status="skipped")
    before = {p for p in plan.written_paths() if p.exists()}
    try:
        return _grade(plan, req, progress)
    except BaseException:
        for p in plan.written_paths():
            if p not in before:
                with contextlib.suppress(OSError):
                    p.unlink()
        raise


def _grade(plan: GradePlan, req: GradeRequest, progress: PhaseFn | None) -> GradeResult:
    opts, look = req.options, plan.look
    src_p, ref_p, out, render = plan.input, plan.ref, plan.output, plan.render
    prev_p, lut_base, recipe_p, still = plan.preview, plan.lut, plan.recipe, plan.still

    target = None
    method = None
    if ref_p is not None:
        target = reference_target(ref_p, opts.detect_cuts, opts.seed, progress)
        method = resolve_method(opts.method, "ref")  # colour mode's; look mode says "look"
    desc = ", ".join(p for p in (f"--ref {ref_p.name}" if ref_p else "", _look_desc(look)) if p)
    comment = f"gradecli {__version__} grade {src_p.name}: {desc}"

    if still:
        res = _grade_still(src_p, out, render, opts, look, target, method, lut_base, comment,
                           prev_p, plan.skin)
    else:
        res = _grade_clip(src_p, out, render, opts, look, target, method, lut_base, comment,
                          prev_p, progress, plan.skin)
    luts, shots, before, after, output, used, look, starts, duration = res
    method = used if target is not None else None
    ref_mean = target.lab.mean(axis=0) if target is not None else None
    looks = (
        tuple(
            {"name": m.name, "weight": round(m.weight, 4), "phrase": m.phrase}
            for m in look.parsed.looks
        )
        if look.parsed
        else req.prompt_looks
    )
    recipe = Recipe(
        reference=str(ref_p.resolve()) if ref_p else None,
        reference_sha256=sha256_file(ref_p) if ref_p else None,
        prompt=look.prompt,
        looks=looks,
        prompt_params=look.prompt_params,
        adjust=look.adjust,
        look=look.params,
        method=opts.method,
        match=opts.match,
        method_used=method,
        strength=opts.strength,
        lut_size=opts.lut_size,
        interpolation=opts.interpolation,
        detect_cuts=opts.detect_cuts,
        seed=opts.seed,
        encode=opts.encode,
        device=opts.device,
        input=str(src_p),
        output=output,
        luts=tuple(luts),
        preview=str(prev_p) if prev_p else None,
        parent=req.parent,
    )
    write_recipe(recipe, recipe_p)
    return GradeResult(
        input=str(src_p),
        output=output,
        luts=luts,
        shots=shots,
        method=method,
        look=look,
        looks=looks,
        recipe=str(recipe_p),
        preview=str(prev_p) if prev_p else None,
        before_mean_lab=[float(v) for v in before],
        after_mean_lab=[float(v) for v in after],
        delta_e00_to_ref_before=(
            float(delta_e2000(before, ref_mean)) if ref_mean is not None else None
        ),
        delta_e00_to_ref_after=(
            float(delta_e2000(after, ref_mean)) if ref_mean is not None else None
        ),
        shot_starts_s=starts,
        duration_s=duration,
    )


def _look_desc(look: Look) -> str:
    parts = []
    if look.prompt:
        parts.append(f'--prompt "{look.prompt}"')
    if not look.adjust.is_neutral:
        parts.append("--adjust " + ",".join(f"{k}={v}" for k, v in look.adjust.to_dict().items()))
    return ", ".join(parts)


def _graded(lut: Lut, opts, skin: SkinModel | None):
    """The colour function a picture or frame is graded with: the LUT, protected where the
    skin mask says when ``skin`` is given."""
    if skin is not None and opts.protect_skin > 0.0:
        return protected_grade(lut, skin, opts.protect_skin, opts.interpolation)
    return LutGrade(lut, opts.interpolation)


def _grade_still(src_p, out, render, opts, look, target, method, lut_base, comment, prev_p,
                 skin=None):
    img = read_image(src_p)
    flat = img.rgb.reshape(-1, 3)
    look = calibrated(look, flat)
    sample = flat[:: max(1, flat.shape[0] // 200000)]
    src_lab = rgb_to_lab(sample)
    pic = _small(img.rgb)
    mode = resolve_mode(opts, "ref", target is not None and same_scene([pic, target.thumb]))
    if target is not None:
        if mode == "model":
            model_needs_picture(target)
        src_look = estimate_look(sample, "srgb", pic) if mode == "look" else None
        goal = ShotGoal(
            mode, method, target,
            look=target_look(target, [], [], "srgb") if mode == "look" else None,
            model=load_style_model(method, opts.device) if mode == "model" else None,
            noise_scale=scene_noise_scale(target_noise_scale("ref", 1), pic, target.thumb),
        )
        if mode == "look":
            goal = same_scene_goal(goal, src_look, sample, pic, target)
        fit = fit_shot_lut(ShotInput(sample, src_lab, img.rgb, "srgb", src_look), goal, opts)
        lut = with_look(fit.lut, look.params)
        method = "look" if mode == "look" else method
    else:
        lut = look_lut(look.params, opts.lut_size)
    lut = _titled(lut, f"gradecli grade {src_p.stem}", comment)
    write_lut(lut, lut_base)
    after = _graded(lut, opts, skin)(img.rgb)
    if prev_p is not None:
        write_preview(prev_p, [PreviewFrame(img.rgb, src_p.name)], [(0, lut)],
                      interpolation=opts.interpolation)
    if render:
        write_image(out, after, bit_depth=img.bit_depth, alpha=img.alpha)
    after_lab = rgb_to_lab(after.reshape(-1, 3)[:: max(1, flat.shape[0] // 200000)])
    return ([str(lut_base)], 1, src_lab.mean(axis=0), after_lab.mean(axis=0),
            str(out) if render else None, method, look, [0.0], None)


def _small(rgb: np.ndarray, side: int = 256) -> np.ndarray:
    """``rgb`` (H, W, 3) subsampled to about ``side`` pixels on each axis."""
    return rgb[:: max(1, rgb.shape[0] // side), :: max(1, rgb.shape[1] // side)]


def _grade_clip(src_p, out, render, opts, look, target, method, lut_base, comment, prev_p,
                progress, skin=None):
    info = probe_video(src_p)
    enc = analysis_encoding(info.ycbcr.matrix)
    if target is not None:
        # Per shot: a transfer towards the reference, then the look (one decode pass).
        update = progress(f"analysing {src_p.name}", info.frame_count) if progress else None
        analysis = analyze_clip(src_p, encoding=enc, detect_shots=opts.detect_cuts,
                                seed=opts.seed, progress=update)
        look = calibrated(look, analysis.rgb, enc)
        res = grade_analyses(
            [analysis],
            [],
            out.parent,
            dataclasses.replace(opts, luts_only=True, look=look.params),
            target=Target("ref", target.description, target.lab, None, target.thumb),
            output_names=[out],
            lut_names=[lut_base],
        )
        if res.failed:
            raise BadInputError(res.failed[0][1])
        method = res.method
        clip = res.clips[0]
        schedule = res.luts[clip.path]
        luts = [s.lut for s in clip.shots]
        before, after = np.array(clip.before_mean_lab), np.array(clip.after_mean_lab)
        bars = analysis.bars
        sampled = None
    else:
        # A parametric look is the same for every shot: one LUT, no analysis pass. A few
        # frames found by seeking give its strength, the before/after figures, the bars and
        # the preview.
        _, sampled = read_frames_at(src_p, list(PREVIEW_FRACTIONS))
        frames = [f for _, _, f in sampled]
        bars = bars_in_frames(frames)
        sub = [f[::4, ::4].reshape(-1, 3) for f in frames]
        look = calibrated(look, np.concatenate(sub), enc)
        lut = _titled(look_lut(look.params, opts.lut_size, enc), f"gradecli grade {src_p.stem}",
                      comment)
        write_lut(lut, lut_base)
        schedule, luts = [(0, lut)], [str(lut_base)]
        before = np.mean([rgb_to_lab(s, enc).mean(axis=0) for s in sub], axis=0)
        after = np.mean(
            [rgb_to_lab(lut.apply(s, interpolation=opts.interpolation), enc).mean(axis=0)
             for s in sub],
            axis=0,
        )
    if prev_p is not None:
        if sampled is None:
            _, sampled = read_frames_at(src_p, list(PREVIEW_FRACTIONS))
        rows = [PreviewFrame(f, f"{t:.2f} s", i) for i, t, f in sampled]
        write_preview(prev_p, rows, schedule, interpolation=opts.interpolation)
    output = None
    if render:
        fns = [(start, _graded(lut, opts, skin)) for start, lut in schedule]
        update = progress(f"rendering {src_p.name}", info.frame_count) if progress else None
        transcode(src_p, out, fns, opts.encode, progress=update, keep_bars=bars,
                  device=opts.device)
        output = str(out)
    fps = float(info.frame_rate) or 25.0
    starts = [start / fps for start, _ in schedule]
    return luts, len(schedule), before, after, output, method, look, starts, info.duration_s

