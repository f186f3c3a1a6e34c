"""The gradecli command line: a thin Typer app over ``gradecli.pipeline``.

Exit codes: 0 success, 1 a check failed (verify), 2 bad usage or bad input, 3 an internal error,
130 interrupted. Errors print one red line; ``--debug`` prints the traceback too.
"""

from __future__ import annotations

import os
import shlex
import sys
import traceback

import typer
from rich.markup import escape
from typer.exceptions import TyperException

from gradecli import __version__
from gradecli.cli import lut as lut_cli
from gradecli.cli.common import (
    PROGRESS_MODES,
    STATE,
    emit_json,
    err_console,
    hoist_global_flags,
)
from gradecli.cli.grade import grade_cmd
from gradecli.cli.looks import looks_cmd
from gradecli.cli.match import match_cmd
from gradecli.cli.report import report_cmd
from gradecli.cli.segment import segment_cmd
from gradecli.cli.verify import verify_cmd
from gradecli.errors import GradeError

app = typer.Typer(
    name="gradecli",
    help="Batch colour grading of video: match clips, grade to a still, LUTs, CIEDE2000 checks.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gradecli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        None, "--version", "-V", callback=_version, is_eager=True,
        help="Print the version and exit.",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress and no notes."),
    progress: str = typer.Option(
        "auto", "--progress", metavar="MODE",
        help="bar (on a terminal), plain (a line every 10% or 10 s, for logs), none; auto: bar "
        "on a terminal, else plain.",
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", "-y", help="Replace outputs that exist (default: refuse)."
    ),
    no_overwrite: bool = typer.Option(
        False, "--no-overwrite", "-n", help="Never replace an output: one that exists is an "
        "error (the default, made explicit).",
    ),
    skip_existing: bool = typer.Option(
        False, "--skip-existing", help="Leave outputs that exist and skip those items (resume a "
        "batch).",
    ),
) -> None:
    """Batch colour grading of video: match clips, grade to a still, LUTs, CIEDE2000 checks.

    Global options may also follow the subcommand. Example: gradecli lut apply a.mp4 look.cube
    -o graded/ --quiet
    """
    if progress not in PROGRESS_MODES:
        raise typer.BadParameter(f"must be one of {', '.join(PROGRESS_MODES)}",
                                 param_hint="--progress")
    if sum((overwrite, no_overwrite, skip_existing)) > 1:
        raise typer.BadParameter("choose one of -y/--overwrite, -n/--no-overwrite and "
                                 "--skip-existing", param_hint="--overwrite")
    STATE.debug = debug or bool(os.environ.get("GRADECLI_DEBUG"))
    STATE.quiet = quiet
    STATE.progress = progress
    STATE.overwrite = "yes" if overwrite else "skip" if skip_existing else "error"


app.command("match")(match_cmd)
app.command("grade")(grade_cmd)
app.command("looks")(looks_cmd)
app.add_typer(lut_cli.app, name="lut")
app.command("verify")(verify_cmd)
app.command("report")(report_cmd)
app.command("segment")(segment_cmd)


def _fail(message: str, code: int, kind: str = "error") -> int:
    """Report a failure once: a red line on stderr, or with --json one object on stdout."""
    if STATE.json:
        emit_json({"error": message, "kind": kind, "exit_code": code})
    else:
        label = {"error": "error", "internal": "internal error", "interrupted": "interrupted"}
        err_console.print(f"[red]{label[kind]}:[/] {escape(message)}")
    return code


def run(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code (for tests and ``main``)."""
    argv = hoist_global_flags(list(sys.argv[1:] if argv is None else argv))
    command = typer.main.get_command(app)
    STATE.reset()
    STATE.json = "--json" in argv
    STATE.command = " ".join(["gradecli", *(shlex.quote(a) for a in argv)])
    try:
        rv = command.main(args=argv, prog_name="gradecli", standalone_mode=False)
        if rv == 130:  # Typer turns Ctrl-C into an exit code of 130 and says nothing
            return _fail("stopped by the user (Ctrl-C); no output was left half-written", 130,
                         "interrupted")
        return rv if isinstance(rv, int) else 0
    except typer.Exit as e:
        return e.exit_code
    except TyperException as e:  # usage errors: Typer prints them the way users expect
        if STATE.json:
            return _fail(e.format_message(), 2)
        show = getattr(e, "show", None)
        if show is not None:
            show(file=sys.stderr)
        else:
            err_console.print(f"[red]error:[/] {escape(e.format_message())}")
        return 2
    except (typer.Abort, KeyboardInterrupt):
        return _fail("stopped by the user (Ctrl-C); no output was left half-written", 130,
                     "interrupted")
    except GradeError as e:
        if STATE.debug:
            err_console.print(traceback.format_exc(), markup=False)
        return _fail(str(e), e.exit_code)
    except Exception as e:  # an internal error: say so, briefly
        if STATE.debug:
            err_console.print(traceback.format_exc(), markup=False)
        return _fail(f"{type(e).__name__}: {e} (run with --debug)", 3, "internal")


def main() -> None:
    sys.exit(run(sys.argv[1:]))
