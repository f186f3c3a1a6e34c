"""What every CLI command shares: consoles, global flags, JSON output, notes and progress.

Global flags (``--quiet``, ``--debug``, ``--progress``, ``-y``/``-n``/``--skip-existing``) are
accepted before or after the subcommand: :func:`hoist_global_flags` moves them in front.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from gradecli import __version__

__all__ = [
    "DEVICE_HELP",
    "PROTECT_SKIN_HELP",
    "STATE",
    "GLOBAL_FLAGS",
    "device_setup",
    "err_console",
    "emit_json",
    "hoist_global_flags",
    "model_note",
    "note",
    "out_console",
    "progress_bar",
    "PROGRESS_MODES",
    "Phases",
]

#: ``--progress``: bar (a live bar on a terminal), plain (a line every 10 % or 10 s, for logs
#: a farm keeps), none; auto: bar on a terminal, else plain.
PROGRESS_MODES = ("auto", "bar", "plain", "none")


@dataclass
class State:
    debug: bool = bool(os.environ.get("GRADECLI_DEBUG"))
    quiet: bool = False
    progress: str = "auto"
    #: What happens to an output that exists: "error" (the default), "yes" (-y: replace it),
    #: "skip" (--skip-existing: leave it and skip that item).
    overwrite: str = "error"
    #: Set by a command's --json: results and errors go to stdout as one JSON object.
    json: bool = False
    #: The command line as run (for reports).
    command: str = "gradecli"

    def reset(self) -> None:
        self.debug = bool(os.environ.get("GRADECLI_DEBUG"))
        self.quiet, self.progress, self.overwrite, self.json = False, "auto", "error", False


STATE = State()
out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

#: Global flags: name -> whether it takes a value.
GLOBAL_FLAGS = {
    "--quiet": False, "-q": False, "--debug": False, "--progress": True,
    "-y": False, "--overwrite": False, "-n": False, "--no-overwrite": False,
    "--skip-existing": False,
}


def hoist_global_flags(argv: list[str]) -> list[str]:
    """``argv`` with the global flags that follow the subcommand moved to the front, so that
    ``gradecli lut apply ... --quiet`` means ``gradecli --quiet lut apply ...``. Arguments
    after ``--`` are left alone."""
    front, rest = [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            rest.extend(argv[i:])
            break
        name = a.split("=", 1)[0]
        if name in GLOBAL_FLAGS:
            front.append(a)
            if GLOBAL_FLAGS[name] and "=" not in a and i + 1 < len(argv):
                front.append(argv[i + 1])
                i += 1
        else:
            rest.append(a)
        i += 1
    return front + rest


def emit_json(obj: dict) -> None:
    """Print one JSON object on stdout, with gradecli's version."""
    out_console.print_json(json.dumps({"gradecli": __version__, **obj}))


def note(text: str) -> None:
    """A yellow note on stderr (silenced by --quiet and by --json)."""
    if not STATE.quiet and not STATE.json:
        err_console.print(f"[yellow]note:[/] {escape(text)}")


def _mode() -> str:
    mode = STATE.progress
    if mode == "auto":
        if STATE.quiet or STATE.json:
            return "none"
        return "bar" if sys.stderr.isatty() else "plain"
    return mode


@contextlib.contextmanager
def progress_bar(description: str, total: int | None) -> Iterator:
    """Progress of one phase of work on one item (``description``, e.g. "rendering a.mp4
    (2/5)"): a live bar, plain lines (every 10 % or 10 s) or nothing (see PROGRESS_MODES).

    Yields a callback ``update(done, total)`` suitable for the engine's ``progress`` argument,
    or None when nothing is shown.
    """
    mode = _mode()
    if mode == "none":
        yield None
        return
    if mode == "plain":
        yield _plain_progress(description)
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


class Phases:
    """Progress of a run made of phases ("analysing 3 clips", "rendering a.mp4 (1/3)"): call
    it with a phase's label and frame total to close the previous phase's bar and open the
    next one; returns its ``update(done, total)`` (or None). Use as a context manager."""

    def __init__(self) -> None:
        self._open: contextlib.AbstractContextManager | None = None

    def __call__(self, label: str, total: int | None):
        self.close()
        if _mode() == "none":
            return None
        if _mode() == "plain" and total is None:
            print(f"{label} ...", file=sys.stderr, flush=True)
        self._open = progress_bar(label, total)
        return self._open.__enter__()

    def close(self) -> None:
        if self._open is not None:
            self._open.__exit__(None, None, None)
            self._open = None

    def __enter__(self) -> Phases:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _plain_progress(description: str) -> Callable[[int, int | None], None]:
    """Lines like "rendering a.mp4 (1/3): 120/240 frames (50%)" every 10 % or 10 s."""
    start = time.monotonic()
    last = {"t": start, "pct": -10.0}

    def update(done: int, expected: int | None) -> None:
        now = time.monotonic()
        pct = 100.0 * done / expected if expected else None
        if pct is not None and pct >= last["pct"] + 10.0 or now - last["t"] >= 10.0:
            share = f" ({min(pct, 100.0):.0f}%)" if pct is not None else ""
            total = f"/{expected}" if expected else ""
            print(f"{description}: {done}{total} frames{share}, {now - start:.0f} s",
                  file=sys.stderr, flush=True)
            last["t"] = now
            if pct is not None:
                last["pct"] = pct - pct % 10.0

    return update


#: Help of ``--protect-skin`` (lut apply, grade, match).
PROTECT_SKIN_HELP = ("0..1: keep this much of the skin of the faces the input shows (their hue "
                     "and chroma; the grade's exposure kept), per pixel by a skin mask.")

#: Help of ``--device`` (lut apply, grade, match).
DEVICE_HELP = ("Where frames are graded (and --method model runs): cpu (default), cuda (an "
               "NVIDIA GPU through PyTorch: gradecli[gpu]) or auto (cuda when a GPU is visible, "
               "else cpu; says which).")


def device_setup(device: str, encode=None):
    """Resolve ``--device`` (and an NVENC ``--codec``) once, before any work, and print its
    notes (e.g. what ``auto`` chose) once. Returns the pipeline's DeviceSetup; an unusable
    device raises DeviceError (exit code 2)."""
    from gradecli.pipeline.device import prepare_device

    setup = prepare_device(device, encode)
    for line in setup.notes:
        note(line)
    return setup


def model_note(method: str | None) -> None:
    """Say, once per run, that the bundled style model is experimental (it has not yet met its
    quality goals; its measured figures live in weights/MODEL_CARD.md, not in code)."""
    if method in ("model", "model-int8"):
        note("the bundled style model is experimental and does not yet beat leaving the picture "
             "unchanged; see weights/MODEL_CARD.md and benchmarks/bench_style_model.py")


def _help_without_python_types() -> None:
    """Help shows metavars (FILE, N) or plain upper-case names (FLOAT, TEXT), never Python
    types such as ``<list[Path]>``, and nothing for flags (newer Typer prints both)."""
    from typer import core

    def for_argument(self, ctx) -> str | None:  # the argument's own name says what it is
        return None

    def plain(self, ctx) -> str | None:
        if getattr(self, "is_flag", False) or getattr(self, "count", False):
            return None
        if self.metavar is not None:
            return self.metavar
        try:
            label = str(self.display_type(ctx))
        except Exception:  # a Typer without display_type
            label = str(getattr(getattr(self, "type", None), "name", "value"))
        label = label.strip("<>").split("[")[-1].rstrip("]")
        return {"str": "TEXT", "int": "N", "float": "NUMBER"}.get(label, label.upper())

    for cls, fn in ((getattr(core, "TyperArgument", None), for_argument),
                    (getattr(core, "TyperOption", None), plain)):
        if cls is not None and hasattr(cls, "display_type_rich"):
            cls.display_type_rich = fn


_help_without_python_types()
