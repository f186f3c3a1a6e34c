"""Interpolation kernels against colour-science, plus shapes, dtypes, NaN/inf, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradecli.color import lut_interp
from gradecli.color.lut_grid import grid_u8
from gradecli.color.lut_interp import interp_1d, interp_3d, prepare_3d
from gradecli.errors import BadInputError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # colour warns that matplotlib is missing
    import colour

REFERENCES = {
    "tetrahedral": colour.algebra.table_interpolation_tetrahedral,
    "trilinear": colour.algebra.table_interpolation_trilinear,
}


def smooth_table(n: int) -> np.ndarray:
    """A smooth, non-separable, non-monotonic table (N, N, N, 3) with outputs beyond 0..1."""
    g = np.linspace(0.0, 1.0, n)
    r, gg, b = np.meshgrid(g, g, g, indexing="ij")
    return np.stack(
        [
            r**0.8 + 0.1 * np.sin(3 * gg) - 0.05,
            gg**1.2 + 0.03 * np.cos(5 * b * r),
            np.sqrt(b) * 0.9 + 0.2 * r**3 * gg,
        ],
        axis=-1,
    )


def sample_points(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random points (some outside 0..1) plus nodes, cell faces and ties between fractions."""
    x = rng.uniform(-0.2, 1.2, (3000, 3))
    x[:200] = rng.integers(0, n, (200, 3)) / (n - 1)  # nodes
    x[200:300, 1] = x[200:300, 0]  # fr == fg
    x[300:400, 2] = x[300:400, 1]  # fg == fb
    x[400:500, 2] = x[400:500, 0]  # fr == fb
    x[500:600] = x[500:600, :1]  # on the diagonal
    x[600:700, 0] = 1.0
    x[700:800, 1] = 0.0
    return x


@pytest.mark.parametrize("interpolation", ["tetrahedral", "trilinear"])
@pytest.mark.parametrize("n", [2, 3, 17, 33])
def test_matches_colour_science(rng, interpolation, n):
    table = smooth_table(n)
    x = sample_points(rng, n)
    ours = interp_3d(table, x, interpolation)
    ref = REFERENCES[interpolation](x, table)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-6)


@pytest.mark.parametrize("interpolation", ["tetrahedral", "trilinear"])
def test_float32_in_float32_out(rng, interpolation):
    table = smooth_table(17)
    x = rng.random((5000, 3))
    ours = interp_3d(table, x.astype(np.float32), interpolation)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, REFERENCES[interpolation](x, table), rtol=0, atol=2e-6)


@pytest.mark.parametrize("interpolation", ["tetrahedral", "trilinear"])
def test_reproduces_affine_maps_and_nodes(rng, interpolation):
    m = np.array([[0.9, 0.1, -0.2], [0.05, 1.1, 0.0], [0.3, -0.1, 0.8]])
    off = np.array([0.01, -0.02, 0.05])
    g = np.linspace(0, 1, 9)
    grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1)
    table = grid @ m.T + off
    x = rng.random((1000, 3))
    np.testing.assert_allclose(interp_3d(table, x, interpolation), x @ m.T + off, atol=1e-12)
    np.testing.assert_allclose(interp_3d(table, grid, interpolation), table, atol=1e-12)


@pytest.mark.parametrize("interpolation", ["tetrahedral", "trilinear"])
def test_shapes_and_chunking(rng, interpolation, monkeypatch):
    table = smooth_table(5)
    x = rng.random((7, 11, 3))
    full = interp_3d(table, x, interpolation)
    assert full.shape == (7, 11, 3)
    assert interp_3d(table, x[0, 0], interpolation).shape == (3,)
    assert interp_3d(table, np.empty((0, 3)), interpolation).shape == (0, 3)
    monkeypatch.setattr(lut_interp, "CHUNK", 4)  # many chunks, one of them partial
    np.testing.assert_array_equal(interp_3d(table, x, interpolation), full)
    out = np.empty((7, 11, 3))
    assert interp_3d(table, x, interpolation, out=out) is out
    np.testing.assert_array_equal(out, full)


@pytest.mark.parametrize("interpolation", ["tetrahedral", "trilinear"])
def test_clamps_inf_and_propagates_nan(interpolation):
    table = smooth_table(4)
    x = np.array([[np.inf, -np.inf, 0.5], [np.nan, 0.2, 0.3], [0.1, 0.2, 0.3]])
    y = interp_3d(table, x, interpolation)
    np.testing.assert_allclose(y[0], interp_3d(table, np.array([1.0, 0.0, 0.5]), interpolation))
    assert np.isnan(y[1]).all()
    assert np.isfinite(y[2]).all()


def test_bad_input():
    table = smooth_table(3)
    with pytest.raises(BadInputError):
        interp_3d(table, np.zeros((4, 2)))
    with pytest.raises(BadInputError):
        interp_3d(table, np.zeros((4, 3)), "cubic")
    with pytest.raises(BadInputError):
        interp_3d(np.zeros((3, 3, 4, 3)), np.zeros((4, 3)))
    with pytest.raises(BadInputError):
        interp_3d(np.zeros((1, 1, 1, 3)), np.zeros((4, 3)))
    with pytest.raises(BadInputError):
        interp_3d(table, np.array([["a", "b", "c"]]))
    with pytest.raises(BadInputError):
        interp_3d(table, np.zeros((4, 3)), out=np.zeros((4, 3), np.float32))
    with pytest.raises(BadInputError):
        interp_1d(np.zeros((1, 3)), np.zeros((4, 3)))


def test_prepared_table_is_reused(rng):
    table = smooth_table(6)
    prepared = prepare_3d(table)
    x = rng.random((100, 3))
    np.testing.assert_array_equal(interp_3d(prepared, x), interp_3d(table, x))
    assert prepare_3d(prepared) is prepared


def test_interp_1d_matches_numpy(rng):
    curves = np.cumsum(rng.random((11, 3)), axis=0)
    x = rng.uniform(-0.3, 1.3, (2000, 3))
    x[0] = [np.inf, -np.inf, 0.5]
    ours = interp_1d(curves, x)
    nodes = np.linspace(0, 1, 11)
    for k in range(3):
        np.testing.assert_allclose(ours[:, k], np.interp(x[:, k], nodes, curves[:, k]), atol=1e-12)
    assert interp_1d(curves, x.astype(np.float32)).dtype == np.float32
    y = interp_1d(curves, np.array([[np.nan, 0.5, 0.5]]))
    assert np.isnan(y).all()


@pytest.mark.parametrize("interpolation", ["tetrahedral", "trilinear"])
@pytest.mark.parametrize("n", [2, 9, 33])
def test_grid_u8_equals_rounded_float_kernel(rng, interpolation, n):
    table = smooth_table(n)
    # Irregular, unsorted, out-of-range and repeated coordinates on every axis.
    ar = np.concatenate([rng.uniform(-0.1, 1.1, 37), [0.0, 1.0, 0.5, 0.5]])
    ag = rng.uniform(0, 1, 23)
    ab = np.concatenate([rng.uniform(0, 1, 29), [1.0]])
    packed = grid_u8(table, (ar, ag, ab), interpolation, workers=2)
    assert packed.shape == (ar.size, ag.size, ab.size) and packed.dtype == np.uint32
    got = np.stack([(packed >> (8 * k)) & 0xFF for k in range(3)], axis=-1).astype(int)
    assert not (packed >> 24).any()
    pts = np.stack(np.meshgrid(ar, ag, ab, indexing="ij"), axis=-1)
    ref = np.clip(np.floor(interp_3d(table, pts, interpolation) * 255 + 0.5), 0, 255)
    diff = np.abs(got - ref)
    assert diff.max() <= 1  # float32 arithmetic can flip an exact half-code tie
    assert (diff > 0).mean() < 1e-3
    single = grid_u8(table, (ar, ag, ab), interpolation, workers=1)
    np.testing.assert_array_equal(single, packed)


def test_grid_u8_bad_input():
    with pytest.raises(BadInputError):
        grid_u8(smooth_table(3), (np.zeros(2), np.zeros(2), np.zeros(2)), "nearest")
    with pytest.raises(BadInputError):
        grid_u8(smooth_table(3), (np.zeros(2), np.full(2, np.nan), np.zeros(2)))
