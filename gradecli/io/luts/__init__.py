"""LUT files: .cube (Adobe/IRIDAS and Resolve) and Hald CLUT images (.png).

:func:`read_lut` and :func:`write_lut` pick the format from the file extension (case-insensitive):
``.cube`` -> :mod:`gradecli.io.luts.cube`, ``.png`` -> :mod:`gradecli.io.luts.hald`. Other
extensions raise :class:`BadInputError`; malformed files raise :class:`LutError` naming the file.
Writes are atomic (temporary file in the same folder, then rename).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gradecli.color.lut import Lut
from gradecli.errors import BadInputError
from gradecli.io.luts.cube import read_cube, write_cube
from gradecli.io.luts.hald import read_hald, write_hald

__all__ = [
    "LUT_EXTENSIONS",
    "read_cube",
    "read_hald",
    "read_lut",
    "write_cube",
    "write_hald",
    "write_lut",
]

#: Supported extensions and the format each one means.
LUT_EXTENSIONS = {".cube": "cube", ".png": "hald"}


def _format(path: str | os.PathLike[str]) -> str:
    ext = Path(path).suffix.lower()
    fmt = LUT_EXTENSIONS.get(ext)
    if fmt is None:
        known = ", ".join(LUT_EXTENSIONS)
        raise BadInputError(
            f"{path}: unknown LUT file type {ext or '(no extension)'!r}: use {known}"
        )
    return fmt


def read_lut(path: str | os.PathLike[str]) -> Lut:
    """Read a LUT file (.cube or Hald CLUT .png)."""
    return read_cube(path) if _format(path) == "cube" else read_hald(path)


def write_lut(lut: Lut, path: str | os.PathLike[str], **options: Any) -> None:
    """Write ``lut`` to a .cube or Hald CLUT .png file, atomically.

    ``options`` go to :func:`write_cube` (``decimals``) or :func:`write_hald` (``level``, ``bits``,
    ``interpolation``).
    """
    if not isinstance(lut, Lut):
        raise BadInputError(f"can only write a Lut, got {type(lut).__name__}")
    if _format(path) == "cube":
        write_cube(lut, path, **options)
    else:
        write_hald(lut, path, **options)
