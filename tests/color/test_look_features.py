"""Look features: one entry per name, casts move the illuminant estimates by the cast."""

from __future__ import annotations

import numpy as np

from gradecli.color import look_prior
from gradecli.color.look_features import FEATURE_NAMES, illuminant_estimates, look_features
from gradecli.color.spaces import get_encoding
from tests._look_photos import photos


def test_one_value_per_name_and_the_prior_matches():
    pic = photos()["coffee"]
    f = look_features(pic.reshape(-1, 3), "srgb", pic)
    assert f.shape == (len(FEATURE_NAMES),) and np.isfinite(f).all()
    assert tuple(look_prior.FEATURES) == FEATURE_NAMES
    assert look_prior.WEIGHTS.shape == (len(FEATURE_NAMES), 3)


def test_a_linear_gain_shifts_grey_world_by_its_log_chromaticity():
    enc = get_encoding("srgb")
    pic = photos()["astronaut"] * 0.8  # nothing near clipping
    gains = np.array([1.1, 1.0, 0.85])
    cast = enc.encode(np.clip(enc.decode(pic) * gains, 0, 1))
    a = illuminant_estimates(pic.reshape(-1, 3), "srgb", pic)
    b = illuminant_estimates(cast.reshape(-1, 3), "srgb", cast)
    want = np.log([gains[0] / gains[1], gains[2] / gains[1]])
    np.testing.assert_allclose(b["grey_world"] - a["grey_world"], want, atol=0.02)
    np.testing.assert_allclose(b["grey_edge"] - a["grey_edge"], want, atol=0.02)


def test_too_few_pixels_give_none_and_no_picture_still_works():
    assert look_features(np.zeros((50, 3))) is None
    pic = photos()["chelsea"]
    f = look_features(pic.reshape(-1, 3), "srgb", None)
    assert f is not None and np.isfinite(f).all()
