"""`gradecli lut apply|info|convert|fit`: LUTs as first-class files."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from gradecli.cli.common import err_console, out_console, progress_bar

app = typer.Typer(
    help="Apply, inspect, convert and fit LUTs (.cube, Hald CLUT .png).", no_args_is_help=True
)


@app.command("apply")
def apply_cmd(
    input: Path = typer.Argument(..., help="Clip (.mp4, .mov, .mkv) or still (.png, .tif, .jpg)."),
    lut: Path = typer.Argument(..., help="LUT file (.cube or Hald .png)."),
    output: Path = typer.Option(..., "-o", "--output", help="Output file (never an input)."),
    interpolation: str = typer.Option("tetrahedral", help="tetrahedral or trilinear."),
    codec: str = typer.Option("h264", help="Video codec: h264, hevc, prores, ffv1."),
    crf: int = typer.Option(18, help="Quality for h264/hevc, 0..51 (lower is better)."),
    preset: str = typer.Option("medium", help="Encoder preset for h264/hevc."),
    pix_fmt: str = typer.Option(
        None, "--pix-fmt", help="Output pixel format (default: the input's; 10-bit stays 10-bit)."
    ),
) -> None:
    """Grade a clip or a still with a LUT.

    Audio is copied; colour tags, frame rate and time stamps are kept.
    """
    from gradecli.io.video import EncodeOptions
    from gradecli.pipeline import lut_ops

    options = EncodeOptions(codec=codec, crf=crf, preset=preset, pix_fmt=pix_fmt)
    with progress_bar(f"grading {input.name}", None) as update:
        res = lut_ops.apply_lut_file(
            input, lut, output, interpolation=interpolation, encode=options, progress=update
        )
    if res.kind == "video" and res.transcode is not None:
        err_console.print(
            f"wrote {res.output} ({res.frames} frames, {res.transcode.pix_fmt}, {codec})",
            markup=False,
        )
    else:
        err_console.print(f"wrote {res.output}", markup=False)


@app.command("info")
def info_cmd(
    lut: Path = typer.Argument(..., help="LUT file (.cube or Hald .png)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Describe a LUT: kind, sizes, domain, output range, whether it is the identity."""
    from gradecli.pipeline import lut_ops

    info = lut_ops.lut_info(lut)
    if as_json:
        out_console.print_json(json.dumps(info.to_dict()))
        return
    table = Table(show_header=False, box=None)
    rows = [
        ("file", info.path),
        ("title", info.title or "-"),
        ("kind", info.kind),
        ("3D size", str(info.size_3d or "-")),
        ("1D size", str(info.size_1d or "-")),
        ("domain", f"{info.domain[0]} .. {info.domain[1]}"),
        (
            "output range",
            f"{[round(v, 4) for v in info.output_min]} .. {[round(v, 4) for v in info.output_max]}",
        ),
        ("identity", "yes" if info.is_identity else "no"),
    ]
    if info.shaper_domain:
        rows.insert(5, ("shaper domain", f"{info.shaper_domain[0]} .. {info.shaper_domain[1]}"))
    for k, v in rows:
        table.add_row(f"[bold]{k}[/]", v)
    out_console.print(table)


@app.command("convert")
def convert_cmd(
    src: Path = typer.Argument(..., help="LUT to read (.cube or Hald .png)."),
    dst: Path = typer.Argument(..., help="LUT to write; the format follows the extension."),
    size: int = typer.Option(None, help="Resample the 3D table to this size first."),
) -> None:
    """Convert a LUT between .cube and Hald CLUT .png (optionally resampling it)."""
    from gradecli.pipeline import lut_ops

    lut_ops.convert_lut(src, dst, size=size)
    err_console.print(f"wrote {dst}", markup=False)


@app.command("fit")
def fit_cmd(
    before: Path = typer.Argument(..., help="Still before the grade."),
    after: Path = typer.Argument(..., help="The same still after the grade (same size)."),
    output: Path = typer.Option(..., "-o", "--output", help="LUT file to write (.cube or .png)."),
    size: int = typer.Option(33, help="3D LUT size (2..129)."),
    smoothness: float = typer.Option(None, help="Regularisation weight (default: tuned)."),
) -> None:
    """Fit a 3D LUT that turns BEFORE into AFTER (regularised least squares, no holes)."""
    from gradecli.pipeline import lut_ops

    lut_ops.fit_lut_files(before, after, output, size=size, smoothness=smoothness)
    err_console.print(f"wrote {output} ({size}^3)", markup=False)
