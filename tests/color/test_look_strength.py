"""Prompt looks calibrated per picture: the main effect matches the chart's, within limits."""

from __future__ import annotations

import numpy as np

from gradecli.color.grade_model import GradeParams
from gradecli.color.look_estimate import colorchecker_srgb
from gradecli.color.look_strength import SCALE_RANGE, calibrated_strength, look_effect
from tests._look_photos import photos

COOL = GradeParams(temperature=-1000.0)


def test_effect_of_neutral_is_zero_and_cool_lowers_b():
    pic = photos()["coffee"]
    np.testing.assert_allclose(look_effect(GradeParams(), pic), 0.0, atol=1e-6)
    assert look_effect(COOL, pic)[1] < -1.0


def test_calibration_evens_out_the_main_effect():
    goal = look_effect(COOL, colorchecker_srgb())[1]
    fixed, calibrated = [], []
    for pic in photos().values():
        fixed.append(look_effect(COOL, pic)[1])
        s = calibrated_strength(COOL, pic)
        assert SCALE_RANGE[0] <= s <= SCALE_RANGE[1]
        calibrated.append(look_effect(COOL.scaled(s), pic)[1])
    assert np.std(np.array(calibrated) - goal) < np.std(np.array(fixed) - goal)
    assert max(calibrated) / min(calibrated) <= 2.0  # both negative


def test_neutral_and_chart_need_no_scaling():
    assert calibrated_strength(GradeParams(), photos()["coffee"]) == 1.0
    assert abs(calibrated_strength(COOL, colorchecker_srgb()) - 1.0) < 0.02
