"""LUT use cases: apply a LUT to a clip or still, fit one from a still pair, convert, inspect."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from gradecli.color.lut import Lut
from gradecli.engine.transcode import ProgressFn, TranscodeResult, transcode
from gradecli.errors import BadInputError
from gradecli.io.images import is_image_path, read_image, write_image
from gradecli.io.luts import read_lut, write_lut
from gradecli.io.video import EncodeOptions, is_video_path
from gradecli.pipeline.paths import check_input, check_output

__all__ = ["ApplyResult", "LutInfo", "apply_lut_file", "convert_lut", "fit_lut_files", "lut_info"]

INTERPOLATIONS = ("tetrahedral", "trilinear")


@dataclass(frozen=True)
class ApplyResult:
    output: Path
    kind: str  # "video" or "image"
    frames: int
    transcode: TranscodeResult | None = None


def _color_function(lut: Lut, interpolation: str):
    if interpolation not in INTERPOLATIONS:
        raise BadInputError(
            f"unknown interpolation {interpolation!r}; use {' or '.join(INTERPOLATIONS)}"
        )
    return partial(lut.apply, interpolation=interpolation)


def apply_lut_file(
    src: str | os.PathLike,
    lut: Lut | str | os.PathLike,
    dst: str | os.PathLike,
    *,
    interpolation: str = "tetrahedral",
    encode: EncodeOptions | None = None,
    progress: ProgressFn | None = None,
) -> ApplyResult:
    """Grade a clip or still with a LUT (a :class:`Lut` or a LUT file) and write ``dst``."""
    src_p = check_input(src)
    inputs = [src_p]
    if not isinstance(lut, Lut):
        inputs.append(check_input(lut))
        lut = read_lut(lut)
    dst_p = check_output(dst, inputs)
    fn = _color_function(lut, interpolation)
    if is_image_path(src_p):
        if not is_image_path(dst_p):
            raise BadInputError(f"{dst_p}: a still must be written as an image (.png, .tif, .jpg)")
        img = read_image(src_p)
        write_image(dst_p, fn(img.rgb), bit_depth=img.bit_depth, alpha=img.alpha)
        return ApplyResult(dst_p, "image", 1)
    if not is_video_path(src_p):
        raise BadInputError(f"{src_p}: not a video or image (unknown extension '{src_p.suffix}')")
    if not is_video_path(dst_p):
        raise BadInputError(f"{dst_p}: a clip must be written as a video (.mp4, .mov, .mkv)")
    res = transcode(src_p, dst_p, fn, encode, progress=progress)
    return ApplyResult(dst_p, "video", res.frames, res)


def fit_lut_files(
    before: str | os.PathLike,
    after: str | os.PathLike,
    dst: str | os.PathLike,
    *,
    size: int = 33,
    smoothness: float | None = None,
) -> Lut:
    """Fit a LUT from a before/after still pair (same size) and write it to ``dst``."""
    b_p, a_p = check_input(before), check_input(after)
    out = check_output(dst, [b_p, a_p])
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


def convert_lut(src: str | os.PathLike, dst: str | os.PathLike, *, size: int | None = None) -> Lut:
    """Read a LUT in one format and write it in another (by extension), optionally resampled."""
    s = check_input(src)
    out = check_output(dst, [s])
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
