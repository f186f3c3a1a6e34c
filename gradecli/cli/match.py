"""`gradecli match CLIPS... -o DIR`: clips shot or generated separately become one film."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

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
from gradecli.pipeline.options import ALL_METHODS
from gradecli.pipeline.shot_look import DEFAULT_MAX_DE

if TYPE_CHECKING:
    from gradecli.pipeline.match_result import ClipResult, MatchResult


def _same_scene(clip: ClipResult, res: MatchResult) -> str:
    """"; same scene as b.mp4 (matched by colour)" when shots of ``clip`` share a scene with
    other clips' shots (gradecli.pipeline.scene_looks), else ""."""
    from gradecli.pipeline.match_result import scene_partners, scene_words

    words = scene_words(scene_partners({c.path: {s.scene for s in c.shots if s.scene is not None}
                                        for c in res.clips}).get(clip.path, []))
    return f"; {words}" if words else ""


def default_jobs() -> int:
    """One clip at a time on small machines (x264 already uses every core); more on big ones."""
    return max(1, (os.cpu_count() or 1) // 4)


def match_cmd(
    inputs: list[Path] = typer.Argument(
        None, metavar="CLIP", help="Clips (or folders of clips) to make consistent."
    ),
    output: Path = typer.Option(
        ..., "-o", "--output", metavar="DIR", help="Folder for graded clips, LUTs, report."
    ),
    from_file: str = typer.Option(
        None, "--from-file", metavar="LIST", help="Also the clips listed in LIST, one a line "
        "(- reads standard input).",
    ),
    match: str = typer.Option(
        "auto",
        "--match",
        metavar="WHAT",
        help="look: estimate each shot's grade (colour cast, exposure, lifted black), remove it "
        "and give every shot one target look, so content colours stay; colour: make colour "
        "distributions equal (right for takes of one scene); auto: colour when all clips show "
        "the same scene, else look.",
    ),
    method: str = typer.Option(
        "auto", metavar="NAME",
        help="Colour-transfer method: " + ", ".join(ALL_METHODS) + " (naming one means --match "
        "colour; auto with --match colour: idt towards a real clip or still, mkl towards an "
        "average; model: the bundled style model).",
    ),
    device: str = typer.Option("cpu", "--device", metavar="DEVICE", help=DEVICE_HELP),
    target: str = typer.Option(
        "average", metavar="TARGET",
        help="average, median, neutral (looks removed), first, brightest, hero:PATH, "
        "ref:IMAGE_OR_CLIP (a clip's sampled frames; not rendered), stats:FILE.json.",
    ),
    strength: float = typer.Option(1.0, metavar="S",
                                   help="0..1: how far to move towards the target."),
    lut_size: int = typer.Option(33, "--lut-size", "--size", metavar="N",
                                 help="3D LUT size (2..129)."),
    groups: str = typer.Option(
        "none", metavar="MODE", help="none, or auto: split clips too different to share one look."
    ),
    max_de: float | None = typer.Option(
        None,
        "--max-de",
        metavar="DE",
        help=f"PASS/FAIL threshold on CIEDE2000 after matching, measured on the rendered clips "
        f"as verify measures them (default {DEFAULT_MAX_DE['colour']:g} between mean colours, "
        f"{DEFAULT_MAX_DE['look']:g} between looks: content alone makes looks differ).",
    ),
    luts_only: bool = typer.Option(False, "--luts-only", help="Write LUTs and report, no video."),
    jobs: int = typer.Option(
        None, metavar="N", help="Clips rendered in parallel (default: cores / 4, at least 1)."
    ),
    no_cuts: bool = typer.Option(False, "--no-cuts", help="One LUT per clip, no cut detection."),
    adjust: str = typer.Option(
        None,
        "--adjust",
        metavar="NAME=VALUE,...",
        help="Adjustments applied after matching, to every clip alike, e.g. "
        "exposure=+0.3,saturation=-0.1 (see `gradecli looks --adjustments`).",
    ),
    codec: str = typer.Option("h264", metavar="CODEC",
                              help="h264, hevc, prores, ffv1, h264_nvenc, hevc_nvenc."),
    crf: int = typer.Option(18, metavar="N", help="Quality for h264/hevc, 0..51."),
    preset: str = typer.Option("medium", metavar="NAME", help="Encoder preset for h264/hevc."),
    report: Path = typer.Option(
        None, "--report", metavar="FILE", help="Also a report for people: FILE.html (one "
        "self-contained page) or FILE.pdf (needs Chromium); needs gradecli[report].",
    ),
    protect_skin: float = typer.Option(None, "--protect-skin", metavar="S",
                                       help=PROTECT_SKIN_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Make clips look like one film: one LUT per shot, towards a common target look.

    Different content is matched by look: estimated looks removed, one target look given.
    Takes of one scene are matched by colour distribution (--match auto, the default).

    Writes OUTPUT/<clip> graded, OUTPUT/<clip>[.shotNN].cube and OUTPUT/match_report.json.
    Exit 1 when a clip failed or clips still differ by more than --max-de.

    Example: gradecli match day1/ day2/*.mp4 -o graded/ --target hero:day1/A001.mp4
    """
    from gradecli.io.video import EncodeOptions
    from gradecli.pipeline.batch import expand_inputs
    from gradecli.pipeline.look import build_look
    from gradecli.pipeline.match import MatchOptions, match_clips, write_report
    from gradecli.pipeline.match_plan import plan_match
    from gradecli.pipeline.report import check_report

    report = check_report(report, creates=output)
    paths = expand_inputs(inputs or [], from_file=from_file)
    setup = device_setup(device, EncodeOptions(codec=codec, crf=crf, preset=preset))
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
        encode=setup.encode,
        look=build_look(adjust=adjust).params if adjust else None,
        device=device,
        protect_skin=0.0 if protect_skin is None else protect_skin,
    )
    if dry_run:
        plan = plan_match(paths, output, opts, STATE.overwrite)
        _show_plan(plan, as_json)
        return
    model_note(method)

    def on_clip(path: str, status: str) -> None:
        if STATE.json:
            return
        if not STATE.quiet or status.startswith("failed"):
            colour = "red" if status.startswith("failed") else "dim"
            err_console.print(f"[{colour}]{escape(Path(path).name)}: {escape(status)}[/]")

    early = _EarlyReport() if report is not None else None
    with Phases() as phases:
        res = match_clips(paths, output, opts, on_clip=on_clip, progress=phases,
                          overwrite=STATE.overwrite, on_fitted=early)
    write_report(res, Path(output) / "match_report.json")
    if report is not None:
        _write_html_report(res, report, early)
    if as_json:
        emit_json({"command": "match", "report": res.report, "device": setup.to_dict(),
                   **res.to_dict()})
    else:
        _show_result(res)
    if not res.passed:
        raise typer.Exit(1)


class _EarlyReport:
    """Draws the report's pictures in a thread while the clips render (they need the LUTs,
    not the video); the page is put together once the verdict is measured."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.items = None
        self.error: BaseException | None = None

    def __call__(self, result) -> None:
        from gradecli.pipeline.report import match_luts, match_report_items

        def work() -> None:
            try:
                self.items = match_report_items(result.to_dict(), luts=match_luts(result))
            except BaseException as e:  # re-raised on the main thread
                self.error = e

        self.thread = threading.Thread(target=work, name="gradecli-report", daemon=True)
        self.thread.start()

    def result(self):
        if self.thread is not None:
            self.thread.join()
        if self.error is not None:
            raise self.error
        return self.items


def _write_html_report(res, path: Path, early: _EarlyReport | None = None) -> None:
    import time

    from gradecli.pipeline.report import match_luts, match_report_data, write_report_file

    t = time.perf_counter()
    data = match_report_data(res.to_dict(), command=STATE.command, luts=match_luts(res),
                             items=early.result() if early is not None else None)
    write_report_file(data, path)
    if not STATE.quiet and not STATE.json:
        err_console.print(f"wrote {path} ({time.perf_counter() - t:.1f} s)", markup=False)


def _show_plan(plan, as_json: bool) -> None:
    if as_json:
        emit_json({"command": "match", "dry_run": True, **plan.to_dict()})
        return
    o = plan.options
    out_console.print(f"dry run: match {len(plan.clips)} clips into {plan.folder} "
                      f"(--match {o.match}, --target {o.target}); nothing is written", markup=False)
    for c in plan.clips:
        i = c.info
        what = "LUTs only" if o.luts_only else (
            "kept: exists" if c.skip else ("replace" if c.output.exists() else "new"))
        dur = f"{i.duration_s:.2f} s" if i.duration_s else "? s"
        out_console.print(f"  {c.input} ({i.width}x{i.height}, {dur}, {float(i.frame_rate):g} "
                          f"fps) -> {c.output} ({what}); LUT {c.luts}", markup=False)
    for path, err in plan.failed:
        out_console.print(f"  {path}: cannot be read, would be skipped ({err})", markup=False)
    out_console.print(f"  report {plan.report}; shots are found by the analysis pass",
                      markup=False)


def looks_left_note(res: MatchResult) -> str | None:
    """The note when look matching changed no shot (None otherwise), worded for the target:
    towards the clips' own average, the clips' looks are what agree; towards a named look (a
    reference, a hero, neutral), each clip's look is what is within the noise of the target's."""
    if not res.looks_left:
        return None
    if res.target_kind in ("average", "median"):
        what, more = "the clips' looks differ", ", --target ref:IMAGE names a look"
    else:
        what, more = "each clip's look differs from the target's", ""
    return (f"{what} no more than their content alone makes estimates differ, so no cast or "
            "exposure was changed (do no harm); --match colour makes colour distributions "
            f"equal (takes of one scene){more}")


def _show_result(res) -> None:
    what = "look difference" if res.by == "look" else "mean colour"
    table = Table(title=f"CIEDE2000 between clips, {what} ({res.method}, target: {res.target})")
    after_col = "after (rendered)" if res.measured == "rendered clips" else "after (estimate)"
    for col in ("a", "b", "before", after_col, ""):
        table.add_column(col, justify="right" if col in ("before", after_col) else "left")
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
            f"{_same_scene(c, res)}"
        )
    if (text := looks_left_note(res)) is not None:
        note(text)
    for _path, err in res.failed:
        err_console.print(f"[red]failed:[/] {escape(err)}")
    verdict = "[green]PASS[/]" if res.passed else "[red]FAIL[/]"
    where = ("measured on the rendered clips" if res.measured == "rendered clips"
             else "estimated on the analysed frames, no video rendered")
    out_console.print(
        f"{verdict}: largest ΔE00 {res.max_before:.2f} -> {res.max_after:.2f} "
        f"(max {res.max_de:g}; {where}); report {res.report}"
    )
