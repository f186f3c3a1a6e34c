from __future__ import annotations

import numpy as np
import pytest

from gradecli.color import spaces
from gradecli.color import transfer_functions as tf
from gradecli.errors import BadInputError

colour = pytest.importorskip("colour")


def test_srgb_to_lab_agrees_with_colour_science(rng):
    rgb = rng.uniform(0, 1, (2000, 3))
    ours = spaces.rgb_to_lab(rgb, "srgb")
    cs = colour.XYZ_to_Lab(colour.sRGB_to_XYZ(rgb))
    np.testing.assert_allclose(ours, cs, atol=1e-6)


def test_bt2020_matrix_agrees_with_colour_science():
    cs = colour.RGB_COLOURSPACES["ITU-R BT.2020"].matrix_RGB_to_XYZ
    np.testing.assert_allclose(spaces.ENCODINGS["bt2020"].rgb_to_xyz, cs, atol=1e-7)
    cs709 = colour.RGB_COLOURSPACES["ITU-R BT.709"].matrix_RGB_to_XYZ
    np.testing.assert_allclose(spaces.ENCODINGS["bt709"].rgb_to_xyz, cs709, atol=1e-7)


def test_lab_round_trip(rng):
    for enc in spaces.ENCODINGS:
        rgb = rng.uniform(0, 1, (1000, 3))
        back = spaces.lab_to_rgb(spaces.rgb_to_lab(rgb, enc), enc)
        np.testing.assert_allclose(back, rgb, atol=1e-9)


def test_white_and_black():
    # sRGB's published (rounded) matrix puts white within 0.01 of the D65 neutral axis.
    np.testing.assert_allclose(spaces.rgb_to_lab([1.0, 1.0, 1.0]), [100, 0, 0], atol=0.01)
    np.testing.assert_allclose(spaces.rgb_to_lab([1.0, 1.0, 1.0], "bt709"), [100, 0, 0], atol=1e-9)
    np.testing.assert_allclose(spaces.rgb_to_lab([0.0, 0.0, 0.0]), [0, 0, 0], atol=1e-9)


def test_lab_xyz_agree_with_colour_science(rng):
    xyz = rng.uniform(0, 1, (1000, 3))
    np.testing.assert_allclose(
        spaces.xyz_to_lab(xyz), colour.XYZ_to_Lab(xyz, spaces.D65_XY), atol=1e-9
    )
    lab = spaces.xyz_to_lab(xyz)
    np.testing.assert_allclose(spaces.lab_to_xyz(lab), xyz, atol=1e-12)


def test_transfer_functions_agree_with_colour_science(rng):
    v = rng.uniform(0, 1, 1000)
    np.testing.assert_allclose(tf.srgb_eotf(v), colour.models.eotf_sRGB(v), atol=1e-12)
    np.testing.assert_allclose(tf.bt709_oetf(v), colour.models.oetf_BT709(v), atol=1e-6)
    np.testing.assert_allclose(tf.bt1886_eotf(v), colour.models.eotf_BT1886(v), atol=1e-12)
    np.testing.assert_allclose(tf.srgb_eotf_inverse(tf.srgb_eotf(v)), v, atol=1e-12)
    np.testing.assert_allclose(tf.bt709_oetf_inverse(tf.bt709_oetf(v)), v, atol=1e-12)


def test_lch_round_trip(rng):
    lab = rng.uniform([0, -80, -80], [100, 80, 80], (100, 3))
    np.testing.assert_allclose(spaces.lch_to_lab(spaces.lab_to_lch(lab)), lab, atol=1e-9)


def test_unknown_encoding():
    with pytest.raises(BadInputError, match="unknown RGB encoding"):
        spaces.rgb_to_lab([0.5, 0.5, 0.5], "adobe1998")
