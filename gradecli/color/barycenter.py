"""Averages of colour distributions: Wasserstein barycentres of Gaussians and medians of means.

Pure numpy over CIELAB statistics: means (3,) and covariances (3, 3).
"""

from __future__ import annotations

import numpy as np

from gradecli.color.transfer.mkl import mkl_matrix

__all__ = ["gaussian_barycenter", "geometric_median", "map_to_gaussian"]


def _sqrtm(m: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(0.5 * (m + m.T))
    return (v * np.sqrt(np.maximum(w, 0.0))) @ v.T


def gaussian_barycenter(
    means: np.ndarray, covs: np.ndarray, weights: np.ndarray | None = None, iters: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """The 2-Wasserstein barycentre of Gaussians N(means[i], covs[i]): (mean (3,), cov (3, 3)).

    Fixed-point iteration of Alvarez-Esteban et al. (2016); the mean is the weighted mean.
    """
    means = np.asarray(means, dtype=np.float64)
    covs = np.asarray(covs, dtype=np.float64)
    w = np.full(len(means), 1.0 / len(means)) if weights is None else np.asarray(weights, float)
    w = w / w.sum()
    s = np.tensordot(w, covs, axes=1)
    for _ in range(iters):
        root = _sqrtm(s)
        inv_root = np.linalg.pinv(root)
        inner = sum(wi * _sqrtm(root @ c @ root) for wi, c in zip(w, covs, strict=True))
        new = inv_root @ inner @ inner @ inv_root
        if np.abs(new - s).max() < 1e-9 * max(1.0, np.abs(s).max()):
            s = new
            break
        s = new
    return w @ means, 0.5 * (s + s.T)


def geometric_median(points: np.ndarray, iters: int = 200) -> np.ndarray:
    """The point minimising the sum of Euclidean distances to ``points`` (Weiszfeld)."""
    p = np.asarray(points, dtype=np.float64)
    x = np.median(p, axis=0)
    for _ in range(iters):
        d = np.linalg.norm(p - x, axis=1)
        if np.any(d < 1e-9):
            return p[np.argmin(d)].copy()
        new = (p / d[:, None]).sum(axis=0) / (1.0 / d).sum()
        if np.linalg.norm(new - x) < 1e-9:
            return new
        x = new
    return x


def map_to_gaussian(lab: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Move samples (N, 3) linearly (Monge-Kantorovich) so their mean and covariance become
    ``mean`` and ``cov``; their shape is otherwise kept."""
    lab = np.asarray(lab, dtype=np.float64)
    mu = lab.mean(axis=0)
    t = mkl_matrix(np.cov(lab, rowvar=False, bias=True), cov, eps=0.0, max_gain=1e6)
    return (lab - mu) @ t.T + mean
