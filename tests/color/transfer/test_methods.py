"""Behaviour every colour-transfer method must have (parametrised over the registry)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.transfer import METHODS, ColorTransform, fit_transfer
from gradecli.errors import BadInputError
from tests.color.transfer.conftest import ENCODING, lab, warm
from tests.conftest import EXAMPLES

ALL = list(METHODS)


def _mean_lab(rgb: np.ndarray) -> np.ndarray:
    return lab(rgb).reshape(-1, 3).mean(axis=0)


@pytest.mark.parametrize("method", ALL)
def test_identity_when_source_is_target(method, astronaut, random_rgb):
    target = lab(astronaut)
    t = fit_transfer(method, target, target, encoding=ENCODING)
    out = t(random_rgb)
    assert delta_e2000(lab(out), lab(random_rgb)).max() < 0.5


@pytest.mark.parametrize("method", ALL)
def test_near_identity_for_two_samples_of_one_picture(method, astronaut):
    # Two different pixel subsets of the same photo: statistically the same look.
    src = lab(astronaut[0::2, 0::2])
    tgt = lab(astronaut[1::2, 1::2])
    t = fit_transfer(method, src, tgt, encoding=ENCODING)
    de = delta_e2000(lab(t(astronaut)), lab(astronaut))
    assert de.mean() < 0.5
    assert np.percentile(de, 99) < 2.0


@pytest.mark.parametrize("method", ALL)
def test_moves_cast_statistics_to_target(method, astronaut):
    cast = warm(astronaut)
    before = delta_e2000(_mean_lab(cast), _mean_lab(astronaut))
    t = fit_transfer(method, lab(cast), lab(astronaut), encoding=ENCODING)
    out = t(cast)
    after_means = delta_e2000(_mean_lab(out), _mean_lab(astronaut))
    assert before > 4.0
    assert after_means < 1.0
    # The picture itself gets closer to the uncast original too.
    assert (
        delta_e2000(lab(out), lab(astronaut)).mean()
        < 0.6 * delta_e2000(lab(cast), lab(astronaut)).mean()
    )


@pytest.mark.parametrize("method", ALL)
def test_strength_blends_with_identity(method, astronaut):
    cast = warm(astronaut)
    src, tgt = lab(cast), lab(astronaut)
    t0 = fit_transfer(method, src, tgt, strength=0.0, encoding=ENCODING)
    assert np.abs(t0(cast) - cast).max() < 1e-6
    m_in = _mean_lab(cast)
    m_half = _mean_lab(fit_transfer(method, src, tgt, strength=0.5, encoding=ENCODING)(cast))
    m_full = _mean_lab(fit_transfer(method, src, tgt, strength=1.0, encoding=ENCODING)(cast))
    d_total = delta_e2000(m_in, m_full)
    assert delta_e2000(m_in, m_half) < d_total
    assert delta_e2000(m_half, m_full) < d_total
    # Blending is linear in CIELAB, so the half-way mean sits near the midpoint.
    assert delta_e2000(m_half, (m_in + m_full) / 2) < 0.5


@pytest.mark.parametrize("method", ALL)
@pytest.mark.parametrize(
    "case",
    ["single_colour_source", "black_source", "black_target", "single_pixel", "white_source"],
)
def test_degenerate_inputs_stay_bounded(method, case, astronaut, random_rgb):
    target = lab(astronaut)
    rng = np.random.default_rng(3)
    if case == "single_colour_source":
        src, tgt = np.tile([[55.0, 20.0, -10.0]], (5000, 1)), target
    elif case == "black_source":
        # A black frame with a little sensor noise.
        src, tgt = lab(np.clip(rng.normal(0.0, 0.002, (5000, 3)), 0, 1)), target
    elif case == "black_target":
        src, tgt = target, np.zeros((5000, 3))
    elif case == "single_pixel":
        src, tgt = target[:1, :1], target[1:2, 1:2]
    else:
        src, tgt = np.tile([[100.0, 0.0, 0.0]], (100, 1)), target
    with np.errstate(all="raise"):
        t = fit_transfer(method, src, tgt, encoding=ENCODING)
        out = t(random_rgb)
    assert np.all(np.isfinite(out))
    assert out.min() >= 0.0 and out.max() <= 1.0
    # No explosion: nearby colours stay nearby (the CIELAB Lipschitz ratio is bounded by the gain
    # cap of 3, times what gamut compression adds near the cube's surface).
    x = random_rgb[:5000]
    y = np.clip(x + rng.normal(0.0, 0.003, x.shape), 0, 1)
    d_in = np.linalg.norm(lab(x) - lab(y), axis=-1)
    d_out = np.linalg.norm(lab(t(x)) - lab(t(y)), axis=-1)
    ok = d_in > 0.05
    assert np.percentile(d_out[ok] / d_in[ok], 99) < 8.0


@pytest.mark.parametrize("method", ALL)
def test_nan_rows_are_ignored(method, astronaut):
    src = lab(warm(astronaut)).reshape(-1, 3).copy()
    tgt = lab(astronaut).reshape(-1, 3)
    t_clean = fit_transfer(method, src, tgt, encoding=ENCODING)
    src_nan = np.concatenate([src, np.full((10, 3), np.nan), [[np.inf, 0, 0]]])
    t_nan = fit_transfer(method, src_nan, tgt, encoding=ENCODING)
    if method != "idt":  # idt subsamples, so extra rows change which pixels it draws
        assert t_nan.to_dict() == t_clean.to_dict()
    assert np.all(np.isfinite(t_nan(astronaut)))


@pytest.mark.parametrize("method", ALL)
def test_deterministic_and_serialisable(method, astronaut):
    src, tgt = lab(warm(astronaut)), lab(astronaut)
    a = fit_transfer(method, src, tgt, encoding=ENCODING, seed=5)
    b = fit_transfer(method, src, tgt, encoding=ENCODING, seed=5)
    assert a.to_dict() == b.to_dict()
    params = json.loads(json.dumps(a.to_dict()))
    c = ColorTransform.from_dict(params)
    rgb = astronaut[::4, ::4]
    assert np.array_equal(a(rgb), c(rgb))
    assert np.array_equal(a(rgb), b(rgb))


def test_idt_seed_changes_little(astronaut):
    # IDT is randomised (subsample, rotations): another seed gives another, equally good map.
    cast = warm(astronaut)
    src, tgt = lab(cast), lab(astronaut)
    a = fit_transfer("idt", src, tgt, encoding=ENCODING, seed=1)
    b = fit_transfer("idt", src, tgt, encoding=ENCODING, seed=2)
    assert a.to_dict() != b.to_dict()
    out_a, out_b = lab(a(cast)), lab(b(cast))
    assert delta_e2000(out_a, tgt).mean() < 1.0 and delta_e2000(out_b, tgt).mean() < 1.0
    assert delta_e2000(out_a, out_b).mean() < 0.75


@pytest.mark.parametrize("method", ALL)
def test_shapes(method, astronaut):
    t = fit_transfer(method, lab(warm(astronaut)), lab(astronaut), encoding=ENCODING)
    img = astronaut[:8, :10]
    assert t(img).shape == (8, 10, 3)
    assert t(img.reshape(-1, 3)).shape == (80, 3)
    assert t(img[0, 0]).shape == (3,)
    assert t(np.stack([img, img])).shape == (2, 8, 10, 3)
    assert t(img.astype(np.float32)).dtype == np.float64
    # Chunking does not change the result.
    np.testing.assert_allclose(t(img, chunk=7), t(img), rtol=0, atol=1e-9)
    # The same pixel gives the same colour wherever it is (a pure function of colour).
    np.testing.assert_allclose(t(img)[3, 4], t(img[3, 4]), rtol=0, atol=1e-9)
    with pytest.raises(BadInputError):
        t(np.zeros((4, 4)))
    with pytest.raises(BadInputError):
        t(np.array([[0.1, np.nan, 0.2]]))
    with pytest.raises(BadInputError, match="uint8"):
        t(np.zeros((2, 3), dtype=np.uint8))


@pytest.mark.parametrize("method", ALL)
def test_bakes_into_a_lut(method, astronaut):
    lut_mod = pytest.importorskip("gradecli.color.lut")
    cast = warm(astronaut)
    t = fit_transfer(method, lab(cast), lab(astronaut), encoding=ENCODING)
    lut = lut_mod.Lut.from_function(t, size=33)
    via_lut = lut.apply(cast)
    direct = t(cast)
    # A 33^3 LUT of a smooth transform reproduces it closely.
    assert delta_e2000(lab(via_lut), lab(direct)).mean() < 0.3


@pytest.mark.parametrize("encoding", ["srgb", "bt709", "bt2020"])
def test_encodings(encoding, astronaut):
    from gradecli.color.spaces import rgb_to_lab

    src, tgt = rgb_to_lab(warm(astronaut), encoding), rgb_to_lab(astronaut, encoding)
    t = fit_transfer("mkl", src, tgt, encoding=encoding)
    out = t(warm(astronaut))
    assert t.encoding == encoding
    m_out = rgb_to_lab(out, encoding).reshape(-1, 3).mean(0)
    assert delta_e2000(m_out, tgt.reshape(-1, 3).mean(0)) < 1.0


@pytest.mark.parametrize("method", ALL)
def test_stills_cool_cast(method):
    from skimage.io import imread

    path = EXAMPLES / "stills" / "rocket.jpg"
    img = imread(path)[::2, ::2, :3].astype(np.float64) / 255.0
    cast = img ** np.array([1.25, 1.0, 0.85])  # cool
    t = fit_transfer(method, lab(cast), lab(img), encoding=ENCODING)
    out = t(cast)
    assert delta_e2000(_mean_lab(out), _mean_lab(img)) < 1.0
    assert delta_e2000(lab(out), lab(img)).mean() < 0.5 * delta_e2000(lab(cast), lab(img)).mean()
