"""The look of a reference that is not rendered: a still, or a clip's sampled frames.

``grade --ref IMAGE_OR_CLIP`` and ``match --target ref:IMAGE_OR_CLIP`` / ``hero:CLIP`` (a clip
that is not one of the inputs) aim at such a look. A clip is analysed as ``match`` analyses its
inputs (one decode pass, hard cuts, colour samples per shot): its samples pooled, its look
estimated per shot and averaged.
"""

from __future__ import annotations

from pathlib import Path

from gradecli.color.spaces import rgb_to_lab
from gradecli.engine.analysis import ClipAnalysis, analyze_clip
from gradecli.io.images import is_image_path
from gradecli.pipeline.analysis import analysis_encoding
from gradecli.pipeline.shot_look import clip_look, clip_picture, unbarred
from gradecli.pipeline.targets import Target, still_target, target_samples

__all__ = ["clip_target", "reference_target"]


def clip_target(kind: str, a: ClipAnalysis) -> Target:
    """The look of an analysed clip that is not rendered, as a target (``kind`` "hero" or
    "ref"): CIELAB samples of all its shots, the picture of its middle shot (bars cropped) and
    its estimated look (per shot, weighted by samples, as ``match`` estimates an input's)."""
    what = "hero" if kind == "hero" else "reference clip"
    return Target(kind, f"{what} {a.path.name} (not rendered)",
                  target_samples(rgb_to_lab(a.rgb, a.encoding)), None, clip_picture(a),
                  clip_look(a) if a.shots else None,
                  tuple((unbarred(a, s.thumb), s.rgb) for s in a.shots))


def reference_target(path: Path, detect_cuts: bool = True, seed: int = 0,
                     progress=None) -> Target:
    """The look of ``grade --ref``: a still's pixels, or a clip's sampled frames.
    ``progress(label, total)`` (optional) starts the clip's analysis progress."""
    if is_image_path(path):
        return still_target("ref", path)
    update = progress(f"analysing {path.name}", None) if progress else None
    analysis = analyze_clip(path, encoding=lambda info: analysis_encoding(info.ycbcr.matrix),
                            detect_shots=detect_cuts, seed=seed, progress=update)
    return clip_target("ref", analysis)
