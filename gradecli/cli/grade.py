"""`gradecli grade INPUT`: one clip or still takes a look: a still's, words', or a recipe's."""

from __future__ import annotations

from pathlib import Path

import typer

from gradecli.cli.common import (
    DEVICE_HELP,
    PROTECT_SKIN_HELP,
    STATE,
    Phases,
    device_setup,
    emit_json,
    err_console,
    model_note,
    note,
    out_console,
)


def grade_cmd(
    inputs: list[Path] = typer.Argument(
        None, metavar="INPUT", help="Clips or stills (or folders of them) to grade."
    ),
    ref: Path = typer.Option(None, "--ref", metavar="IMAGE_OR_CLIP",
                             help="Reference whose look to take: a still, or a clip (its "
                                  "frames are sampled; it is not rendered)."),
    prompt: str = typer.Option(
        None,
        "--prompt",
        metavar="TEXT",
        help='Words for the look, e.g. "a warm, nostalgic, summer evening feel" (see `looks`). '
        "With --ref, the reference sets the base look and the prompt modifies it.",
    ),
    adjust: str = typer.Option(
        None,
        "--adjust",
        metavar="NAME=VALUE,...",
        help="Adjustments on top, e.g. exposure=+0.3,saturation=-0.1,temperature=+400 "
        "(names and units: `gradecli looks --adjustments`).",
    ),
    recipe: Path = typer.Option(
        None, "--recipe", metavar="FILE",
        help="Rebuild the grade of a recipe (X.grade.json); refine it with --adjust (added to "
        "the recipe's), --prompt or --ref (replace the recipe's).",
    ),
    output: Path = typer.Option(
        None, "-o", "--output", metavar="OUTPUT",
        help="Output file (default INPUT_graded.EXT; with --preview and no -o, only the preview "
        "is made), or a folder (made if missing) for several inputs.",
    ),
    name: str = typer.Option(
        None, "--name", metavar="TEMPLATE",
        help="Output file names in a folder: {name}, {stem}, {ext}, {parent}, {index} "
        "(default {name}), e.g. '{parent}_{name}'.",
    ),
    from_file: str = typer.Option(
        None, "--from-file", metavar="LIST", help="Also the inputs listed in LIST, one a line "
        "(- reads standard input).",
    ),
    preview: Path = typer.Option(
        None, "--preview", metavar="SHEET.png",
        help="Write a before/after contact sheet of a few frames (PNG; one input).",
    ),
    match: str = typer.Option(
        None,
        "--match",
        metavar="WHAT",
        help="Towards --ref: look (remove the input's estimated look, give the reference's), "
        "colour (match colour distributions) or auto (default: colour when both show the "
        "same scene, else look).",
    ),
    method: str = typer.Option(
        None,
        metavar="NAME",
        help="Colour-transfer method towards --ref: auto, reinhard, histogram, mkl, idt (naming "
        "one means --match colour), model (the bundled style model; model-int8 for its "
        "quantised variant) (default auto).",
    ),
    device: str = typer.Option(None, "--device", metavar="DEVICE", help=DEVICE_HELP),
    strength: float = typer.Option(None, metavar="S",
                                   help="0..1: how far to move towards --ref (default 1)."),
    lut_out: Path = typer.Option(
        None, "--lut-out", metavar="FILE.cube",
        help="Where to write the LUT (default OUTPUT.cube; one input).",
    ),
    lut_size: int = typer.Option(None, "--lut-size", "--size", metavar="N",
                                 help="3D LUT size, 2..129 (default 33)."),
    no_cuts: bool = typer.Option(False, "--no-cuts", help="One LUT for the whole clip."),
    luts_only: bool = typer.Option(False, "--luts-only", help="Write the LUT(s) and recipe only."),
    codec: str = typer.Option(None, metavar="CODEC",
                              help="Video codec: h264 (default), hevc, prores, ffv1, h264_nvenc, "
                              "hevc_nvenc."),
    crf: int = typer.Option(None, metavar="N", help="Quality for h264/hevc, 0..51 (default 18)."),
    preset: str = typer.Option(None, metavar="NAME",
                               help="Encoder preset for h264/hevc (default medium)."),
    report: Path = typer.Option(
        None, "--report", metavar="FILE", help="Also a report for people: FILE.html or FILE.pdf "
        "(one input; needs gradecli[report]; a PDF needs Chromium).",
    ),
    protect_skin: float = typer.Option(None, "--protect-skin", metavar="S",
                                       help=PROTECT_SKIN_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Grade clips (one LUT per shot with --ref) or stills: towards a reference still, a
    text prompt, adjustments or a recipe. Writes the graded file, its LUT(s) and a recipe
    OUTPUT.grade.json that reproduces the grade exactly.

    Example: gradecli grade clip.mp4 --prompt "a warm, nostalgic, summer evening feel"
    """
    from dataclasses import replace

    from gradecli.io.video import EncodeOptions
    from gradecli.pipeline.grade import GradeRequest, grade_file, request_from_recipe
    from gradecli.pipeline.options import MatchOptions
    from gradecli.pipeline.recipe import read_recipe

    cli_opts = {"method": method, "match": match, "strength": strength, "lut_size": lut_size,
                "device": device, "protect_skin": protect_skin}
    if no_cuts:
        cli_opts["detect_cuts"] = False
    if recipe is not None:
        rec = read_recipe(recipe)
        enc = rec.encode
        enc = replace(
            enc,
            codec=codec or enc.codec,
            crf=enc.crf if crf is None else crf,
            preset=preset or enc.preset,
        )
        req = request_from_recipe(
            rec,
            recipe_path=str(recipe),
            ref=ref,
            prompt=prompt,
            adjust=adjust,
            options={**cli_opts, "encode": enc},
        )
    else:
        enc = EncodeOptions(
            codec=codec or "h264", crf=18 if crf is None else crf, preset=preset or "medium"
        )
        base = MatchOptions(target="average", encode=enc)
        req = GradeRequest(
            ref=ref,
            prompt=prompt,
            adjust=adjust,
            options=replace(base, **{k: v for k, v in cli_opts.items() if v is not None}),
        )
    setup = device_setup(req.options.device, req.options.encode)
    req = replace(req, options=replace(req.options, luts_only=luts_only, encode=setup.encode))
    from gradecli.pipeline.report import check_report

    report = check_report(report)
    items = _plan_outputs(inputs or [], from_file, output, name, preview, lut_out, report)
    from gradecli.pipeline.grade import plan_grade

    if dry_run:
        plans = [plan_grade(src, dst, req, lut_out=lut_out, preview=preview,
                            overwrite=STATE.overwrite, on_look=None if k else _show_look)
                 for k, (src, dst) in enumerate(items)]
        _show_plan(plans, as_json)
        return
    model_note(req.options.method)
    for folder in {d.parent for _, d in items if d is not None}:
        folder.mkdir(parents=True, exist_ok=True)
    results = []
    for k, (src, dst) in enumerate(items):
        with Phases() as phases:
            res = grade_file(src, dst, req, lut_out=lut_out, preview=preview, progress=phases,
                             on_look=None if k else _show_look, overwrite=STATE.overwrite)
        results.append(res)
        if report is not None and res.status != "skipped":
            from gradecli.pipeline.report import grade_report_data, write_report_file

            write_report_file(grade_report_data(res, res.shot_starts_s, res.duration_s,
                                                command=STATE.command), report)
        if not as_json:
            _show_result(res)
    if as_json:
        emit_json({"command": "grade", "device": setup.to_dict(),
                   "items": [r.to_dict() for r in results]})


def _plan_outputs(inputs, from_file, output, name, preview, lut_out, report=None):
    """(input, output or None) per input: several inputs (or a folder as -o) go into a folder
    by the name template."""
    from gradecli.pipeline.batch import expand_inputs, plan_outputs

    files = expand_inputs(inputs, from_file=from_file, stills=True)
    folder = (len(files) > 1 or name is not None or from_file is not None
              or (output is not None and output.is_dir()))
    if not folder:
        return [(files[0], output)]
    if preview is not None or lut_out is not None or report is not None:
        raise typer.BadParameter("--preview, --lut-out and --report name one file: give one "
                                 "input", param_hint="--preview / --lut-out / --report")
    if output is None:
        raise typer.BadParameter("several inputs need -o DIR (a folder for the graded files)",
                                 param_hint="-o")
    if output.exists() and not output.is_dir():
        raise typer.BadParameter(f"{output}: several inputs need a folder, not a file",
                                 param_hint="-o")
    return list(zip(files, plan_outputs(files, output, name or "{name}"), strict=True))


def _show_plan(plans, as_json: bool) -> None:
    if as_json:
        emit_json({"command": "grade", "dry_run": True, "items": [p.to_dict() for p in plans]})
        return
    out_console.print(f"dry run: {len(plans)} input(s); nothing is written", markup=False)
    for p in plans:
        d = p.to_dict()
        what = "skip: exists" if p.skip else ", ".join(
            f"{k} {d[k]}" for k in ("output", "lut", "recipe", "preview") if d[k])
        out_console.print(f"  {p.input}: {d['look']}; {what}", markup=False)


def _show_result(res) -> None:
    if res.status == "skipped":
        if not STATE.quiet:
            err_console.print(f"skipped {res.output or res.input} (exists)", markup=False)
        return
    for path in [res.output, *res.luts, res.preview, res.recipe]:
        if path and not STATE.quiet:
            err_console.print(f"wrote {path}", markup=False)
    name = Path(res.input).name
    if res.look.describe_scales():
        note(f"prompt look scaled for this picture ({res.look.describe_scales()}), so that each "
             "part of it changes the picture as much as it changes a standard chart")
    if res.delta_e00_to_ref_before is not None:
        out_console.print(
            f"{name}: {res.shots} shot(s) ({res.method}); ΔE00 of mean colour to the reference "
            f"{res.delta_e00_to_ref_before:.2f} -> {res.delta_e00_to_ref_after:.2f}"
        )
    else:
        b, a = res.before_mean_lab, res.after_mean_lab
        out_console.print(
            f"{name}: mean L*a*b* ({b[0]:.1f}, {b[1]:.1f}, {b[2]:.1f}) -> "
            f"({a[0]:.1f}, {a[1]:.1f}, {a[2]:.1f})"
        )


def _looks_line(looks) -> str:
    return ", ".join(f"{m['name']} ×{m['weight']:.2f}" for m in looks)


def _show_look(look, recipe_looks) -> None:
    """Print what the prompt gave (looks with weights, unknown words) and the adjustments,
    before any grading work (not with --quiet or --json)."""
    if STATE.quiet or STATE.json:
        return
    if look.parsed is not None:
        looks = [{"name": m.name, "weight": m.weight} for m in look.parsed.looks]
        err_console.print("looks: " + _looks_line(looks), markup=False)
        for word, near in look.parsed.unknown:
            hint = f"; closest: {', '.join(near)}" if near else ""
            note(f"unknown word {word!r} left out{hint}")
    elif recipe_looks:
        err_console.print("looks: " + _looks_line(recipe_looks), markup=False)
    if not look.adjust.is_neutral:
        adj = ", ".join(f"{k}={v}" for k, v in look.adjust.to_dict().items())
        err_console.print(f"adjustments: {adj}", markup=False)
