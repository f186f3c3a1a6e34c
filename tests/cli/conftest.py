"""Shared by the CLI tests: a warm look as a 17^3 .cube, and the one-error-line check."""

from __future__ import annotations

import numpy as np
import pytest

from gradecli.color.lut import Lut
from gradecli.io.luts import write_lut


def warm(rgb: np.ndarray) -> np.ndarray:
    """A warm look on R'G'B' 0..1: red up, blue down."""
    return np.clip(rgb * np.array([1.08, 1.0, 0.88]), 0, 1)


@pytest.fixture()
def cube(tmp_path):
    path = tmp_path / "warm.cube"
    write_lut(Lut.from_function(warm, size=17), path)
    return path


def one_error_line(capsys, *needles: str) -> str:
    """The single line a failed command wrote to stderr (no traceback), holding ``needles``."""
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], err
    return lines[0]
