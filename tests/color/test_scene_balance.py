"""The change of grade between two pictures of one scene, read from their colours."""

from __future__ import annotations

import numpy as np

from gradecli.color.scene_balance import (
    GAIN_SPREAD,
    balance_change,
    colour_balance,
    gain_spread,
)
from gradecli.color.transfer_functions import srgb_eotf, srgb_eotf_inverse
from tests._look_photos import photos


def _gained(rgb: np.ndarray, gains) -> np.ndarray:
    return srgb_eotf_inverse(np.clip(srgb_eotf(rgb) * np.asarray(gains), 0.0, 1.0))


def test_colour_balance_measures_a_change_of_grade_between_takes():
    a = photos()["coffee"] * 0.9  # nothing clipped
    gains = (1.2, 1.0, 0.8)
    b = _gained(a, np.array(gains) * 0.5)  # a cast and one stop down
    d = balance_change(colour_balance(a.reshape(-1, 3)), colour_balance(b.reshape(-1, 3)))
    np.testing.assert_allclose(d, np.log([0.6, 0.5, 0.4]), atol=1e-6)
    # Clipped channels do not count: a warm take with red clipped over a quarter of the picture.
    c = _gained(a, (2.5, 1.0, 0.8))
    assert (srgb_eotf(c)[..., 0] >= 0.999).mean() > 0.2
    d = balance_change(colour_balance(a.reshape(-1, 3)), colour_balance(c.reshape(-1, 3)))
    np.testing.assert_allclose(d, np.log([2.5, 1.0, 0.8]), atol=0.01)
    assert not balance_change(colour_balance(np.zeros((100, 3))), colour_balance(a)).any()


def test_gain_spread_tells_a_change_of_grade_from_other_content():
    pics = photos()
    a = pics["coffee"] * 0.9
    ca = colour_balance(a.reshape(-1, 3))
    assert gain_spread(ca, colour_balance(_gained(a, (1.3, 1.0, 0.7)).reshape(-1, 3))) < 0.01
    for other in ("astronaut", "chelsea", "rocket"):
        cb = colour_balance(pics[other].reshape(-1, 3))
        assert gain_spread(ca, cb) > GAIN_SPREAD
    assert gain_spread(ca, colour_balance(np.zeros((50, 3)))) == float("inf")
