"""Smooth gamut compression (gradecli.color.gamut)."""

from __future__ import annotations

import numpy as np
import pytest

from gradecli.color.gamut import (
    GamutCompression,
    in_gamut,
    relative_saturation,
    soft_gamut_map,
)
from gradecli.color.spaces import rgb_to_lab
from gradecli.errors import BadInputError

ENCODINGS = ["srgb", "bt709", "bt2020"]


def _wild_lab(n=50_000, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform([-30, -200, -200], [140, 200, 200], (n, 3))


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_saturation_is_one_exactly_on_the_surface(encoding):
    rng = np.random.default_rng(1)
    lab = rng.uniform([1, -150, -150], [99, 150, 150], (50_000, 3))
    r = relative_saturation(lab, encoding)
    assert np.array_equal(r <= 1 + 1e-9, in_gamut(lab, encoding))


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_output_inside_cube_and_finite(encoding):
    g = GamutCompression.fixed(encoding)
    out = g(_wild_lab())
    assert np.all(np.isfinite(out))
    assert out.min() >= 0.0 and out.max() <= 1.0
    comp = g.compress_lab(_wild_lab(seed=1))
    assert np.all(in_gamut(comp, encoding, tol=1e-7))


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_unsized_compression_is_identity_in_gamut(encoding):
    rgb = np.random.default_rng(2).random((50_000, 3))
    out = GamutCompression(encoding)(rgb_to_lab(rgb, encoding))
    assert np.abs(out - rgb).max() < 1e-6


def test_colours_well_inside_are_unchanged():
    g = GamutCompression.fixed("bt709", overshoot=30.0, l_min=0.0, l_max=100.0)
    rgb = np.random.default_rng(3).random((50_000, 3))
    lab = rgb_to_lab(rgb, "bt709")
    inside = relative_saturation(lab, "bt709") < 1 - g.max_knee
    assert inside.mean() > 0.1
    assert np.abs(g(lab[inside]) - rgb[inside]).max() < 1e-6


def test_compression_keeps_hue_and_lightness():
    g = GamutCompression.fixed("bt709", overshoot=20.0, l_min=0.0, l_max=100.0)
    lab = np.random.default_rng(4).uniform([5, -150, -150], [95, 150, 150], (20_000, 3))
    out = g.compress_lab(lab)
    moved = np.abs(out - lab).max(axis=1) > 1e-9
    assert moved.mean() > 0.5
    # CIELAB hue angle: exactly kept (chroma scales, a*/b* keep their ratio and signs).
    cross = lab[:, 1] * out[:, 2] - lab[:, 2] * out[:, 1]
    assert np.abs(cross).max() < 1e-6
    assert np.all(lab[:, 1] * out[:, 1] + lab[:, 2] * out[:, 2] >= 0)
    # L*: kept below the cusp range (L* < 70); light saturated colours move towards L* 50 only.
    dark = lab[:, 0] < 70
    np.testing.assert_allclose(out[dark, 0], lab[dark, 0], atol=1e-9)
    light = ~dark
    assert np.all(out[light, 0] <= lab[light, 0] + 1e-9)
    assert np.all(out[light, 0] >= 50 - 1e-9)
    no_pull = GamutCompression.fixed("bt709", overshoot=20.0, l_min=0, l_max=100, anchor_pull=0)
    np.testing.assert_allclose(no_pull.compress_lab(lab)[:, 0], lab[:, 0], atol=1e-9)


def _ray(L, h_deg, c):
    h = np.radians(h_deg)
    return np.stack([np.full_like(c, L), c * np.cos(h), c * np.sin(h)], axis=-1)


def test_continuous_along_rays():
    g = GamutCompression.fixed("bt709", overshoot=15.0)
    c = np.linspace(0, 160, 6401)  # steps of 0.025 CIELAB units
    hues = range(0, 360, 20)
    for L in (3.0, 30.0, 60.0, 85.0, 90.0, 97.0, 99.0):
        rays = np.stack([_ray(L, h, c) for h in hues])
        out = g.compress_lab(rays)
        step = np.linalg.norm(np.diff(out, axis=1), axis=-1)
        if L <= 90:
            assert step.max() < 0.2  # slope below 8: no jumps
        else:
            # Light yellow-greens far out of gamut: at most a sub-JND jump (module caveat).
            assert step.max() < 0.6
            edge = c[np.argmin(in_gamut(rays, "bt709"), axis=1)]
            near = c[None, 1:] <= 1.5 * edge[:, None]
            assert step[near].max() < 0.2


def test_chroma_monotone_for_realistic_overshoot():
    g = GamutCompression.fixed("bt709", overshoot=15.0)
    worst = []
    for L in np.arange(5.0, 96.0, 10.0):
        for h in range(0, 360, 10):
            c = np.linspace(0, 250, 2501)
            inside = in_gamut(_ray(L, h, c), "bt709")
            c_edge = c[np.argmin(inside)]
            out = g.compress_lab(_ray(L, h, c[c <= 1.1 * c_edge]))
            dc = np.diff(np.hypot(out[:, 1], out[:, 2]))
            worst.append(-dc[dc < 0].sum())
    # More chroma in never gives (noticeably) less chroma out, up to 10 % beyond the gamut.
    assert max(worst) < 1.0


def test_lightness_toe_and_shoulder():
    g = GamutCompression.fixed("bt709", l_min=-10.0, l_max=115.0)
    L = np.linspace(-20, 130, 3001)
    out = g.compress_lab(np.stack([L, 0 * L, 0 * L], axis=-1))[:, 0]
    assert out.min() >= 0 and out.max() <= 100 + 1e-9
    assert np.all(np.diff(out) > 0) or np.all(np.diff(out) >= -1e-9)
    mid = (L > 12) & (L < 83)
    np.testing.assert_allclose(out[mid], L[mid], atol=1e-6)
    assert out[np.searchsorted(L, 115.0)] > 99.0  # the sized limit lands close to white


def test_fit_sizes_knee_where_colours_overshoot():
    rgb = np.random.default_rng(5).random((30_000, 3))
    lab = rgb_to_lab(rgb, "bt709")
    ident = GamutCompression.fit(lab, "bt709")
    assert np.max(ident.overshoot) == 0 and ident.l_min == 0 and ident.l_max == 100
    boosted = lab * [1.0, 1.4, 1.4]
    g = GamutCompression.fit(boosted, "bt709")
    assert np.max(g.overshoot) > 5
    out = g.compress_lab(boosted)
    assert np.all(in_gamut(out, "bt709", tol=1e-7))
    # Soft: saturated in-gamut colours near the surface are desaturated a little, not clipped.
    assert GamutCompression.from_dict(g.to_dict()) == g


def test_bad_parameters():
    with pytest.raises(BadInputError):
        GamutCompression("bt709", max_knee=1.5)
    with pytest.raises(BadInputError):
        GamutCompression("bt709", overshoot=((0.0,),))
    with pytest.raises(BadInputError):
        GamutCompression("xyz")
    with pytest.raises(BadInputError):
        GamutCompression.fixed("bt709").compress_lab(np.zeros((3, 2)))
    with pytest.raises(BadInputError):
        GamutCompression.from_dict({"encoding": "bt709"})


def test_soft_gamut_map():
    out = soft_gamut_map(_wild_lab(1000))
    assert out.shape == (1000, 3) and out.min() >= 0 and out.max() <= 1
