"""The verdict of ``match``, measured on what it delivered: the rendered clips, decoded back and
profiled exactly as ``verify`` profiles them, so that ``match --max-de X`` and ``verify --max-de
X --by <what match compared>`` on the outputs agree."""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.look_estimate import look_difference
from gradecli.pipeline.analysis import profile_media
from gradecli.pipeline.match_result import MatchResult

__all__ = ["VERIFY_FRAMES", "measure_rendered"]

#: Frames profiled per rendered clip: verify's default.
VERIFY_FRAMES = 48


def measure_rendered(result: MatchResult, frames: int = VERIFY_FRAMES) -> MatchResult:
    """``result`` with every pair of rendered clips measured on the files (``rendered``) and
    ``measured`` set to "rendered clips"; unchanged when nothing was rendered."""
    outputs = {c.path: Path(c.output) for c in result.clips
               if c.output is not None and Path(c.output).is_file()}
    if len(outputs) < 2:
        return result
    # Two clips at a time: one's Python work overlaps the other's decoding (as in the analysis).
    workers = max(1, min(2, os.cpu_count() or 1, len(outputs)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gradecli-gate") as pool:
        found = pool.map(lambda dst: profile_media(dst, frames=frames), outputs.values())
        profiles = dict(zip(outputs, found, strict=True))
    pairs = []
    for p in result.pairs:
        if p.a in profiles and p.b in profiles:
            a, b = profiles[p.a], profiles[p.b]
            if result.by == "look":
                value = look_difference(a.look, b.look)
            else:
                value = float(delta_e2000(a.stats.mean, b.stats.mean))
            p = dataclasses.replace(p, rendered=value)
        pairs.append(p)
    return dataclasses.replace(result, pairs=pairs, measured="rendered clips")
