"""LUT use cases: apply a LUT to a clip or still, fit one from a still pair, convert, inspect."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gradecli.color.lut import Lut
from gradecli.engine.device import DeviceChoice
from gradecli.engine.kernels import LutGrade
from gradecli.engine.transcode import ProgressFn, TranscodeResult, transcode
from gradecli.errors import BadInputError
from gradecli.io.images import is_image_path, read_image, write_image
from gradecli.io.luts import read_lut, write_lut
from gradecli.io.video import EncodeOptions, is_video_path
from gradecli.pipeline.batch import output_exists, plan_outputs
from gradecli.pipeline.paths import check_input, check_output
from gradecli.pipeline.protect import check_strength, face_skin_model, protected_grade

__all__ = ["ApplyItem", "ApplyResult", "LutInfo", "apply_lut_file", "check_interpolation",
           "convert_lut", "fit_lut_files", "lut_info", "plan_apply", "read_lut_file"]

INTERPOLATIONS = ("tetrahedral", "trilinear")
LUT_EXTENSIONS = (".cube",)  # a Hald CLUT .png is also a still: told apart by its content


@dataclass(frozen=True)
class ApplyResult:
    output: Path
    kind: str  # "video" or "image"
    frames: int
    transcode: TranscodeResult | None = None
    #: "written", or "skipped" (the output existed and --skip-existing was given).
    status: str = "written"

    def to_dict(self, source: Path | None = None) -> dict:
        d = {"output": str(self.output), "kind": self.kind, "frames": self.frames,
             "status": self.status}
        if source is not None:
            d = {"input": str(source), **d}
        return d


@dataclass(frozen=True)
class ApplyItem:
    """One input of ``lut apply`` and where it goes; ``skip``: its output exists and is to be
    left (``overwrite="skip"``)."""

    input: Path
    output: Path
    kind: str
    skip: bool = False

    def to_dict(self) -> dict:
        return {"input": str(self.input), "output": str(self.output), "kind": self.kind,
                "status": "skip (exists)" if self.skip else "write"}


def check_interpolation(interpolation: str) -> str:
    """``interpolation``, or BadInputError naming the ones there are."""
    if interpolation not in INTERPOLATIONS:
        raise BadInputError(
            f"unknown interpolation {interpolation!r}; use {' or '.join(INTERPOLATIONS)}"
        )
    return interpolation


def read_lut_file(path: str | os.PathLike) -> Lut:
    """The LUT in ``path`` (checked to be a readable file first)."""
    return read_lut(check_input(path))


def _color_function(lut: Lut, interpolation: str):
    return LutGrade(lut, check_interpolation(interpolation))


def _kind_of(src: Path, dst: Path) -> str:
    """"video" or "image"; BadInputError when ``src`` is neither or ``dst`` cannot hold it."""
    if is_image_path(src):
        if not is_image_path(dst):
            raise BadInputError(f"{dst}: a still must be written as an image (.png, .tif, .jpg)")
        return "image"
    if not is_video_path(src):
        raise BadInputError(f"{src}: not a video or image (unknown extension '{src.suffix}')")
    if not is_video_path(dst):
        raise BadInputError(f"{dst}: a clip must be written as a video (.mp4, .mov, .mkv)")
    return "video"


def _looks_like_lut(p: Path) -> bool:
    return p.suffix.lower() in LUT_EXTENSIONS


def plan_apply(inputs: list[Path], lut: Path, output: Path, *, name: str | None = None,
               overwrite: str = "yes", folder: bool | None = None) -> list[ApplyItem]:
    """Where each input of ``lut apply`` goes, every input and output checked, nothing read
    but the files' names. ``folder``: write into ``output`` as a folder (default: when there
    are several inputs, ``name`` is given or ``output`` is an existing folder)."""
    if not _looks_like_lut(lut) and (is_video_path(lut) or is_image_path(lut)):
        swapped = next((p for p in inputs if _looks_like_lut(p)), None)
        if swapped is not None or is_video_path(lut):
            raise BadInputError(
                f"{lut}: not a LUT (the LUT comes last: lut apply INPUT... LUT -o OUTPUT); did "
                "you swap INPUT and LUT?"
            )
    check_input(lut)
    for p in inputs:
        check_input(p)
    if folder is None:
        folder = len(inputs) > 1 or name is not None or output.is_dir()
    if folder:
        if output.exists() and not output.is_dir():
            raise BadInputError(f"{output}: several inputs need a folder as output, not a file")
        outs = plan_outputs(inputs, output, name or "{name}")
    else:
        outs = [output]
    items = []
    for src, dst in zip(inputs, outs, strict=True):
        kind = _kind_of(src, dst)
        if not folder:
            check_output(dst, [src, lut])
        items.append(ApplyItem(src, dst, kind, output_exists(dst, overwrite)))
    return items


def apply_lut_file(
    src: str | os.PathLike,
    lut: Lut | str | os.PathLike,
    dst: str | os.PathLike,
    *,
    interpolation: str = "tetrahedral",
    encode: EncodeOptions | None = None,
    progress: ProgressFn | None = None,
    overwrite: str = "yes",
    protect_skin: float = 0.0,
    device: str | DeviceChoice = "cpu",
) -> ApplyResult:
    """Grade a clip or still with a LUT (a :class:`Lut` or a LUT file) and write ``dst``.
    ``overwrite``: what to do when ``dst`` exists (gradecli.pipeline.batch.output_exists);
    ``protect_skin`` 0..1: keep that much of the skin the faces in ``src`` show (0: off);
    ``device``: where video frames are graded (cpu, cuda, auto; stills: on the CPU)."""
    src_p = check_input(src)
    inputs = [src_p]
    if not isinstance(lut, Lut):
        inputs.append(check_input(lut))
        lut = read_lut(lut)
    dst_p = check_output(dst, inputs)
    kind = _kind_of(src_p, dst_p)
    if output_exists(dst_p, overwrite):
        return ApplyResult(dst_p, kind, 0, status="skipped")
    fn = _color_function(lut, interpolation)
    if check_strength(protect_skin) > 0.0:
        fn = protected_grade(lut, face_skin_model(src_p), protect_skin, interpolation)
    if kind == "image":
        img = read_image(src_p)
        write_image(dst_p, fn(img.rgb), bit_depth=img.bit_depth, alpha=img.alpha)
        return ApplyResult(dst_p, "image", 1)
    res = transcode(src_p, dst_p, fn, encode, progress=progress, device=device)
    return ApplyResult(dst_p, "video", res.frames, res)


def fit_lut_files(
    before: str | os.PathLike,
    after: str | os.PathLike,
    dst: str | os.PathLike,
    *,
    size: int = 33,
    smoothness: float | None = None,
    overwrite: str = "yes",
) -> Lut:
    """Fit a LUT from a before/after still pair (same size) and write it to ``dst``."""
    b_p, a_p = check_input(before), check_input(after)
    out = check_output(dst, [b_p, a_p])
    if output_exists(out, overwrite):
        return read_lut(out)
    for p in (b_p, a_p):
        if not is_image_path(p):
            raise BadInputError(f"{p}: lut fit takes still images (.png, .tif, .jpg)")
    b, a = read_image(b_p), read_image(a_p)
    if b.rgb.shape != a.rgb.shape:
        raise BadInputError(
            f"{a_p}: size {a.rgb.shape[1]}x{a.rgb.shape[0]} differs from {b_p} "
            f"({b.rgb.shape[1]}x{b.rgb.shape[0]}); before and after must be the same picture"
        )
    if not 2 <= size <= 129:
        raise BadInputError(f"--size must be 2..129, got {size}")
    from gradecli.color.lut_fit import fit_lut  # scipy: imported only when fitting

    kw = {} if smoothness is None else {"smoothness": smoothness}
    lut = fit_lut(b.rgb, a.rgb, size=size, **kw)
    lut = dataclasses.replace(
        lut,
        title=f"gradecli fit {b_p.name} -> {a_p.name}",
        comments=(f"fitted by gradecli lut fit from {b_p.name} and {a_p.name}",),
    )
    write_lut(lut, out)
    return lut


def convert_lut(src: str | os.PathLike, dst: str | os.PathLike, *, size: int | None = None,
                overwrite: str = "yes") -> Lut:
    """Read a LUT in one format and write it in another (by extension), optionally resampled.
    ``overwrite`` "error" refuses an existing ``dst`` ("skip" is treated as "error": a
    conversion has nothing else to do)."""
    s = check_input(src)
    out = check_output(dst, [s])
    output_exists(out, "error" if overwrite == "skip" else overwrite)
    lut = read_lut(s)
    if size is not None:
        lut = lut.resample(size)
    write_lut(lut, out)
    return lut


@dataclass(frozen=True)
class LutInfo:
    path: str
    title: str
    kind: str
    size_3d: int | None
    size_1d: int | None
    domain: list[list[float]]
    shaper_domain: list[list[float]] | None
    output_min: list[float]
    output_max: list[float]
    is_identity: bool
    comments: list[str]

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def lut_info(path: str | os.PathLike) -> LutInfo:
    """Describe a LUT file."""
    p = check_input(path)
    lut = read_lut(p)
    out = lut.table if lut.table is not None else lut.shaper
    kind = (
        "1D shaper + 3D"
        if lut.shaper is not None and lut.table is not None
        else ("3D" if lut.table is not None else "1D")
    )
    flat = np.asarray(out).reshape(-1, 3)
    return LutInfo(
        path=str(p),
        title=lut.title,
        kind=kind,
        size_3d=lut.table.shape[0] if lut.table is not None else None,
        size_1d=lut.shaper.shape[0] if lut.shaper is not None else None,
        domain=np.asarray(lut.domain).tolist(),
        shaper_domain=np.asarray(lut.shaper_domain).tolist() if lut.shaper is not None else None,
        output_min=flat.min(axis=0).tolist(),
        output_max=flat.max(axis=0).tolist(),
        is_identity=bool(lut.is_identity()),
        comments=list(lut.comments),
    )
