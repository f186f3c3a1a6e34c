"""The look library (gradecli.io.look_library) and what its looks do to photos.

The table EXPECTED says, for each descriptor, which CIELAB statistic must move, in which
direction and by at least how much, on every test photo. It is written by hand from what the
looks are meant to do (not derived from looks.json), so a look edited into something else fails.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from gradecli.color.grade_model import GradeParams, apply_grade
from gradecli.errors import BadInputError
from gradecli.io.look_library import LookLibrary, default_library, phrase_tokens
from tests._look_photos import chroma, circular_hue, hue, hue_distance, lab, photos, spread

# -- statistics -------------------------------------------------------------------------------

# Each statistic is f(source CIELAB, CIELAB) -> float: masks come from the source, so that the
# same pixels are measured before and after grading.
_TEAL = np.array([np.cos(np.radians(200)), np.sin(np.radians(200))])


def _cast(src: np.ndarray, x: np.ndarray, channel: int) -> float:
    """Colour cast of the source's near-neutral pixels (C* < 12, L* > 8): their mean a* or b*
    scaled to L* 50 (a white-balance shift moves a* and b* about in proportion to L*)."""
    m = (chroma(src) < 12) & (src[:, 0] > 8)
    return float(50.0 * np.mean(x[m, channel]) / max(np.mean(x[m, 0]), 1.0))


def _skin(src: np.ndarray) -> np.ndarray:
    """The source's skin-range pixels: CIELAB hue 20..100 degrees, C* > 8, L* 30..90."""
    h = hue(src)
    return (chroma(src) > 8) & (h > 20) & (h < 100) & (src[:, 0] > 30) & (src[:, 0] < 90)


def _tone_split(src: np.ndarray, x: np.ndarray) -> float:
    hi, lo = src[:, 0] > 60, src[:, 0] < 40
    return float(np.mean(x[hi, 2]) - np.mean(x[lo, 2]))


STATS = {
    "L": lambda s, x: float(np.mean(x[:, 0])),  # mean L*
    "a": lambda s, x: float(np.mean(x[:, 1])),  # mean a*
    "b": lambda s, x: float(np.mean(x[:, 2])),  # mean b*
    "C": lambda s, x: float(np.mean(chroma(x))),  # mean chroma C*ab
    "spread": lambda s, x: spread(x),  # L* p95 - p5
    "p1": lambda s, x: float(np.percentile(x[:, 0], 1)),  # 1st percentile of L*
    "hue": lambda s, x: circular_hue(x)[0],  # chroma-weighted mean hue, degrees
    "hue_R": lambda s, x: circular_hue(x)[1],  # how concentrated the hues are, 0..1
    # colour cast (b* or a* at L* 50) of the source's near-neutral pixels
    "b_cast": lambda s, x: _cast(s, x, 2),
    "a_cast": lambda s, x: _cast(s, x, 1),
    # mean a*b* of the source's shadows (L* < 40) along the teal direction (200 degrees)
    "shadow_teal": lambda s, x: float(np.mean(x[s[:, 0] < 40, 1:] @ _TEAL)),
    # mean hue distance (degrees) of the source's skin-range pixels to orange (60 degrees)
    "skin_orange": lambda s, x: float(np.mean(hue_distance(hue(x[_skin(s)]), 60))),
    # mean b* of the source's highlights (L* > 60) minus that of its shadows (L* < 40)
    "tone_split": _tone_split,
}

# descriptor (name or synonym) -> [(statistic, operation, threshold)]
#   up / down: graded - source >= t / source - graded >= t
#   rel_up / rel_down: graded / source - 1 >= t / 1 - graded / source >= t
#   at_most / at_least / between: on the graded value
EXPECTED: dict[str, list[tuple]] = {
    "warm": [("b", "up", 2.0)],
    "cool": [("b", "down", 2.0)],
    "cold": [("b", "down", 3.0)],
    "hot": [("b", "up", 4.0)],
    "golden hour": [("b", "up", 4.0)],
    "blue hour": [("b", "down", 4.0), ("L", "down", 1.0)],
    "evening": [("b_cast", "up", 2.0), ("L", "down", 1.0)],
    "night": [("L", "down", 8.0), ("b_cast", "down", 2.0)],
    "dawn": [("spread", "down", 3.0)],
    "sunset": [("b_cast", "up", 4.0), ("a", "up", 1.0)],
    "noon": [("spread", "up", 3.0)],
    "summer": [("b_cast", "up", 2.0), ("C", "rel_up", 0.05)],
    "winter": [("b_cast", "down", 1.5), ("C", "rel_down", 0.1)],
    "autumn": [("b", "up", 2.0)],
    "spring": [("C", "rel_up", 0.05)],
    "sunny": [("L", "up", 1.5), ("C", "rel_up", 0.03)],
    "overcast": [("C", "rel_down", 0.15), ("spread", "down", 3.0)],
    "rainy": [("L", "down", 2.0), ("C", "rel_down", 0.15)],
    "foggy": [("p1", "up", 5.0), ("spread", "down", 10.0), ("C", "rel_down", 0.2)],
    "misty": [("p1", "up", 4.0), ("spread", "down", 5.0)],
    "nostalgic": [("b_cast", "up", 1.5), ("p1", "up", 2.0)],
    "moody": [("L", "down", 3.0), ("C", "rel_down", 0.15)],
    "dreamy": [("spread", "down", 5.0), ("L", "up", 1.0)],
    "gritty": [("spread", "up", 3.0), ("C", "rel_down", 0.2)],
    "clean": [("C", "rel_up", 0.005), ("spread", "up", 1.0)],
    "romantic": [("a", "up", 1.0), ("spread", "down", 3.0)],
    "melancholic": [("C", "rel_down", 0.25), ("L", "down", 1.0)],
    "eerie": [("a", "down", 2.0), ("C", "rel_down", 0.15)],
    "happy": [("L", "up", 1.5), ("C", "rel_up", 0.05)],
    "calm": [("spread", "down", 3.0)],
    "vintage": [("p1", "up", 3.0), ("C", "rel_down", 0.1)],
    "faded film": [("p1", "up", 5.0), ("C", "rel_down", 0.15)],
    "analog film": [("p1", "up", 1.5)],
    "super 8": [("b_cast", "up", 2.0), ("p1", "up", 3.0)],
    "bleach bypass": [("C", "rel_down", 0.3), ("spread", "up", 2.0)],
    "teal and orange": [("shadow_teal", "up", 1.0), ("skin_orange", "down", 0.8)],
    "noir": [("C", "at_most", 1.0), ("spread", "up", 2.0)],
    "black and white": [("C", "at_most", 0.5)],
    "cyberpunk neon": [("b", "down", 2.0), ("a_cast", "up", 1.0)],
    "neon": [("C", "rel_up", 0.15)],
    "pastel": [("L", "up", 3.0), ("spread", "down", 8.0), ("C", "rel_down", 0.15)],
    "matte": [("p1", "up", 5.0)],
    "high key": [("L", "up", 5.0)],
    "low key": [("L", "down", 5.0)],
    "sepia": [("hue", "between", (40.0, 90.0)), ("hue_R", "at_least", 0.9), ("C", "at_least", 3)],
    "duotone-ish": [("tone_split", "at_least", 6.0), ("C", "rel_down", 0.2)],
    "desaturated": [("C", "rel_down", 0.2)],
    "vivid": [("C", "rel_up", 0.15)],
    "muted": [("C", "rel_down", 0.2)],
    "high contrast": [("spread", "up", 3.0)],
    "low contrast": [("spread", "down", 5.0)],
    "soft": [("spread", "down", 5.0)],
    "bright": [("L", "up", 4.0)],
    "dark": [("L", "down", 4.0)],
    "punchy": [("spread", "up", 3.0), ("C", "rel_up", 0.08)],
    "cinematic": [("shadow_teal", "up", 0.8)],
    "documentary": [("C", "rel_down", 0.05)],
    "western": [("b_cast", "up", 3.0)],
    "sci-fi": [("b", "down", 2.5)],
    "horror": [("L", "down", 3.0), ("C", "rel_down", 0.25)],
    "underwater": [("a", "down", 2.0), ("b", "down", 2.0)],
    "tropical": [("C", "rel_up", 0.1)],
    "candlelight": [("b_cast", "up", 6.0), ("L", "down", 2.0)],
    "70s": [("b", "up", 2.0), ("p1", "up", 2.0)],
    "80s": [("C", "rel_up", 0.1)],
    "90s": [("a", "down", 1.5)],
    "polaroid": [("p1", "up", 3.0), ("spread", "down", 3.0)],
    "kodachrome-like": [("C", "rel_up", 0.1), ("spread", "up", 2.0)],
    "technicolor-like": [("C", "rel_up", 0.15)],
    "cross processed": [("tone_split", "up", 4.0), ("spread", "up", 2.0)],
    "lomo": [("C", "rel_up", 0.08), ("spread", "up", 3.0)],
}


def _check(stat: str, op: str, thr, src: np.ndarray, out: np.ndarray) -> str | None:
    """None when the expectation holds, else what was measured."""
    before, after = STATS[stat](src, src), STATS[stat](src, out)
    if op == "up":
        ok = after - before >= thr
    elif op == "down":
        ok = before - after >= thr
    elif op == "rel_up":
        ok = after / before - 1 >= thr
    elif op == "rel_down":
        ok = 1 - after / before >= thr
    elif op == "at_most":
        ok = after <= thr
    elif op == "at_least":
        ok = after >= thr
    elif op == "between":
        ok = thr[0] <= after <= thr[1]
    else:  # pragma: no cover - a typo in the table
        raise AssertionError(f"unknown operation {op}")
    return None if ok else f"{stat} {before:.2f} -> {after:.2f} (want {op} {thr})"


@pytest.fixture(scope="module")
def library() -> LookLibrary:
    return default_library()


@pytest.fixture(scope="module")
def photo_lab() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {name: (rgb, lab(rgb)) for name, rgb in photos().items()}


def test_there_are_enough_photos():
    assert len(photos()) >= 5


@pytest.mark.parametrize("descriptor", sorted(EXPECTED))
def test_descriptor_moves_its_statistics_on_every_photo(descriptor, library, photo_lab):
    look = library.lookup(descriptor)
    assert look is not None, f"{descriptor!r} is not a look name or synonym"
    failures = []
    for name, (rgb, src) in photo_lab.items():
        out = apply_grade(look.params, rgb)
        assert out.shape == rgb.shape and out.min() >= 0 and out.max() <= 1
        graded = lab(out)
        for stat, op, thr in EXPECTED[descriptor]:
            problem = _check(stat, op, thr, src, graded)
            if problem:
                failures.append(f"{name}: {problem}")
    assert not failures, f"{descriptor} ({look.name}): " + "; ".join(failures)


def test_table_covers_at_least_40_distinct_looks(library):
    assert len({library.lookup(d).name for d in EXPECTED}) >= 40


# -- the bundled file -------------------------------------------------------------------------

REQUIRED = (
    "warm, cool, golden hour, blue hour, summer, winter, autumn, spring, evening, night, dawn, "
    "sunset, noon, nostalgic, moody, dreamy, gritty, clean, romantic, melancholic, eerie, "
    "vintage, faded film, bleach bypass, teal and orange, noir, cyberpunk neon, pastel, matte, "
    "high key, low key, sepia, desaturated, vivid, high contrast, low contrast, soft, bright, "
    "dark, cinematic, documentary, western, sci-fi, horror, underwater, tropical, muted, punchy, "
    "cold, hot, sunny, overcast, rainy, foggy, misty, candlelight, neon, 70s, 80s, 90s, "
    "polaroid, kodachrome-like, technicolor-like, cross processed, lomo, duotone-ish"
).split(", ")


def test_bundled_library_has_60_looks_with_valid_params(library):
    assert len(library) >= 60
    for look in library:
        assert look.category and look.description
        assert not look.params.is_neutral, look.name
        assert GradeParams.from_dict(look.params.to_dict()) == look.params


@pytest.mark.parametrize("descriptor", REQUIRED)
def test_required_descriptors_are_known(descriptor, library):
    assert library.lookup(descriptor) is not None


def test_phrases_are_case_and_punctuation_insensitive(library):
    assert library.lookup("Teal & Orange").name == "teal and orange"
    assert library.lookup("TEAL-AND-ORANGE").name == "teal and orange"
    assert library.lookup("Golden   Hour!").name == "golden hour"
    assert library.lookup("70's").name == "70s"
    assert library.lookup("b&w").name == "black and white"
    assert library.lookup("no such look") is None
    assert phrase_tokens("Sci-Fi, 80’s & more") == ("sci", "fi", "80s", "and", "more")


def test_library_access(library):
    assert library.names[0] == next(iter(library)).name
    assert "warm" in library and "warmth" not in library
    assert library["warm"].params.temperature > 0
    assert library.max_phrase_tokens >= 3
    assert {"warm", "teal"} <= library.vocabulary
    assert "golden hour" in library.phrase_texts()
    assert "temperature" in library.categories()
    assert default_library() is default_library()


# -- bad files --------------------------------------------------------------------------------


def _entry(**over):
    e = {
        "name": "x",
        "category": "tone",
        "synonyms": ["ex"],
        "description": "d",
        "params": {"contrast": 0.1},
    }
    e.update(over)
    return e


def _text(*entries, **top):
    return json.dumps({"version": 1, "looks": list(entries), **top})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"looks": {}}', '"looks" list'),
        (_text(_entry(), version=2), "unsupported version"),
        (_text(_entry(), extra=1), "unknown top-level keys extra"),
        (_text(), "no looks"),
        (_text(_entry(params={"contrast": 0.1, "sharpness": 1})), "unknown grade parameter"),
        (_text(_entry(params={"gain": -1})), "gain must be > 0"),
        (_text(_entry(params={"exposure": "lots"})), "exposure must be a number"),
        (_text({"name": "x"}), "missing category, synonyms, description, params"),
        (_text(_entry(colour="red")), "unknown keys colour"),
        (_text(_entry(name="")), "name must be a non-empty string"),
        (_text(_entry(synonyms="ex")), "synonyms must be a list of strings"),
        (_text(_entry(), _entry()), "defined twice"),
        (_text(_entry(), _entry(name="y", synonyms=["EX"])), "already names look 'x'"),
        (_text(_entry(synonyms=["!!"])), "has no words"),
        (_text(["x"]), "expected an object"),
    ],
)
def test_bad_library_text_is_reported_clearly(text, message):
    with pytest.raises(BadInputError, match=message) as info:
        LookLibrary.from_json_text(text, "looks.json")
    assert str(info.value).startswith("looks.json")
    assert "\n" not in str(info.value)


def test_bad_look_is_named(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(_text(_entry(), _entry(name="broken", params={"vibe": 1})))
    with pytest.raises(BadInputError, match=r"mine\.json: look #2 \('broken'\): bad params: "):
        LookLibrary.from_path(path)
    with pytest.raises(BadInputError, match="no such file"):
        LookLibrary.from_path(tmp_path / "missing.json")


def test_library_from_path(tmp_path):
    path = tmp_path / "looks.json"
    path.write_text(_text(_entry(), _entry(name="y", synonyms=["why", "big y"])))
    lib = LookLibrary.from_path(path)
    assert lib.names == ("x", "y")
    assert lib.lookup("Big Y").name == "y"
    assert lib["x"].params == GradeParams(contrast=0.1)
