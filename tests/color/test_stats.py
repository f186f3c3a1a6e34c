from __future__ import annotations

import numpy as np
import pytest

from gradecli.color.stats import LabStats, lab_stats, pool_lab_stats


def test_lab_stats_nominal(rng):
    lab = rng.normal([50, 5, -5], [10, 3, 2], size=(200, 300, 3))
    s = lab_stats(lab)
    np.testing.assert_allclose(s.mean, [50, 5, -5], atol=0.2)
    np.testing.assert_allclose(s.std, [10, 3, 2], rtol=0.03)
    assert s.count == 200 * 300
    assert len(s.percentiles) == len(s.percentile_levels)
    med = s.percentiles[s.percentile_levels.index(50.0)]
    np.testing.assert_allclose(med, np.median(lab.reshape(-1, 3), axis=0))


def test_lab_stats_mask_and_nan():
    lab = np.zeros((2, 2, 3))
    lab[0, 0] = [np.nan, 0, 0]
    lab[1, 1] = [100, 0, 0]
    s = lab_stats(lab, mask=np.array([[True, True], [False, True]]))
    assert s.count == 2
    assert s.mean[0] == pytest.approx(50)
    with pytest.raises(ValueError):
        lab_stats(np.full((2, 3), np.nan))


def test_pool_is_exact_for_mean_and_cov(rng):
    a = rng.normal(size=(500, 3)) * 5 + 40
    b = rng.normal(size=(300, 3)) * 2 + 60
    pooled = pool_lab_stats([lab_stats(a), lab_stats(b)])
    whole = lab_stats(np.concatenate([a, b]))
    np.testing.assert_allclose(pooled.mean, whole.mean, atol=1e-9)
    np.testing.assert_allclose(pooled.cov, whole.cov, atol=1e-9)


def test_json_round_trip(rng):
    s = lab_stats(rng.normal(size=(100, 3)))
    assert LabStats.from_dict(s.to_dict()) == s
