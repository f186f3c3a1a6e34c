"""`gradecli lut apply|info|convert|fit`: LUTs as first-class files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from gradecli.cli.common import (
    DEVICE_HELP,
    PROTECT_SKIN_HELP,
    STATE,
    device_setup,
    emit_json,
    err_console,
    out_console,
    progress_bar,
)

app = typer.Typer(
    help="Apply, inspect, convert and fit LUTs (.cube, Hald CLUT .png).", no_args_is_help=True
)

_SIZE_HELP = "3D LUT size, 2..129"


@app.command("apply")
def apply_cmd(
    paths: list[Path] = typer.Argument(
        None, metavar="INPUT... LUT",
        help="Clips (.mp4, .mov, .mkv), stills (.png, .tif, .jpg) or folders of them, then the "
        "LUT (.cube or Hald .png).",
    ),
    output: Path = typer.Option(
        ..., "-o", "--output", metavar="OUTPUT",
        help="Output file, or a folder (made if missing) for several inputs.",
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
    interpolation: str = typer.Option("tetrahedral", metavar="NAME",
                                      help="tetrahedral or trilinear."),
    codec: str = typer.Option("h264", metavar="CODEC", help="h264, hevc, prores, ffv1, "
                              "h264_nvenc, hevc_nvenc (NVIDIA; libx264/libx265 when unusable)."),
    crf: int = typer.Option(18, metavar="N", help="Quality for h264/hevc, 0..51 (lower is "
                            "better)."),
    device: str = typer.Option("cpu", "--device", metavar="DEVICE", help=DEVICE_HELP),
    preset: str = typer.Option("medium", metavar="NAME", help="Encoder preset for h264/hevc."),
    pix_fmt: str = typer.Option(
        None, "--pix-fmt", metavar="FMT",
        help="Output pixel format (default: the input's; 10-bit stays 10-bit).",
    ),
    protect_skin: float = typer.Option(None, "--protect-skin", metavar="S",
                                       help=PROTECT_SKIN_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Grade clips or stills with a LUT; audio is copied, colour tags, frame rate and every time
    stamp kept.

    Example: gradecli lut apply day1/*.mp4 look.cube -o graded/
    """
    from gradecli.io.video import EncodeOptions
    from gradecli.pipeline import lut_ops
    from gradecli.pipeline.batch import expand_inputs

    paths = list(paths or [])
    if not paths:
        raise typer.BadParameter("give the inputs and then the LUT", param_hint="INPUT... LUT")
    lut, inputs = paths[-1], paths[:-1]
    if not inputs and not from_file:
        raise typer.BadParameter("give at least one input before the LUT (or --from-file)",
                                 param_hint="INPUT... LUT")
    from gradecli.pipeline.protect import check_strength

    options = EncodeOptions(codec=codec, crf=crf, preset=preset, pix_fmt=pix_fmt)
    lut_ops.check_interpolation(interpolation)
    setup = device_setup(device, options)
    options = setup.encode
    protect = check_strength(protect_skin)
    files = expand_inputs(inputs, from_file=from_file, stills=True)
    folder = (len(files) > 1 or len(inputs) > 1 or from_file is not None
              or any(p.is_dir() for p in inputs) or None)
    items = lut_ops.plan_apply(files, lut, output, name=name, overwrite=STATE.overwrite,
                               folder=folder)
    if dry_run:
        _show_plan(items, lut, as_json)
        return
    for folder_path in {i.output.parent for i in items if not i.skip}:
        folder_path.mkdir(parents=True, exist_ok=True)
    table = lut_ops.read_lut_file(lut)
    results = []
    for k, item in enumerate(items, 1):
        count = f" ({k}/{len(items)})" if len(items) > 1 else ""
        with progress_bar(f"grading {item.input.name}{count}", None) as update:
            res = lut_ops.apply_lut_file(item.input, table, item.output,
                                         interpolation=interpolation, encode=options,
                                         progress=update, overwrite=STATE.overwrite,
                                         protect_skin=protect, device=setup.choice)
        results.append((item.input, res))
        if not as_json:
            t = res.transcode
            on = "" if t is None or t.device == "cpu" else f", graded on {t.device}"
            what = (f" ({res.frames} frames, {t.pix_fmt}, {options.codec}{on})"
                    if t is not None else "")
            verb = "skipped (exists)" if res.status == "skipped" else "wrote"
            if not STATE.quiet:
                err_console.print(f"{verb} {res.output}{what}", markup=False)
    if as_json:
        emit_json({"command": "lut apply", "lut": str(lut), "device": setup.to_dict(),
                   "items": [r.to_dict(src) for src, r in results]})


def _show_plan(items, lut: Path, as_json: bool) -> None:
    if as_json:
        emit_json({"command": "lut apply", "dry_run": True, "lut": str(lut),
                   "items": [i.to_dict() for i in items]})
        return
    out_console.print(f"dry run: {len(items)} input(s) through {lut}; nothing is written")
    for i in items:
        state = "skip: exists" if i.skip else ("replace" if i.output.exists() else "new")
        out_console.print(f"  {i.input} -> {i.output} ({i.kind}, {state})", markup=False)


@app.command("info")
def info_cmd(
    lut: Path = typer.Argument(..., metavar="LUT", help="LUT file (.cube or Hald .png)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Describe a LUT: kind, sizes, domain, output range, whether it is the identity.

    Example: gradecli lut info look.cube --json
    """
    from gradecli.pipeline import lut_ops

    info = lut_ops.lut_info(lut)
    if as_json:
        emit_json({"command": "lut info", **info.to_dict()})
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
    src: Path = typer.Argument(..., metavar="SRC", help="LUT to read (.cube or Hald .png)."),
    dst: Path = typer.Argument(
        None, metavar="[DST]", help="LUT to write; the format follows the extension (or -o)."
    ),
    output: Path = typer.Option(None, "-o", "--output", metavar="DST", help="LUT to write."),
    lut_size: int = typer.Option(
        None, "--lut-size", "--size", metavar="N", help=f"Resample to this {_SIZE_HELP}, first."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Convert a LUT between .cube and Hald CLUT .png (optionally resampling it).

    Example: gradecli lut convert look.cube -o look.png --lut-size 64
    """
    from gradecli.pipeline import lut_ops

    if (dst is None) == (output is None):
        raise typer.BadParameter("give the LUT to write once: as DST or with -o",
                                 param_hint="DST / -o")
    target = dst or output
    lut = lut_ops.convert_lut(src, target, size=lut_size, overwrite=STATE.overwrite)
    if as_json:
        emit_json({"command": "lut convert", "input": str(src), "output": str(target),
                   "size": lut.size, "status": "written"})
    elif not STATE.quiet:
        err_console.print(f"wrote {target}", markup=False)


@app.command("fit")
def fit_cmd(
    before: Path = typer.Argument(..., metavar="BEFORE", help="Still before the grade."),
    after: Path = typer.Argument(
        ..., metavar="AFTER", help="The same still after the grade (same size)."
    ),
    output: Path = typer.Option(..., "-o", "--output", metavar="LUT",
                                help="LUT file to write (.cube or .png)."),
    lut_size: int = typer.Option(33, "--lut-size", "--size", metavar="N", help=_SIZE_HELP + "."),
    smoothness: float = typer.Option(None, metavar="L",
                                     help="Regularisation weight (default: tuned)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Fit a 3D LUT that turns BEFORE into AFTER (regularised least squares, no holes).

    Example: gradecli lut fit ungraded.png graded.png -o look.cube
    """
    from gradecli.pipeline import lut_ops

    existed = output.exists()
    lut_ops.fit_lut_files(before, after, output, size=lut_size, smoothness=smoothness,
                          overwrite=STATE.overwrite)
    status = "skipped" if existed and STATE.overwrite == "skip" else "written"
    if as_json:
        emit_json({"command": "lut fit", "before": str(before), "after": str(after),
                   "output": str(output), "size": lut_size, "status": status})
    elif not STATE.quiet:
        err_console.print(f"{'skipped (exists)' if status == 'skipped' else 'wrote'} {output}"
                          f" ({lut_size}^3)", markup=False)
