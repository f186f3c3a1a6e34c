"""What every CLI command shares: consoles, global flags and progress bars."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = ["STATE", "err_console", "model_note", "out_console", "progress_bar"]


@dataclass
class State:
    debug: bool = bool(os.environ.get("GRADECLI_DEBUG"))
    quiet: bool = False


STATE = State()
out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@contextlib.contextmanager
def progress_bar(description: str, total: int | None) -> Iterator:
    """A frames progress bar with ETA on a terminal; a no-op when quiet or not a terminal.

    Yields a callback ``update(done, total)`` suitable for the engine's ``progress`` argument.
    """
    if STATE.quiet or not sys.stderr.isatty():
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("frames"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)

        def update(done: int, expected: int | None) -> None:
            bar.update(task, completed=done, total=expected or None)

        yield update


def model_note(method: str | None) -> None:
    """Say, once per run, that the bundled style model is experimental (it has not yet met its
    quality goals; its measured figures live in weights/MODEL_CARD.md, not in code)."""
    if method in ("model", "model-int8") and not STATE.quiet:
        err_console.print(
            "[yellow]note:[/] the bundled style model is experimental and does not yet beat "
            "leaving the picture unchanged; see weights/MODEL_CARD.md and "
            "benchmarks/bench_style_model.py"
        )
