"""Reinhard and Monge-Kantorovich: the closed forms do what the papers say."""

from __future__ import annotations

import numpy as np

from gradecli.color.transfer.mkl import fit_mkl, mkl_matrix
from gradecli.color.transfer.reinhard import fit_reinhard


def _sample(rng, mean, cov, n=50_000):
    return rng.multivariate_normal(mean, cov, n)


def test_reinhard_matches_mean_and_std():
    rng = np.random.default_rng(0)
    src = _sample(rng, [40, 5, 10], np.diag([100.0, 25.0, 64.0]))
    tgt = _sample(rng, [60, -3, 2], np.diag([225.0, 16.0, 36.0]))
    out = fit_reinhard(src, tgt, eps=0.0).apply_lab(src)
    np.testing.assert_allclose(out.mean(0), tgt.mean(0), atol=1e-9)
    np.testing.assert_allclose(out.std(0), tgt.std(0), rtol=1e-9)


def test_reinhard_gain_is_capped():
    src = np.tile([[50.0, 0.0, 0.0]], (100, 1))
    tgt = np.random.default_rng(1).normal(50, 20, (1000, 3))
    m = fit_reinhard(src, tgt, max_gain=3.0)
    assert max(m.gain) <= 3.0


def test_mkl_maps_covariance_exactly():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(3, 3))
    b = rng.normal(size=(3, 3))
    cs = a @ a.T * 30 + np.eye(3) * 5
    ct = b @ b.T * 30 + np.eye(3) * 5
    t = mkl_matrix(cs, ct, eps=0.0, max_gain=100.0)
    np.testing.assert_allclose(t, t.T, atol=1e-10)
    assert np.all(np.linalg.eigvalsh(t) > 0)
    np.testing.assert_allclose(t @ cs @ t.T, ct, rtol=1e-8, atol=1e-8)


def test_mkl_is_the_least_moving_linear_map():
    # Among maps carrying S to G, MK minimises E|T x - x|^2; a Cholesky-based one does not beat it.
    rng = np.random.default_rng(3)
    src = _sample(rng, [0, 0, 0], [[100, 30, 0], [30, 50, 10], [0, 10, 40]])
    tgt = _sample(rng, [0, 0, 0], [[60, -10, 5], [-10, 80, 0], [5, 0, 50]])
    cs, ct = np.cov(src.T, bias=True), np.cov(tgt.T, bias=True)
    t_mk = mkl_matrix(cs, ct, eps=0.0, max_gain=100.0)
    t_chol = np.linalg.cholesky(ct) @ np.linalg.inv(np.linalg.cholesky(cs))
    cost = [np.mean(np.sum((src @ t.T - src) ** 2, axis=1)) for t in (t_mk, t_chol)]
    assert cost[0] < cost[1]


def test_mkl_identity_and_regularisation():
    rng = np.random.default_rng(4)
    src = _sample(rng, [50, 0, 0], np.diag([100.0, 20.0, 20.0]))
    m = fit_mkl(src, src)
    np.testing.assert_allclose(np.asarray(m.matrix), np.eye(3), atol=1e-12)
    flat = np.tile([[30.0, 1.0, 2.0]], (100, 1))
    m2 = fit_mkl(flat, src, max_gain=3.0, lightness="joint")
    w = np.linalg.eigvalsh(np.asarray(m2.matrix))
    assert np.all(np.isfinite(w)) and w.max() <= 3.0 + 1e-9
    m3 = fit_mkl(flat, src, max_gain=3.0)
    assert np.all(np.isfinite(m3.matrix)) and abs(m3.matrix[0][0]) <= 3.0 + 1e-9


def test_mkl_keeps_lightness_separate_by_default():
    """A cast correlated with lightness (warm highlights) must not leak into L*: output L* is an
    affine function of input L* with the target's spread, chroma is the published map's."""
    rng = np.random.default_rng(5)
    src = _sample(rng, [50, 2, 20], [[200, 5, 60], [5, 20, 4], [60, 4, 60]])
    tgt = _sample(rng, [55, 0, 0], [[150, -5, 10], [-5, 30, 0], [10, 0, 25]])
    sep = fit_mkl(src, tgt, eps=0.0)
    joint = fit_mkl(src, tgt, eps=0.0, lightness="joint")
    out = sep.apply_lab(src)
    assert np.corrcoef(out[:, 0], src[:, 0])[0, 1] > 1 - 1e-12
    np.testing.assert_allclose(out[:, 0].std(), tgt[:, 0].std(), rtol=1e-9)
    np.testing.assert_allclose(out.mean(0), tgt.mean(0), atol=1e-9)
    np.testing.assert_allclose(np.asarray(sep.matrix)[1:], np.asarray(joint.matrix)[1:])
    j = joint.apply_lab(src)
    assert np.corrcoef(j[:, 0], src[:, 0])[0, 1] < 0.999  # the published map mixes b* into L*


def test_mkl_lightness_option_is_checked():
    import pytest

    from gradecli.errors import BadInputError

    src = np.random.default_rng(6).normal(50, 10, (100, 3))
    with pytest.raises(BadInputError, match="lightness"):
        fit_mkl(src, src, lightness="luma")
