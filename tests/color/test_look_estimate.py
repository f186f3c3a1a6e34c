"""Look estimation: casts found with the right sign, removal exact and anchored, looks compared."""

from __future__ import annotations

import numpy as np
import pytest

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.look_estimate import (
    NEUTRAL,
    ShotLook,
    apply_look,
    colorchecker_srgb,
    colorchecker_srgb_reference,
    estimate_look,
    illuminant_estimates,
    look_difference,
    mean_look,
    remove_look,
    transfer_look,
)
from gradecli.color.spaces import rgb_to_lab
from gradecli.errors import BadInputError
from tests._look_photos import photos

WARM = ShotLook(cast=(0.15, -0.2), exposure=0.0)
COOL = ShotLook(cast=(-0.15, 0.2), exposure=0.0)


def _de(a: np.ndarray, b: np.ndarray) -> float:
    return float(delta_e2000(rgb_to_lab(a), rgb_to_lab(b)).mean())


def test_illuminant_estimates_are_finite_log_chromaticities():
    pic = photos()["astronaut"]
    est = illuminant_estimates(pic.reshape(-1, 3), "srgb", pic)
    assert {"grey_world", "shades_of_grey", "bright_pixels", "white_patch", "grey_edge"} <= set(est)
    assert all(v.shape == (2,) and np.isfinite(v).all() for v in est.values())


@pytest.mark.parametrize("cast", [WARM, COOL])
def test_cast_moves_the_estimate_its_way_and_matching_to_the_original_helps(cast):
    warmth, before, after = [], [], []
    for pic in photos().values():
        graded = apply_look(cast, pic)
        est = estimate_look(graded.reshape(-1, 3), "srgb", graded)
        base = estimate_look(pic.reshape(-1, 3), "srgb", pic)
        warmth.append(np.subtract(*est.cast) - np.subtract(*base.cast))
        before.append(_de(graded, pic))
        after.append(_de(transfer_look(est, base, graded), pic))  # the graded photo given
        # its original's look, as match --target hero: does for takes of one scene
    assert np.sign(np.mean(warmth)) == np.sign(cast.cast[0] - cast.cast[1])
    assert np.mean(after) < np.mean(before)


def test_apply_then_remove_is_identity_in_mid_tones():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.05, 0.6, size=(500, 3))
    look = ShotLook(cast=(0.1, -0.05), exposure=-0.3, black=0.04)
    np.testing.assert_allclose(remove_look(look, apply_look(look, x)), x, atol=1e-9)


def test_neutral_look_is_identity_and_whites_stay_white():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, size=(200, 3))
    np.testing.assert_allclose(apply_look(NEUTRAL, x), x, atol=1e-12)
    np.testing.assert_allclose(remove_look(WARM, np.ones((1, 3))), np.ones((1, 3)), atol=1e-9)


def test_crushed_black_is_never_lifted():
    pic = photos()["coffee"].copy()
    pic[: pic.shape[0] // 2] = 0.0  # half the picture crushed to code 0
    look = estimate_look(pic.reshape(-1, 3), "srgb", pic)
    assert look.black == 0.0
    out = transfer_look(look, NEUTRAL, pic)
    assert np.percentile(out[: pic.shape[0] // 2], 99) < 1e-6


def test_lifted_black_is_seen_and_removed():
    pic = photos()["astronaut"]
    faded = apply_look(ShotLook(black=0.45), pic)  # a strong fade: haze-like lifts pass
    look = estimate_look(faded.reshape(-1, 3), "srgb", faded)
    assert look.black > 0.05
    assert np.percentile(remove_look(look, faded), 0.5) < np.percentile(faded, 0.5)


def test_look_difference_ignores_content_and_sees_grades():
    assert look_difference(WARM, WARM) == 0.0
    d = look_difference(WARM, COOL)
    assert d > 5.0 and d == pytest.approx(look_difference(COOL, WARM))
    assert colorchecker_srgb().shape == (24, 3)
    np.testing.assert_allclose(colorchecker_srgb(), colorchecker_srgb_reference(), atol=1e-7)


def test_mean_look_averages_casts_and_takes_median_black():
    m = mean_look([WARM, COOL, ShotLook(black=0.3)])
    np.testing.assert_allclose(m.cast, (0.0, 0.0), atol=1e-12)
    assert m.black == 0.0


def test_describe_and_dict():
    assert NEUTRAL.describe() == "neutral"
    assert WARM.describe().startswith("warm")
    assert COOL.describe().startswith("cool")
    assert "green" in ShotLook(cast=(-0.1, -0.1)).describe()  # G above R and B
    assert "magenta" in ShotLook(cast=(0.1, 0.1)).describe()
    assert WARM.to_dict()["words"] == WARM.describe()


def test_bad_samples():
    with pytest.raises(BadInputError):
        estimate_look(np.array([[np.nan, 0.1, 0.2]] * 100))
    assert estimate_look(np.zeros((10, 3))) == NEUTRAL


def test_transfer_between_equal_casts_changes_nothing():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, size=(500, 3))
    a = ShotLook(cast=(0.2, -0.3), exposure=0.4)
    np.testing.assert_allclose(transfer_look(a, a, x), x, atol=1e-9)
    b = ShotLook(cast=(0.2, -0.3), exposure=0.4, black=0.05)  # only the black point moves
    assert np.abs(transfer_look(a, b, x) - x).max() > 0.01


def test_saturated_bright_colours_take_the_cast_clean_whites_stay_white():
    orange = np.array([[1.0, 0.55, 0.2]])
    cool = transfer_look(WARM, NEUTRAL, orange)
    # An orange with red at 1 is not "near white": it loses the warm cast like any colour.
    assert cool[0, 0] < 0.97 and cool[0, 2] > orange[0, 2] + 0.01
    np.testing.assert_allclose(transfer_look(WARM, NEUTRAL, np.ones((1, 3))), np.ones((1, 3)),
                               atol=1e-9)


def test_change_evidence_ignores_noise_and_makes_clear_changes():
    from gradecli.color.look_estimate import change_evidence, towards

    assert change_evidence(NEUTRAL, NEUTRAL) == 1.0
    assert change_evidence(NEUTRAL, ShotLook(cast=(0.01, -0.01))) == 0.0
    # A strong magenta cast: across the axis content moves estimates along (warm-cool).
    magenta = ShotLook(cast=(1.0, 1.0))
    assert change_evidence(NEUTRAL, magenta) > 0.8
    # Along that axis the same size counts for less: warm content reads as a warm cast.
    warm = ShotLook(cast=(1.0, -1.0))
    assert 0.0 < change_evidence(NEUTRAL, warm) < change_evidence(NEUTRAL, magenta)
    # The threshold is a parameter: a smaller one makes more of the same change.
    assert change_evidence(NEUTRAL, warm, evidence=1.0) > change_evidence(NEUTRAL, warm)
    # A target given exactly (noise_scale 1) needs less evidence than another estimate (2).
    mid = ShotLook(cast=(0.6, -0.6))
    assert change_evidence(NEUTRAL, mid, 1.0) > change_evidence(NEUTRAL, mid, 2.0)
    half = towards(NEUTRAL, ShotLook(cast=(0.2, -0.4), exposure=1.0, black=0.1), 0.5)
    np.testing.assert_allclose(half.cast, (0.1, -0.2))
    assert half.exposure == pytest.approx(0.5) and half.black == 0.1


def test_exposure_is_estimated_with_its_sign():
    ups, downs = [], []
    for pic in photos().values():
        base = estimate_look(pic.reshape(-1, 3), "srgb", pic).exposure
        dark = apply_look(ShotLook(exposure=-0.7), pic)
        bright = apply_look(ShotLook(exposure=0.7), pic)
        downs.append(estimate_look(dark.reshape(-1, 3), "srgb", dark).exposure - base)
        ups.append(estimate_look(bright.reshape(-1, 3), "srgb", bright).exposure - base)
    assert np.mean(downs) < -0.1 and np.mean(ups) > 0.1


def test_change_evidence_reads_the_module_threshold_at_each_call(monkeypatch):
    """benchmarks/bench_look_match.py --evidence sets look_estimate.EVIDENCE; every caller that
    does not pass a threshold (match, grade --ref) must then use it."""
    from gradecli.color import look_estimate
    from gradecli.color.look_estimate import change_evidence

    warm = ShotLook(cast=(0.3, -0.3))
    fitted = change_evidence(NEUTRAL, warm)
    monkeypatch.setattr(look_estimate, "EVIDENCE", 1e-9)
    assert change_evidence(NEUTRAL, warm) == pytest.approx(1.0)
    monkeypatch.setattr(look_estimate, "EVIDENCE", 1e9)
    assert change_evidence(NEUTRAL, warm) == 0.0
    assert fitted < 1.0


def test_a_look_is_rebuilt_from_its_gains():
    from gradecli.color.look_estimate import ShotLook

    look = ShotLook((0.3, -0.2), -0.4, 0.05, 0.7)
    again = ShotLook.from_gains(look.gains, look.black, look.confidence)
    np.testing.assert_allclose(again.cast, look.cast, atol=1e-12)
    assert abs(again.exposure - look.exposure) < 1e-12 and again.black == look.black
