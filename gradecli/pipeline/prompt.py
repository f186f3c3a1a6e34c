"""A text prompt -> a look: "a warm, nostalgic, summer evening feel" -> weighted looks -> a grade.

:func:`parse_prompt` reads the prompt against a :class:`~gradecli.io.look_library.LookLibrary`
and returns a :class:`ParsedPrompt`: the looks it found with their weights, the words it did not
know (with suggestions) and the combined :class:`~gradecli.color.grade_model.GradeParams`.

How a prompt is read (deterministic: the same text and library give the same result):

1. The text is split into clauses at ``, ; . ! ? / ( )`` and line breaks, and each clause into
   tokens as :func:`~gradecli.io.look_library.phrase_tokens` does (lower case, ``&`` = "and",
   apostrophes dropped, hyphens split words).
2. Words are also normalised by simple suffix rules where that gives a word of the library's
   vocabulary: plurals ("sunsets"), "-th" ("warmth"), "-ness", "-ish" ("bluish"), "-ly", "-ed",
   "-y", "-ing", and comparatives / superlatives ("warmer", "moodier", "darkest"), which also
   scale the look's weight by :data:`COMPARATIVE` (1.3) / :data:`SUPERLATIVE` (1.6).
3. Left to right, the longest phrase starting at each word wins: a look's name or synonym
   ("golden hour", "teal and orange"; as written, else with normalised words), or a modifier
   (:data:`INTENSIFIERS`, :data:`NEGATIONS`: "a touch of", "not too"); on a tie the look wins.
   Modifiers multiply a pending weight that the next look in the same clause takes
   (``"not very"`` and ``"a bit less"`` compose). Stop words (:data:`STOP_WORDS`) are skipped.
   Any other word is reported in ``unknown`` with the closest names and synonyms (difflib),
   never silently dropped.
4. A look named more than once keeps the strongest of its weights when they agree in sign
   ("teal and orange, blockbuster" is not twice as teal), and the sum when they do not
   ("warm, but not too warm" = warm x 0.5).
5. **Combination rule**: the looks' deltas from neutral, times their weights, are summed
   (:func:`~gradecli.color.grade_model.combine`) with ``limit=`` :data:`COMBINE_LIMIT` (1.5):
   each control's sum is kept within 1.5x the largest push any single (weighted) look gives
   it. So four looks that all warm give at most 1.5x the warmest one, not four times, while
   what only one look does (noir's black and white) keeps its full strength. The result is then
   clamped to each control's nominal range
   (:meth:`~gradecli.color.grade_model.GradeParams.clamped`).

A prompt with no look at all (empty, only stop words, or only unknown words) raises
:class:`~gradecli.errors.BadInputError` naming the prompt and the closest known words.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field

from gradecli.color.grade_model import GradeParams, combine
from gradecli.errors import BadInputError
from gradecli.io.look_library import LookLibrary, default_library, phrase_tokens

__all__ = [
    "COMBINE_LIMIT",
    "COMPARATIVE",
    "INTENSIFIERS",
    "NEGATIONS",
    "STOP_WORDS",
    "SUPERLATIVE",
    "MatchedLook",
    "ParsedPrompt",
    "parse_prompt",
]

#: Weight factors of intensity words before a look ("slightly warm" = warm x 0.5).
INTENSIFIERS: dict[str, float] = {
    "slightly": 0.5,
    "a bit": 0.5,
    "a bit of": 0.5,
    "a little": 0.5,
    "a little bit": 0.5,
    "little": 0.5,
    "somewhat": 0.5,
    "mildly": 0.5,
    "lightly": 0.5,
    "gently": 0.5,
    "kind of": 0.5,
    "sort of": 0.5,
    "kinda": 0.5,
    "sorta": 0.5,
    "a touch of": 0.35,
    "a hint of": 0.35,
    "touch of": 0.35,
    "hint of": 0.35,
    "a tad": 0.35,
    "subtle": 0.35,
    "subtly": 0.35,
    "barely": 0.25,
    "quite": 1.2,
    "pretty": 1.2,
    "fairly": 1.2,
    "more": 1.3,
    "too": 1.3,
    "much": 1.5,
    "very": 1.6,
    "really": 1.6,
    "heavily": 1.8,
    "strongly": 1.8,
    "strong": 1.6,
    "deeply": 1.6,
    "super": 1.8,
    "extremely": 2.0,
    "ultra": 2.0,
    "intensely": 2.0,
}

#: Weight factors of negations before a look ("not too saturated" = vivid x -0.5).
NEGATIONS: dict[str, float] = {
    "not": -0.6,
    "no": -0.6,
    "without": -0.6,
    "non": -0.6,
    "never": -0.6,
    "dont": -0.6,
    "less": -0.5,
    "not too": -0.5,
    "not so": -0.5,
    "not overly": -0.5,
    "not very": -0.4,
    "not much": -0.4,
}

#: Bound of a combined control, in multiples of the strongest single look's push (see above).
COMBINE_LIMIT = 1.5

#: Weight factor of a comparative ("warmer" = warm x 1.3) and a superlative ("warmest").
COMPARATIVE = 1.3
SUPERLATIVE = 1.6

#: Words that carry no look.
STOP_WORDS: frozenset[str] = frozenset(
    """
    a an the and or but with like style styled tone toned mood feel feeling vibe look looking
    of in for please to into on at by as is it its this that these those me my our your make
    made give want i we you some any kind sort just also overall bit color colour grade graded
    grading shot scene image picture photo video clip footage frame something atmosphere
    aesthetic vibey ish type sense quality
    """.split()
)

_CLAUSE = re.compile(r"[,;.!?/()\[\]\n\r\t:]+|\s-\s|\s+but\s+", re.IGNORECASE)
_MIN_STEM = 3


@dataclass(frozen=True)
class MatchedLook:
    """A look found in the prompt: its library ``name``, its ``weight`` (1 = the look as the
    library defines it; negative for a negation) and the ``phrase`` of the prompt that named it
    (with its modifiers)."""

    name: str
    weight: float
    phrase: str


@dataclass(frozen=True)
class ParsedPrompt:
    """What a prompt means: the ``text``, the matched ``looks`` in prompt order, the ``unknown``
    words (each with up to 3 suggestions), the combined grade ``params`` and the stop words
    that were skipped (``ignored``)."""

    text: str
    looks: list[MatchedLook]
    unknown: list[tuple[str, list[str]]]
    params: GradeParams
    ignored: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line: ``"warm ×1.00, nostalgic ×1.00, summer ×1.00, evening ×1.00"``, then any
        unknown words and what they may have meant."""
        parts = [", ".join(f"{m.name} ×{m.weight:.2f}" for m in self.looks)]
        if self.unknown:
            words = "; ".join(
                f"{w} (did you mean {', '.join(s)}?)" if s else w for w, s in self.unknown
            )
            parts.append(f"; unknown: {words}")
        return "".join(parts)


# -- words ------------------------------------------------------------------------------------

# (suffix, replacements, weight factor): tried in order; the first known word wins.
_SUFFIX_RULES: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("iest", ("y",), SUPERLATIVE),
    ("ier", ("y",), COMPARATIVE),
    ("est", ("", "e", "-"), SUPERLATIVE),
    ("er", ("", "e", "-"), COMPARATIVE),
    ("iness", ("y",), 1.0),
    ("ness", ("",), 1.0),
    ("ies", ("y",), 1.0),
    ("es", ("", "e"), 1.0),
    ("s", ("",), 1.0),
    ("th", ("",), 1.0),
    ("ish", ("", "e"), 1.0),
    ("ily", ("y",), 1.0),
    ("ly", ("", "le"), 1.0),
    ("ed", ("", "e"), 1.0),
    ("ing", ("", "e"), 1.0),
    ("y", ("", "e"), 1.0),
)


def _normalise(word: str, vocabulary: frozenset[str]) -> tuple[str, float]:
    """``(known word, weight factor)`` that ``word`` reduces to by a suffix rule, or
    ``(word, 1.0)`` when none applies. A replacement ``"-"`` undoes a doubled final consonant
    ("hotter" -> "hot")."""
    for suffix, replacements, factor in _SUFFIX_RULES:
        if not word.endswith(suffix) or len(word) - len(suffix) < _MIN_STEM - 1:
            continue
        stem = word[: -len(suffix)]
        for rep in replacements:
            if rep == "-":
                if len(stem) < 2 or stem[-1] != stem[-2]:
                    continue
                candidate = stem[:-1]
            else:
                candidate = stem + rep
            if len(candidate) >= _MIN_STEM and candidate in vocabulary:
                return candidate, factor
    return word, 1.0


def _modifiers() -> dict[tuple[str, ...], float]:
    out = {phrase_tokens(k): v for k, v in INTENSIFIERS.items()}
    out.update({phrase_tokens(k): v for k, v in NEGATIONS.items()})
    return out


_MODIFIERS = _modifiers()
_MAX_MODIFIER = max(len(k) for k in _MODIFIERS)


def _is_stop_word(word: str, canonical: str) -> bool:
    """A stop word, its plural ("looks", "vibes") or a word normalised to one ("tones")."""
    return (
        word in STOP_WORDS
        or canonical in STOP_WORDS
        or (word.endswith("s") and word[:-1] in STOP_WORDS)
    )


def _match_modifier(tokens: list[str], i: int) -> tuple[int, float]:
    for n in range(min(_MAX_MODIFIER, len(tokens) - i), 0, -1):
        factor = _MODIFIERS.get(tuple(tokens[i : i + n]))
        if factor is not None:
            return n, factor
    return 0, 1.0


def _match_look(
    tokens: list[str], canon: list[str], factors: list[float], i: int, library: LookLibrary
) -> tuple[int, str | None, float]:
    """Longest name or synonym at ``i``: ``(tokens, look name, weight factor)``; each length is
    tried as written first, then with the words normalised (``canon``, ``factors``)."""
    phrases = library.phrases
    for n in range(min(library.max_phrase_tokens, len(tokens) - i), 0, -1):
        name = phrases.get(tuple(tokens[i : i + n]))
        if name is not None:
            return n, name, 1.0
        name = phrases.get(tuple(canon[i : i + n]))
        if name is not None:
            return n, name, math.prod(factors[i : i + n])
    return 0, None, 1.0


def _suggest(word: str, library: LookLibrary) -> list[str]:
    """Up to 3 closest names or synonyms (difflib), the best first."""
    phrases = library.phrase_texts()
    close = difflib.get_close_matches(word, phrases, n=3, cutoff=0.5)
    return close or difflib.get_close_matches(word, phrases, n=3, cutoff=0.0)


# -- parsing ----------------------------------------------------------------------------------


@dataclass
class _Reading:
    looks: dict[str, MatchedLook] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def add_look(self, name: str, weight: float, phrase: str) -> None:
        old = self.looks.get(name)
        if old is None:
            self.looks[name] = MatchedLook(name, weight, phrase)
            return
        if (old.weight > 0) == (weight > 0):
            total = old.weight if abs(old.weight) >= abs(weight) else weight
        else:
            total = old.weight + weight
        self.looks[name] = MatchedLook(name, total, f"{old.phrase} + {phrase}")


def _read_clause(tokens: list[str], library: LookLibrary, reading: _Reading) -> None:
    normalised = [_normalise(t, library.vocabulary) for t in tokens]
    canon = [c for c, _ in normalised]
    factors = [f for _, f in normalised]
    pending, pending_words = 1.0, []
    i = 0
    while i < len(tokens):
        n_look, name, factor = _match_look(tokens, canon, factors, i, library)
        n_mod, mod = _match_modifier(tokens, i)
        if name is not None and n_look >= n_mod:
            phrase = " ".join(pending_words + tokens[i : i + n_look])
            reading.add_look(name, pending * factor, phrase)
            pending, pending_words = 1.0, []
            i += n_look
        elif n_mod:
            pending *= mod
            pending_words += tokens[i : i + n_mod]
            i += n_mod
        elif _is_stop_word(tokens[i], canon[i]):
            reading.ignored.append(tokens[i])
            i += 1
        else:
            reading.unknown.append(tokens[i])
            i += 1


def parse_prompt(text: str, library: LookLibrary | None = None) -> ParsedPrompt:
    """Read ``text`` against ``library`` (default: the bundled looks); see the module docstring.

    Raises :class:`BadInputError` when the prompt names no look.
    """
    if not isinstance(text, str):
        raise BadInputError(f"a prompt must be text, got {type(text).__name__}")
    library = default_library() if library is None else library
    reading = _Reading()
    for clause in _CLAUSE.split(text):
        _read_clause(list(phrase_tokens(clause)), library, reading)
    unknown = [(w, _suggest(w, library)) for w in dict.fromkeys(reading.unknown)]
    if not reading.looks:
        raise BadInputError(_no_look_message(text, unknown, library))
    looks = list(reading.looks.values())
    items = [(library[m.name].params, m.weight) for m in looks]
    params = combine(items, limit=COMBINE_LIMIT).clamped()
    return ParsedPrompt(text, looks, unknown, params, reading.ignored)


def _no_look_message(text: str, unknown: list[tuple[str, list[str]]], lib: LookLibrary) -> str:
    shown = " ".join(text.split())
    if len(shown) > 80:
        shown = shown[:77] + "..."
    if not shown:
        return 'prompt "": empty; describe a look, e.g. "warm summer evening" or "moody noir"'
    if unknown:
        closest = "; ".join(f"{w} -> {', '.join(s) or '?'}" for w, s in unknown[:6])
        return f'prompt "{shown}": no known look words; closest: {closest}'
    examples = ", ".join(lib.names[:6])
    return f'prompt "{shown}": no known look words; known looks include {examples}, ...'
