"""`verify --skin-tones`: do these grades treat light and dark skin alike?

Inputs are grades, not footage:

- a LUT file (``.cube`` or Hald CLUT ``.png``, read with :func:`gradecli.io.luts.read_lut`);
- a match report (a ``.json`` file, e.g. ``match_report.json``): every shot's LUT it lists
  (``clips[i].shots[j].lut``), found as written, else beside the report.

Each LUT renders the skin-tone swatches of :mod:`gradecli.color.skin_tones` (the 10 Monk Skin
Tone swatches and the ColorChecker's two skin patches; sRGB code values, which is what a LUT acts
on) and :func:`gradecli.color.skin_tones.skin_tone_report` compares them with the originals. A
LUT passes when its disparity (eq. 40: population std / mean of ΔE00 over the 10 MST tones) is at
most ``max_disparity``.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from gradecli.color.lut import Lut
from gradecli.color.skin_tones import SkinToneReport, skin_tone_report, skin_tone_swatches
from gradecli.errors import BadInputError
from gradecli.io.files import check_readable, read_bytes
from gradecli.io.luts import LUT_EXTENSIONS, read_lut

__all__ = [
    "DEFAULT_MAX_DISPARITY",
    "LutSkinTones",
    "SkinToneCheck",
    "check_skin_tones",
    "lut_skin_tones",
]

#: Default --max-disparity. Measured (benchmarks/bench_skin_tones.py and the same LUTs at other
#: strengths, 33^3 tables): even changes give 0.20-0.47: exposure of -2, -1, -0.5, -0.25, +0.25,
#: +0.5, +1, +1.5, +2 stops (a gain in linear light) 0.41, 0.37, 0.35, 0.34, 0.38, 0.32, 0.36,
#: 0.40, 0.47; saturation x0.8 / x1.2 0.40 / 0.37; a warm cast (R x1.08, B x0.88) 0.43; a
#: contrast S-curve 0.20; the four examples/looks 0.20-0.40. CIELAB itself makes an even change
#: uneven by tone (light tones clip, dark ones move less in L*), hence no figure near 0. A LUT
#: that darkens and greys only dark tones (luma below 0.35) gives 1.40-1.67 whether it reaches
#: below luma 0.2, 0.35 or 0.5. 0.6 passes every even change with a margin of a quarter above the
#: largest (0.47) and fails the dark-only grades by more than a factor of two.
DEFAULT_MAX_DISPARITY = 0.6


@dataclass(frozen=True)
class LutSkinTones:
    """One LUT's skin-tone report. ``source``: the match report that listed it, if any."""

    path: str
    report: SkinToneReport
    max_disparity: float
    source: str | None = None

    @property
    def passed(self) -> bool:
        return self.report.disparity <= self.max_disparity

    def to_dict(self) -> dict:
        return {"lut": self.path, "source": self.source, **self.report.to_dict(),
                "passed": self.passed}


@dataclass(frozen=True)
class SkinToneCheck:
    luts: list[LutSkinTones]
    max_disparity: float

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.luts)

    def to_dict(self) -> dict:
        return {"luts": [r.to_dict() for r in self.luts], "max_disparity": self.max_disparity,
                "passed": self.passed}


def _report_luts(path: Path) -> list[Path]:
    """The shot LUTs a match report lists, resolved (as written, else beside the report)."""
    try:
        report = json.loads(read_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInputError(f"{path}: not a JSON match report ({e})") from None
    clips = report.get("clips") if isinstance(report, dict) else None
    if not isinstance(clips, list):
        raise BadInputError(f"{path}: not a match report (no \"clips\" list)")
    out = []
    for clip in clips:
        shots = clip.get("shots", []) if isinstance(clip, dict) else []
        for shot in shots if isinstance(shots, list) else []:
            lut = shot.get("lut") if isinstance(shot, dict) else None
            if not lut:
                continue
            p = Path(str(lut))
            found = next((q for q in (p, path.parent / p.name, path.parent / p) if q.is_file()),
                         None)
            if found is None:
                raise BadInputError(f"{path}: lists LUT {lut}, which is neither there nor beside "
                                    "the report")
            out.append(found)
    if not out:
        raise BadInputError(f"{path}: the match report lists no LUTs")
    return out


def _luts(paths: list[str | os.PathLike]) -> list[tuple[Path, str | None]]:
    """(LUT path, match report that listed it or None), in order, each LUT once."""
    out: list[tuple[Path, str | None]] = []
    seen: set[Path] = set()
    for given in paths:
        p = Path(given)
        if p.is_dir():
            raise BadInputError(f"{p}: is a folder: name its LUTs (e.g. {p}/*.cube) or its "
                                "match_report.json")
        check_readable(p, "LUT or match report")
        ext = p.suffix.lower()
        if ext == ".json":
            found = [(q, str(p)) for q in _report_luts(p)]
        elif ext in LUT_EXTENSIONS:
            found = [(p, None)]
        else:
            raise BadInputError(f"{p}: not a LUT ({', '.join(LUT_EXTENSIONS)}) or a match report "
                                "(.json)")
        for q, src in found:
            key = q.resolve()
            if key not in seen:
                seen.add(key)
                out.append((q, src))
    return out


def lut_skin_tones(lut: Lut) -> SkinToneReport:
    """The skin-tone report of one LUT: the swatches rendered through it, against themselves."""
    _, swatches = skin_tone_swatches()
    return skin_tone_report(lut.apply(swatches))


def check_skin_tones(paths: list[str | os.PathLike],
                     max_disparity: float | None = None) -> SkinToneCheck:
    """Render the skin-tone swatches through every LUT of ``paths`` (LUT files and match
    reports) and judge each by its disparity (default :data:`DEFAULT_MAX_DISPARITY`).

    Raises BadInputError naming the file for the first input that cannot be read, before any
    LUT is judged.
    """
    limit = DEFAULT_MAX_DISPARITY if max_disparity is None else float(max_disparity)
    if not math.isfinite(limit) or limit < 0:
        raise BadInputError(f"--max-disparity must be a non-negative number, got {max_disparity}")
    if not paths:
        raise BadInputError("no inputs given (name LUT files or match_report.json files)")
    luts = [(p, src, read_lut(p)) for p, src in _luts(paths)]
    return SkinToneCheck([LutSkinTones(str(p), lut_skin_tones(lut), limit, src)
                          for p, src, lut in luts], limit)
