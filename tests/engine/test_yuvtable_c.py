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
