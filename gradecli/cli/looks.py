"""`gradecli looks`: the look library that `grade --prompt` understands, and the adjustments."""

from __future__ import annotations

import typer
from rich.table import Table

from gradecli.cli.common import emit_json, out_console


def looks_cmd(
    adjustments: bool = typer.Option(
        False, "--adjustments", help="List the --adjust names, units and effects instead."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the looks a --prompt can name (with synonyms), or the --adjust controls.

    Example: gradecli looks --adjustments --json
    """
    if adjustments:
        from gradecli.color.grade_model import ADJUSTMENT_RANGES, ADJUSTMENTS

        rows = [
            {"name": name, "unit": a.unit, "range": list(ADJUSTMENT_RANGES.get(a.field, ())),
             "description": a.description}
            for name, a in ADJUSTMENTS.items()
        ]
        if as_json:
            emit_json({"command": "looks", "adjustments": rows})
            return
        table = Table("adjustment", "unit", "effect", title="--adjust NAME=VALUE[,NAME=VALUE...]")
        for r in rows:
            table.add_row(r["name"], r["unit"], r["description"])
        out_console.print(table)
        return
    from gradecli.io.look_library import default_library

    lib = default_library()
    if as_json:
        emit_json({"command": "looks", "looks": [
            {"name": d.name, "category": d.category, "synonyms": list(d.synonyms),
             "description": d.description, "params": d.params.to_dict()}
            for d in lib
        ]})
        return
    table = Table("look", "category", "synonyms", "what it does", title=f"{len(lib)} looks")
    for d in sorted(lib, key=lambda d: (d.category, d.name)):
        table.add_row(d.name, d.category, ", ".join(d.synonyms), d.description)
    out_console.print(table)
