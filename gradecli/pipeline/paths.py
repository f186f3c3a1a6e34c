"""Checks on input and output paths shared by the use cases."""

from __future__ import annotations

import os
from pathlib import Path

from gradecli.errors import BadInputError
from gradecli.io.files import check_readable

__all__ = ["check_input", "check_output"]


def check_input(path: str | os.PathLike) -> Path:
    """An existing, readable regular file, or BadInputError naming it."""
    return check_readable(path)


def check_output(path: str | os.PathLike, inputs: list[Path]) -> Path:
    """An output path whose folder exists and that is none of ``inputs``."""
    out = Path(path)
    if not out.name or out.is_dir():
        raise BadInputError(f"{out}: output must be a file name, not a folder")
    if not out.parent.resolve().is_dir():
        raise BadInputError(f"{out}: output folder {out.parent} does not exist")
    for src in inputs:
        same = out.resolve() == src.resolve()
        if not same and out.exists():
            try:
                same = os.path.samefile(out, src)
            except OSError:
                same = False
        if same:
            raise BadInputError(
                f"{out}: output is the same file as input {src}; refusing to overwrite it"
            )
    return out
