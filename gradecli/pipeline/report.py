"""Grade reports: ``--report FILE.html|.pdf`` on match, grade and verify, and ``gradecli report``
from a saved ``match_report.json``.

A match report is built from the JSON report alone plus the files it names (inputs and LUTs), so
``match --report`` and ``gradecli report match_report.json`` give the same page, and its numbers
are the JSON's. Thumbnails: each shot's middle frame read from the input, and the same frame
through the shot's LUT. Scopes: CIELAB a*b* and L* of those frames before and after.
"""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

import numpy as np

from gradecli import __version__
from gradecli.color.lut import Lut
from gradecli.color.spaces import rgb_to_lab
from gradecli.errors import BadInputError
from gradecli.io.images import is_image_path, read_image
from gradecli.io.luts import read_lut
from gradecli.io.report import (
    ItemPart,
    PairRow,
    Picture,
    ReportData,
    ShotPart,
    find_chromium,
    have_matplotlib,
    jpeg,
    lut_ramps_png,
    render_html,
    scopes_png,
    write_html,
    write_pdf,
)
from gradecli.io.video import pyav_version, read_frames_at
from gradecli.pipeline.match_result import scene_partners, scene_words

__all__ = ["REPORT_EXTENSIONS", "check_report", "match_luts", "match_report_data",
           "match_report_items",
           "verify_report_data", "grade_report_data", "write_report_file"]

REPORT_EXTENSIONS = (".html", ".htm", ".pdf")
_RAMP = np.repeat(np.linspace(0.0, 1.0, 65)[:, None], 3, axis=1)


def check_report(path: str | os.PathLike | None,
                 creates: str | os.PathLike | None = None) -> Path | None:
    """``path`` if a report can be written there, checked before any work: the extension, the
    optional ``report`` extra (matplotlib), Chromium for a PDF, and its folder (which exists, or
    is ``creates``: the output folder the command makes before it writes the report). None for
    no report."""
    if path is None:
        return None
    p = Path(path)
    if p.suffix.lower() not in REPORT_EXTENSIONS:
        raise BadInputError(f"{p}: a report is .html or .pdf")
    if not have_matplotlib():
        raise BadInputError("--report needs the report extra: pip install 'gradecli[report]' "
                            "(matplotlib)")
    if p.suffix.lower() == ".pdf" and find_chromium() is None:
        raise BadInputError(f"{p}: a PDF report needs Chromium (apt-get install chromium); "
                            "an .html report needs nothing more")
    made = creates is not None and p.parent.resolve() == Path(creates).resolve()
    if not made and not p.parent.resolve().is_dir():
        raise BadInputError(f"{p}: folder {p.parent} does not exist")
    return p


def write_report_file(data: ReportData, path: str | os.PathLike) -> Path:
    """Write ``data`` as HTML or PDF by ``path``'s extension."""
    p = Path(path)
    if p.suffix.lower() == ".pdf":
        write_pdf(render_html(data), p)
    else:
        write_html(data, p)
    return p


def _picture(rgb: np.ndarray, alt: str) -> Picture:
    return Picture(jpeg(rgb), "image/jpeg", alt)


def _png(data: bytes, alt: str) -> Picture:
    return Picture(data, "image/png", alt)


def _find(path: str | None, base: Path | None) -> Path | None:
    """``path`` as given, else relative to ``base`` (the JSON report's folder), else None."""
    if not path:
        return None
    p = Path(path)
    if p.is_file():
        return p
    if base is not None and (base / p.name).is_file():
        return base / p.name
    if base is not None and (base / p).is_file():
        return base / p
    return None


def _frames_at(path: Path, times_s: list[float], duration: float) -> dict[float, np.ndarray]:
    """Frames of a clip (or the still) nearest to ``times_s``, by time."""
    if is_image_path(path):
        rgb = read_image(path).rgb
        return dict.fromkeys(times_s, rgb)
    fractions = [min(max(t / duration, 0.0), 1.0) if duration else 0.5 for t in times_s]
    _, frames = read_frames_at(path, fractions)
    order = np.argsort(fractions, kind="stable")
    return {times_s[i]: frames[k][2] for k, i in enumerate(order)}


def _small(rgb: np.ndarray, width: int = 320) -> np.ndarray:
    step = max(1, rgb.shape[1] // width)
    return rgb[::step, ::step]


def _lab(pixels: list[np.ndarray]) -> np.ndarray:
    x = np.concatenate([p.reshape(-1, 3) for p in pixels])
    return rgb_to_lab(x[:: max(1, len(x) // 60000)].astype(np.float64), "srgb")


def _look_words(d: dict) -> str:
    return str(d.get("words", "")) if d else ""


def _lab_text(v: list[float]) -> str:
    return "L* {:.1f}, a* {:.1f}, b* {:.1f}".format(*v) if v else "-"


def match_luts(result) -> dict[str, Lut]:
    """A match result's LUTs by the file name its report gives them."""
    out = {}
    for clip in result.clips:
        for shot, (_, lut) in zip(clip.shots, result.luts.get(clip.path, []), strict=False):
            if shot.lut:
                out[shot.lut] = lut
    return out


def _match_item(clip: dict, base: Path | None, notes: list[str],
                luts: dict[str, Lut], partners: list[str] | None = None) -> ItemPart:
    src = _find(clip["path"], base)
    shots = clip.get("shots", [])
    duration = max((s["end_s"] for s in shots), default=0.0)
    mids = [0.5 * (s["start_s"] + s["end_s"]) for s in shots]
    frames = {}
    if src is None:
        notes.append(f"{clip['path']}: not found; its thumbnails and scopes are left out")
    else:
        frames = _frames_at(src, mids, duration)
    parts, before_px, after_px, ramps = [], [], [], []
    for shot, mid in zip(shots, mids, strict=True):
        lut = luts.get(str(shot.get("lut")))
        if lut is None:
            lut_path = _find(shot.get("lut"), base)
            lut = read_lut(lut_path) if lut_path is not None else None
        before = after = None
        if mid in frames:
            small = _small(frames[mid])
            before = _picture(small, f"shot {shot['index'] + 1} before")
            before_px.append(small)
            if lut is not None:
                graded = lut.apply(small.astype(np.float64))
                after = _picture(graded, f"shot {shot['index'] + 1} after")
                after_px.append(graded)
        if lut is not None:
            ramps.append((f"shot {shot['index'] + 1}", lut.apply(_RAMP)))
        parts.append(ShotPart(
            title=f"shot {shot['index'] + 1} · {shot['start_s']:.2f}-{shot['end_s']:.2f} s",
            before=before, after=after, lut=Path(shot["lut"]).name if shot.get("lut") else None,
            look_before=_look_words(shot.get("look_before", {})),
            look_after=_look_words(shot.get("look_after", {})),
            rows=(("mean before", _lab_text(shot.get("before_mean_lab", []))),
                  ("mean after", _lab_text(shot.get("after_mean_lab", [])))),
        ))
    scopes = None
    if before_px:
        scopes = _png(scopes_png(_lab(before_px), _lab(after_px) if after_px else None),
                      "CIELAB a*b* scopes and L* histograms, before and after")
    fps = clip["frames"] / duration if duration else 0.0
    cuts = tuple(c / fps for c in clip.get("cuts", [])) if fps else ()
    lines = (f"look {_look_words(clip.get('look_before', {}))} → "
             f"{_look_words(clip.get('look_after', {}))}",)
    if partners:
        lines += (scene_words(partners),)
    luts = _png(lut_ramps_png(ramps), "each shot's LUT on a neutral ramp") if ramps else None
    return ItemPart(Path(clip["path"]).name, clip["path"], clip.get("output"), duration or None,
                    cuts, tuple(parts), scopes, lines, luts)


def match_report_items(report: dict, base: Path | None = None,
                       luts: dict[str, Lut] | None = None) -> tuple[tuple[ItemPart, ...], tuple]:
    """The clips' parts of a match report page (the costly part: frames read, pictures and
    plots drawn) and notes; they need the LUTs, not the rendered video."""
    notes: list[str] = []
    clips = report.get("clips", [])
    partners = scene_partners({c["path"]: {s["scene"] for s in c.get("shots", [])
                                           if s.get("scene") is not None} for c in clips})
    items = tuple(_match_item(c, base, notes, luts or {}, partners.get(c["path"], []))
                  for c in clips)
    return items, tuple(notes)


def match_report_data(report: dict, base: Path | None = None,
                      command: str = "gradecli match",
                      luts: dict[str, Lut] | None = None,
                      items: tuple[tuple[ItemPart, ...], tuple] | None = None) -> ReportData:
    """The report page of a match (``report``: match_report.json's content; ``base``: the
    folder its relative paths may also be found in; ``luts``: the LUTs already in memory, by
    the file name the report gives them, else they are read from those files; ``items``:
    :func:`match_report_items`, when already made)."""
    by = report.get("by", "colour")
    measured = report.get("measured", "analysed frames")
    key = "look_" if by == "look" else ""
    threshold = report.get("threshold")
    pairs = []
    for p in report.get("pairs", []):
        after = p.get("rendered") if p.get("rendered") is not None else p.get(key + "after")
        pairs.append(PairRow(Path(p["a"]).name, Path(p["b"]).name, p.get(key + "before"), after,
                             None if threshold is None else after <= threshold))
    what = ("look difference (mean CIEDE2000 of the ColorChecker rendered through each clip's "
            "estimated look)" if by == "look" else "CIEDE2000 between mean colours")
    what += f"; after: {measured}"
    items, notes = items if items is not None else match_report_items(report, base, luts)
    passed = report.get("passed")
    verdict = (f"{'PASS' if passed else 'FAIL'}: largest ΔE00 "
               f"{report.get('max_delta_e00_before', 0):.2f} → "
               f"{report.get('max_delta_e00_after', 0):.2f} (max {threshold:g})")
    facts = [("method", report.get("method", "")), ("target", report.get("target", "")),
             ("compared by", f"{by}, {measured}"), ("threshold", f"{threshold:g}"),
             ("adjustments", str(report.get("adjustments") or "none"))]
    facts += [(f"option {k}", str(v)) for k, v in sorted(report.get("options", {}).items())]
    facts += [(f"time {k}", f"{v:.2f} s") for k, v in report.get("timings", {}).items()]
    facts += _versions(report.get("gradecli", __version__))
    return ReportData("gradecli match report", command, verdict, passed, what, threshold,
                      tuple(pairs), items,
                      tuple((f["path"], f["error"]) for f in report.get("failed", [])),
                      tuple(facts), notes)


def _versions(made_by: str) -> list[tuple[str, str]]:
    import cv2

    return [("made by", f"gradecli {made_by}"), ("report by", f"gradecli {__version__}, "
             f"Python {platform.python_version()}, numpy {np.__version__}, PyAV "
             f"{pyav_version()}, OpenCV {cv2.__version__}"),
            ("created", datetime.datetime.now().astimezone().isoformat(timespec="seconds"))]


def verify_report_data(result, command: str = "gradecli verify") -> ReportData:
    """The report page of a verify run (a gradecli.pipeline.verify.VerifyResult)."""
    items = []
    for it in result.items:
        pic = it.picture
        thumb = _picture(pic, f"{Path(it.path).name}") if pic is not None else None
        scopes = _png(scopes_png(_lab([pic])), "CIELAB scopes") if pic is not None else None
        shot = ShotPart("sampled picture", before=thumb, look_before=it.look.describe(),
                        rows=(("mean", _lab_text(list(it.stats.mean))),
                              ("frames", str(it.frames))))
        items.append(ItemPart(Path(it.path).name, it.path, None, None, (), (shot,), scopes))
    pairs = tuple(PairRow(Path(p.a).name, Path(p.b).name, None, result.value(p),
                          result.value(p) <= result.max_de) for p in result.pairs)
    what = "look difference" if result.by == "look" else "CIEDE2000 between mean colours"
    verdict = (f"{'PASS' if result.passed else 'FAIL'}: largest ΔE00 "
               f"{result.max_delta_e00:.2f} (max {result.max_de:g})")
    facts = (("compared by", result.by), ("threshold", f"{result.max_de:g}"),
             *_versions(__version__))
    return ReportData("gradecli verify report", command, verdict, result.passed, what,
                      result.max_de, pairs, tuple(items), (), facts)


def grade_report_data(result, shot_starts_s: list[float], duration_s: float | None,
                      command: str = "gradecli grade") -> ReportData:
    """The report page of a grade (a gradecli.pipeline.grade.GradeResult): a before/after
    thumbnail per shot (its middle), its LUT, the look."""
    src = Path(result.input)
    luts = [read_lut(p) for p in result.luts]
    ends = [*shot_starts_s[1:], duration_s or (shot_starts_s[-1] + 1.0)]
    mids = [0.5 * (a + b) for a, b in zip(shot_starts_s, ends, strict=True)]
    frames = _frames_at(src, mids, duration_s or 0.0)
    parts, before_px, after_px = [], [], []
    for k, (mid, lut) in enumerate(zip(mids, luts, strict=True)):
        small = _small(frames[mid])
        graded = lut.apply(small.astype(np.float64))
        before_px.append(small)
        after_px.append(graded)
        parts.append(ShotPart(
            f"shot {k + 1}" + (f" · from {shot_starts_s[k]:.2f} s" if duration_s else ""),
            _picture(small, "before"), _picture(graded, "after"), Path(result.luts[k]).name,
        ))
    scopes = _png(scopes_png(_lab(before_px), _lab(after_px)), "CIELAB scopes")
    ramps = _png(lut_ramps_png([(f"shot {k + 1}", lut.apply(_RAMP))
                                for k, lut in enumerate(luts)]), "the LUTs on a neutral ramp")
    look = result.to_dict().get("look") or "-"
    item = ItemPart(src.name, str(src), result.output, duration_s,
                    tuple(shot_starts_s[1:]), tuple(parts), scopes, (f"look: {look}",), ramps)
    facts = (("method", str(result.method or "look from words / adjustments")),
             ("recipe", str(result.recipe)), *_versions(__version__))
    return ReportData("gradecli grade report", command, f"graded {src.name}", None,
                      "", None, (), (item,), (), facts)
