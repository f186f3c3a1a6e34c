"""What a grade report shows, as plain data: built by gradecli.pipeline.report, written by
gradecli.io.report.html (and .pdf). Pictures are encoded image bytes (PNG or JPEG)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Picture", "ShotPart", "ItemPart", "PairRow", "ReportData"]


@dataclass(frozen=True)
class Picture:
    """An encoded image (``mime`` image/png or image/jpeg) with its alt text."""

    data: bytes
    mime: str
    alt: str


@dataclass(frozen=True)
class ShotPart:
    """One shot: its time span, before/after thumbnails, its LUT (name and neutral-ramp plot),
    its estimated look before and after, and figures as (label, value) rows."""

    title: str
    before: Picture | None = None
    after: Picture | None = None
    lut: str | None = None
    lut_plot: Picture | None = None
    look_before: str = ""
    look_after: str = ""
    rows: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ItemPart:
    """One clip or still: where it is and where its result went, its cuts on a time line
    (seconds, of ``duration_s``), its shots, its CIELAB scopes before/after and its LUTs."""

    name: str
    path: str
    output: str | None = None
    duration_s: float | None = None
    cuts_s: tuple[float, ...] = ()
    shots: tuple[ShotPart, ...] = ()
    scopes: Picture | None = None
    lines: tuple[str, ...] = ()
    #: Every shot's LUT on a neutral ramp (small multiples), when there are LUTs.
    luts: Picture | None = None


@dataclass(frozen=True)
class PairRow:
    """One pair's CIEDE2000 before and after (None where not measured) and its verdict."""

    a: str
    b: str
    before: float | None
    after: float | None
    passed: bool | None


@dataclass(frozen=True)
class ReportData:
    """The whole report: what ran, the verdict, the pairs, each item, failures, the run's
    options, versions and timings (``facts``)."""

    title: str
    command: str
    verdict: str
    passed: bool | None
    what: str
    threshold: float | None = None
    pairs: tuple[PairRow, ...] = ()
    items: tuple[ItemPart, ...] = ()
    failures: tuple[tuple[str, str], ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
