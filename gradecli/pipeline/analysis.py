"""Colour profiles of clips and stills: sampled float-CIELAB statistics.

A profile is plain data (JSON-serialisable) so it can be saved and reused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gradecli.color.look_estimate import NEUTRAL, ShotLook, estimate_look
from gradecli.color.scene_balance import colour_balance
from gradecli.color.spaces import rgb_to_lab
from gradecli.color.stats import LabStats, lab_stats
from gradecli.engine.analysis import ClipAnalysis, FrameScan, scan_clip
from gradecli.errors import BadInputError
from gradecli.io.files import check_readable
from gradecli.io.images import is_image_path, read_image
from gradecli.io.video import VideoInfo, is_video_path
from gradecli.pipeline.shot_look import clip_look, clip_picture

__all__ = [
    "MediaProfile", "analysis_encoding", "check_media_path", "clip_profile", "profile_media",
    "profile_scan",
]


def analysis_encoding(matrix: str) -> str:
    """The RGB encoding in which code values are turned into CIELAB for analysis.

    Stills and BT.601/BT.709 video are read as sRGB-encoded: that is how computer displays and
    browsers show both, so equal code values compare as equal colours whether they come from a
    PNG or an H.264 stream. BT.2020 video uses BT.2020 primaries.
    """
    return "bt2020" if matrix == "bt2020" else "srgb"


@dataclass(frozen=True)
class MediaProfile:
    """Colour statistics of one input: ``kind`` is "video" or "image"."""

    path: str
    kind: str
    encoding: str
    frames: int
    stats: LabStats
    #: The estimated look (gradecli.color.look_estimate) of the sampled pictures.
    look: ShotLook = NEUTRAL
    #: A small picture (R'G'B', bars cropped) for telling scenes apart; not reported.
    picture: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: The colour balance (gradecli.color.scene_balance) of the samples ``picture`` shows (a
    #: clip's middle shot): two inputs of one scene are compared by it; not reported.
    balance: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "kind": self.kind,
            "encoding": self.encoding,
            "frames": self.frames,
            "stats": self.stats.to_dict(),
            "look": self.look.to_dict(),
        }


def check_media_path(path: str | os.PathLike) -> Path:
    """``path`` if it is a readable file named like a clip or a still, else BadInputError."""
    p = check_readable(path)
    if not (is_image_path(p) or is_video_path(p)):
        raise BadInputError(f"{p}: not a video or image (unknown extension '{p.suffix}')")
    return p


def profile_media(path: str | os.PathLike, frames: int = 12, max_width: int = 480) -> MediaProfile:
    """Profile a clip (about ``frames`` frames spread over it) or a still.

    A clip is decoded in full, deblocking filter included (as a player shows it; match's
    analysis skips it for speed): the profile is of the pictures delivered, as a render's
    graded frames are profiled on their way to the encoder (:func:`profile_scan`). Raises
    BadInputError/VideoError naming the file.
    """
    p = Path(path)
    if is_image_path(p):
        img = read_image(p)
        rgb = img.rgb
        stride = max(1, int(np.ceil(rgb.shape[1] / max_width)))
        small = rgb[::stride, ::stride]
        lab = rgb_to_lab(small, "srgb")
        look = estimate_look(small.reshape(-1, 3), "srgb", small)
        return MediaProfile(str(p), "image", "srgb", 1, lab_stats(lab), look, small,
                            colour_balance(small, "srgb"))
    if not is_video_path(p):
        check_readable(p)
        raise BadInputError(f"{p}: not a video or image (unknown extension '{p.suffix}')")
    return clip_profile(scan_clip(p, lambda info: profile_scan(info, frames), deblock=True))


def profile_scan(info: VideoInfo, frames: int = 12) -> FrameScan:
    """The scan :func:`profile_media` makes of a clip described by ``info``: about ``frames``
    frames spread over it, no cut detection. Fed a render's graded frames (``info`` then
    describes the output), it measures the rendered clip as ``profile_media`` would measure
    the file, without decoding it back."""
    return FrameScan(info, analysis_encoding(info.ycbcr.matrix), detect_shots=False,
                     samples_per_second=1000.0, max_sampled_frames=frames)


def clip_profile(clip: ClipAnalysis) -> MediaProfile:
    """The profile of an analysed clip (:func:`profile_scan`'s analysis): its samples' CIELAB
    statistics, its look (per shot, averaged) and a small picture. Letterbox bars and black,
    white or title frames are left out, as in match's analysis."""
    used = sum(s.sampled_frames - s.skipped_frames for s in clip.shots)
    enc = clip.encoding
    middle = clip.shots[len(clip.shots) // 2] if clip.shots else None
    return MediaProfile(str(clip.path), "video", enc, used,
                        lab_stats(rgb_to_lab(clip.rgb, enc)), clip_look(clip),
                        clip_picture(clip),
                        None if middle is None else colour_balance(middle.rgb, enc))
