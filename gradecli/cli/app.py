"""The gradecli command line: a thin Typer app over ``gradecli.pipeline``.

Exit codes: 0 success, 1 a check failed (verify), 2 bad usage or bad input, 3 an internal error,
130 interrupted. Errors print one red line; ``--debug`` prints the traceback too.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer
from rich.markup import escape
from typer.exceptions import TyperException

from gradecli import __version__
from gradecli.cli import lut as lut_cli
from gradecli.cli.common import STATE, err_console
from gradecli.cli.grade import grade_cmd
from gradecli.cli.looks import looks_cmd
from gradecli.cli.match import match_cmd
from gradecli.cli.verify import verify_cmd
from gradecli.errors import GradeError

app = typer.Typer(
    name="gradecli",
    help="Batch colour grading of video: match clips, grade to a still, LUTs, CIEDE2000 checks.",
    no_args_is_help=True,
    add_completion=False,
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
        None, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or notes."),
) -> None:
    STATE.debug = debug or bool(os.environ.get("GRADECLI_DEBUG"))
    STATE.quiet = quiet


app.command("match")(match_cmd)
app.command("grade")(grade_cmd)
app.command("looks")(looks_cmd)
app.add_typer(lut_cli.app, name="lut")
app.command("verify")(verify_cmd)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code (for tests and ``main``)."""
    command = typer.main.get_command(app)
    STATE.debug = bool(os.environ.get("GRADECLI_DEBUG"))
    STATE.quiet = False
    try:
        rv = command.main(args=argv, prog_name="gradecli", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except typer.Exit as e:
        return e.exit_code
    except TyperException as e:  # usage errors: Typer prints them the way users expect
        show = getattr(e, "show", None)
        if show is not None:
            show(file=sys.stderr)
        else:
            err_console.print(f"[red]error:[/] {escape(e.format_message())}")
        return 2
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("[red]interrupted[/]; no output was left half-written")
        return 130
    except GradeError as e:
        if STATE.debug:
            err_console.print(traceback.format_exc(), markup=False)
        err_console.print(f"[red]error:[/] {escape(str(e))}")
        return e.exit_code
    except Exception as e:  # an internal error: say so, briefly
        if STATE.debug:
            err_console.print(traceback.format_exc(), markup=False)
        err_console.print(
            f"[red]internal error:[/] {type(e).__name__}: {escape(str(e))} (run with --debug)"
        )
        return 3


def main() -> None:
    sys.exit(run(sys.argv[1:]))
