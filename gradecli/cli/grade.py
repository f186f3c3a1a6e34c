"""`gradecli grade INPUT`: one clip or still takes a look: a still's, words', or a recipe's."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from gradecli.cli.common import STATE, err_console, model_note, out_console, progress_bar


def grade_cmd(
    input: Path = typer.Argument(..., help="Clip or still to grade."),
    ref: Path = typer.Option(None, "--ref", help="Reference still whose look to take."),
    prompt: str = typer.Option(
        None,
        "--prompt",
        help='Words for the look, e.g. "a warm, nostalgic, summer evening feel" (see `looks`). '
        "With --ref, the reference sets the base look and the prompt modifies it.",
    ),
    adjust: str = typer.Option(
        None,
        "--adjust",
        help="Adjustments on top, e.g. exposure=+0.3,saturation=-0.1,temperature=+400 "
        "(names and units: `gradecli looks --adjustments`).",
    ),
    recipe: Path = typer.Option(
        None, "--recipe", help="Rebuild the grade of a recipe (X.grade.json); refine it with "
        "--adjust (added to the recipe's), --prompt or --ref (replace the recipe's)."
    ),
    output: Path = typer.Option(
        None, "-o", "--output", help="Output file (default INPUT_graded.EXT; with --preview "
        "and no -o, only the preview is made)."
    ),
    preview: Path = typer.Option(
        None, "--preview", help="Write a before/after contact sheet of a few frames (PNG)."
    ),
    match: str = typer.Option(
        None,
        "--match",
        help="Towards --ref: look (remove the input's estimated look, give the reference's), "
        "colour (match colour distributions) or auto (default: colour when both show the "
        "same scene, else look).",
    ),
    method: str = typer.Option(
        None,
        help="Colour-transfer method towards --ref: auto, reinhard, histogram, mkl, idt (naming "
        "one means --match colour), model (the bundled style model; model-int8 for its "
        "quantised variant) (default auto).",
    ),
    device: str = typer.Option(
        None, "--device", help="Where --method model runs: cpu (default), cuda or auto."
    ),
    strength: float = typer.Option(None, help="0..1: how far to move towards --ref (default 1)."),
    lut_out: Path = typer.Option(
        None, "--lut-out", help="Where to write the LUT (default OUTPUT.cube)."
    ),
    lut_size: int = typer.Option(None, "--lut-size", help="3D LUT size, 2..129 (default 33)."),
    no_cuts: bool = typer.Option(False, "--no-cuts", help="One LUT for the whole clip."),
    luts_only: bool = typer.Option(False, "--luts-only", help="Write the LUT(s) and recipe only."),
    codec: str = typer.Option(None, help="Video codec: h264 (default), hevc, prores, ffv1."),
    crf: int = typer.Option(None, help="Quality for h264/hevc, 0..51 (default 18)."),
    preset: str = typer.Option(None, help="Encoder preset for h264/hevc (default medium)."),
) -> None:
    """Grade a clip (one LUT per shot with --ref) or a still: towards a reference still, a
    text prompt, adjustments or a recipe. Writes the graded file, its LUT(s) and a recipe
    OUTPUT.grade.json that reproduces the grade exactly."""
    from dataclasses import replace

    from gradecli.io.video import EncodeOptions
    from gradecli.pipeline.grade import GradeRequest, grade_file, request_from_recipe
    from gradecli.pipeline.options import MatchOptions
    from gradecli.pipeline.recipe import read_recipe

    cli_opts = {"method": method, "match": match, "strength": strength, "lut_size": lut_size,
                "device": device}
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
    req = replace(req, options=replace(req.options, luts_only=luts_only))
    model_note(req.options.method)
    with progress_bar(f"grading {input.name}", None) as update:
        res = grade_file(input, output, req, lut_out=lut_out, preview=preview, progress=update,
                         on_look=_show_look)
    for path in [res.output, *res.luts, res.preview, res.recipe]:
        if path:
            err_console.print(f"wrote {path}", markup=False)
    name = Path(res.input).name
    if res.look.prompt_scale != 1.0 and not STATE.quiet:
        err_console.print(
            f"prompt look scaled x{res.look.prompt_scale:.2f} for this picture, so it changes it "
            "as much as it changes a standard chart", markup=False
        )
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
    before any grading work."""
    if look.parsed is not None:
        looks = [{"name": m.name, "weight": m.weight} for m in look.parsed.looks]
        err_console.print("looks: " + _looks_line(looks), markup=False)
        for word, near in look.parsed.unknown:
            hint = f"; closest: {', '.join(near)}" if near else ""
            note = f"unknown word {word!r} left out{hint}"
            err_console.print(f"[yellow]note:[/] {escape(note)}")
    elif recipe_looks:
        err_console.print("looks: " + _looks_line(recipe_looks), markup=False)
    if not look.adjust.is_neutral:
        adj = ", ".join(f"{k}={v}" for k, v in look.adjust.to_dict().items())
        err_console.print(f"adjustments: {adj}", markup=False)
