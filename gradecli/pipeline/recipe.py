"""Recipes: everything a grade was made from, saved beside its output as ``OUTPUT.grade.json``.

``gradecli grade clip.mp4 --recipe v1.grade.json`` rebuilds exactly the grade of v1 (the same
LUT, byte for byte: the look's parameters are stored as they were baked, not re-parsed from
the prompt); adding ``--adjust saturation=-0.1`` refines it into v2, whose own recipe holds the
summed adjustments.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from gradecli import __version__
from gradecli.color.grade_model import GradeParams
from gradecli.errors import BadInputError
from gradecli.io.files import read_bytes, sha256_file, write_atomic
from gradecli.io.video import EncodeOptions

__all__ = ["RECIPE_FORMAT", "Recipe", "read_recipe", "recipe_path_for", "write_recipe"]

RECIPE_FORMAT = 1


def recipe_path_for(output: str | os.PathLike) -> Path:
    """``v1.mp4`` -> ``v1.grade.json`` beside it."""
    out = Path(output)
    return out.with_name(f"{out.stem}.grade.json")


@dataclass(frozen=True)
class Recipe:
    """The inputs of a grade (what reproduces it) and, for reading, what it produced."""

    reference: str | None = None
    reference_sha256: str | None = None
    prompt: str | None = None
    #: The prompt's matched looks: dicts {"name", "weight", "phrase"} (informative).
    looks: tuple[dict, ...] = ()
    #: The prompt's combined look, as baked (reproduction uses this, not a re-parse).
    prompt_params: GradeParams = field(default_factory=GradeParams)
    adjust: GradeParams = field(default_factory=GradeParams)
    #: prompt_params + adjust: the whole parametric look (informative).
    look: GradeParams = field(default_factory=GradeParams)
    method: str = "auto"
    #: ``--match`` (look, colour or auto); recipes from before it existed matched colour.
    match: str = "auto"
    method_used: str | None = None
    strength: float = 1.0
    lut_size: int = 33
    interpolation: str = "tetrahedral"
    detect_cuts: bool = True
    seed: int = 0
    encode: EncodeOptions = field(default_factory=EncodeOptions)
    device: str = "cpu"
    input: str | None = None
    output: str | None = None
    luts: tuple[str, ...] = ()
    preview: str | None = None
    parent: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "gradecli_recipe": RECIPE_FORMAT,
            "gradecli": __version__,
            "input": self.input,
            "output": self.output,
            "luts": list(self.luts),
            "preview": self.preview,
            "parent": self.parent,
            "reference": (
                {"path": self.reference, "sha256": self.reference_sha256}
                if self.reference
                else None
            ),
            "prompt": self.prompt,
            "looks": list(self.looks),
            "prompt_params": self.prompt_params.to_dict(),
            "adjustments": self.adjust.to_dict(),
            "look": self.look.to_dict(),
            "method": self.method,
            "match": self.match,
            "method_used": self.method_used,
            "strength": self.strength,
            "lut_size": self.lut_size,
            "interpolation": self.interpolation,
            "cuts": self.detect_cuts,
            "seed": self.seed,
            "device": self.device,
            "encode": asdict(self.encode),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "recipe") -> Recipe:
        """Read a recipe dict; BadInputError naming ``source`` for anything malformed."""
        if not isinstance(d, dict) or d.get("gradecli_recipe") != RECIPE_FORMAT:
            raise BadInputError(f"{source}: not a gradecli recipe (format {RECIPE_FORMAT})")
        try:
            ref = d.get("reference") or {}
            return cls(
                reference=ref.get("path"),
                reference_sha256=ref.get("sha256"),
                prompt=d.get("prompt"),
                looks=tuple(d.get("looks") or ()),
                prompt_params=GradeParams.from_dict(d.get("prompt_params") or {}),
                adjust=GradeParams.from_dict(d.get("adjustments") or {}),
                look=GradeParams.from_dict(d.get("look") or {}),
                method=str(d.get("method", "auto")),
                match=str(d.get("match", "colour")),
                method_used=d.get("method_used"),
                strength=float(d.get("strength", 1.0)),
                lut_size=int(d.get("lut_size", 33)),
                interpolation=str(d.get("interpolation", "tetrahedral")),
                detect_cuts=bool(d.get("cuts", True)),
                seed=int(d.get("seed", 0)),
                device=str(d.get("device", "cpu")),
                encode=EncodeOptions(**(d.get("encode") or {})),
                input=d.get("input"),
                output=d.get("output"),
                luts=tuple(d.get("luts") or ()),
                preview=d.get("preview"),
                parent=d.get("parent"),
            )
        except BadInputError as e:
            raise BadInputError(f"{source}: {e}") from None
        except (TypeError, ValueError, AttributeError) as e:
            raise BadInputError(f"{source}: malformed recipe ({e})") from None


def read_recipe(path: str | os.PathLike) -> Recipe:
    """Read ``path``; a relative reference path is taken relative to the recipe's folder.

    Raises BadInputError naming the file (missing, not JSON, not a recipe, the reference
    missing or changed since the recipe was written).
    """
    p = Path(path)
    try:
        d = json.loads(read_bytes(p).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInputError(f"{p}: not a JSON recipe ({e})") from None
    recipe = Recipe.from_dict(d, str(p))
    if recipe.reference:
        ref = Path(recipe.reference)
        if not ref.is_absolute():
            ref = p.parent / ref
        if not ref.is_file():
            raise BadInputError(f"{p}: its reference still {ref} is missing")
        if recipe.reference_sha256 and sha256_file(ref) != recipe.reference_sha256:
            raise BadInputError(
                f"{p}: its reference still {ref} has changed since the recipe was written"
            )
        recipe = replace(recipe, reference=str(ref))
    return recipe


def write_recipe(recipe: Recipe, path: str | os.PathLike) -> None:
    """Write the recipe atomically as indented, key-ordered JSON."""
    text = json.dumps(recipe.to_dict(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))
