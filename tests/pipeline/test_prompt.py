"""Text prompts -> looks (gradecli.pipeline.prompt)."""

from __future__ import annotations

import numpy as np
import pytest

from gradecli.color.grade_model import apply_grade
from gradecli.errors import BadInputError
from gradecli.io.look_library import default_library, phrase_tokens
from gradecli.pipeline.prompt import (
    COMPARATIVE,
    INTENSIFIERS,
    NEGATIONS,
    SUPERLATIVE,
    MatchedLook,
    parse_prompt,
)
from tests._look_photos import chroma, lab, photos, spread


@pytest.fixture(scope="module")
def library():
    return default_library()


def _looks(text: str) -> list[tuple[str, float]]:
    return [(m.name, round(m.weight, 4)) for m in parse_prompt(text).looks]


# -- the example prompt -----------------------------------------------------------------------

EXAMPLE = "a warm, nostalgic, summer evening feel"


def test_example_prompt_names_four_looks():
    parsed = parse_prompt(EXAMPLE)
    assert parsed.looks == [
        MatchedLook("warm", 1.0, "warm"),
        MatchedLook("nostalgic", 1.0, "nostalgic"),
        MatchedLook("summer", 1.0, "summer"),
        MatchedLook("evening", 1.0, "evening"),
    ]
    assert parsed.unknown == []
    assert parsed.describe() == "warm ×1.00, nostalgic ×1.00, summer ×1.00, evening ×1.00"
    assert parsed.params.temperature > 0 and parsed.params.contrast < 0


@pytest.mark.parametrize("name", sorted(photos()))
def test_example_prompt_is_warmer_and_softer_on_every_photo(name):
    rgb = photos()[name]
    src, out = lab(rgb), lab(apply_grade(parse_prompt(EXAMPLE).params, rgb))
    assert np.mean(out[:, 2]) - np.mean(src[:, 2]) >= 1.0
    assert spread(src) - spread(out) >= 3.0


# -- matching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("golden hour", [("golden hour", 1.0)]),
        ("Golden-Hour!!", [("golden hour", 1.0)]),
        ("teal and orange", [("teal and orange", 1.0)]),
        ("TEAL & ORANGE look", [("teal and orange", 1.0)]),
        ("bleach bypass", [("bleach bypass", 1.0)]),
        ("summer evening", [("summer", 1.0), ("evening", 1.0)]),
        ("black and white", [("black and white", 1.0)]),
        ("b&w noir", [("black and white", 1.0), ("noir", 1.0)]),
        ("sci-fi, 80's", [("sci-fi", 1.0), ("80s", 1.0)]),
        ("light and airy", [("high key", 1.0)]),
        ("kodachrome-like", [("kodachrome", 1.0)]),
        ("cross-processed lomo", [("cross processed", 1.0), ("lomo", 1.0)]),
        ("a blade runner vibe", [("cyberpunk neon", 1.0)]),
    ],
)
def test_phrases(text, expected):
    assert _looks(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("warmth", [("warm", 1.0)]),
        ("warmer", [("warm", COMPARATIVE)]),
        ("warmest", [("warm", SUPERLATIVE)]),
        ("cooler", [("cool", COMPARATIVE)]),
        ("hotter", [("hot", COMPARATIVE)]),
        ("moodier", [("moody", COMPARATIVE)]),
        ("darkest", [("dark", SUPERLATIVE)]),
        ("saturated", [("vivid", 1.0)]),
        ("sunsets", [("sunset", 1.0)]),
        ("golden hours", [("golden hour", 1.0)]),
        ("bluish", [("cool", 1.0)]),
        ("darkness", [("dark", 1.0)]),
        ("dreamily", [("dreamy", 1.0)]),
        ("pastels", [("pastel", 1.0)]),
    ],
)
def test_suffixes_are_normalised(text, expected):
    assert _looks(text) == [(n, round(w, 4)) for n, w in expected]


def test_every_name_and_synonym_reads_as_its_look(library):
    for look in library:
        for phrase in look.phrases:
            parsed = parse_prompt(phrase, library)
            assert [(m.name, m.weight) for m in parsed.looks] == [(look.name, 1.0)], phrase
            assert parsed.unknown == [], phrase


def test_stop_words_are_ignored():
    parsed = parse_prompt("Please give it the look of a warm vibe, in the style of...")
    assert _looks("Please give it the look of a warm vibe, in the style of...") == [("warm", 1.0)]
    assert parsed.unknown == []
    assert {"please", "the", "look", "of", "vibe", "style"} <= set(parsed.ignored)
    assert _looks("warm tones, moody feels") == [("warm", 1.0), ("moody", 1.0)]


# -- intensity and negation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("slightly warm", 0.5),
        ("a bit warm", 0.5),
        ("a little warm", 0.5),
        ("somewhat warm", 0.5),
        ("a touch of warmth", 0.35),
        ("a hint of warmth", 0.35),
        ("subtle warmth", 0.35),
        ("very warm", 1.6),
        ("really warm", 1.6),
        ("strongly warm", 1.8),
        ("extremely warm", 2.0),
        ("super warm", 1.8),
        ("more warmth", 1.3),
        ("very very warm", 1.6 * 1.6),
        ("slightly warmer", 0.5 * COMPARATIVE),
        ("not warm", -0.6),
        ("no warmth", -0.6),
        ("without warmth", -0.6),
        ("less warm", -0.5),
        ("not too warm", -0.5),
        ("not very warm", -0.4),
        ("a bit less warm", -0.25),
        ("warm, not too warm", 0.5),
        ("very, warm", 1.0),  # a modifier does not carry over a comma
    ],
)
def test_intensity_and_negation_weights(text, weight):
    assert _looks(text) == [("warm", round(weight, 4))]


def test_documented_modifier_tables():
    assert INTENSIFIERS["slightly"] == 0.5 and INTENSIFIERS["a touch of"] == 0.35
    assert 1.5 <= INTENSIFIERS["very"] <= 2 and INTENSIFIERS["more"] == 1.3
    assert all(v < 0 for v in NEGATIONS.values())


def test_weights_scale_the_look(library):
    warm = library["warm"].params
    assert parse_prompt("very warm").params.temperature == pytest.approx(1.6 * warm.temperature)
    assert parse_prompt("slightly warm").params.temperature == pytest.approx(0.5 * warm.temperature)
    assert parse_prompt("not warm").params.temperature == pytest.approx(-0.6 * warm.temperature)


def test_negation_reverses_the_look(library):
    not_saturated = parse_prompt("not too saturated")
    assert not_saturated.looks == [MatchedLook("vivid", -0.5, "not too saturated")]
    assert not_saturated.params.saturation < 0
    less_contrast = parse_prompt("less contrast")
    assert less_contrast.looks == [MatchedLook("high contrast", -0.5, "less contrast")]
    assert less_contrast.params.contrast < 0
    assert parse_prompt("more contrast").params.contrast > library["high contrast"].params.contrast


@pytest.mark.parametrize("name", sorted(photos()))
def test_negated_looks_move_photos_the_other_way(name):
    rgb = photos()[name]
    src = lab(rgb)
    desat = lab(apply_grade(parse_prompt("not too saturated").params, rgb))
    assert np.mean(chroma(desat)) < 0.95 * np.mean(chroma(src))
    flat = lab(apply_grade(parse_prompt("less contrast").params, rgb))
    assert spread(flat) < spread(src) - 2


# -- combination ------------------------------------------------------------------------------


def test_repeated_look_does_not_stack():
    assert _looks("teal and orange, blockbuster") == [("teal and orange", 1.0)]
    assert _looks("warm and warmer") == [("warm", COMPARATIVE)]


def test_combination_is_bounded_but_keeps_single_looks(library):
    parsed = parse_prompt("warm golden sunset hot")
    strongest = max(library[m.name].params.temperature for m in parsed.looks)
    assert parsed.params.temperature == pytest.approx(1.5 * strongest)
    # What only one look does keeps its full strength: noir stays black and white.
    assert parse_prompt("moody noir").params.saturation == -1.0
    # Opposites cancel.
    assert abs(parse_prompt("warm cool").params.temperature) < 300


def test_combined_params_stay_in_nominal_ranges():
    p = parse_prompt("extremely very hot sunset golden hour candlelight").params
    assert p == p.clamped()


# -- unknown words and errors -----------------------------------------------------------------


def test_unknown_words_are_reported_with_suggestions():
    parsed = parse_prompt("warm sunsett glow")
    assert [m.name for m in parsed.looks] == ["warm"]
    words = dict(parsed.unknown)
    assert "sunset" in words["sunsett"]
    assert words["glow"] and len(words["glow"]) <= 3
    assert "unknown: sunsett (did you mean sunset" in parsed.describe()


def test_all_unknown_prompt_raises():
    with pytest.raises(
        BadInputError,
        match=r'^prompt "xyzzy frob": no known look words; closest: '
        r"xyzzy -> .+; frob -> .+$",
    ):
        parse_prompt("xyzzy frob")


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_prompt_raises(text):
    with pytest.raises(BadInputError, match="empty"):
        parse_prompt(text)


def test_prompt_of_only_stop_words_raises():
    with pytest.raises(BadInputError, match='prompt "the look of": no known look words'):
        parse_prompt("the look of")
    with pytest.raises(BadInputError, match="must be text"):
        parse_prompt(None)  # type: ignore[arg-type]


def test_parsing_is_deterministic():
    text = "slightly warmer, not too saturated teal & orange with a hint of fog, xyzzy"
    first = parse_prompt(text)
    for _ in range(3):
        again = parse_prompt(text)
        assert again == first
        assert again.params.to_dict() == first.params.to_dict()
        assert again.describe() == first.describe()


def test_phrase_tokens_used_by_the_parser():
    assert phrase_tokens("Teal&Orange") == ("teal", "and", "orange")
