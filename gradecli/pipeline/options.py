"""Options of ``match`` and ``grade --ref`` and how they resolve: mode, transfer method, model.

``MatchOptions`` is shared by both use cases (grade builds one from its request); what a match
does for a target is decided here once: "look" (each shot's estimated look removed, one target
look given), "colour" (colour distributions made equal) or "model" (the bundled style model).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from gradecli.color.grade_model import GradeParams
from gradecli.color.transfer import METHODS
from gradecli.errors import BadInputError
from gradecli.io.files import check_readable
from gradecli.io.images import is_image_path
from gradecli.io.video import EncodeOptions, is_video_path
from gradecli.pipeline.shot_look import MATCH_MODES
from gradecli.pipeline.targets import Target, parse_target

__all__ = ["MatchOptions", "AUTO_METHOD", "MODEL_METHODS", "ALL_METHODS", "resolve_method",
           "resolve_mode", "load_style_model", "model_needs_picture", "check_target_file"]


@dataclass(frozen=True)
class MatchOptions:
    """How to match: transfer method, target, strength 0..1, LUT size, grouping, rendering."""

    method: str = "auto"
    #: What is made equal: "look" (each shot's estimated grade removed, one target look given,
    #: content colours kept), "colour" (colour distributions: right for takes of one scene) or
    #: "auto" (colour when every clip shows the same scene, else look). An explicit
    #: colour-transfer ``method`` means "colour". Measured in benchmarks/bench_look_match.py.
    match: str = "auto"
    target: str = "average"
    strength: float = 1.0
    lut_size: int = 33
    groups: str = "none"  # or "auto"
    #: The verdict's threshold; None: DEFAULT_MAX_DE for mean colours or looks.
    max_de: float | None = None
    luts_only: bool = False
    jobs: int = 1
    detect_cuts: bool = True
    interpolation: str = "tetrahedral"
    encode: EncodeOptions = field(default_factory=EncodeOptions)
    seed: int = 0
    #: For consensus targets (average, median): how much of the difference in contrast (L*
    #: spread) between a shot and the target to remove, 0..1. Between different pictures much of
    #: that difference is content, not grade; colour balance and exposure are always matched.
    contrast: float = 0.5
    #: A parametric look applied after the transfer (``--adjust``), or None.
    look: GradeParams | None = None
    #: Where frames are graded (the torch kernels on a CUDA GPU) and the style model runs
    #: (``--method model``): cpu, cuda or auto (gradecli.engine.device).
    device: str = "cpu"
    #: ``--protect-skin``: how much of the skin of the faces a clip shows to keep, 0..1 (0 off).
    protect_skin: float = 0.0

    def to_dict(self) -> dict:
        """The options as plain values (for reports)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["encode"] = dataclasses.asdict(self.encode)
        d["look"] = self.look.to_dict() if self.look is not None else None
        return d

    def validate(self) -> None:
        """Check every option (and the target's file) before any work; BadInputError names
        what is wrong and what is allowed."""
        if self.method != "auto" and self.method not in MODEL_METHODS:
            key = str(self.method).strip().lower()
            if key not in METHODS:
                raise BadInputError(
                    f"unknown --method {self.method!r}; use one of {', '.join(ALL_METHODS)}"
                )
        if self.device not in ("cpu", "cuda", "auto"):
            raise BadInputError(f"--device must be cpu, cuda or auto, got {self.device!r}")
        if self.match not in MATCH_MODES:
            raise BadInputError(
                f"--match must be {' or '.join(MATCH_MODES)}, got {self.match!r}"
            )
        kind, arg = parse_target(self.target)
        if arg is not None:
            check_target_file(kind, Path(arg))
        if kind == "neutral" and resolve_mode(self, kind) != "look":
            raise BadInputError(
                "--target neutral needs --match look or auto and no --method (it removes looks)"
            )
        if not 0.0 <= self.strength <= 1.0:
            raise BadInputError(f"--strength must be in 0..1, got {self.strength}")
        if not 2 <= self.lut_size <= 129:
            raise BadInputError(f"--lut-size must be 2..129, got {self.lut_size}")
        if self.groups not in ("none", "auto"):
            raise BadInputError(f"--groups must be none or auto, got {self.groups!r}")
        if not 0.0 <= self.contrast <= 1.0:
            raise BadInputError(f"--contrast must be in 0..1, got {self.contrast}")
        if self.jobs < 1:
            raise BadInputError(f"--jobs must be at least 1, got {self.jobs}")
        if not 0.0 <= self.protect_skin <= 1.0:
            raise BadInputError(f"--protect-skin must be 0..1 (how much of the skin to keep), "
                                f"got {self.protect_skin:g}")


#: What ``--method auto`` (the default) uses, by target kind. A target that is one real clip or
#: still has a look in the whole shape of its colour distribution: move the whole distribution
#: (idt). A consensus of different pictures (average, median, a profile) is only meaningful in
#: its statistics: match means and covariance (mkl), which keeps pictures' structure best.
#: Measured in benchmarks/bench_match.py.
AUTO_METHOD = {
    "average": "mkl",
    "median": "mkl",
    "stats": "mkl",
    "first": "idt",
    "brightest": "idt",
    "hero": "idt",
    "ref": "idt",
}


#: The bundled style model (gradecli.models.style), by ``--method`` name -> weights variant.
MODEL_METHODS = {"model": "fp32", "model-int8": "int8"}
#: Every ``--method``, as the help lists them.
ALL_METHODS = ("auto", *METHODS, *MODEL_METHODS)


def check_target_file(kind: str, path: Path) -> None:
    """The file of ``--target hero:/ref:/stats:`` exists and is of the right kind."""
    check_readable(path, "target")
    if kind == "stats" and path.suffix.lower() != ".json":
        raise BadInputError(f"{path}: --target stats: takes a .json profile")
    if kind == "ref" and not (is_image_path(path) or is_video_path(path)):
        raise BadInputError(f"{path}: --target ref: takes a still or a clip")
    if kind == "hero" and not (is_image_path(path) or is_video_path(path)):
        raise BadInputError(f"{path}: --target hero: takes a clip or a still")


def resolve_method(method: str, target_kind: str) -> str:
    """The transfer method to use: ``method``, or for "auto" the one for ``target_kind``."""
    if method in MODEL_METHODS:
        return method
    return AUTO_METHOD[target_kind] if method == "auto" else METHODS[method.strip().lower()].name


def resolve_mode(opts: MatchOptions, target_kind: str, one_scene: bool = False) -> str:
    """"look", "colour" or "model": what a match does for a target of ``target_kind``. A
    ``stats:`` profile is a colour distribution, and an explicit transfer method (reinhard,
    histogram, mkl, idt) matches distributions, so both mean "colour"; ``--match auto`` means
    colour when the pictures show ``one_scene``, else look."""
    if opts.method in MODEL_METHODS:
        return "model"
    if target_kind == "stats" or opts.method != "auto":
        return "colour"
    if opts.match == "auto":
        return "colour" if one_scene else "look"
    return opts.match


def load_style_model(method: str, device: str):
    """The style model for ``--method model`` / ``model-int8`` (ONNX Runtime, lazily)."""
    from gradecli.models.style import StyleModel

    return StyleModel.load(variant=MODEL_METHODS[method], device=device)


def model_needs_picture(target: Target) -> None:
    if target.thumb is None:
        raise BadInputError(
            f"--method model needs a target with a picture (ref:IMAGE, hero:CLIP_OR_STILL, "
            f"first or brightest); {target.description} has none"
        )
