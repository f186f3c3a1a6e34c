"""Render clips through their LUT schedules: one job per clip, in this process or in several."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gradecli.color.lut import Lut
from gradecli.color.masks import SkinModel
from gradecli.engine.kernels import LutGrade
from gradecli.engine.transcode import transcode
from gradecli.errors import GradeError
from gradecli.io.video import EncodeOptions, VideoInfo
from gradecli.pipeline.analysis import MediaProfile, clip_profile, profile_scan
from gradecli.pipeline.protect import protected_grade

__all__ = ["PhaseFn", "RenderJob", "RenderOutcome", "render_all"]

#: Starts a phase of work on the CLI's side ("analysing 3 clips", "rendering a.mp4 (1/3)")
#: with its expected frame count (or None); returns the frame-progress callback
#: ``update(done, expected)`` for it, or None.
PhaseFn = Callable[[str, "int | None"], "Callable[[int, int | None], None] | None"]


@dataclass(frozen=True)
class RenderJob:
    """One clip to render: source and destination paths, its LUTs by first frame, how to
    encode, the letterbox bars (top, bottom, left, right pixels) copied through untouched, and
    the interpolation of the LUTs (tetrahedral or trilinear), and skin protection."""

    src: str
    dst: str
    luts: tuple[tuple[int, Lut], ...]
    encode: EncodeOptions
    bars: tuple[int, int, int, int] = (0, 0, 0, 0)
    interpolation: str = "tetrahedral"
    #: ``--protect-skin``: the clip's skin model (None: no protection) and the strength 0..1.
    skin: SkinModel | None = None
    protect_skin: float = 0.0
    #: ``--device`` (cpu, cuda, auto): where the frames are graded.
    device: str = "cpu"
    #: When above 0, the graded frames are profiled on their way to the encoder, as
    #: ``profile_media(dst, frames=profile_frames)`` would profile the file (RenderOutcome).
    profile_frames: int = 0

    def run(self, progress=None) -> RenderOutcome:
        """Render; the outcome holds the error's message on failure."""
        if self.skin is not None and self.protect_skin > 0.0:
            schedule = [(start, protected_grade(lut, self.skin, self.protect_skin,
                                                self.interpolation)) for start, lut in self.luts]
        else:
            schedule = [(start, LutGrade(lut, self.interpolation)) for start, lut in self.luts]
        scans = []

        def watch(info: VideoInfo):
            scans.append(profile_scan(info, self.profile_frames))
            return scans[-1].add

        try:
            transcode(self.src, self.dst, schedule, self.encode, progress=progress,
                      keep_bars=self.bars, device=self.device,
                      watch=watch if self.profile_frames > 0 else None)
        except GradeError as e:
            return RenderOutcome(str(e))
        return RenderOutcome(None, clip_profile(scans[0].analysis(self.dst)) if scans else None)


@dataclass(frozen=True)
class RenderOutcome:
    """How a render ended: ``error`` (None on success) and, when the job asked for it, the
    rendered clip's profile, measured on the graded frames as they were encoded."""

    error: str | None
    profile: MediaProfile | None = None


def _run(job: RenderJob) -> RenderOutcome:
    return job.run()


def render_all(jobs: list[RenderJob], workers: int, phase: PhaseFn | None = None,
               on_done: Callable[[RenderJob, RenderOutcome], None] | None = None) -> None:
    """Render every job (in ``workers`` processes when more than one); ``phase`` starts the
    progress of each ("rendering NAME (k/n)"; one phase for all in parallel);
    ``on_done(job, outcome)`` is told each outcome."""
    if workers > 1 and len(jobs) > 1:
        if phase is not None:
            phase(f"rendering {len(jobs)} clips, {min(workers, len(jobs))} at a time", None)
        # CUDA cannot be used in a forked child of a process that touched it: spawn then.
        ctx = (multiprocessing.get_context("spawn")
               if any(j.device != "cpu" for j in jobs) else None)
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
            outcomes = list(pool.map(_run, jobs))
    else:
        outcomes = []
        for k, job in enumerate(jobs, 1):
            label = f"rendering {Path(job.src).name} ({k}/{len(jobs)})"
            outcomes.append(job.run(phase(label, None) if phase is not None else None))
    for job, outcome in zip(jobs, outcomes, strict=True):
        if on_done:
            on_done(job, outcome)
