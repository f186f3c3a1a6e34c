from __future__ import annotations

import numpy as np
import pytest

from gradecli.color.ycbcr import MATRICES, YCbCrSpec, rgb_to_ycbcr, ycbcr_to_rgb
from gradecli.errors import BadInputError

colour = pytest.importorskip("colour")


@pytest.mark.parametrize("matrix", ["bt601", "bt709", "bt2020"])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("bits", [8, 10, 12])
def test_agrees_with_colour_science(rng, matrix, full, bits):
    spec = YCbCrSpec(matrix, full, bits)
    hi = (1 << bits) - 1
    codes = rng.integers(0, hi + 1, size=(3000, 3))
    ours = ycbcr_to_rgb(codes, spec, clip=False)
    ref = colour.YCbCr_to_RGB(
        codes, K=np.array(MATRICES[matrix]), in_bits=bits, in_legal=not full, in_int=True
    )
    np.testing.assert_allclose(ours, ref, atol=1e-9)
    rgb = rng.uniform(0, 1, (3000, 3))
    ref_codes = colour.RGB_to_YCbCr(
        rgb, K=np.array(MATRICES[matrix]), out_bits=bits, out_legal=not full, out_int=True
    )
    np.testing.assert_array_equal(rgb_to_ycbcr(rgb, spec), ref_codes)


@pytest.mark.parametrize("matrix", ["bt601", "bt709", "bt2020"])
def test_round_trip_of_in_gamut_codes_is_exact(matrix):
    spec = YCbCrSpec(matrix, False, 8)
    rgb = np.random.default_rng(3).uniform(0, 1, (20000, 3))
    codes = rgb_to_ycbcr(rgb, spec)
    back = rgb_to_ycbcr(ycbcr_to_rgb(codes, spec, clip=False), spec)
    np.testing.assert_array_equal(back, codes)


def test_black_white_grey():
    spec = YCbCrSpec("bt709", False, 8)
    np.testing.assert_allclose(ycbcr_to_rgb([16, 128, 128], spec), [0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(ycbcr_to_rgb([235, 128, 128], spec), [1, 1, 1], atol=1e-12)
    full = YCbCrSpec("bt709", True, 10)
    np.testing.assert_allclose(ycbcr_to_rgb([1023, 512, 512], full), [1, 1, 1], atol=1e-12)


def test_bad_spec():
    with pytest.raises(BadInputError):
        YCbCrSpec("bt999")
    with pytest.raises(BadInputError):
        YCbCrSpec("bt709", bit_depth=20)
