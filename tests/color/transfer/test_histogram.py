"""The histogram method's curves: monotone, smooth, slope-limited, linear beyond the knots."""

from __future__ import annotations

import numpy as np

from gradecli.color.transfer.histogram import fit_curve, fit_histogram


def test_curve_matches_quantiles():
    rng = np.random.default_rng(0)
    src = rng.normal(40, 10, 100_000)
    tgt = rng.gamma(4.0, 5.0, 100_000) + 20  # skewed target
    c = fit_curve(src, tgt)
    out = c(src)
    assert abs(out.mean() - tgt.mean()) < 1e-9
    q = [0.05, 0.25, 0.5, 0.75, 0.95]
    np.testing.assert_allclose(np.quantile(out, q), np.quantile(tgt, q), atol=1.0)


def test_curve_monotone_c1_and_linear_outside():
    rng = np.random.default_rng(1)
    # Spiky, gappy source (an 8-bit-like plateau and clipped whites) against a smooth target.
    src = np.concatenate([np.round(rng.normal(50, 15, 50_000)), np.full(5_000, 100.0)])
    tgt = rng.normal(55, 12, 60_000)
    c = fit_curve(src, tgt, max_gain=3.0)
    v = np.linspace(-50, 200, 200_001)
    y = c(v)
    dy = np.diff(y) / np.diff(v)
    assert np.all(dy > 0)  # strictly increasing
    assert dy.max() <= 3.0 + 1e-6 * 3 and dy.min() >= 1 / 3.0 - 1e-6
    # C1: the slope has no jumps (only the smooth change of a cubic between samples).
    assert np.abs(np.diff(dy)).max() < 0.01
    # Linear beyond the end knots.
    lo, hi = v < c.x[0] - 1, v > c.x[-1] + 1
    assert np.ptp(dy[lo[:-1]]) < 1e-9 and np.ptp(dy[hi[:-1]]) < 1e-9


def test_constant_channel_becomes_a_shift():
    src = np.full(1000, 20.0)
    tgt = np.random.default_rng(2).normal(35, 5, 1000)
    c = fit_curve(src, tgt)
    assert abs(float(c(np.array(20.0))) - np.mean(tgt)) < 1e-9
    np.testing.assert_allclose(c(np.array([10.0, 30.0])) - c(np.array(20.0)), [-10.0, 10.0])


def test_histogram_identity():
    rng = np.random.default_rng(3)
    lab = rng.normal([50, 0, 0], [20, 10, 10], (10_000, 3))
    m = fit_histogram(lab, lab)
    np.testing.assert_allclose(m.apply_lab(lab), lab, atol=1e-9)
