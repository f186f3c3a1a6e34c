"""A parametric look from words and numbers: ``--prompt`` and ``--adjust``, baked into LUTs.

The look is a :class:`~gradecli.color.grade_model.GradeParams`: the prompt's matched looks
combined, then the user's adjustments added on top. Parameters are canonicalised (rounded as
recipes store them) before anything is baked, so a grade reproduced from its recipe gives the
same LUT byte for byte.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from gradecli.color.grade_model import GradeParams, add, apply_grade, parse_adjust
from gradecli.color.look_strength import calibrate, describe_scales
from gradecli.color.lut import Lut
from gradecli.errors import BadInputError
from gradecli.pipeline.prompt import ParsedPrompt, parse_prompt

__all__ = ["Look", "build_look", "calibrated", "canonical", "look_lut", "with_look"]


def canonical(params: GradeParams) -> GradeParams:
    """``params`` as a recipe stores and reads them back (values rounded deterministically)."""
    return GradeParams.from_dict(params.to_dict())


@dataclass(frozen=True)
class Look:
    """The parametric part of a grade: what the prompt gave, what adjustments add, the sum.

    ``prompt_scales``: per part of the prompt's look (colour, tone, chroma), the factor it was
    scaled by for the picture it grades (:func:`calibrated`), empty before calibration;
    ``prompt_scale`` is the main part's (1.0 before calibration); ``params`` includes them."""

    prompt: str | None = None
    parsed: ParsedPrompt | None = None
    prompt_params: GradeParams = field(default_factory=GradeParams)
    adjust: GradeParams = field(default_factory=GradeParams)
    params: GradeParams = field(default_factory=GradeParams)
    prompt_scales: tuple[tuple[str, float], ...] = ()

    @property
    def prompt_scale(self) -> float:
        """The factor of the prompt look's main part (1.0 before calibration)."""
        return self.prompt_scales[0][1] if self.prompt_scales else 1.0

    def describe_scales(self) -> str:
        """The calibration's factors that are not 1, e.g. ``"colour x2.28, chroma x0.65"``."""
        return describe_scales(self.prompt_scales)

    @property
    def is_neutral(self) -> bool:
        return self.params.is_neutral


def build_look(
    prompt: str | None = None,
    adjust: str | GradeParams | None = None,
    *,
    prompt_params: GradeParams | None = None,
    library=None,
) -> Look:
    """Parse ``prompt`` (unless ``prompt_params`` already holds its result, as in a recipe) and
    add ``adjust`` ("exposure=+0.3,saturation=-0.1" or parameters).

    Raises BadInputError for a prompt with no known look word or a malformed adjustment.
    """
    parsed = None
    if prompt_params is None:
        if prompt is not None:
            if library is None:
                from gradecli.io.look_library import default_library

                library = default_library()
            parsed = parse_prompt(prompt, library)
            prompt_params = parsed.params
        else:
            prompt_params = GradeParams()
    if isinstance(adjust, str):
        try:
            adjust = parse_adjust(adjust)
        except ValueError as e:
            raise BadInputError(f"--adjust: {e}") from None
    adjust = canonical(adjust or GradeParams())
    prompt_params = canonical(prompt_params)
    return Look(prompt, parsed, prompt_params, adjust, canonical(add(prompt_params, adjust)))


def calibrated(look: Look, rgb: np.ndarray, encoding: str = "srgb") -> Look:
    """``look`` with its prompt part scaled so that it changes the picture ``rgb`` (..., 3)
    R'G'B' 0..1 by the amount it changes a standard chart (gradecli.color.look_strength);
    adjustments stay as given. Deterministic for the same picture, so recipes rebuild it."""
    cal = calibrate(look.prompt_params, rgb, encoding)
    scales = tuple((part, round(k, 3)) for part, k in cal.scales)
    if all(k == 1.0 for _, k in scales) and cal.pivot is None:
        return look
    params = canonical(add(cal.params, look.adjust))
    return dataclasses.replace(look, params=params, prompt_scales=scales)


def look_lut(params: GradeParams, size: int = 33, encoding: str = "srgb") -> Lut:
    """The look alone as a 3D LUT (code values in, code values out)."""
    return Lut.from_function(lambda x: apply_grade(params, x, encoding), size=size)


def with_look(lut: Lut, params: GradeParams, encoding: str = "srgb") -> Lut:
    """``lut`` followed by the look, re-baked at ``lut``'s size (``lut`` itself when neutral)."""
    if params.is_neutral:
        return lut

    def graded(x: np.ndarray) -> np.ndarray:
        return apply_grade(params, np.clip(lut.apply(x), 0.0, 1.0), encoding)

    return Lut.from_function(graded, size=lut.size or 33)
