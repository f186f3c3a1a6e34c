"""The grade model's parameters: scaling, combining, clamping, dicts and --adjust parsing
(gradecli.color.grade_model)."""

from __future__ import annotations

import json
import math

import pytest

from gradecli.color.grade_model import (
    ADJUSTMENT_RANGES,
    ADJUSTMENTS,
    NOMINAL_RANGES,
    GradeParams,
    HueShift,
    add,
    combine,
    parse_adjust,
)
from gradecli.errors import BadInputError
from gradecli.io.look_library import default_library

A = GradeParams(
    exposure=0.2,
    temperature=500,
    contrast=0.1,
    pivot=0.4,
    gain=(1.1, 1.0, 0.9),
    shadow_hue=200,
    shadow_amount=0.2,
    hue_shifts=(HueShift(60, 40, 10, 1.2),),
)
B = GradeParams(exposure=-0.1, saturation=-0.2, gain=(1.0, 1.0, 1.1), highlight_amount=0.3)


def test_scaled():
    assert A.scaled(0).is_neutral
    assert A.scaled(1) == A
    two = A.scaled(2)
    assert two.exposure == pytest.approx(0.4) and two.temperature == pytest.approx(1000)
    assert two.pivot == pytest.approx(0.3)
    assert two.gain == pytest.approx((1.21, 1.0, 0.81))
    assert two.hue_shifts[0].shift == pytest.approx(20)
    assert two.hue_shifts[0].chroma_scale == pytest.approx(1.44)
    neg = A.scaled(-0.5)
    assert neg.shadow_hue == pytest.approx(20) and neg.shadow_amount == pytest.approx(0.1)
    assert neg.gain[0] == pytest.approx(1.1**-0.5)
    # A tone without a hue takes the default hue's opposite when reversed.
    assert B.scaled(-1).highlight_hue == pytest.approx(240)


def test_combine_sums_deltas():
    c = combine([(A, 1.0), (B, 1.0)])
    assert c.exposure == pytest.approx(0.1)
    assert c.saturation == pytest.approx(-0.2)
    assert c.gain == pytest.approx((1.1, 1.0, 0.99))
    assert c.highlight_amount == pytest.approx(0.3) and c.highlight_hue is None
    half = combine([(A, 0.5), (A, 0.5)])
    assert half.to_dict() == A.to_dict()
    assert combine([]).is_neutral
    assert combine([(A, 1.0), (A, -1.0)]).is_neutral
    # Tones add as vectors: equal amounts 90 degrees apart meet at 45 degrees.
    t = combine(
        [
            (GradeParams(shadow_hue=0, shadow_amount=0.2), 1),
            (GradeParams(shadow_hue=90, shadow_amount=0.2), 1),
        ]
    )
    assert t.shadow_hue == pytest.approx(45) and t.shadow_amount == pytest.approx(0.2 * 2**0.5)


def test_combine_limit():
    warm = GradeParams(temperature=1000, contrast=0.2)
    warmer = GradeParams(temperature=800, fade=0.1)
    c = combine([(warm, 1), (warmer, 1), (warm, 1)], limit=1.5)
    assert c.temperature == pytest.approx(1500)
    assert c.contrast == pytest.approx(0.3)
    assert c.fade == pytest.approx(0.1)
    assert combine([(warm, 2.0)], limit=1.5).temperature == pytest.approx(2000)
    with pytest.raises(ValueError, match="limit"):
        combine([(warm, 1)], limit=0)


def test_clamped():
    c = GradeParams(temperature=9000, saturation=-3, gain=(9, 1, 0.1)).clamped()
    assert c.temperature == NOMINAL_RANGES["temperature"][1]
    assert c.saturation == -1 and c.gain == (4.0, 1.0, 0.25)


def test_to_dict_and_from_dict_round_trip():
    d = A.to_dict()
    assert list(d) == [
        "exposure",
        "temperature",
        "contrast",
        "pivot",
        "gain",
        "shadow_hue",
        "shadow_amount",
        "hue_shifts",
    ]
    assert json.loads(json.dumps(d)) == d
    assert GradeParams.from_dict(d) == A
    assert GradeParams().to_dict() == {}
    assert GradeParams(exposure=1 / 3).to_dict() == {"exposure": 0.3333}
    assert GradeParams(exposure=-1e-9).to_dict() == {}
    assert GradeParams.from_dict({"lift": 0.1}).lift == (0.1, 0.1, 0.1)
    assert GradeParams.from_dict({"hue_shifts": [[10, 20, 5]]}).hue_shifts == (
        HueShift(10, 20, 5, 1.0),
    )


@pytest.mark.parametrize(
    ("d", "message"),
    [
        ({"sharpness": 1}, r"unknown grade parameter 'sharpness'; valid: exposure, temperature"),
        ({"exposure": "1"}, "exposure must be a number"),
        ({"exposure": True}, "exposure must be a number"),
        ({"exposure": math.inf}, "exposure must be finite"),
        ({"gain": [1, 1]}, "gain must be 3 numbers"),
        ({"gamma": 0}, "gamma must be > 0"),
        ({"hue_shifts": [[10, 0, 5, 1]]}, "width"),
        ({"hue_shifts": [[10, 20, 5, -1]]}, "chroma_scale"),
        ({"hue_shifts": 3}, "hue_shifts must be a list"),
        ([("exposure", 1)], "must be a mapping"),
    ],
)
def test_from_dict_rejects_bad_input(d, message):
    with pytest.raises(ValueError, match=message):
        GradeParams.from_dict(d)
    with pytest.raises(BadInputError):
        GradeParams.from_dict(d)


# -- adjustments ------------------------------------------------------------------------------


def test_parse_adjust_example():
    p = parse_adjust(
        "exposure=+0.3, saturation=-0.1,temperature=+400,contrast=+0.1,tint=-5,fade=0.2,"
        "lift=0.02,lift.r=0.01,gain.b=1.05,shadow_hue=200; gamma.g=1.1, pivot=-0.1"
    )
    assert p.exposure == 0.3 and p.saturation == -0.1 and p.temperature == 400
    assert p.contrast == 0.1 and p.tint == -5 and p.fade == 0.2
    assert p.lift == pytest.approx((0.03, 0.02, 0.02))
    assert p.gain == (1.0, 1.0, 1.05) and p.gamma == (1.0, 1.1, 1.0)
    assert p.shadow_hue == 200 and p.shadow_amount == 0
    assert p.pivot == pytest.approx(0.4)
    assert parse_adjust("").is_neutral and parse_adjust(" , ").is_neutral
    assert parse_adjust("gain=1.1,gain.r=1.1").gain == pytest.approx((1.21, 1.1, 1.1))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sharpness=1", r"unknown adjustment 'sharpness'; valid names: exposure, temperature"),
        ("exposure=lots", r"adjustment 'exposure': 'lots' is not a number"),
        ("exposure=nan", "not a number"),
        ("exposure", "is not name=value"),
        ("exposure=9", r"exposure=9 is out of range -4..4 \(stops\)"),
        ("gain.b=0", "out of range"),
        ("shadow_hue=400", "out of range 0..360"),
        ("fade=0.1,fade=0.2", "given twice"),
    ],
)
def test_parse_adjust_rejects_bad_input(text, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_adjust(text)
    assert "\n" not in str(info.value)


def test_adjustments_name_real_fields():
    fields = set(GradeParams.__dataclass_fields__)
    for name, adj in ADJUSTMENTS.items():
        assert adj.field in fields and adj.unit and adj.description
        assert name in ADJUSTMENT_RANGES
    # Every adjustment parses at the ends of its range.
    for name, (lo, hi) in ADJUSTMENT_RANGES.items():
        parse_adjust(f"{name}={lo},")
        parse_adjust(f"{name}={hi}")


def test_add_applies_an_adjustment_on_top_of_a_look():
    look = default_library()["teal and orange"].params
    out = add(look, parse_adjust("exposure=+0.3,saturation=-0.1,gain.b=1.1"))
    assert out.exposure == pytest.approx(look.exposure + 0.3)
    assert out.saturation == pytest.approx(look.saturation - 0.1)
    assert out.gain[2] == pytest.approx(look.gain[2] * 1.1)
    assert out.teal_orange == look.teal_orange
    # A hue alone re-aims the look's tone; a hue with an amount adds as a vector.
    toned = GradeParams(shadow_hue=200, shadow_amount=0.3)
    aimed = add(toned, parse_adjust("shadow_hue=250"))
    assert aimed.shadow_hue == 250 and aimed.shadow_amount == pytest.approx(0.3)
    more = add(toned, parse_adjust("shadow_amount=0.1"))
    assert more.shadow_hue == pytest.approx(200) and more.shadow_amount == pytest.approx(0.4)
    assert add(look, GradeParams()) == combine([(look, 1.0)])
