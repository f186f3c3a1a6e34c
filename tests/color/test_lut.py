"""The Lut model: construction, validation, application (float, 8-bit, 16-bit), transformations."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from gradecli.color.lut import (
    DEFAULT_DOMAIN,
    U8_TABLE_SIZE,
    Lut,
    apply_u8,
    apply_u16,
    build_table_u8,
)
from gradecli.errors import BadInputError, LutError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # colour warns that matplotlib is missing
    import colour


def grade(rgb: np.ndarray) -> np.ndarray:
    """A smooth, channel-mixing grade with outputs slightly outside 0..1."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return np.stack(
        [
            np.abs(r) ** 0.8 + 0.1 * np.sin(3 * g) - 0.02,
            np.abs(g) ** 1.2 + 0.03 * np.cos(5 * b * r),
            np.sqrt(np.abs(b)) * 0.9 + 0.2 * r**3 * g + 0.05,
        ],
        axis=-1,
    )


@pytest.fixture(scope="module")
def graded() -> Lut:
    return Lut.from_function(grade, 33, title="grade")


@pytest.fixture(scope="module")
def shaper_lut() -> Lut:
    """Shaper (a gamma per channel on -0.1..1.5) + 3D table on 0..1.2."""
    m = 64
    x = np.linspace(-0.1, 1.5, m)
    shaper = np.stack([np.clip(x, 0, None) ** p for p in (0.5, 0.6, 0.7)], axis=-1)
    dom3 = np.array([[0.0] * 3, [1.2] * 3])
    return Lut(Lut.from_function(grade, 17, dom3).table, dom3, shaper, [[-0.1] * 3, [1.5] * 3])


def all_colours_16() -> np.ndarray:
    """(64, 64, 3) uint8: every colour of a 16-level grid (0, 17, ..., 255)."""
    lv = np.arange(16, dtype=np.uint8) * 17
    return np.stack(np.meshgrid(lv, lv, lv, indexing="ij"), -1).reshape(64, 64, 3)


def naive_u8(frame: np.ndarray, table: np.ndarray) -> np.ndarray:
    f = frame.reshape(-1, 3).astype(np.int64)
    words = table[(f[:, 0] << 16) | (f[:, 1] << 8) | f[:, 2]]
    return (
        np.stack([(words >> (8 * k)) & 0xFF for k in range(3)], -1)
        .astype(np.uint8)
        .reshape(frame.shape)
    )


# ------------------------------------------------------------------ construction


def test_identity():
    lut = Lut.identity(5)
    assert lut.size == 5 and lut.shaper is None and lut.shaper_size is None
    g = np.linspace(0, 1, 5)
    np.testing.assert_array_equal(lut.table[:, 0, 0, 0], g)  # red index first
    np.testing.assert_array_equal(lut.table[0, :, 0, 1], g)
    np.testing.assert_array_equal(lut.table[0, 0, :, 2], g)
    np.testing.assert_array_equal(lut.domain, DEFAULT_DOMAIN)
    assert lut.is_identity()
    assert "size=5" in repr(lut)


def test_from_function_samples_the_grid_over_the_domain():
    dom = np.array([[-0.5, 0.0, 0.2], [1.5, 2.0, 0.8]])
    lut = Lut.from_function(lambda x: x * 2.0, 4, dom)
    np.testing.assert_allclose(lut.table[3, 0, 1], [3.0, 0.0, 0.8])  # 2 * (1.5, 0.0, 0.4)
    np.testing.assert_array_equal(lut.domain, dom)
    with pytest.raises(BadInputError):
        Lut.from_function(lambda x: x[..., :2], 4)
    with pytest.raises(LutError, match="NaN or infinite"), np.errstate(all="ignore"):
        Lut.from_function(lambda x: x / 0.0, 4)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"table": None}, BadInputError, "needs a 3D table"),
        ({"table": np.zeros((3, 3, 3))}, BadInputError, "shaped"),
        ({"table": np.zeros((3, 3, 2, 3))}, BadInputError, "shaped"),
        ({"table": np.zeros((1, 1, 1, 3))}, LutError, "size 1 is outside"),
        ({"table": np.zeros((257, 1, 1, 3))}, BadInputError, "shaped"),
        ({"table": np.full((2, 2, 2, 3), np.nan)}, LutError, "NaN or infinite"),
        ({"table": np.full((2, 2, 2, 3), np.inf)}, LutError, "NaN or infinite"),
        ({"table": None, "shaper": np.zeros((1, 3))}, LutError, "1D LUT size 1"),
        ({"table": None, "shaper": np.zeros((4, 2))}, BadInputError, "shaped"),
        ({"table": None, "shaper": np.array([[0, 0, np.nan]] * 2)}, LutError, "NaN"),
        ({"domain": [[0, 0, 0], [1, 0, 1]]}, LutError, "below its maximum"),
        ({"domain": [[0, 0, 0], [1, np.inf, 1]]}, LutError, "NaN or infinite"),
        ({"domain": np.zeros((3, 3))}, BadInputError, "shaped"),
        ({"title": "two\nlines"}, BadInputError, "single line"),
        ({"comments": ("ok", "not\nok")}, BadInputError, "single line"),
        ({"comments": "a string"}, BadInputError, "sequence"),
    ],
)
def test_validation(kwargs, error, match):
    args = {"table": Lut.identity(2).table, **kwargs}
    with pytest.raises(error, match=match):
        Lut(**args)


def test_identity_size_bounds():
    assert Lut.identity(2).size == 2
    with pytest.raises(BadInputError):
        Lut.identity(257)
    with pytest.raises(BadInputError):
        Lut.identity(1)


def test_lut_is_immutable(graded):
    with pytest.raises(dataclasses.FrozenInstanceError):
        graded.title = "x"  # type: ignore[misc]
    with pytest.raises(ValueError):
        graded.table[0, 0, 0, 0] = 1.0
    source = np.zeros((2, 2, 2, 3))
    lut = Lut(source)
    source[:] = 1.0
    assert lut.table.max() == 0.0  # copied
    assert Lut(None, shaper=np.zeros((2, 3)), domain=[0.0, 2.0]).domain.shape == (2, 3)


# ------------------------------------------------------------------ float application


@pytest.mark.parametrize("interpolation", ["tetrahedral", "trilinear"])
def test_apply_matches_colour_science_inside_and_clamps_outside(rng, interpolation):
    dom = np.array([[-0.1, 0.0, 0.2], [1.5, 2.0, 0.9]])
    lut = Lut.from_function(grade, 9, dom)
    ref = colour.LUT3D(lut.table, domain=dom)
    inside = dom[0] + rng.random((2000, 3)) * (dom[1] - dom[0])
    method = {
        "tetrahedral": colour.algebra.table_interpolation_tetrahedral,
        "trilinear": colour.algebra.table_interpolation_trilinear,
    }[interpolation]
    np.testing.assert_allclose(
        lut.apply(inside, interpolation), ref.apply(inside, interpolator=method), atol=1e-6
    )
    outside = rng.uniform(-3, 3, (2000, 3))
    clamped = np.clip(outside, dom[0], dom[1])
    np.testing.assert_array_equal(
        lut.apply(outside, interpolation), lut.apply(clamped, interpolation)
    )


def test_apply_with_shaper_matches_colour_sequence(rng, shaper_lut):
    ref = colour.LUTSequence(
        colour.LUT3x1D(shaper_lut.shaper, domain=shaper_lut.shaper_domain),
        colour.LUT3D(shaper_lut.table, domain=shaper_lut.domain),
    )
    d = shaper_lut.shaper_domain
    x = d[0] + rng.random((3000, 3)) * (d[1] - d[0])
    np.testing.assert_allclose(shaper_lut.apply(x, "trilinear"), ref.apply(x), atol=1e-6)
    outside = rng.uniform(-2, 3, (500, 3))
    np.testing.assert_array_equal(
        shaper_lut.apply(outside), shaper_lut.apply(np.clip(outside, d[0], d[1]))
    )


def test_apply_1d_only(rng):
    curves = np.stack([np.linspace(0, 1, 5) ** p for p in (1.0, 2.0, 0.5)], -1)
    lut = Lut(None, shaper=curves)
    x = rng.random((100, 3))
    for k in range(3):
        np.testing.assert_allclose(
            lut.apply(x)[:, k], np.interp(x[:, k], np.linspace(0, 1, 5), curves[:, k])
        )
    assert lut.size is None and lut.shaper_size == 5


def test_apply_shapes_dtypes_nan_and_bad_input(graded, rng):
    x = rng.random((4, 5, 3))
    assert graded.apply(x).shape == (4, 5, 3) and graded.apply(x).dtype == np.float64
    y32 = graded.apply(x.astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, graded.apply(x), atol=2e-6)
    assert graded.apply(np.array([0, 1, 0])).dtype == np.float64  # ints are accepted
    np.testing.assert_array_equal(graded(x), graded.apply(x))
    y = graded.apply(np.array([[np.nan, 0.1, 0.2], [np.inf, -np.inf, 0.5]]))
    assert np.isnan(y[0]).all()
    np.testing.assert_array_equal(y[1], graded.apply(np.array([1.0, 0.0, 0.5])))
    with pytest.raises(BadInputError):
        graded.apply(np.zeros((4, 4)))
    with pytest.raises(BadInputError):
        graded.apply(np.zeros((4, 3)), "nearest")
    with pytest.raises(BadInputError):
        graded.apply(np.array([["a", "b", "c"]]))


# ------------------------------------------------------------------ transformations


def test_resample_and_compose(graded, rng, shaper_lut):
    bigger = graded.resample(49)
    assert bigger.size == 49 and bigger.title == "grade"
    x = rng.random((2000, 3))
    # Interpolating twice: close, except near b = 0 where sqrt is steep.
    np.testing.assert_allclose(bigger.apply(x), graded.apply(x), atol=0.02)
    assert np.median(np.abs(bigger.apply(x) - graded.apply(x))) < 1e-4
    # Resampling onto a grid containing every node of the original is exact there.
    nodes = np.linspace(0, 1, 33)
    grid = np.stack(np.meshgrid(nodes, nodes, nodes, indexing="ij"), -1)
    np.testing.assert_allclose(graded.resample(65).apply(grid), graded.table, atol=1e-12)

    ident = Lut.identity(9)
    np.testing.assert_allclose(ident.compose(graded).table, graded.table, atol=1e-12)
    # The identity's domain is 0..1, so it clamps the grade's outputs beyond it.
    clipped = np.clip(graded.table, 0, 1)
    np.testing.assert_allclose(graded.compose(ident).table, clipped, atol=1e-12)
    two = Lut.from_function(lambda v: 1.0 - v, 5)
    both = graded.compose(two, size=17)
    g17 = Lut.identity(17).table
    np.testing.assert_allclose(both.table, two.apply(graded.apply(g17)), atol=1e-12)
    baked = shaper_lut.resample(33)
    assert baked.shaper is None
    np.testing.assert_array_equal(baked.domain, shaper_lut.shaper_domain)
    with pytest.raises(BadInputError):
        graded.compose("not a lut")  # type: ignore[arg-type]
    with pytest.raises(BadInputError):
        graded.resample(1)


def test_is_identity():
    assert Lut.identity(3).is_identity()
    assert not Lut.from_function(lambda v: v * 0.99, 3).is_identity()
    assert Lut.from_function(lambda v: v + 1e-9, 3).is_identity(tol=1e-6)
    ramp = np.repeat(np.linspace(0, 1, 7)[:, None], 3, 1)
    assert Lut(None, shaper=ramp).is_identity()
    assert Lut(Lut.identity(3).table, shaper=ramp).is_identity()
    # Identity nodes, but the shaper's output reaches outside the 3D domain: clamps, not identity.
    wide = np.array([[-1.0] * 3, [2.0] * 3])
    wide_ramp = np.repeat(np.linspace(-1, 2, 7)[:, None], 3, 1)
    assert not Lut(Lut.identity(3).table, shaper=wide_ramp, shaper_domain=wide).is_identity()


# ------------------------------------------------------------------ 8-bit and 16-bit frames


@pytest.fixture(scope="module")
def table_tetra(graded) -> np.ndarray:
    return build_table_u8(graded)


def test_build_table_u8_equals_rounded_apply(graded, table_tetra, rng):
    assert table_tetra.shape == (U8_TABLE_SIZE,) and table_tetra.dtype == np.dtype("<u4")
    frame = np.concatenate(
        [all_colours_16().reshape(-1, 3), rng.integers(0, 256, (20000, 3), dtype=np.uint8)]
    )
    ours = apply_u8(frame, table_tetra).astype(int)
    ref = np.clip(np.floor(graded.apply(frame / 255.0) * 255 + 0.5), 0, 255)
    diff = np.abs(ours - ref)
    assert diff.max() <= 1  # a half-code tie may round either way in float32
    assert (diff > 0).mean() < 1e-4


@pytest.mark.parametrize("interpolation", ["trilinear"])
def test_build_table_u8_trilinear_and_shaper(shaper_lut, interpolation, rng):
    table = build_table_u8(shaper_lut, interpolation)
    frame = rng.integers(0, 256, (30000, 3), dtype=np.uint8)
    ours = apply_u8(frame, table).astype(int)
    ref = np.clip(np.floor(shaper_lut.apply(frame / 255.0, interpolation) * 255 + 0.5), 0, 255)
    assert np.abs(ours - ref).max() <= 1
    assert (ours != ref).mean() < 1e-4


def test_build_table_u8_1d_only_is_exact(rng):
    curves = np.stack([np.linspace(0, 1, 9) ** p for p in (0.7, 1.3, 2.2)], -1)
    lut = Lut(None, shaper=curves)
    table = build_table_u8(lut)
    frame = rng.integers(0, 256, (5000, 3), dtype=np.uint8)
    ref = np.clip(np.floor(lut.apply(frame / 255.0) * 255 + 0.5), 0, 255)
    np.testing.assert_array_equal(apply_u8(frame, table), ref)


@pytest.mark.parametrize(
    "shape", [(1, 3), (7, 3), (3,), (45, 67, 3), (2, 1 << 18, 3), (0, 5, 3)], ids=str
)
def test_apply_u8_is_a_plain_gather(table_tetra, rng, shape):
    frame = rng.integers(0, 256, shape, dtype=np.uint8)
    out = apply_u8(frame, table_tetra)
    assert out.shape == frame.shape and out.dtype == np.uint8 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, naive_u8(frame, table_tetra))


def test_apply_u8_non_contiguous_and_out(table_tetra, rng):
    big = rng.integers(0, 256, (40, 60, 4), dtype=np.uint8)
    frame = big[::2, :, 1:]  # strided view
    ref = naive_u8(np.ascontiguousarray(frame), table_tetra)
    np.testing.assert_array_equal(apply_u8(frame, table_tetra), ref)
    out = np.empty(frame.shape, np.uint8)
    assert apply_u8(frame, table_tetra, out=out) is out
    np.testing.assert_array_equal(out, ref)


def test_apply_u8_identity_is_exact():
    table = build_table_u8(Lut.identity(2), "trilinear")
    frame = all_colours_16()
    np.testing.assert_array_equal(apply_u8(frame, table), frame)
    table = build_table_u8(Lut.identity(17))
    np.testing.assert_array_equal(apply_u8(frame, table), frame)


def test_apply_u8_bad_input(table_tetra):
    frame = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(BadInputError):
        apply_u8(frame.astype(np.uint16), table_tetra)
    with pytest.raises(BadInputError):
        apply_u8(frame[..., :2], table_tetra)
    with pytest.raises(BadInputError):
        apply_u8(frame, table_tetra[:100])
    with pytest.raises(BadInputError):
        apply_u8(frame, table_tetra.astype(np.int64))
    with pytest.raises(BadInputError):
        apply_u8(frame, table_tetra, out=np.empty((4, 4, 3), np.uint16))
    with pytest.raises(BadInputError):
        apply_u8(frame, table_tetra, out=frame)
    with pytest.raises(BadInputError):
        build_table_u8("lut")  # type: ignore[arg-type]
    with pytest.raises(BadInputError):
        build_table_u8(Lut.identity(2), "cubic")


@pytest.mark.parametrize("interpolation", ["tetrahedral", "trilinear"])
def test_apply_u16_equals_rounded_apply(shaper_lut, rng, interpolation):
    frame = rng.integers(0, 65536, (30, 50, 3), dtype=np.uint16)
    frame[0, :4] = [[0, 0, 0], [65535, 65535, 65535], [0, 65535, 1], [1023 * 64, 0, 512 * 64]]
    ours = apply_u16(frame, shaper_lut, interpolation)
    assert ours.dtype == np.uint16 and ours.shape == frame.shape
    ref = np.clip(
        np.floor(shaper_lut.apply(frame / 65535.0, interpolation) * 65535 + 0.5), 0, 65535
    )
    np.testing.assert_array_equal(ours, ref)


def test_apply_u16_1d_only_and_bad_input(rng):
    lut = Lut(None, shaper=np.stack([np.linspace(0, 1, 4) ** 2] * 3, -1))
    frame = rng.integers(0, 65536, (100, 3), dtype=np.uint16)
    ref = np.clip(np.floor(lut.apply(frame / 65535.0) * 65535 + 0.5), 0, 65535)
    np.testing.assert_array_equal(apply_u16(frame, lut), ref)
    with pytest.raises(BadInputError):
        apply_u16(frame.astype(np.uint8), lut)
    with pytest.raises(BadInputError):
        apply_u16(frame, "lut")  # type: ignore[arg-type]
