"""The look library: named looks with synonyms, read from JSON and validated.

The bundled library is ``gradecli/data/looks.json`` (package data, read with importlib.resources);
:meth:`LookLibrary.from_path` reads another file of the same format::

    {"version": 1,
     "looks": [{"name": "warm", "category": "temperature", "synonyms": ["warmth", ...],
                "description": "...", "params": {"temperature": 700, "tint": 3}}, ...]}

``params`` is a :meth:`gradecli.color.grade_model.GradeParams.to_dict` dict: the look at weight 1.
Names and synonyms are indexed as *phrases*: token tuples made by :func:`phrase_tokens`
(lower case, ``&`` read as "and", apostrophes dropped, split on anything not a letter or digit),
so "Teal & Orange", "teal-and-orange" and "teal and orange" are the same phrase. A phrase may
belong to one look only.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gradecli.color.grade_model import GradeParams
from gradecli.errors import BadInputError
from gradecli.io.files import check_readable

__all__ = [
    "LOOKS_RESOURCE",
    "LookDescriptor",
    "LookLibrary",
    "default_library",
    "phrase_tokens",
]

#: The bundled library, relative to the gradecli package.
LOOKS_RESOURCE = "data/looks.json"
FORMAT_VERSION = 1
_KEYS = ("name", "category", "synonyms", "description", "params")
_TOKEN = re.compile(r"[a-z0-9]+")


def phrase_tokens(text: str) -> tuple[str, ...]:
    """Normalised tokens of a phrase: lower case, ``&`` -> "and", apostrophes dropped.

    >>> phrase_tokens("Teal & Orange, 70's")
    ('teal', 'and', 'orange', '70s')
    """
    text = text.lower().replace("&", " and ")
    text = re.sub(r"['\u2019`]", "", text)
    return tuple(_TOKEN.findall(text))


@dataclass(frozen=True)
class LookDescriptor:
    """One look: its name, category (temperature, time, mood, ...), synonyms, a one-line
    description and the grade at weight 1."""

    name: str
    category: str
    synonyms: tuple[str, ...]
    description: str
    params: GradeParams

    @property
    def phrases(self) -> tuple[str, ...]:
        """The name followed by the synonyms."""
        return (self.name, *self.synonyms)


class LookLibrary:
    """Looks by name, with an index of every name and synonym as a token phrase.

    Iterating yields the descriptors in file order; ``library[name]`` gets one by its exact
    name (KeyError otherwise); :meth:`lookup` finds one by any phrase.
    """

    def __init__(self, looks: Iterable[LookDescriptor], source: str = "<looks>") -> None:
        self.source = source
        self._looks: dict[str, LookDescriptor] = {}
        self._phrases: dict[tuple[str, ...], str] = {}
        for look in looks:
            if look.name in self._looks:
                raise BadInputError(f"{source}: look {look.name!r} is defined twice")
            self._looks[look.name] = look
            for phrase in look.phrases:
                self._index(look.name, phrase)
        if not self._looks:
            raise BadInputError(f"{source}: the library has no looks")
        self.max_phrase_tokens = max(len(p) for p in self._phrases)
        self.vocabulary = frozenset(t for p in self._phrases for t in p)
        self._phrase_view = MappingProxyType(self._phrases)
        self._texts = tuple(dict.fromkeys(" ".join(p) for p in self._phrases))

    def _index(self, name: str, phrase: str) -> None:
        tokens = phrase_tokens(phrase)
        if not tokens:
            raise BadInputError(f"{self.source}: look {name!r}: phrase {phrase!r} has no words")
        owner = self._phrases.setdefault(tokens, name)
        if owner != name:
            raise BadInputError(
                f"{self.source}: phrase {phrase!r} of look {name!r} already names look {owner!r}"
            )

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_json_text(cls, text: str, source: str = "<looks>") -> LookLibrary:
        """Parse and validate a library; BadInputError names ``source``, the look and the
        problem."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{source}: not valid JSON: {exc}") from None
        if not isinstance(data, Mapping) or not isinstance(data.get("looks"), list):
            raise BadInputError(f'{source}: expected an object with a "looks" list')
        if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
            raise BadInputError(
                f"{source}: unsupported version {data.get('version')!r} (expected {FORMAT_VERSION})"
            )
        extra = sorted(set(data) - {"version", "looks"})
        if extra:
            raise BadInputError(f"{source}: unknown top-level keys {', '.join(extra)}")
        return cls((_descriptor(entry, i, source) for i, entry in enumerate(data["looks"])), source)

    @classmethod
    def from_path(cls, path: str | os.PathLike) -> LookLibrary:
        """Read a library file (same format as the bundled one)."""
        p = check_readable(path, "look library")
        try:
            text = Path(p).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInputError(f"{p}: cannot read the look library: {exc}") from None
        return cls.from_json_text(text, str(p))

    @classmethod
    def bundled(cls) -> LookLibrary:
        """The library shipped in the package (``gradecli/data/looks.json``)."""
        resource = resources.files("gradecli").joinpath(LOOKS_RESOURCE)
        return cls.from_json_text(
            resource.read_text(encoding="utf-8"), f"gradecli/{LOOKS_RESOURCE}"
        )

    # -- access -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._looks)

    def __iter__(self) -> Iterator[LookDescriptor]:
        return iter(self._looks.values())

    def __contains__(self, name: object) -> bool:
        return name in self._looks

    def __getitem__(self, name: str) -> LookDescriptor:
        return self._looks[name]

    @property
    def names(self) -> tuple[str, ...]:
        """Look names in file order."""
        return tuple(self._looks)

    @property
    def phrases(self) -> Mapping[tuple[str, ...], str]:
        """Token phrase (of a name or synonym) -> look name (read-only)."""
        return self._phrase_view

    def phrase_texts(self) -> tuple[str, ...]:
        """Every name and synonym as normalised text, each once, in file order."""
        return self._texts

    def lookup(self, phrase: str | tuple[str, ...]) -> LookDescriptor | None:
        """The look a name or synonym belongs to (normalised as by :func:`phrase_tokens`)."""
        tokens = phrase if isinstance(phrase, tuple) else phrase_tokens(phrase)
        name = self._phrases.get(tokens)
        return None if name is None else self._looks[name]

    def categories(self) -> dict[str, list[str]]:
        """category -> look names, in file order."""
        out: dict[str, list[str]] = {}
        for look in self:
            out.setdefault(look.category, []).append(look.name)
        return out


def _descriptor(entry: Any, index: int, source: str) -> LookDescriptor:
    where = f"{source}: look #{index + 1}"
    if not isinstance(entry, Mapping):
        raise BadInputError(f"{where}: expected an object, got {type(entry).__name__}")
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        where = f"{where} ({name!r})"
    missing = [k for k in _KEYS if k not in entry]
    unknown = sorted(set(entry) - set(_KEYS))
    if missing or unknown:
        problems = [f"missing {', '.join(missing)}"] if missing else []
        problems += [f"unknown keys {', '.join(unknown)}"] if unknown else []
        raise BadInputError(f"{where}: {'; '.join(problems)} (keys are {', '.join(_KEYS)})")
    for key in ("name", "category", "description"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise BadInputError(f"{where}: {key} must be a non-empty string")
    synonyms = entry["synonyms"]
    if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
        raise BadInputError(f"{where}: synonyms must be a list of strings")
    try:
        params = GradeParams.from_dict(entry["params"])
    except ValueError as exc:
        raise BadInputError(f"{where}: bad params: {exc}") from None
    return LookDescriptor(
        name=entry["name"].strip(),
        category=entry["category"].strip(),
        synonyms=tuple(s.strip() for s in synonyms),
        description=entry["description"].strip(),
        params=params,
    )


@lru_cache(maxsize=1)
def default_library() -> LookLibrary:
    """The bundled library, loaded and validated once per process."""
    return LookLibrary.bundled()
