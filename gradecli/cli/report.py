"""`gradecli report match_report.json -o FILE.html`: the report page of a saved match."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from gradecli.cli.common import STATE, emit_json, err_console
from gradecli.errors import BadInputError


def report_cmd(
    source: Path = typer.Argument(..., metavar="REPORT.json",
                                  help="A match report (match_report.json)."),
    output: Path = typer.Option(..., "-o", "--output", metavar="FILE",
                                help="FILE.html (one self-contained page) or FILE.pdf."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Make the report page of a saved match: before/after thumbnails, looks, LUTs, scopes,
    the CIEDE2000 table and the run, from the JSON report and the files it names.

    Example: gradecli report graded/match_report.json -o graded/report.html
    """
    from gradecli.pipeline.batch import output_exists
    from gradecli.pipeline.paths import check_input
    from gradecli.pipeline.report import check_report, match_report_data, write_report_file

    path = check_report(output)
    src = check_input(source)
    if output_exists(path, STATE.overwrite):
        return
    try:
        data = json.loads(src.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInputError(f"{src}: not a readable JSON report ({e})") from e
    if not isinstance(data, dict) or "clips" not in data or "pairs" not in data:
        raise BadInputError(f"{src}: not a match report (no clips and pairs)")
    write_report_file(match_report_data(data, base=src.parent,
                                        command=f"gradecli report {src}"), path)
    if as_json:
        emit_json({"command": "report", "input": str(src), "output": str(path)})
    elif not STATE.quiet:
        err_console.print(f"wrote {path}", markup=False)
