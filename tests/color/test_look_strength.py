"""Prompt looks calibrated per picture: the main effect matches the chart's, within limits."""

from __future__ import annotations

import numpy as np

from gradecli.color.grade_model import GradeParams
from gradecli.color.look_estimate import colorchecker_srgb
from gradecli.color.look_strength import (
    SCALE_RANGE,
    Calibration,
    calibrate,
    calibrated_strength,
    look_effect,
    picture_pivot,
)
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


def _spread_change(params: GradeParams, pic: np.ndarray) -> float:
    return float(look_effect(params, pic)[2])


def test_high_contrast_spreads_dark_and_bright_pictures_alike():
    # A dark and a bright picture (most tones on one side of L* 50): contrast about the chart's
    # pivot moves them as a whole; pivoted on their own median it spreads their tones.
    contrast = GradeParams(contrast=0.35)
    base = photos()["coffee"]
    pictures = [base**2.2, base**0.35, base]  # dark, bright, as it is
    for pic in pictures:
        assert 0.15 <= picture_pivot(pic) <= 0.85
    fixed = [_spread_change(contrast, p) for p in pictures]
    cal = [calibrate(contrast, p) for p in pictures]
    calibrated = [_spread_change(c.params, p) for c, p in zip(cal, pictures, strict=True)]
    assert all(c.pivot is not None for c in cal)
    assert min(calibrated) > 0.0
    assert max(calibrated) / min(calibrated) <= 1.5
    assert max(calibrated) / min(calibrated) < max(fixed) / max(min(fixed), 1e-6)


def test_a_given_pivot_is_kept_and_neutral_is_returned_as_is():
    pic = photos()["coffee"]
    own = GradeParams(contrast=0.3, pivot=0.3)
    assert calibrate(own, pic).params.pivot == own.pivot
    assert calibrate(GradeParams(), pic) == Calibration(GradeParams())
