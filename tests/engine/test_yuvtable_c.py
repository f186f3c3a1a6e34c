"""The C inner loop of the 8-bit Y'CbCr table kernel gives the numpy kernel's codes exactly."""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest

from gradecli.color.ycbcr import YCbCrSpec
from gradecli.engine import kernels
from gradecli.engine.kernels import Yuv8TableKernel
from gradecli.io.video import plane_layout

needs_c = pytest.mark.skipif(kernels._yuvtable is None, reason="C extension not built")


def look(rgb: np.ndarray) -> np.ndarray:
    """Warm, contrasty, a little desaturated: enough to make every output field differ."""
    x = np.clip(rgb * np.array([1.08, 1.0, 0.86]) + 0.02, 0, 1)
    x = x + 0.3 * x * (1 - x) * (2 * x - 1)
    m = x.mean(axis=-1, keepdims=True)
    return m + 0.8 * (x - m)


def planes_for(rng, h: int, w: int, pix_fmt: str, padded: bool):
    lay = plane_layout(pix_fmt)
    ch, cw = -(-h >> lay.log2_h), -(-w >> lay.log2_w)
    pad = 32 if padded else 0  # frame planes are views with a line size wider than the picture

    def plane(ph, pw, lo, hi):
        return rng.integers(lo, hi, (ph, pw + pad), dtype=np.uint8)[:, :pw]

    # Smooth-ish chroma (few distinct pairs, as in real video) plus full-range noise in places.
    y = plane(h, w, 0, 256)
    u = plane(ch, cw, 90, 170)
    v = plane(ch, cw, 90, 170)
    u[: ch // 3] = rng.integers(0, 256, u[: ch // 3].shape, dtype=np.uint8)
    return lay, [y, u, v]


@needs_c
@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv422p", "yuv444p", "yuv440p"])
@pytest.mark.parametrize("size", [(64, 96), (37, 51), (2, 2), (1, 1), (17, 2)])
@pytest.mark.parametrize("padded", [False, True])
def test_c_equals_numpy(pix_fmt, size, padded):
    rng = np.random.default_rng(zlib.crc32(f"{pix_fmt}{size}{padded}".encode()))
    spec = YCbCrSpec("bt709", False, 8)
    lay, planes = planes_for(rng, *size, pix_fmt, padded)
    k_np = Yuv8TableKernel(look, spec, spec, lay, use_c=False)
    k_c = Yuv8TableKernel(look, spec, spec, lay)
    assert k_c.use_c == (lay.log2_w <= 1 and lay.log2_h <= 1)
    a = k_np.process(planes)
    outs = [np.zeros((p.shape[0], p.shape[1] + 8), np.uint8)[:, : p.shape[1]] for p in a]
    b = k_c.process(planes, out=outs)
    for pa, pb in zip(a, b, strict=True):
        np.testing.assert_array_equal(pa, pb)
    # Second frame: table already built for these pairs; new pairs are filled on demand.
    planes2 = [planes[0][::-1].copy(), (planes[1] // 2 + 1).copy(), planes[2][::-1].copy()]
    for pa, pb in zip(k_np.process(planes2), k_c.process(planes2), strict=True):
        np.testing.assert_array_equal(pa, pb)


@needs_c
def test_full_range_bt601_to_limited():
    rng = np.random.default_rng(3)
    lay, planes = planes_for(rng, 48, 64, "yuv420p", True)
    src, dst = YCbCrSpec("bt601", True, 8), YCbCrSpec("bt601", False, 8)
    a = Yuv8TableKernel(look, src, dst, lay, use_c=False).process(planes)
    b = Yuv8TableKernel(look, src, dst, lay).process(planes)
    for pa, pb in zip(a, b, strict=True):
        np.testing.assert_array_equal(pa, pb)


@needs_c
def test_bad_shapes_are_refused():
    from gradecli.engine import _yuvtable

    table = np.zeros(1 << 24, np.uint32)
    y = np.zeros((4, 4), np.uint8)
    c = np.zeros((2, 2), np.uint8)
    with pytest.raises(ValueError, match="shapes"):
        _yuvtable.apply(table, y, c, c, y, c, np.zeros((3, 3), np.uint8), 1, 1)
    with pytest.raises(ValueError):
        _yuvtable.apply(table[:10], y, c, c, y, c, c, 1, 1)
    with pytest.raises(ValueError, match="subsampling"):
        _yuvtable.apply(table, y, c, c, y, c, c, 2, 1)
    with pytest.raises(ValueError, match="contiguous"):
        _yuvtable.apply(table, y[:, ::2], c, c, y, c, c, 1, 1)


def test_extension_is_built_where_ci_runs():
    """CI has a compiler, so the fast path must be there (the skip above must not hide it)."""
    if os.environ.get("CI"):
        assert kernels._yuvtable is not None


def _fields(table: np.ndarray) -> list[np.ndarray]:
    t = table.astype(np.int64)
    return [t >> 24, t & 0xFFF, (t >> 12) & 0xFFF]


def _random_lut(seed: int, size: int = 17):
    from gradecli.color.lut import Lut

    rng = np.random.default_rng(seed)
    ident = Lut.identity(size).table
    return Lut(np.clip(ident + rng.normal(0, 0.05, ident.shape), -0.2, 1.2))


@needs_c
@pytest.mark.parametrize("interpolation", ["tetrahedral", "trilinear"])
@pytest.mark.parametrize(
    "specs",
    [
        (YCbCrSpec("bt709", False, 8), YCbCrSpec("bt709", False, 8)),
        (YCbCrSpec("bt601", True, 8), YCbCrSpec("bt709", False, 8)),
    ],
)
def test_c_lut_fill_matches_numpy_within_rounding(interpolation, specs):
    """A plain 3D LUT's table rows are built in C: every code within 1 of the numpy build (ties
    of float rounding), nearly all identical, and the identity LUT exact."""
    from gradecli.engine.kernels import LutGrade

    src, dst = specs
    lay = plane_layout("yuv420p")
    lut = _random_lut(7)
    fn = LutGrade(lut, interpolation)
    k_c = Yuv8TableKernel(fn, src, dst, lay)
    k_np = Yuv8TableKernel(fn, src, dst, lay, use_c=False)
    assert k_c._c_lut is not None and k_np._c_lut is None
    pairs = np.arange(0, 1 << 16, 7)
    k_c._build_pairs(pairs)
    k_np._ensure(pairs.astype(np.uint32))
    rows = (pairs[:, None] << 8 | np.arange(256)).ravel()
    for a, b in zip(_fields(k_c.table[rows]), _fields(k_np.table[rows]), strict=True):
        assert np.abs(a - b).max() <= 1
        assert np.mean(a != b) < 1e-3
    assert k_c.entries_built == rows.size


@needs_c
def test_c_lut_fill_identity_and_frames():
    from gradecli.color.lut import Lut

    spec = YCbCrSpec("bt709", False, 8)
    rng = np.random.default_rng(5)
    lay, planes = planes_for(rng, 40, 64, "yuv420p", True)
    ident = Yuv8TableKernel(Lut.identity(33), spec, spec, lay)
    assert ident._c_lut is not None
    y, u, v = ident.process(planes)
    # Identity: luma exact; chroma is the rounded mean of four equal codes, so exact as well.
    np.testing.assert_array_equal(y, planes[0])
    np.testing.assert_array_equal(u, planes[1])
    np.testing.assert_array_equal(v, planes[2])
    lut = _random_lut(9)
    a = Yuv8TableKernel(lut, spec, spec, lay).process(planes)
    b = Yuv8TableKernel(lut, spec, spec, lay, use_c=False).process(planes)
    for pa, pb in zip(a, b, strict=True):
        assert np.abs(pa.astype(int) - pb).max() <= 1


def test_only_plain_luts_take_the_c_fill():
    from functools import partial

    from gradecli.color.lut import Lut
    from gradecli.engine.kernels import LutGrade, _plain_lut

    lut = Lut.identity(9)
    assert _plain_lut(lut) is not None
    assert _plain_lut(LutGrade(lut, "trilinear"))[1] is False
    assert _plain_lut(LutGrade(lut, "nearest")) is None
    # Only a typed LutGrade (or a Lut) names its LUT: other callables go through numpy.
    assert _plain_lut(partial(lut.apply, interpolation="trilinear")) is None
    assert _plain_lut(look) is None
    wide = Lut(lut.table, np.array([[0.0, 0, 0], [2.0, 2, 2]]))
    assert _plain_lut(wide) is None
    with_shaper = Lut(lut.table, shaper=np.linspace(0, 1, 16)[:, None].repeat(3, 1))
    assert _plain_lut(with_shaper) is None


@needs_c
def test_fill_refuses_bad_input():
    from gradecli.engine import _yuvtable

    table = np.zeros(1 << 24, np.uint32)
    lut = np.zeros((5, 5, 5, 3), np.float32)
    m = np.zeros((3, 4))
    with pytest.raises(ValueError, match="out of range"):
        _yuvtable.fill(table, np.array([70000]), lut, m, m, True)
    with pytest.raises(ValueError, match="shapes"):
        _yuvtable.fill(table, np.array([1]), lut[:, :4], m, m, True)
