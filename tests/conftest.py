"""Shared fixtures and paths: the conformance data in tests/data, the examples, a seeded rng."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
#: Conformance data kept in the repository (tests/data/README.md says where each file is from).
TEST_DATA = REPO / "tests" / "data"
CUBE_DIR = TEST_DATA / "cube"


@pytest.fixture(scope="session")
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Small tensors: one torch CPU thread is faster, and immune to other load's spinning."""
    torch = pytest.importorskip("torch")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
