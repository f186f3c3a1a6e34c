"""Prompt looks calibrated per picture: the main effect matches the chart's, within limits."""

from __future__ import annotations

import numpy as np

from gradecli.color.grade_model import GradeParams
from gradecli.color.look_estimate import colorchecker_srgb
from gradecli.color.look_strength import (
    MIDTONES,
    SCALE_RANGE,
    Calibration,
    calibrate,
    calibrated_strength,
    join_parts,
    look_effect,
    midtone_balance,
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


def test_every_control_belongs_to_one_part_and_parts_join_back():
    import dataclasses

    from gradecli.color.grade_model import HueShift
    from gradecli.color.look_strength import LOOK_PARTS, join_parts, look_parts

    owned = [f for names in LOOK_PARTS.values() for f in names] + ["lift", "gamma", "gain"]
    assert sorted(owned) == sorted(f.name for f in dataclasses.fields(GradeParams))
    look = GradeParams(exposure=-0.2, temperature=900.0, contrast=-0.2, fade=0.1,
                       saturation=-0.1, vibrance=0.2, gamma=(1.1, 1.0, 0.9), gain=(1.1, 1.1, 1.1),
                       highlight_hue=70.0, highlight_amount=0.15,
                       hue_shifts=(HueShift(120.0, 40.0, 10.0),))
    parts = look_parts(look)
    assert set(parts) == {"colour", "tone", "chroma", "exposure"}
    assert parts["colour"].gamma == (1.1, 1.0, 0.9) and parts["colour"].gain == (1.0, 1.0, 1.0)
    assert parts["tone"].gain == (1.1, 1.1, 1.1) and parts["tone"].temperature == 0.0
    assert parts["chroma"].vibrance == 0.2 and parts["chroma"].contrast == 0.0
    assert join_parts(parts) == look
    assert look_parts(GradeParams(contrast=0.3)).keys() == {"tone"}


def test_a_look_of_several_parts_is_calibrated_part_by_part():
    # Coffee in a red cup is orange already: warmth barely moves its b*. Scaled by one factor
    # from that, a warm, faded, soft look inflates its fade and softness too (a milky wash);
    # part by part, the softening changes the picture's L* spread about as it changes the chart's.
    from gradecli.pipeline.look import build_look

    look = build_look("a warm, nostalgic, summer evening feel").params
    pic = photos()["coffee"]
    chart_spread = look_effect(look, colorchecker_srgb())[2]
    assert chart_spread < 0.0
    one = calibrate(look, pic, by_part=False)
    per_part = calibrate(look, pic)
    assert dict(per_part.scales).keys() == {"colour", "tone", "chroma"}
    assert per_part.params.exposure == look.exposure  # stops are not scaled
    assert one.params.exposure != look.exposure
    spread_one = look_effect(one.params, pic)[2]
    spread_part = look_effect(per_part.params, pic)[2]
    assert spread_one < 2.0 * chart_spread  # the wash: more than twice the softening
    assert 0.5 * chart_spread >= spread_part >= 2.0 * chart_spread
    assert per_part.describe().startswith("colour x")


def test_a_look_of_one_part_has_one_scale():
    cal = calibrate(COOL, photos()["coffee"])
    assert [part for part, _ in cal.scales] == ["colour"]
    assert cal.scale == cal.scales[0][1] != 1.0


WARM = GradeParams(temperature=1000.0, tint=3.0)


def _petals(n: int = 4096) -> np.ndarray:
    """Saturated red-orange colours with no blue at all (a close-up of orange petals): a
    white balance cannot warm them, it only darkens green against red."""
    rng = np.random.default_rng(3)
    r = rng.uniform(0.55, 1.0, n)
    g = r * rng.uniform(0.15, 0.45, n)
    return np.stack([r, g, np.zeros(n)], axis=1).reshape(64, -1, 3)


def test_midtone_balance_moves_the_chart_as_the_white_balance_does():
    chart = colorchecker_srgb()
    alt = midtone_balance(WARM)
    assert alt is not None and alt.temperature == 0.0 and alt.tint == 0.0
    assert alt.gamma[0] > 1.0 > alt.gamma[2]  # red mid-tones up, blue down
    wb, mid = look_effect(WARM, chart), look_effect(alt, chart)
    np.testing.assert_allclose(mid[:2], wb[:2], atol=0.02)  # mean Δa*, Δb*
    assert midtone_balance(GradeParams(contrast=0.2)) is None
    # Gamma the grade had is kept (multiplied in).
    both = midtone_balance(GradeParams(temperature=1000.0, gamma=(1.1, 1.1, 1.1)))
    np.testing.assert_allclose(both.gamma, np.array(alt.gamma) * 1.1, rtol=0.02)


def test_warm_warms_colours_a_white_balance_cannot_move():
    pic = _petals()
    goal = look_effect(WARM, colorchecker_srgb())[1]
    assert look_effect(WARM.scaled(4.0), pic)[1] < 0.5 * goal  # the white balance fails here
    cal = calibrate(WARM, pic)
    assert cal.scales[0][0] == MIDTONES
    got = look_effect(cal.params, pic)[1]
    assert 0.5 * goal <= got <= 2.0 * goal
    # Where the white balance works it is kept.
    assert calibrate(WARM, photos()["coffee"]).scales[0][0] == "colour"


def test_parts_with_gamma_in_two_parts_join_by_multiplying():
    colour = GradeParams(gamma=(1.1, 1.0, 0.9))
    tone = GradeParams(gamma=(1.2, 1.2, 1.2))
    joined = join_parts({"colour": colour, "tone": tone})
    np.testing.assert_allclose(joined.gamma, (1.32, 1.2, 1.08))
