from __future__ import annotations

import numpy as np
import pytest

from gradecli.color import delta_e2000
from tests.conftest import TEST_DATA


def _sharma() -> np.ndarray:
    path = TEST_DATA / "ciede2000_sharma.tsv"  # a missing table is a failure, not a skip
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split()
        try:
            rows.append([float(p) for p in parts])
        except ValueError:
            continue  # header
    assert len(rows) == 34, f"{path}: {len(rows)} rows, expected Sharma's 34 pairs"
    return np.array(rows)


def test_sharma_34_pairs_within_1e4():
    t = _sharma()
    assert t.shape == (34, 7)
    de = delta_e2000(t[:, 0:3], t[:, 3:6])
    np.testing.assert_allclose(de, t[:, 6], atol=1e-4, rtol=0)


def test_symmetric_and_zero_on_identity(rng):
    a = rng.uniform([0, -100, -100], [100, 100, 100], size=(1000, 3))
    b = rng.uniform([0, -100, -100], [100, 100, 100], size=(1000, 3))
    np.testing.assert_allclose(delta_e2000(a, b), delta_e2000(b, a), atol=1e-9)
    assert np.all(delta_e2000(a, a) == 0)


def test_agrees_with_colour_science(rng):
    colour = pytest.importorskip("colour")
    a = rng.uniform([0, -100, -100], [100, 100, 100], size=(5000, 3))
    b = a + rng.normal(0, 10, size=a.shape)
    np.testing.assert_allclose(
        delta_e2000(a, b), colour.delta_E(a, b, method="CIE 2000"), atol=1e-8
    )


def test_broadcasts_and_rejects_bad_shapes():
    assert delta_e2000(np.zeros((4, 5, 3)), np.zeros(3)).shape == (4, 5)
    with pytest.raises(ValueError):
        delta_e2000(np.zeros((4, 2)), np.zeros((4, 2)))


def test_nan_propagates():
    assert np.isnan(delta_e2000([np.nan, 0, 0], [50, 0, 0]))
