"""Skin-tone swatches and the disparity of eq. 40 (gradecli.color.skin_tones)."""

from __future__ import annotations

import numpy as np
import pytest

from gradecli.color.look_estimate import colorchecker_srgb
from gradecli.color.lut import Lut
from gradecli.color.skin_tones import (
    CHECKER_NAMES,
    MEAN_FLOOR,
    MST_HEX,
    disparity,
    hex_to_srgb,
    mst_swatches,
    skin_tone_report,
    skin_tone_swatches,
)
from gradecli.color.spaces import lab_to_rgb, rgb_to_lab
from gradecli.color.transfer_functions import srgb_eotf, srgb_eotf_inverse
from gradecli.errors import BadInputError

PUBLISHED = ["#f6ede4", "#f3e7db", "#f7ead0", "#eadaba", "#d7bd96",
             "#a07e56", "#825c43", "#604134", "#3a312a", "#292420"]
_LUMA = np.array([0.2126, 0.7152, 0.0722])


def exposure(stops):
    return lambda x: srgb_eotf_inverse(np.clip(srgb_eotf(x) * 2.0**stops, 0.0, 1.0))


def darken_grey_dark(x):
    """Below a luma of 0.35 (fully below 0.25): chroma down to 40%, values down to 65%."""
    y = (x @ _LUMA)[..., None]
    w = np.clip((0.35 - y) / 0.1, 0.0, 1.0)
    return np.clip((y + (1 - 0.6 * w) * (x - y)) * (1 - 0.35 * w), 0.0, 1.0)


def test_hex_values_decode_to_the_stored_swatches():
    assert [h for _, h in MST_HEX] == PUBLISHED
    assert [n for n, _ in MST_HEX] == [f"MST {i}" for i in range(1, 11)]
    sw = mst_swatches()
    assert sw.shape == (10, 3)
    for row, code in zip(sw, PUBLISHED, strict=True):
        assert f"#{''.join(f'{round(v * 255):02x}' for v in row)}" == code
        np.testing.assert_array_equal(row, hex_to_srgb(code.upper().lstrip("#")))
    assert hex_to_srgb("#ff8000").tolist() == [1.0, 128 / 255, 0.0]
    for bad in ("#fff", "#gggggg", ""):
        with pytest.raises(BadInputError):
            hex_to_srgb(bad)


def test_swatches_are_mst_then_the_colorchecker_skin_patches():
    names, rgb = skin_tone_swatches()
    assert names[:10] == tuple(n for n, _ in MST_HEX) and names[10:] == CHECKER_NAMES
    assert rgb.shape == (12, 3)
    np.testing.assert_array_equal(rgb[:10], mst_swatches())
    np.testing.assert_array_equal(rgb[10:], colorchecker_srgb()[:2])
    # lightest to darkest (MST 3 is published 0.8 L* lighter than MST 2)
    assert np.all(np.diff(rgb_to_lab(rgb[:10])[:, 0]) < 1.0)


def test_unchanged_swatches_give_zero_everywhere():
    _, rgb = skin_tone_swatches()
    rep = skin_tone_report(rgb)
    assert len(rep.tones) == 12
    assert all(t.delta_e00 == 0 and t.hue_shift_deg == 0 and t.lightness_change == 0
               for t in rep.tones)
    assert rep.mean_delta_e00 == 0 and rep.std_delta_e00 == 0 and rep.disparity == 0  # 0/0 is 0
    assert [t.in_disparity for t in rep.tones] == [True] * 10 + [False] * 2


def test_identity_lut_gives_zero():
    _, rgb = skin_tone_swatches()
    rep = skin_tone_report(Lut.identity(33).apply(rgb))
    assert max(t.delta_e00 for t in rep.tones) < 1e-6
    assert rep.disparity < 1e-6


def test_even_exposure_is_fairer_than_greying_dark_tones_only():
    _, rgb = skin_tone_swatches()
    even = skin_tone_report(Lut.from_function(exposure(0.5)).apply(rgb))
    dark = skin_tone_report(Lut.from_function(darken_grey_dark).apply(rgb))
    assert even.mean_delta_e00 > 3  # a clearly visible change, to every tone
    assert min(t.delta_e00 for t in even.tones[:10]) > 1
    assert even.disparity < 0.5
    assert dark.disparity > 1.2 > 2 * even.disparity
    # the dark-only grade leaves the light tones and changes the dark ones
    assert max(t.delta_e00 for t in dark.tones[:7]) < 0.05
    assert min(t.delta_e00 for t in dark.tones[7:10]) > 3
    assert all(t.lightness_change < 0 for t in dark.tones[7:10])


def test_disparity_is_population_std_over_mean_with_a_floor():
    mean, std, ratio = disparity(np.array([1.0, 3.0]))
    assert (mean, std, ratio) == (2.0, 1.0, 0.5)  # population std; the sample std is 1.41
    assert disparity(np.zeros(10)) == (0.0, 0.0, 0.0)
    _, std, ratio = disparity(np.array([0.0, 0.2]))  # mean 0.1 is below the floor
    assert ratio == pytest.approx(std / MEAN_FLOOR) and ratio == pytest.approx(0.2)


def test_only_mst_tones_enter_the_disparity():
    names, rgb = skin_tone_swatches()
    graded = rgb.copy()
    graded[10:] *= 0.5  # change the ColorChecker patches only
    rep = skin_tone_report(graded)
    assert rep.disparity == 0 and rep.mean_delta_e00 == 0
    assert all(t.delta_e00 > 5 for t in rep.tones[10:])


def test_hue_shift_is_signed_and_wrapped():
    lab = np.array([[60.0, -30.0, 6.0], [60.0, -30.0, -6.0]])  # hue about 169 and 191 degrees
    rgb = lab_to_rgb(lab)
    h = np.degrees(np.arctan2(*rgb_to_lab(rgb)[:, [2, 1]].T))
    rep = skin_tone_report(rgb[1:], rgb[:1])
    expected = (h[1] - h[0] + 180) % 360 - 180
    assert rep.tones[0].hue_shift_deg == pytest.approx(expected)
    assert 15 < rep.tones[0].hue_shift_deg < 30  # not -340
    back = skin_tone_report(rgb[:1], rgb[1:])
    assert back.tones[0].hue_shift_deg == pytest.approx(-expected)
    assert rep.tones[0].name == "tone 1" and rep.tones[0].in_disparity


def test_lightness_change_and_achromatic_hue():
    grey = np.array([[0.5, 0.5, 0.5]])
    rep = skin_tone_report(np.array([[0.6, 0.6, 0.6]]), grey)
    assert rep.tones[0].hue_shift_deg == 0.0  # hue of a grey is undefined: reported as 0
    assert rep.tones[0].lightness_change == pytest.approx(
        rgb_to_lab(np.array([0.6] * 3))[0] - rgb_to_lab(np.array([0.5] * 3))[0])


def test_bad_shapes_and_values():
    _, rgb = skin_tone_swatches()
    with pytest.raises(BadInputError):
        skin_tone_report(rgb[:5])
    bad = rgb.copy()
    bad[0, 0] = np.nan
    with pytest.raises(BadInputError):
        skin_tone_report(bad)
    with pytest.raises(BadInputError):
        skin_tone_report(rgb[:2], rgb[:2], names=("a",))
