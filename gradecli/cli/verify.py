"""`gradecli verify`: a CI gate on delivered footage; exit 1 when clips disagree.

`verify --skin-tones LUT_OR_REPORT...` checks grades instead: skin-tone swatches rendered through
each LUT, exit 1 when a LUT changes some skin tones much more than others."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from gradecli.cli.common import STATE, emit_json, out_console
from gradecli.errors import BadInputError
from gradecli.pipeline.shot_look import DEFAULT_MAX_DE
from gradecli.pipeline.skin_tones import DEFAULT_MAX_DISPARITY


def verify_cmd(
    inputs: list[Path] = typer.Argument(
        None, metavar="INPUT", help="Clips, stills, or folders of them, to compare (with "
        "--skin-tones: LUT files, .cube or Hald .png, and match_report.json files)."
    ),
    from_file: str = typer.Option(
        None, "--from-file", metavar="LIST", help="Also the inputs listed in LIST, one a line "
        "(- reads standard input).",
    ),
    max_de: float | None = typer.Option(
        None,
        "--max-de",
        help=f"Largest CIEDE2000 allowed between any pair (default "
        f"{DEFAULT_MAX_DE['colour']:g} between mean colours, {DEFAULT_MAX_DE['look']:g} between "
        "looks: content alone makes looks differ).",
    ),
    frames: int = typer.Option(48, metavar="N", help="Frames sampled per clip (spread evenly)."),
    by: str = typer.Option(
        "auto",
        "--by",
        metavar="WHAT",
        help="colour: compare mean colours (clips of one scene); look: compare estimated looks "
        "(colour cast, lifted black) on a ColorChecker chart, so clips of different content "
        "graded alike pass; auto: colour when all inputs show the same scene, else look (as "
        "match decides).",
    ),
    report: Path = typer.Option(
        None, "--report", metavar="FILE", help="Also a report for people: FILE.html or FILE.pdf "
        "(needs gradecli[report]; a PDF needs Chromium).",
    ),
    skin_tones: bool = typer.Option(
        False, "--skin-tones", help="Check grades instead of clips: render the 10 Monk Skin Tone "
        "swatches (and the ColorChecker's two skin patches) through each INPUT LUT (or each shot "
        "LUT a match_report.json lists) and fail a LUT that changes some tones much more than "
        "others.",
    ),
    max_disparity: float | None = typer.Option(
        None, "--max-disparity", metavar="X", help="With --skin-tones: largest disparity allowed, "
        "std/mean of the ΔE00 over the 10 MST tones (default "
        f"{DEFAULT_MAX_DISPARITY:g}: even exposure changes and the example looks measure "
        "0.20-0.47, a LUT that darkens and greys only dark skin 1.4-1.7).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Compare all inputs pair by pair in CIEDE2000: mean CIELAB colours, or (--by look) looks.

    Exits 1 when any pair differs by more than --max-de.

    With --skin-tones the inputs are LUTs: exit 1 when one's disparity exceeds --max-disparity.

    Example: gradecli verify graded/ --max-de 2.0 --json

    Example: gradecli verify --skin-tones graded/*.cube
    """
    if skin_tones:
        extra = [name for name, used in (("--max-de", max_de is not None),
                                         ("--frames", frames != 48), ("--by", by != "auto"),
                                         ("--report", report is not None)) if used]
        if extra:
            raise BadInputError(f"{', '.join(extra)} do not apply to --skin-tones")
        _skin_tones_cmd(inputs or [], from_file, max_disparity, as_json)
        return
    if max_disparity is not None:
        raise BadInputError("--max-disparity applies only with --skin-tones")
    from gradecli.pipeline.batch import expand_inputs
    from gradecli.pipeline.report import check_report, verify_report_data, write_report_file
    from gradecli.pipeline.verify import verify

    report = check_report(report)
    paths = expand_inputs(inputs or [], from_file=from_file, stills=True)
    res = verify(paths, max_de=max_de, frames=frames, by=by)
    if report is not None:
        write_report_file(verify_report_data(res, command=STATE.command), report)
    if as_json:
        emit_json({"command": "verify", **res.to_dict()})
    else:
        items = Table(title="mean colour (CIELAB D65)")
        for col in ("input", "frames", "L*", "a*", "b*", "look"):
            items.add_column(col, justify="left" if col in ("input", "look") else "right")
        for it in res.items:
            L, a, b = it.stats.mean
            items.add_row(it.path, str(it.frames), f"{L:.2f}", f"{a:.2f}", f"{b:.2f}",
                          it.look.describe())
        out_console.print(items)
        if res.pairs:
            what = "looks" if res.by == "look" else "mean colours"
            pairs = Table(title=f"CIEDE2000 between {what} (max allowed {res.max_de:g})")
            for col in ("a", "b", "mean colour ΔE00", "look ΔE00", ""):
                pairs.add_column(col)
            for p in res.pairs:
                ok = res.value(p) <= res.max_de
                pairs.add_row(p.a, p.b, f"{p.delta_e00:.2f}", f"{p.look_delta_e00:.2f}",
                              "[green]PASS[/]" if ok else "[red]FAIL[/]")
            out_console.print(pairs)
        verdict = "[green]PASS[/]" if res.passed else "[red]FAIL[/]"
        out_console.print(f"{verdict}: largest ΔE00 {res.max_delta_e00:.2f} (max {res.max_de:g})")
    if not res.passed:
        raise typer.Exit(1)


def _skin_tones_cmd(inputs: list[Path], from_file: str | None, max_disparity: float | None,
                    as_json: bool) -> None:
    from gradecli.pipeline.batch import read_list
    from gradecli.pipeline.skin_tones import check_skin_tones

    paths = list(inputs) + (read_list(from_file) if from_file else [])
    res = check_skin_tones(paths, max_disparity)
    if as_json:
        emit_json({"command": "verify --skin-tones", **res.to_dict()})
    else:
        for r in res.luts:
            rep = r.report
            src = f" (from {r.source})" if r.source else ""
            table = Table(title=escape(f"{r.path}{src}: skin tones through the LUT"))
            for col in ("tone", "ΔE00", "hue shift °", "L* change"):
                table.add_column(col, justify="left" if col == "tone" else "right")
            for t in rep.tones:
                name = t.name if t.in_disparity else f"[dim]{t.name}[/]"
                table.add_row(name, f"{t.delta_e00:.2f}", f"{t.hue_shift_deg:+.1f}",
                              f"{t.lightness_change:+.2f}")
            out_console.print(table)
            verdict = "[green]PASS[/]" if r.passed else "[red]FAIL[/]"
            out_console.print(f"{verdict}: disparity {rep.disparity:.3f} (max {r.max_disparity:g})"
                              f", mean ΔE00 {rep.mean_delta_e00:.2f} over the 10 MST tones")
        failed = sum(not r.passed for r in res.luts)
        verdict = "[green]PASS[/]" if res.passed else "[red]FAIL[/]"
        out_console.print(f"{verdict}: {len(res.luts) - failed} of {len(res.luts)} LUTs within "
                          f"disparity {res.max_disparity:g}")
    if not res.passed:
        raise typer.Exit(1)
