"""Colour round trips on the bundled example clips (done-when of the foundation issue).

- an identity LUT with a lossless codec reproduces the decoded source exactly (within 1 code value
  is the requirement; the Y'CbCr table kernel gives 0);
- with H.264 CRF 18 the mean CIEDE2000 between source and output frames is below 0.5, measured
  between each frame's mean colour; per pixel, the identity grade costs no more than a plain
  re-encode with the same encoder and settings (CRF 18's own generation loss, about 0.5-0.9
  CIEDE2000 per pixel on these noisy clips, is the floor).
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.lut import Lut
from gradecli.color.spaces import rgb_to_lab
from gradecli.color.ycbcr import planes_to_rgb
from gradecli.engine.transcode import transcode
from gradecli.io.video import EncodeOptions, InputVideo, frame_planes, plane_layout

CLIPS = sorted((Path(__file__).resolve().parents[1] / "examples" / "clips").glob("*.mp4"))


def decoded_rgb(path: Path, every: int = 1):
    """R'G'B' 0..255 (float) of each ``every``-th frame, decoded with the stream's own matrix."""
    with InputVideo(path) as v:
        lay = plane_layout(v.info.pix_fmt)
        for i, f in enumerate(v.frames()):
            if i % every:
                continue
            planes = frame_planes(f, lay)
            yield planes_to_rgb(planes, v.info.ycbcr, lay.log2_w, lay.log2_h) * 255


@pytest.mark.parametrize("clip", CLIPS, ids=[c.stem for c in CLIPS])
def test_identity_lut_lossless(tmp_path, clip):
    out = tmp_path / "out.mkv"
    lut = Lut.identity(33)
    transcode(clip, out, lut.apply, EncodeOptions(codec="ffv1"))
    n = 0
    for a, b in zip(decoded_rgb(clip, 3), decoded_rgb(out, 3), strict=True):
        assert np.abs(np.rint(a) - np.rint(b)).max() <= 1
        n += 1
    assert n == 80


def plain_reencode(src: Path, dst: Path) -> None:
    """The floor: the same frames straight into the same encoder, no grading."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        s = inp.streams.video[0]
        o = out.add_stream("libx264", rate=s.average_rate)
        o.width, o.height, o.pix_fmt = s.codec_context.width, s.codec_context.height, "yuv420p"
        o.time_base = s.time_base
        o.options = {"crf": "18", "preset": "medium"}
        o.thread_type = "FRAME"
        for f in inp.decode(s):
            g = av.VideoFrame.from_ndarray(f.to_ndarray(), format="yuv420p")
            g.pts, g.time_base = f.pts, f.time_base
            for p in o.encode(g):
                out.mux(p)
        for p in o.encode(None):
            out.mux(p)


def _errors(src: Path, out: Path) -> tuple[float, float]:
    per_pixel, frame_mean = [], []
    for a, b in zip(decoded_rgb(src, 8), decoded_rgb(out, 8), strict=True):
        la, lb = rgb_to_lab(a / 255, "srgb"), rgb_to_lab(b / 255, "srgb")
        per_pixel.append(delta_e2000(la, lb).mean())
        frame_mean.append(delta_e2000(la.reshape(-1, 3).mean(0), lb.reshape(-1, 3).mean(0)))
    assert len(per_pixel) == 30
    return float(np.mean(per_pixel)), float(np.mean(frame_mean))


@pytest.mark.parametrize("clip", CLIPS, ids=[c.stem for c in CLIPS])
def test_identity_h264_crf18(tmp_path, clip):
    out = tmp_path / "out.mp4"
    transcode(clip, out, Lut.identity(33).apply, EncodeOptions(codec="h264", crf=18))
    floor = tmp_path / "floor.mp4"
    plain_reencode(clip, floor)
    ours_px, ours_mean = _errors(clip, out)
    floor_px, _ = _errors(clip, floor)
    assert ours_mean < 0.5
    assert ours_px <= floor_px + 0.01, (ours_px, floor_px)
