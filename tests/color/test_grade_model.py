"""The parametric grade model (gradecli.color.grade_model)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradecli.color.grade_model import (
    GradeParams,
    HueShift,
    apply_grade,
    white_balance_matrix,
)
from gradecli.color.lut import Lut
from gradecli.color.spaces import rgb_to_lab
from gradecli.errors import BadInputError
from gradecli.io.look_library import default_library
from tests._look_photos import chroma, hue, hue_distance, lab, photos, spread


@pytest.fixture(scope="module")
def pixels() -> np.ndarray:
    """All test photos' pixels, (N, 3) R'G'B'."""
    return np.concatenate([p.reshape(-1, 3) for p in photos().values()])


@pytest.fixture(scope="module")
def pixels_lab(pixels) -> np.ndarray:
    return lab(pixels)


def _grid(n: int) -> np.ndarray:
    g = np.linspace(0.0, 1.0, n)
    return np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1)


def _ramp(n: int = 1024) -> np.ndarray:
    return np.repeat(np.linspace(0.0, 1.0, n)[:, None], 3, axis=1)


# -- identity, shapes, bad input --------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["srgb", "bt709", "bt2020"])
@pytest.mark.parametrize("compression", ["linear", "cielab"])
def test_neutral_grade_is_the_identity(encoding, compression, rng):
    x = np.concatenate([rng.random((5000, 3)), _grid(9).reshape(-1, 3)])
    out = apply_grade(GradeParams(), x, encoding, compression)
    # BT.1886's pure power law has an infinite slope at black, so channels at exactly 0 next to
    # bright ones come back at ~1e-7 to ~2e-6 (rounding in linear light, by the random draw);
    # sRGB has a linear toe.
    assert np.max(np.abs(out - x)) < (1e-9 if encoding == "srgb" else 1e-5)


def test_shapes_and_dtypes():
    p = GradeParams(contrast=0.2)
    assert apply_grade(p, np.array([0.2, 0.4, 0.6])).shape == (3,)
    assert apply_grade(p, np.full((4, 5, 3), 0.5, np.float32)).dtype == np.float64
    assert apply_grade(p, np.zeros((0, 3))).shape == (0, 3)
    # Inputs outside 0..1 are clipped first.
    np.testing.assert_allclose(
        apply_grade(p, np.array([[-0.5, 1.5, 0.5]])), apply_grade(p, np.array([[0.0, 1.0, 0.5]]))
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((GradeParams(), np.zeros((4, 2))), "shaped"),
        ((GradeParams(), np.array([[np.nan, 0, 0]])), "NaN"),
        (({"contrast": 1}, np.zeros((1, 3))), "GradeParams"),
        ((GradeParams(), np.zeros((1, 3)), "srgb", "clip"), "compression"),
        ((GradeParams(), np.zeros((1, 3)), "xyz"), "encoding"),
    ],
)
def test_bad_input(args, message):
    with pytest.raises(BadInputError, match=message):
        apply_grade(*args)


def test_pixels_are_graded_independently(pixels):
    p = GradeParams(saturation=0.4, temperature=900, contrast=0.3)
    whole = apply_grade(p, pixels)
    part = apply_grade(p, pixels[:100])
    np.testing.assert_array_equal(whole[:100], part)


# -- each control moves its statistic ---------------------------------------------------------

_TEAL = np.array([np.cos(np.radians(200)), np.sin(np.radians(200))])


def _mean(channel):
    return lambda s, x: float(np.mean(x[:, channel]))


def _shadow_b(s, x):
    return float(np.mean(x[s[:, 0] < 40, 2]))


def _highlight_b(s, x):
    return float(np.mean(x[s[:, 0] > 60, 2]))


def _skin_hue_distance(s, x):
    h = hue(s)
    m = (chroma(s) > 8) & (h > 20) & (h < 100) & (s[:, 0] > 30)
    return float(np.mean(hue_distance(hue(x[m]), 60)))


# (id, params, statistic(source lab, lab), minimum change (+ up / - down))
CONTROLS = [
    ("exposure+", GradeParams(exposure=0.5), _mean(0), 3.0),
    ("exposure-", GradeParams(exposure=-0.5), _mean(0), -3.0),
    ("temperature+", GradeParams(temperature=800), _mean(2), 2.0),
    ("temperature-", GradeParams(temperature=-800), _mean(2), -2.0),
    ("tint+", GradeParams(tint=50), _mean(1), 2.0),
    ("tint-", GradeParams(tint=-50), _mean(1), -2.0),
    ("contrast+", GradeParams(contrast=0.3), lambda s, x: spread(x), 3.0),
    ("contrast-", GradeParams(contrast=-0.3), lambda s, x: spread(x), -3.0),
    ("lift", GradeParams(lift=(0.05, 0.05, 0.05)), lambda s, x: np.percentile(x[:, 0], 1), 2.0),
    ("lift.r", GradeParams(lift=(0.05, 0.0, 0.0)), _mean(1), 1.0),
    ("gamma", GradeParams(gamma=(1.2, 1.2, 1.2)), _mean(0), 3.0),
    ("gamma.b", GradeParams(gamma=(1.0, 1.0, 1.3)), _mean(2), -3.0),
    ("gain", GradeParams(gain=(0.8, 0.8, 0.8)), _mean(0), -3.0),
    ("gain.b", GradeParams(gain=(1.0, 1.0, 0.85)), _mean(2), 2.0),
    ("saturation+", GradeParams(saturation=0.3), lambda s, x: np.mean(chroma(x)), 3.0),
    ("saturation-", GradeParams(saturation=-0.3), lambda s, x: np.mean(chroma(x)), -3.0),
    ("vibrance+", GradeParams(vibrance=0.5), lambda s, x: np.mean(chroma(x)), 1.5),
    ("vibrance-", GradeParams(vibrance=-0.5), lambda s, x: np.mean(chroma(x)), -1.5),
    ("shadow tone", GradeParams(shadow_hue=270, shadow_amount=0.4), _shadow_b, -2.0),
    ("highlight tone", GradeParams(highlight_hue=90, highlight_amount=0.4), _highlight_b, 3.0),
    ("fade", GradeParams(fade=0.3), lambda s, x: np.percentile(x[:, 0], 1), 5.0),
    ("rolloff", GradeParams(highlight_rolloff=0.6), lambda s, x: np.percentile(x[:, 0], 99), -2),
    (
        "hue shift",
        GradeParams(hue_shifts=(HueShift(60, 40, 15, 1.0),)),
        lambda s, x: float(np.mean(hue(x)[(hue(s) > 40) & (hue(s) < 80) & (chroma(s) > 10)])),
        5.0,
    ),
    (
        "hue chroma",
        GradeParams(hue_shifts=(HueShift(60, 40, 0, 1.5),)),
        lambda s, x: float(np.mean(chroma(x)[(hue(s) > 50) & (hue(s) < 70)])),
        3.0,
    ),
    (
        "teal shadows",
        GradeParams(teal_orange=0.8),
        lambda s, x: float(np.mean(x[s[:, 0] < 40, 1:] @ _TEAL)),
        1.0,
    ),
    ("orange skin", GradeParams(teal_orange=0.8), _skin_hue_distance, -1.0),
    ("bleach chroma", GradeParams(bleach_bypass=0.6), lambda s, x: np.mean(chroma(x)), -4.0),
    ("bleach contrast", GradeParams(bleach_bypass=0.6), lambda s, x: spread(x), 2.0),
]


@pytest.mark.parametrize(
    ("params", "stat", "change"), [c[1:] for c in CONTROLS], ids=[c[0] for c in CONTROLS]
)
def test_each_control_moves_its_statistic(params, stat, change, pixels, pixels_lab):
    graded = lab(apply_grade(params, pixels))
    delta = stat(pixels_lab, graded) - stat(pixels_lab, pixels_lab)
    assert delta * np.sign(change) >= abs(change), f"changed by {delta:+.3f}, want {change:+}"


def test_saturation_minus_one_is_grey(pixels):
    out = lab(apply_grade(GradeParams(saturation=-1.0), pixels))
    assert np.max(chroma(out)) < 1e-6


def test_vibrance_favours_muted_colours_and_spares_skin(pixels, pixels_lab):
    out = lab(apply_grade(GradeParams(vibrance=0.5), pixels))
    gain = chroma(out) / np.maximum(chroma(pixels_lab), 1e-9)
    c, h = chroma(pixels_lab), hue(pixels_lab)
    muted, vivid = (c > 5) & (c < 15), (c > 40) & (c < 60)
    assert np.median(gain[muted]) > np.median(gain[vivid]) + 0.1
    skin = muted & (hue_distance(h, 55) < 10)
    other = muted & (hue_distance(h, 240) < 40)
    assert np.median(gain[other]) > np.median(gain[skin]) + 0.1


def test_pivot_moves_the_fixed_point(pixels, pixels_lab):
    low = lab(apply_grade(GradeParams(contrast=0.4, pivot=0.3), pixels))
    high = lab(apply_grade(GradeParams(contrast=0.4, pivot=0.7), pixels))
    assert np.mean(low[:, 0]) > np.mean(high[:, 0]) + 3


def test_split_balance_favours_highlight_tone(pixels):
    tones = {"shadow_hue": 270, "shadow_amount": 0.3, "highlight_hue": 90, "highlight_amount": 0.3}
    up = lab(apply_grade(GradeParams(split_balance=0.8, **tones), pixels))
    down = lab(apply_grade(GradeParams(split_balance=-0.8, **tones), pixels))
    assert np.mean(up[:, 2]) > np.mean(down[:, 2]) + 2


def test_rolloff_leaves_shadows_alone(pixels, pixels_lab):
    out = lab(apply_grade(GradeParams(highlight_rolloff=0.5), pixels))
    dark = pixels_lab[:, 0] < 60
    assert np.max(np.abs(out[dark, 0] - pixels_lab[dark, 0])) < 1e-6


# -- white balance ----------------------------------------------------------------------------


def test_white_balance_agrees_with_colour_science():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour
        from colour.adaptation import matrix_chromatic_adaptation_VonKries

    def xyz(cct):
        uv = colour.temperature.CCT_to_uv(cct, method="Krystek 1985")
        return colour.xy_to_XYZ(colour.UCS_uv_to_xy(uv))

    # +1000 shifts the white by 1000 * 1e6 / 6500**2 mireds.
    cct = 1e6 / (1e6 / 6500 + 1000 * 1e6 / 6500**2)
    ref = matrix_chromatic_adaptation_VonKries(xyz(6500.0), xyz(cct), transform="CAT02")
    np.testing.assert_allclose(white_balance_matrix(1000, 0), ref, atol=1e-9)
    assert np.array_equal(white_balance_matrix(0, 0), np.eye(3))


def test_white_takes_the_cast_and_stays_in_range():
    white = np.ones((1, 3))
    warm = rgb_to_lab(apply_grade(GradeParams(temperature=1000), white))[0]
    cool = rgb_to_lab(apply_grade(GradeParams(temperature=-1000), white))[0]
    assert warm[2] > 5 and cool[2] < -5
    assert warm[0] > 95 and cool[0] > 93
    magenta = rgb_to_lab(apply_grade(GradeParams(tint=40), white))[0]
    green = rgb_to_lab(apply_grade(GradeParams(tint=-40), white))[0]
    assert magenta[1] > 2 and green[1] < -2


def test_large_temperature_shifts_behave():
    """Mired steps: b* of a grey grows steadily with the shift; beyond 1667..15000 K it holds."""
    grey = np.full((1, 3), 0.5)
    shifts = (-8000, -3000, -1000, 0, 1000, 4000, 8000, 20000)
    b = [rgb_to_lab(apply_grade(GradeParams(temperature=t), grey))[0, 2] for t in shifts]
    assert np.all(np.diff(b[1:-1]) > 3)
    assert b[0] <= b[1] and b[-1] >= b[-2]
    assert np.all(np.isfinite(b))


# -- smooth, monotone, in range ---------------------------------------------------------------

MONOTONE = {
    "exposure+": GradeParams(exposure=1.0),
    "exposure-": GradeParams(exposure=-1.0),
    "contrast+": GradeParams(contrast=0.6),
    "contrast-": GradeParams(contrast=-0.6),
    "contrast pivot": GradeParams(contrast=0.9, pivot=0.3),
    "fade": GradeParams(fade=0.6),
    "rolloff": GradeParams(highlight_rolloff=1.0),
    "bleach": GradeParams(bleach_bypass=1.0),
    "lift gamma gain": GradeParams(lift=(0.05,) * 3, gamma=(1.3,) * 3, gain=(0.9,) * 3),
    "crush": GradeParams(lift=(-0.05,) * 3, gamma=(0.8,) * 3),
    "warm": GradeParams(temperature=2000, tint=10),
    "cool": GradeParams(temperature=-2000, tint=-10),
    "everything": GradeParams(
        exposure=0.5,
        temperature=600,
        contrast=0.3,
        fade=0.2,
        highlight_rolloff=0.4,
        bleach_bypass=0.2,
        gamma=(1.1,) * 3,
    ),
}


@pytest.mark.parametrize("params", MONOTONE.values(), ids=MONOTONE.keys())
def test_monotone_looks_keep_a_grey_ramp_in_order_and_smooth(params):
    L = rgb_to_lab(apply_grade(params, _ramp()))[:, 0]
    steps = np.diff(L)
    assert steps.min() >= -1e-6
    # Smooth: no step is much bigger than a typical one (no jumps, no kinks worth a level).
    assert steps.max() < 1.5


@pytest.mark.parametrize("name", [look.name for look in default_library()])
def test_every_look_is_smooth_along_lines_through_the_cube(name):
    """Continuity: neighbouring inputs (1/512 apart) give neighbouring outputs (< 2 CIELAB)."""
    rng = np.random.default_rng(7)
    t = np.linspace(0.0, 1.0, 513)[:, None]
    a, b = rng.random((8, 3)), rng.random((8, 3))
    lines = [a[k] + t * (b[k] - a[k]) for k in range(8)] + [_ramp(513)]
    x = np.stack(lines)
    out = apply_grade(default_library()[name].params, x)
    assert out.min() >= 0 and out.max() <= 1
    step = np.linalg.norm(np.diff(rgb_to_lab(out), axis=1), axis=-1)
    assert step.max() < 2.0


def test_extreme_grades_stay_in_range_and_finite(rng):
    x = rng.random((20000, 3))
    extreme = [
        GradeParams(exposure=4, saturation=1, contrast=1, temperature=4000, tint=100),
        GradeParams(exposure=-4, saturation=3, vibrance=1, teal_orange=2, tint=-200),
        GradeParams(lift=(0.5, -0.5, 0.2), gamma=(4, 0.25, 1), gain=(4, 0.25, 2), fade=1.5),
        GradeParams(shadow_amount=2, highlight_amount=2, split_balance=1, bleach_bypass=1),
        GradeParams(hue_shifts=(HueShift(0, 180, 500, 10), HueShift(90, 10, -90, 0.01))),
    ]
    for p in extreme:
        out = apply_grade(p, x)
        assert np.all(np.isfinite(out)) and out.min() >= 0 and out.max() <= 1


def test_out_of_gamut_colours_are_compressed_not_clipped():
    """Saturating a ramp from grey to a strong red pushes its end far out of the cube. Clipping
    each channel would change lightness (by 5 L* here) and stall; the compression keeps each
    colour's luminance and moves on smoothly."""
    t = np.linspace(0.0, 1.0, 256)[:, None]
    ramp = 0.5 + t * np.array([0.45, -0.3, -0.4])
    out = lab(apply_grade(GradeParams(saturation=0.8), ramp))
    assert np.max(np.abs(out[:, 0] - lab(ramp)[:, 0])) < 1e-6
    step = np.linalg.norm(np.diff(out, axis=0), axis=-1)
    assert step.min() > 0.05
    assert step.max() < 3 * np.median(step)
    clipped = lab(np.clip(0.5 + 1.8 * (ramp - 0.5), 0, 1))
    assert np.max(np.abs(clipped[:, 0] - lab(ramp)[:, 0])) > 3


def test_compressions_agree_where_little_is_compressed(pixels):
    mild = GradeParams(contrast=0.1, exposure=-0.2)
    a = lab(apply_grade(mild, pixels, compression="linear"))
    b = lab(apply_grade(mild, pixels, compression="cielab"))
    assert np.mean(np.linalg.norm(a - b, axis=-1)) < 0.2
    strong = GradeParams(saturation=0.6, temperature=2000)
    out = apply_grade(strong, pixels, compression="linear")
    assert out.min() >= 0 and out.max() <= 1


def test_default_compression_keeps_cielab_hue():
    """A deep red pushed out of the cube keeps its CIELAB hue (the linear one drifts)."""
    red = np.array([[0.56, 0.1, 0.03]])
    h0 = hue(lab(red))[0]
    h_cielab = hue(lab(apply_grade(GradeParams(saturation=0.4), red)))[0]
    h_linear = hue(lab(apply_grade(GradeParams(saturation=0.4), red, compression="linear")))[0]
    assert abs(h_cielab - h0) < 1.0
    assert abs(h_linear - h0) > 3.0


def test_grade_as_a_lut(pixels):
    p = default_library()["teal and orange"].params
    lut = Lut.from_function(lambda g: apply_grade(p, g), size=33)
    direct = lab(apply_grade(p, pixels))
    via_lut = lab(lut.apply(pixels))
    assert np.mean(np.linalg.norm(direct - via_lut, axis=-1)) < 0.5


# -- weighting and combining ------------------------------------------------------------------


@pytest.mark.parametrize(
    "params", [GradeParams(exposure=0.2), GradeParams(exposure=1.0), GradeParams(gain=(1.3,) * 3)]
)
def test_colours_lifted_above_white_roll_off_instead_of_turning_grey(params):
    """Regression: light saturated colours pushed past white kept their hue and most chroma
    (they used to collapse to mid-grey in the gamut compression)."""
    from gradecli.color.spaces import rgb_to_lab

    rng = np.random.default_rng(7)
    x = rng.uniform(0.0, 1.0, (400, 3))
    x[:, rng.integers(0, 3, 400)] = 1.0  # at least one channel at full
    x[:200, 2] = rng.uniform(0.4, 0.8, 200)
    x[:200, :2] = 1.0  # bright yellows, as in the report
    before, after = rgb_to_lab(x), rgb_to_lab(apply_grade(params, x))
    c0, c1 = np.hypot(*before[:, 1:].T), np.hypot(*after[:, 1:].T)
    light = c0 > 10
    assert np.all(c1[light] > 0.5 * c0[light])
    assert np.all(after[:, 0] > before[:, 0] - 3.0)  # brighter or about as bright, never grey
