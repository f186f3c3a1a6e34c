"""`gradecli grade INPUT --ref IMAGE`: one clip or still takes the look of a still."""

from __future__ import annotations

from pathlib import Path

import typer

from gradecli.cli.common import err_console, out_console, progress_bar


def grade_cmd(
    input: Path = typer.Argument(..., help="Clip or still to grade."),
    ref: Path = typer.Option(..., "--ref", help="Reference still whose look to take."),
    output: Path = typer.Option(
        None, "-o", "--output", help="Output file (default INPUT_graded.EXT)."
    ),
    method: str = typer.Option(
        "auto",
        help="Transfer method: auto, reinhard, histogram, mkl, idt (auto: idt towards a real "
        "clip or still, mkl towards an average).",
    ),
    strength: float = typer.Option(1.0, help="0..1: how far to move towards the reference."),
    lut_out: Path = typer.Option(
        None, "--lut-out", help="Where to write the LUT (default OUTPUT.cube)."
    ),
    lut_size: int = typer.Option(33, "--lut-size", help="3D LUT size (2..129)."),
    no_cuts: bool = typer.Option(False, "--no-cuts", help="One LUT for the whole clip."),
    luts_only: bool = typer.Option(False, "--luts-only", help="Write the LUT(s) only."),
    codec: str = typer.Option("h264", help="Video codec: h264, hevc, prores, ffv1."),
    crf: int = typer.Option(18, help="Quality for h264/hevc, 0..51."),
    preset: str = typer.Option("medium", help="Encoder preset for h264/hevc."),
) -> None:
    """Grade a clip (one LUT per shot) or a still towards the look of a reference still."""
    from gradecli.io.video import EncodeOptions
    from gradecli.pipeline.grade import grade_file
    from gradecli.pipeline.match import MatchOptions

    opts = MatchOptions(
        method=method,
        target="average",
        strength=strength,
        lut_size=lut_size,
        luts_only=luts_only,
        detect_cuts=not no_cuts,
        encode=EncodeOptions(codec=codec, crf=crf, preset=preset),
    )
    with progress_bar(f"grading {input.name}", None) as update:
        res = grade_file(input, ref, output, options=opts, lut_out=lut_out, progress=update)
    if res.output:
        err_console.print(f"wrote {res.output}")
    for lut in res.luts:
        err_console.print(f"wrote {lut}")
    out_console.print(
        f"{Path(res.input).name}: {res.shots} shot(s); ΔE00 of mean colour to the reference "
        f"{res.delta_e00_to_ref_before:.2f} -> {res.delta_e00_to_ref_after:.2f}"
    )
