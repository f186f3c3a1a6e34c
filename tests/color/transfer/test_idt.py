"""IDT: moves the whole distribution, and is fitted as a smooth function of colour."""

from __future__ import annotations

import time

import numpy as np
from scipy.stats import wasserstein_distance

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.transfer import fit_transfer
from gradecli.color.transfer.idt import fit_idt, sliced_transport
from tests.color.transfer.conftest import ENCODING, lab


def test_sliced_transport_matches_a_non_gaussian_distribution():
    rng = np.random.default_rng(0)
    src = rng.normal([50, 0, 0], [10, 5, 5], (20_000, 3))
    # A two-cluster target: no linear map gets there.
    tgt = np.concatenate(
        [rng.normal([30, 20, 0], 3, (10_000, 3)), rng.normal([70, -20, 10], 3, (10_000, 3))]
    )
    moved = sliced_transport(src, tgt, iterations=30, rng=np.random.default_rng(1))
    for k in range(3):
        # 1-D Wasserstein distance per channel: small against the spread (10-20 units).
        assert wasserstein_distance(moved[:, k], tgt[:, k]) < 1.0
    # Most moved samples land in one of the two clusters (a Gaussian fit would fill the gap).
    d = np.minimum(
        np.linalg.norm(moved - [30, 20, 0], axis=1), np.linalg.norm(moved - [70, -20, 10], axis=1)
    )
    assert np.mean(d < 10) > 0.9


def test_idt_beats_linear_on_a_shadow_only_cast(astronaut):
    # A cast only in the shadows (lift blue where dark): not a global linear change.
    rgb = astronaut
    w = (1 - rgb.mean(axis=-1, keepdims=True)) ** 2
    cast = np.clip(rgb + w * np.array([-0.03, 0.0, 0.12]), 0, 1)
    errs = {}
    for method in ("mkl", "idt"):
        t = fit_transfer(method, lab(cast), lab(rgb), encoding=ENCODING)
        errs[method] = delta_e2000(lab(t(cast)), lab(rgb)).mean()
    assert errs["idt"] < 0.8 * errs["mkl"]


def test_idt_map_is_smooth(astronaut):
    cast = astronaut ** np.array([0.85, 0.97, 1.25])
    m = fit_idt(lab(cast).reshape(-1, 3), lab(astronaut).reshape(-1, 3))
    # Along straight lines through CIELAB, the map's slope stays bounded and has no jumps.
    rng = np.random.default_rng(5)
    for _ in range(20):
        a = rng.uniform([5, -60, -60], [95, 60, 60])
        b = rng.uniform([5, -60, -60], [95, 60, 60])
        t = np.linspace(0, 1, 4001)[:, None]
        line = a + t * (b - a)
        y = m.apply_lab(line)
        step = np.linalg.norm(np.diff(y, axis=0), axis=1) / np.linalg.norm(
            np.diff(line, axis=0), axis=1
        )
        assert step.max() < 4.0
        assert np.abs(np.diff(step)).max() < 0.5


def test_idt_fits_200k_samples_in_about_a_second():
    rng = np.random.default_rng(6)
    src = rng.normal([45, 5, 8], [18, 9, 12], (200_000, 3))
    tgt = rng.normal([55, -2, 0], [15, 8, 10], (200_000, 3))
    t0 = time.perf_counter()
    fit_transfer("idt", src, tgt)
    # Generous for loaded CI machines; typically ~0.4 s.
    assert time.perf_counter() - t0 < 5.0
