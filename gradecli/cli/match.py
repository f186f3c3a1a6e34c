"""`gradecli match CLIPS... -o DIR`: clips shot or generated separately become one film."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from gradecli.cli.common import STATE, err_console, model_note, out_console, progress_bar
from gradecli.pipeline.shot_look import DEFAULT_MAX_DE


def default_jobs() -> int:
    """One clip at a time on small machines (x264 already uses every core); more on big ones."""
    return max(1, (os.cpu_count() or 1) // 4)


def match_cmd(
    inputs: list[Path] = typer.Argument(..., help="Clips to make consistent."),
    output: Path = typer.Option(
        ..., "-o", "--output", help="Folder for graded clips, LUTs, report."
    ),
    match: str = typer.Option(
        "auto",
        "--match",
        help="look: estimate each shot's grade (colour cast, lifted black), remove it and give "
        "every shot one target look, so content colours stay; colour: make colour "
        "distributions equal (right for takes of one scene); auto: colour when all clips show "
        "the same scene, else look.",
    ),
    method: str = typer.Option(
        "auto",
        help="Colour-transfer method: auto, reinhard, histogram, mkl, idt, model, model-int8 "
        "(naming one means --match colour; auto with --match colour: idt towards a real clip "
        "or still, mkl towards an average; model: the bundled style model).",
    ),
    device: str = typer.Option(
        "cpu", "--device", help="Where --method model runs: cpu, cuda or auto."
    ),
    target: str = typer.Option(
        "average",
        help="average, median, neutral (looks removed), first, brightest, hero:PATH, ref:IMAGE, "
        "stats:FILE.json.",
    ),
    strength: float = typer.Option(1.0, help="0..1: how far to move towards the target."),
    lut_size: int = typer.Option(33, "--lut-size", help="3D LUT size (2..129)."),
    groups: str = typer.Option(
        "none", help="none, or auto: split clips too different to share one look."
    ),
    max_de: float | None = typer.Option(
        None,
        "--max-de",
        help=f"PASS/FAIL threshold on CIEDE2000 after matching (default "
        f"{DEFAULT_MAX_DE['colour']:g} between mean colours, {DEFAULT_MAX_DE['look']:g} between "
        "looks: content alone makes looks differ).",
    ),
    luts_only: bool = typer.Option(False, "--luts-only", help="Write LUTs and report, no video."),
    jobs: int = typer.Option(
        None, help="Clips rendered in parallel (default: cores / 4, at least 1)."
    ),
    no_cuts: bool = typer.Option(False, "--no-cuts", help="One LUT per clip, no cut detection."),
    adjust: str = typer.Option(
        None,
        "--adjust",
        help="Adjustments applied after matching, to every clip alike, e.g. "
        "exposure=+0.3,saturation=-0.1 (see `gradecli looks --adjustments`).",
    ),
    codec: str = typer.Option("h264", help="Video codec: h264, hevc, prores, ffv1."),
    crf: int = typer.Option(18, help="Quality for h264/hevc, 0..51."),
    preset: str = typer.Option("medium", help="Encoder preset for h264/hevc."),
) -> None:
    """Make clips look like one film: one LUT per shot, towards a common target look.

    Different content is matched by look: estimated looks removed, one target look given.
    Takes of one scene are matched by colour distribution (--match auto, the default).

    Writes OUTPUT/<clip> graded, OUTPUT/<clip>[.shotNN].cube and OUTPUT/match_report.json.
    Exit 1 when a clip failed or clips still differ by more than --max-de.
    """
    from gradecli.io.video import EncodeOptions
    from gradecli.pipeline.look import build_look
    from gradecli.pipeline.match import MatchOptions, match_clips, write_report

    look = build_look(adjust=adjust).params if adjust else None

    opts = MatchOptions(
        method=method,
        match=match,
        target=target,
        strength=strength,
        lut_size=lut_size,
        groups=groups,
        max_de=max_de,
        luts_only=luts_only,
        jobs=jobs or default_jobs(),
        detect_cuts=not no_cuts,
        encode=EncodeOptions(codec=codec, crf=crf, preset=preset),
        look=look,
        device=device,
    )

    model_note(method)

    def on_clip(path: str, status: str) -> None:
        if not STATE.quiet or status.startswith("failed"):
            colour = "red" if status.startswith("failed") else "dim"
            err_console.print(f"[{colour}]{escape(Path(path).name)}: {escape(status)}[/]")

    with progress_bar("rendering", None) as update:
        res = match_clips(inputs, output, opts, on_clip=on_clip, progress=update)
    write_report(res, Path(output) / "match_report.json")
    what = "look difference" if res.by == "look" else "mean colour"
    table = Table(title=f"CIEDE2000 between clips, {what} ({res.method}, target: {res.target})")
    for col in ("a", "b", "before", "after", ""):
        table.add_column(col, justify="right" if col in ("before", "after") else "left")
    for p in res.pairs:
        after = p.value(res.by, "after")
        table.add_row(
            Path(p.a).name,
            Path(p.b).name,
            f"{p.value(res.by, 'before'):.2f}",
            f"{after:.2f}",
            "[green]PASS[/]" if after <= res.max_de else "[red]FAIL[/]",
        )
    out_console.print(table)
    for c in res.clips:
        cuts = ", ".join(f"{s.start_s:.2f}s" for s in c.shots[1:]) or "none"
        out_console.print(
            f"{Path(c.path).name}: {len(c.shots)} shot(s), cuts at {cuts}; look "
            f"{c.look_before.get('words', '?')} -> {c.look_after.get('words', '?')}"
        )
    if res.looks_left:
        err_console.print(
            "note: the clips' looks differ no more than their content alone makes estimates "
            "differ, so no cast or exposure was changed (do no harm); --match colour makes "
            "colour distributions equal (takes of one scene), --target ref:IMAGE names a look"
        )
    for _path, err in res.failed:
        err_console.print(f"[red]failed:[/] {escape(err)}")
    verdict = "[green]PASS[/]" if res.passed else "[red]FAIL[/]"
    out_console.print(
        f"{verdict}: largest ΔE00 {res.max_before:.2f} -> {res.max_after:.2f} "
        f"(max {res.max_de:g}); report {res.report}"
    )
    if not res.passed:
        raise typer.Exit(1)
