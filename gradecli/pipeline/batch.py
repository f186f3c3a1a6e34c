"""Batches: which files a command works on, where each result goes, what happens to outputs that
exist.

- Inputs: files, folders (their video files, and stills where a command takes stills, not
  recursing), and lists (``--from-file LIST``, ``-`` for standard input: one path a line, blank
  lines and lines starting with ``#`` skipped, relative paths taken from the current folder).
- Output names: a template over the input's ``{name}`` (file name), ``{stem}``, ``{ext}``
  (with its dot), ``{parent}`` (its folder's name) and ``{index}`` (1, 2, ... in input order),
  e.g. ``{parent}_{name}`` for two cards with the same file names. A name without an extension
  gets the input's.
- Existing outputs (``overwrite``): "error" refuses (the CLI's default), "yes" replaces,
  "skip" leaves the output and skips its item (resuming a batch).

Everything is checked before any decoding: missing inputs, colliding output names, existing
outputs.
"""

from __future__ import annotations

import os
import string
import sys
from collections.abc import Iterable
from pathlib import Path

from gradecli.errors import BadInputError
from gradecli.io.images import is_image_path
from gradecli.io.video import is_video_path

__all__ = [
    "OVERWRITE",
    "NAME_FIELDS",
    "expand_inputs",
    "read_list",
    "output_name",
    "plan_outputs",
    "output_exists",
]

OVERWRITE = ("error", "yes", "skip")
NAME_FIELDS = ("name", "stem", "ext", "parent", "index")


def read_list(source: str | os.PathLike) -> list[Path]:
    """Paths listed one a line in file ``source`` (``-``: standard input)."""
    if str(source) == "-":
        text = sys.stdin.read()
    else:
        p = Path(source)
        if not p.is_file():
            raise BadInputError(f"{p}: no such list file (--from-file)")
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise BadInputError(f"{p}: cannot read the list ({e})") from e
    return [Path(line.strip()) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def _wanted(path: Path, stills: bool) -> bool:
    return is_video_path(path) or (stills and is_image_path(path))


def expand_inputs(paths: Iterable[str | os.PathLike], *, from_file: str | None = None,
                  stills: bool = False) -> list[Path]:
    """The input files: ``paths`` in order, folders replaced by their video files (and stills
    with ``stills``), sorted by name, then the paths of ``from_file``. Raises BadInputError for
    a path that does not exist, a folder with no such files, or no inputs at all."""
    listed = [Path(p) for p in paths] + (read_list(from_file) if from_file else [])
    out: list[Path] = []
    for p in listed:
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.is_file() and _wanted(q, stills)
                           and not q.name.startswith("."))
            if not found:
                what = "video files or stills" if stills else "video files"
                raise BadInputError(f"{p}: folder holds no {what}")
            out.extend(found)
        elif not p.exists():
            raise BadInputError(f"{p}: no such file")
        else:
            out.append(p)
    if not out:
        raise BadInputError("no inputs given (name files or folders, or --from-file LIST)")
    return out


def output_name(template: str, path: Path, index: int) -> str:
    """The file name ``template`` gives input ``path`` (``index`` counts from 1)."""
    fields = {"name": path.name, "stem": path.stem, "ext": path.suffix,
              "parent": path.resolve().parent.name, "index": index}
    try:
        used = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as e:
        raise BadInputError(f"--name {template!r}: {e}") from e
    unknown = used - set(NAME_FIELDS)
    if unknown:
        raise BadInputError(
            f"--name {template!r}: unknown field {{{sorted(unknown)[0]}}}; use "
            + ", ".join(f"{{{f}}}" for f in NAME_FIELDS)
        )
    name = template.format(**fields)
    if not name or "/" in name or name in (".", ".."):
        raise BadInputError(f"--name {template!r} gives {name!r} for {path}: not a file name")
    return name if Path(name).suffix else name + path.suffix


def plan_outputs(inputs: list[Path], folder: Path, template: str = "{name}") -> list[Path]:
    """``folder / output_name(...)`` per input; BadInputError when two would collide or one
    would be an input itself."""
    outs = [folder / output_name(template, p, i) for i, p in enumerate(inputs, 1)]
    seen: dict[Path, Path] = {}
    for src, dst in zip(inputs, outs, strict=True):
        key = dst.resolve()
        if key in seen:
            raise BadInputError(
                f"{seen[key]} and {src} would both be written to {dst}; name outputs apart with "
                "--name, e.g. --name '{parent}_{name}'"
            )
        seen[key] = src
        if key in {p.resolve() for p in inputs}:
            raise BadInputError(f"{dst}: output is an input; refusing to overwrite it")
    return outs


def output_exists(path: Path, overwrite: str) -> bool:
    """Whether ``path`` exists and its item is to be skipped (``overwrite`` "skip"). Raises
    BadInputError when it exists and ``overwrite`` is "error"."""
    if overwrite not in OVERWRITE:
        raise BadInputError(f"overwrite must be one of {', '.join(OVERWRITE)}, got {overwrite!r}")
    if not path.exists():
        return False
    if overwrite == "error":
        raise BadInputError(
            f"{path}: exists; -y replaces it, --skip-existing leaves it and skips that item"
        )
    return overwrite == "skip"
