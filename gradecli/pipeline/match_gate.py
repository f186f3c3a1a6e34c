"""The verdict of ``match``, measured on what it delivered: the rendered clips, profiled exactly
as ``verify`` profiles a file (gradecli.pipeline.analysis.profile_scan), so that ``match --max-de
X`` and ``verify --max-de X --by <what match compared>`` on the outputs agree.

A clip rendered in this run is profiled on its graded frames as they went to the encoder
(RenderJob.profile_frames), which costs no second decode; the figures then differ from
``verify``'s only by what the encoder changed: nothing with a lossless codec; at the default
H.264 CRF 18, measured on the bundled clips, up to 0.12 CIEDE2000 (0.39 on a letterboxed clip,
whose darkest picture rows count as bar or not with coding noise;
tests/pipeline/test_match_gate.py). A kept output (``--skip-existing``) is decoded back.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gradecli.color.ciede2000 import delta_e2000
from gradecli.pipeline.analysis import MediaProfile, profile_media
from gradecli.pipeline.match_result import MatchResult
from gradecli.pipeline.scene_looks import profile_look_difference

__all__ = ["VERIFY_FRAMES", "measure_rendered"]

#: Frames profiled per rendered clip: verify's default.
VERIFY_FRAMES = 48


def measure_rendered(result: MatchResult, known: dict[str, MediaProfile] | None = None,
                     frames: int = VERIFY_FRAMES, phase=None) -> MatchResult:
    """``result`` with every pair of rendered clips measured (``rendered``) and ``measured``
    set to "rendered clips"; unchanged when fewer than two clips were rendered. ``known``:
    profiles already measured, by input path (a render's own); the other outputs are decoded
    (``phase("measuring ...", None)`` is told first)."""
    outputs = {c.path: Path(c.output) for c in result.clips
               if c.output is not None and Path(c.output).is_file()}
    if len(outputs) < 2:
        return result
    profiles = {src: prof for src, prof in (known or {}).items() if src in outputs}
    missing = {src: dst for src, dst in outputs.items() if src not in profiles}
    if missing:
        if phase is not None:
            phase(f"measuring {len(missing)} kept clip(s)", None)
        # Two clips at a time: one's Python work overlaps the other's decoding.
        workers = max(1, min(2, os.cpu_count() or 1, len(missing)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gradecli-gate") as pool:
            found = pool.map(lambda dst: profile_media(dst, frames=frames), missing.values())
            profiles.update(zip(missing, found, strict=True))
    pairs = []
    for p in result.pairs:
        if p.a in profiles and p.b in profiles:
            a, b = profiles[p.a], profiles[p.b]
            if result.by == "look":
                value = profile_look_difference(a, b)
            else:
                value = float(delta_e2000(a.stats.mean, b.stats.mean))
            p = dataclasses.replace(p, rendered=value)
        pairs.append(p)
    return dataclasses.replace(result, pairs=pairs, measured="rendered clips")
