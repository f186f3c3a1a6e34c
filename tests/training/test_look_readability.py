"""training.look_readability: the quantities it reads off a grade."""

import numpy as np
import pytest

from gradecli.color.spaces import get_encoding
from training.look_readability import QUANTITIES, look_quantities, r2


def test_no_grade_reads_as_no_look():
    q = look_quantities(lambda x: np.asarray(x, np.float64))
    assert q.shape == (len(QUANTITIES),)
    np.testing.assert_allclose(q, 0.0, atol=1e-9)


def test_a_white_balance_gain_is_a_cast_and_no_split_tone_or_contrast():
    enc = get_encoding("srgb")
    gains = np.array([1.2, 1.0, 0.8])

    def warm(x):
        return enc.encode(np.clip(enc.decode(np.asarray(x, np.float64)) * gains, 0.0, 1.0))

    q = dict(zip(QUANTITIES, look_quantities(warm), strict=True))
    assert q["mid-grey cast log R/G"] == pytest.approx(np.log(1.2), abs=1e-6)
    assert q["mid-grey cast log B/G"] == pytest.approx(np.log(0.8), abs=1e-6)
    assert q["split tone log R/G"] == pytest.approx(0.0, abs=1e-6)
    assert q["contrast (stops, light - dark)"] == pytest.approx(0.0, abs=1e-6)


def test_a_contrast_curve_reads_as_contrast_and_desaturation_as_less_chroma():
    def steeper(x):  # a gamma > 1 about nothing: darks darker by more stops than lights
        return np.asarray(x, np.float64) ** 1.5

    def grey_out(x):
        x = np.asarray(x, np.float64)
        y = x.mean(axis=-1, keepdims=True)
        return y + 0.5 * (x - y)

    q = dict(zip(QUANTITIES, look_quantities(steeper), strict=True))
    assert q["contrast (stops, light - dark)"] > 0.5
    s = dict(zip(QUANTITIES, look_quantities(grey_out), strict=True))
    assert s["saturation (log chroma gain)"] < np.log(0.7)


def test_r2_is_one_for_a_perfect_prediction_and_zero_for_the_mean():
    y = np.array([1.0, 2.0, 4.0])
    assert r2(y, y) == 1.0
    assert r2(np.full(3, y.mean()), y) == pytest.approx(0.0)
