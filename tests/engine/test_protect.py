"""Skin protection in the engine: the skin key through a table of 8-bit Y'CbCr codes, the banded
blend, and frames without skin left exactly as graded."""

from __future__ import annotations

import numpy as np
import pytest

from gradecli.color.lut import Lut
from gradecli.color.masks import PRIOR_SKIN, SkinKey, skin_probability
from gradecli.color.ycbcr import YCbCrSpec, planes_to_rgb, rgb_to_ycbcr
from gradecli.engine.kernels import LutGrade, make_kernel
from gradecli.engine.protect import KeyTable, ProtectedGrade, ProtectedKernel, _blend, _resize
from gradecli.io.images import read_image
from gradecli.io.video import plane_layout
from gradecli.pipeline.segment import skin_model_of
from tests.conftest import EXAMPLES

SPEC = YCbCrSpec("bt709", full_range=False)
ASTRONAUT = EXAMPLES / "stills" / "astronaut.png"


def _planes(rgb: np.ndarray, spec: YCbCrSpec = SPEC) -> list[np.ndarray]:
    """4:2:0 8-bit planes of an (H, W, 3) picture 0..1 (chroma: every other sample)."""
    codes = rgb_to_ycbcr(rgb, spec).astype(np.uint8)
    return [np.ascontiguousarray(codes[..., 0]), np.ascontiguousarray(codes[::2, ::2, 1]),
            np.ascontiguousarray(codes[::2, ::2, 2])]


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return read_image(ASTRONAUT).rgb.astype(np.float32)


@pytest.fixture(scope="module")
def face_model(astronaut):
    model, faces = skin_model_of([astronaut])
    assert faces >= 1
    return model


def _green(x: np.ndarray) -> np.ndarray:
    return np.clip(x * np.array([0.75, 1.15, 0.8]), 0.0, 1.0)


def _kernel(key, out_fmt: str = "yuv420p") -> ProtectedKernel:
    lut = Lut.from_function(_green, size=9)
    grade = ProtectedGrade(LutGrade(lut), LutGrade(Lut.identity(9)), key, 0.8)
    out_spec = YCbCrSpec("bt709", False, plane_layout(out_fmt).bit_depth)
    kernel = make_kernel(grade, SPEC, plane_layout("yuv420p"), out_spec, plane_layout(out_fmt))
    assert isinstance(kernel, ProtectedKernel)
    return kernel


@pytest.mark.parametrize("which", ["fitted", "prior"])
def test_table_key_agrees_with_the_direct_key(astronaut, face_model, rng, which):
    model = face_model if which == "fitted" else PRIOR_SKIN
    key = SkinKey(model)
    noisy = np.clip(astronaut[::2, ::2] + rng.normal(0.0, 0.03, (256, 256, 3)), 0.0, 1.0)
    for rgb in (astronaut[::2, ::2], noisy):
        planes = _planes(rgb)
        small = [planes[0][::2, ::2], planes[1], planes[2]]  # one chroma sample per pixel
        direct = key(planes_to_rgb(small, SPEC, 0, 0, dtype=np.float32))
        table = KeyTable(key, SPEC)
        looked_up = key.refine(*table.lookup(*small))
        assert direct.max() > 0.5  # the face is keyed
        assert np.abs(looked_up - direct).mean() < 2e-3
        assert np.abs(looked_up - direct).max() < 0.03
        assert 0 < table.entries_built < 1 << 24  # filled only where the picture has codes


def test_the_kernel_keys_through_the_table_and_agrees(astronaut, face_model):
    planes = _planes(astronaut)
    tabled = _kernel(SkinKey(face_model))
    direct = _kernel(lambda rgb: skin_probability(rgb, face_model))
    assert tabled.table is not None and direct.table is None
    a, b = tabled.mask(planes), direct.mask(planes)
    assert a.shape == b.shape and np.abs(a - b).mean() < 2e-3
    for x, y in zip(tabled.process(planes), direct.process(planes), strict=True):
        assert np.abs(x.astype(int) - y).max() <= 3


def test_no_skin_gives_the_unprotected_grade_exactly(astronaut):
    planes = _planes(astronaut)
    kernel = _kernel(SkinKey(None))  # no face: the key is 0 everywhere, through the table
    assert kernel.table is not None and not kernel.mask(planes).any()
    for x, y in zip(kernel.process(planes), kernel.base.process(planes), strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("out_fmt", ["yuv420p", "yuv444p", "yuv420p10le"])
def test_the_banded_blend_equals_the_whole_frame_blend(astronaut, face_model, out_fmt):
    kernel = _kernel(SkinKey(face_model), out_fmt)
    pic = astronaut.copy()
    pic[:50], pic[300:] = (0.2, 0.3, 0.6), (0.5, 0.5, 0.5)  # skin only in rows 50..300
    planes = _planes(pic)
    m = kernel.mask(planes)
    band = kernel._band(m, 512, 256)
    assert band is not None and 0 < band[0] and band[1] < 512  # a band, not the whole frame
    for p in planes:  # every weight outside the band is 0
        w, s = _resize(m, p.shape), 512 // p.shape[0]
        assert not w[: band[0] // s].any() and not w[-(-band[1] // s):].any()
    whole = kernel.base.process(planes)
    alt = kernel.protect.process(planes)
    for b, a in zip(whole, alt, strict=True):
        w = _resize(m, b.shape)
        if b.dtype == np.uint8:  # the fixed-point formula, in int32
            q = np.rint(w * 256.0).astype(np.int32)
            np.copyto(b, b + ((q * (a.astype(np.int32) - b) + 128) >> 8), casting="unsafe")
        else:
            np.copyto(b, np.rint(b + w * (a.astype(np.float32) - b)), casting="unsafe")
    for x, y in zip(kernel.process(planes), whole, strict=True):
        np.testing.assert_array_equal(x, y)


def test_the_fixed_point_blend_in_uint16_is_exact():
    b, a = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8))
    for q in range(257):
        got = b.copy()
        _blend(got, a, np.full(b.shape, q / 256.0, np.float32))
        want = b + ((q * (a.astype(np.int32) - b) + 128) >> 8)
        np.testing.assert_array_equal(got, want)


def test_the_band_holds_every_weight_that_is_not_zero(rng):
    kernel = _kernel(SkinKey(None))
    for _ in range(200):
        sh, step = int(rng.integers(8, 120)), int(rng.choice([2, 4, 6]))
        m = np.zeros((sh, 16), np.float32)
        r0 = int(rng.integers(0, sh))
        r1 = int(rng.integers(r0, min(sh, r0 + 6)))
        m[r0:r1 + 1, int(rng.integers(0, 16))] = rng.random(r1 + 1 - r0) + 0.01
        height = sh * step - int(rng.integers(0, 2)) * 2  # frames cropped to whole samples
        band = kernel._band(m, height, height // 2)
        assert band is not None and band[0] % 2 == 0 and (band[1] % 2 == 0 or band[1] == height)
        for rows in (height, height // 2):
            w = _resize(m, (rows, 32))
            s = height // rows
            assert not w[: band[0] // s].any() and not w[-(-band[1] // s):].any()
    assert kernel._band(np.zeros((8, 8), np.float32), 16, 8) is None


def test_the_shots_of_a_stream_share_one_key_table(astronaut, face_model):
    from gradecli.engine.transcode import _Kernels

    key = SkinKey(face_model)
    shots = [(start, ProtectedGrade(LutGrade(Lut.from_function(look, size=9)),
                                    LutGrade(Lut.identity(9)), SkinKey(face_model), 0.8))
             for start, look in ((0, _green), (10, lambda x: np.clip(x * 1.1, 0.0, 1.0)))]
    layout = plane_layout("yuv420p")
    kernels = _Kernels(shots, SPEC, layout, SPEC, layout)
    first, second = kernels(0), kernels(10)
    assert first is not second and first.table is second.table
    planes = _planes(astronaut[::2, ::2])
    first.process([p.copy() for p in planes])
    filled = first.table.entries_built
    assert filled > 0
    second.process([p.copy() for p in planes])
    assert second.table.entries_built == filled  # the second shot fills nothing again
    # Another skin key gets a table of its own.
    other = ProtectedGrade(LutGrade(Lut.identity(9)), LutGrade(Lut.identity(9)),
                           SkinKey(PRIOR_SKIN), 0.8)
    assert _Kernels([(0, other)], SPEC, layout, SPEC, layout)(0).table is not first.table
    assert key == first.entry.key
