"""``--protect-skin S`` on grade, match and lut apply: each shot's LUT blended, per pixel, with
its skin-preserving version (gradecli.color.skin_protect) by the clip's skin mask
(gradecli.color.masks keyed on the faces the clip shows, gradecli.pipeline.segment)."""

from __future__ import annotations

import os
from pathlib import Path

from gradecli.color.lut import Lut
from gradecli.color.masks import SkinKey, SkinModel
from gradecli.color.skin_protect import skin_preserving
from gradecli.engine.kernels import LutGrade
from gradecli.engine.protect import ProtectedGrade
from gradecli.errors import BadInputError
from gradecli.pipeline.segment import clip_skin_model

__all__ = ["check_strength", "face_skin_model", "protected_grade"]


def check_strength(strength: float | None) -> float:
    """``strength`` (None: 0) if it is in 0..1, else BadInputError."""
    s = 0.0 if strength is None else float(strength)
    if not 0.0 <= s <= 1.0:
        raise BadInputError(f"--protect-skin must be 0..1 (how much of the skin to keep), got "
                            f"{strength:g}")
    return s


def face_skin_model(path: str | os.PathLike, required: bool = True) -> SkinModel | None:
    """The skin model seeded by the faces in a clip or still; without faces BadInputError
    (``required``) or None: there is no skin to protect."""
    skin, faces = clip_skin_model(path)
    if faces:
        return skin
    if required:
        raise BadInputError(f"{Path(path)}: no face found, so --protect-skin has no skin to key "
                            "on; leave it out for this input")
    return None


def protected_grade(lut: Lut, skin: SkinModel, strength: float,
                    interpolation: str = "tetrahedral", encoding: str = "srgb") -> ProtectedGrade:
    """The schedule entry that grades with ``lut`` and keeps skin (``strength`` 0..1 of it)."""
    keep = Lut.from_function(skin_preserving(lut.apply, encoding), size=lut.size or 33)
    return ProtectedGrade(LutGrade(lut, interpolation), LutGrade(keep, interpolation),
                          SkinKey(skin), strength)
