"""`gradecli verify`: a CI gate on delivered footage; exit 1 when clips disagree."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from gradecli.cli.common import STATE, emit_json, out_console
from gradecli.pipeline.shot_look import DEFAULT_MAX_DE


def verify_cmd(
    inputs: list[Path] = typer.Argument(
        None, metavar="INPUT", help="Clips, stills, or folders of them, to compare."
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
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Compare all inputs pair by pair in CIEDE2000: mean CIELAB colours, or (--by look) looks.

    Exits 1 when any pair differs by more than --max-de.

    Example: gradecli verify graded/ --max-de 2.0 --json
    """
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
