"""File checks and atomic writes shared by every reader and writer in ``gradecli.io``."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from gradecli.errors import BadInputError

__all__ = ["check_readable", "read_bytes", "sha256_file", "write_atomic"]


def check_readable(path: str | os.PathLike[str], what: str = "file") -> Path:
    """``path`` as a Path if it is an existing, readable regular file; else BadInputError
    naming it and the problem (``what`` says what was expected: "video", "image", ...)."""
    p = Path(path)
    if not p.exists():
        raise BadInputError(f"{p}: no such file")
    if p.is_dir():
        raise BadInputError(f"{p}: is a folder, not a {what}")
    if not os.access(p, os.R_OK):
        raise BadInputError(f"{p}: not readable (permission denied)")
    return p


def read_bytes(path: str | os.PathLike[str], error: type[Exception] = BadInputError) -> bytes:
    """The bytes of ``path``; raises ``error`` (a GradeError class) naming it if unreadable."""
    p = Path(path)
    try:
        return p.read_bytes()
    except OSError as e:
        raise error(f"{p}: cannot read: {e.strerror or e}") from None


def sha256_file(path: str | os.PathLike[str], error: type[Exception] = BadInputError) -> str:
    """SHA-256 (hex) of the file ``path``, read in 1 MiB blocks; raises ``error`` naming it if
    unreadable."""
    p = Path(path)
    digest = hashlib.sha256()
    try:
        with p.open("rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    except OSError as e:
        raise error(f"{p}: cannot read: {e.strerror or e}") from None
    return digest.hexdigest()


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either untouched or complete.

    The bytes go to a temporary file beside ``path`` (same folder, so the final rename is
    atomic), are flushed to disk, and the file is renamed over ``path``. A file being replaced
    keeps its permission bits; a new one gets 0644. Raises :class:`BadInputError` naming the file
    when it cannot be written.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise BadInputError(f"{target}: cannot write: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise BadInputError(f"{target}: cannot write: {e.strerror or e}") from None
        raise
