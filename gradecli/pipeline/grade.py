"""`grade INPUT --ref IMAGE`: give one clip (shot by shot) or one still the look of a still."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gradecli import __version__
from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.lut import Lut
from gradecli.color.spaces import rgb_to_lab
from gradecli.color.transfer import fit_transfer
from gradecli.engine.analysis import analyze_clip
from gradecli.errors import BadInputError
from gradecli.io.images import is_image_path, read_image, write_image
from gradecli.io.luts import write_lut
from gradecli.io.video import is_video_path, probe_video
from gradecli.pipeline.analysis import analysis_encoding
from gradecli.pipeline.match import MatchOptions, MatchResult, _grade_analyses, resolve_method
from gradecli.pipeline.paths import check_input, check_output
from gradecli.pipeline.targets import Target, build_target

__all__ = ["GradeResult", "default_output", "grade_file"]


@dataclass(frozen=True)
class GradeResult:
    input: str
    output: str | None
    luts: list[str]
    shots: int
    delta_e00_to_ref_before: float
    delta_e00_to_ref_after: float
    match: MatchResult | None = None


def default_output(src: Path) -> Path:
    """``clip.mp4`` -> ``clip_graded.mp4`` beside it."""
    return src.with_name(f"{src.stem}_graded{src.suffix}")


def grade_file(
    src: str | os.PathLike,
    ref: str | os.PathLike,
    dst: str | os.PathLike | None = None,
    *,
    options: MatchOptions | None = None,
    lut_out: str | os.PathLike | None = None,
    progress=None,
) -> GradeResult:
    """Grade ``src`` (clip or still) towards the look of the still ``ref``.

    Writes the graded file (unless ``options.luts_only``) and the LUT(s): ``lut_out`` or
    ``OUTPUT.cube`` (``.shotNN`` inserted per shot when a clip has several shots).
    """
    opts = options or MatchOptions()
    opts.validate()
    src_p, ref_p = check_input(src), check_input(ref)
    if not is_image_path(ref_p):
        raise BadInputError(f"{ref_p}: --ref must be a still image (.png, .jpg, .tif)")
    out = check_output(dst if dst is not None else default_output(src_p), [src_p, ref_p])
    lut_path = Path(lut_out) if lut_out is not None else out.with_suffix(".cube")
    check_output(lut_path, [src_p, ref_p])
    ref_img = read_image(ref_p)
    target = build_target(f"ref:{ref_p}", [rgb_to_lab(ref_img.rgb.reshape(-1, 3)[::7])], [ref_p])
    if is_image_path(src_p):
        if not is_image_path(out):
            raise BadInputError(f"{out}: a still must be written as an image")
        img = read_image(src_p)
        src_lab = rgb_to_lab(img.rgb.reshape(-1, 3)[:: max(1, img.rgb.size // 3 // 200000)])
        tf = fit_transfer(
            resolve_method(opts.method, "ref"),
            src_lab,
            target.lab,
            strength=opts.strength,
            encoding="srgb",
            seed=opts.seed,
        )
        lut = Lut.from_function(tf, size=opts.lut_size)
        lut = dataclasses.replace(
            lut,
            title=f"gradecli {resolve_method(opts.method, 'ref')} {src_p.stem}",
            comments=(f"gradecli {__version__} grade {src_p.name} --ref {ref_p.name}",),
        )
        write_lut(lut, lut_path)
        after = lut.apply(img.rgb, interpolation=opts.interpolation)
        if not opts.luts_only:
            write_image(out, after, bit_depth=img.bit_depth, alpha=img.alpha)
        ref_mean = target.lab.mean(axis=0)
        return GradeResult(
            str(src_p),
            None if opts.luts_only else str(out),
            [str(lut_path)],
            1,
            float(delta_e2000(src_lab.mean(axis=0), ref_mean)),
            float(delta_e2000(rgb_to_lab(after.reshape(-1, 3)[::7]).mean(axis=0), ref_mean)),
        )
    if not is_video_path(src_p):
        raise BadInputError(f"{src_p}: not a video or image (unknown extension '{src_p.suffix}')")
    if not opts.luts_only and not is_video_path(out):
        raise BadInputError(f"{out}: a clip must be written as a video (.mp4, .mov, .mkv)")
    enc = analysis_encoding(probe_video(src_p).ycbcr.matrix)
    analysis = analyze_clip(src_p, encoding=enc, detect_shots=opts.detect_cuts, seed=opts.seed)
    res = _grade_analyses(
        [analysis],
        [],
        out.parent,
        opts,
        target=Target("ref", target.description, target.lab),
        output_names=[out],
        lut_names=[lut_path],
        progress=progress,
    )
    if res.failed:
        raise BadInputError(res.failed[0][1])
    clip = res.clips[0]
    ref_mean = target.lab.mean(axis=0)
    return GradeResult(
        str(src_p),
        clip.output,
        [s.lut for s in clip.shots if s.lut],
        len(clip.shots),
        float(delta_e2000(np.array(clip.before_mean_lab), ref_mean)),
        float(delta_e2000(np.array(clip.after_mean_lab), ref_mean)),
        res,
    )
