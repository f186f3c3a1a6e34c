"""Domain errors raised by the library.

Library code raises these with a message that names the file and what is wrong; only
``gradecli.cli`` turns them into a red line and an exit code (see docs/ARCHITECTURE.md):
0 success, 1 a check failed, 2 bad usage or bad input, 3 an internal error.
"""

from __future__ import annotations


class GradeError(Exception):
    """Base class of every error gradecli reports to a user."""

    exit_code = 3


class BadInputError(GradeError):
    """An input file, option or value is unusable (exit code 2)."""

    exit_code = 2


class LutError(BadInputError):
    """A LUT file or LUT value is malformed."""


class VideoError(BadInputError):
    """A video could not be opened, decoded or written."""


class DeviceError(BadInputError):
    """A compute device that was asked for (``--device cuda``) cannot be used (exit code 2)."""


class ImageError(BadInputError):
    """An image could not be read or written."""


class ModelError(GradeError):
    """A model could not be loaded or run."""


class ModelUnavailableError(ModelError):
    """A model cannot be used because an optional dependency is not installed (exit code 2)."""

    exit_code = 2
