"""match's verdict on what it rendered: graded frames profiled on their way to the encoder agree
with decoding the file back (exactly when lossless), and kept outputs are decoded."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.look_estimate import look_difference
from gradecli.color.lut import Lut
from gradecli.engine.transcode import transcode
from gradecli.io.video import EncodeOptions
from gradecli.pipeline import match_gate
from gradecli.pipeline.analysis import profile_media
from gradecli.pipeline.match import MatchOptions, match_clips
from gradecli.pipeline.render import RenderJob
from tests.pipeline.test_match import cool, warm, write_clip

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "clips"


def _warm_lut() -> Lut:
    return Lut.from_function(lambda x: np.clip(x * np.array([1.1, 1.0, 0.85]), 0, 1), size=17)


def test_watch_sees_every_graded_frame_in_order_described_as_the_output(tmp_path):
    src = write_clip(tmp_path / "a.mkv", [(0, 10), (1, 7)])
    seen: list = []
    infos: list = []

    def watch(info):
        infos.append(info)
        return seen.append

    dst = tmp_path / "out.mp4"
    res = transcode(src, dst, _warm_lut(), EncodeOptions(codec="h264", pix_fmt="yuv420p"),
                    watch=watch)
    assert len(infos) == 1 and infos[0].path == dst and infos[0].pix_fmt == "yuv420p"
    assert infos[0].codec == "h264" and infos[0].ycbcr == res.out_spec
    assert len(seen) == res.frames == 17
    assert [f.pts for f in seen] == sorted(f.pts for f in seen)


def test_the_torch_path_shows_the_watch_its_frames_too(tmp_path):
    pytest.importorskip("torch")
    from gradecli.engine.device import torch_cpu_device

    src = write_clip(tmp_path / "a.mkv", [(0, 11)])
    seen: list = []
    res = transcode(src, tmp_path / "o.mkv", _warm_lut(), EncodeOptions(codec="ffv1"),
                    device=torch_cpu_device(), batch=4, watch=lambda info: seen.append)
    assert res.device == "torch-cpu" and len(seen) == res.frames == 11


def _render(src: Path, dst: Path, encode: EncodeOptions):
    job = RenderJob(str(src), str(dst), ((0, _warm_lut()),), encode, profile_frames=48)
    outcome = job.run()
    assert outcome.error is None and outcome.profile is not None
    return outcome.profile


def test_a_lossless_render_measures_exactly_what_decoding_it_back_does(tmp_path):
    src = write_clip(tmp_path / "a.mkv", [(0, 12), (2, 12)], cast=warm)
    dst = tmp_path / "out.mkv"
    mine = _render(src, dst, EncodeOptions(codec="ffv1"))
    back = profile_media(dst, frames=48)
    assert mine.frames == back.frames
    np.testing.assert_allclose(mine.stats.mean, back.stats.mean, atol=1e-9)
    np.testing.assert_allclose(mine.stats.cov, back.stats.cov, atol=1e-9)
    assert mine.look == back.look


@pytest.mark.parametrize("name", ["clip_01_tears_of_steel.mp4", "clip_03_sintel.mp4"])
def test_a_lossy_render_measures_within_the_encoders_change(tmp_path, name):
    # H.264 at the default CRF 18: the encoder's change. Measured: Tears of Steel 0.12 colour,
    # 0.07 look; Sintel (letterboxed: whether the picture's darkest edge rows count as bars
    # moves with coding noise) 0.39 and 0.31.
    dst = tmp_path / "out.mp4"
    mine = _render(EXAMPLES / name, dst, EncodeOptions())
    back = profile_media(dst, frames=48)
    assert mine.frames == back.frames
    assert float(delta_e2000(mine.stats.mean, back.stats.mean)) < 0.5
    assert look_difference(mine.look, back.look) < 0.5


def test_kept_outputs_are_decoded_and_rendered_ones_are_not(tmp_path, monkeypatch):
    a = write_clip(tmp_path / "a.mkv", [(0, 12)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(1, 12)], cast=cool)
    out = tmp_path / "m"
    opts = MatchOptions(encode=EncodeOptions(codec="ffv1"))
    decoded: list[str] = []
    real = match_gate.profile_media

    def spy(path, frames=12, max_width=480):
        decoded.append(Path(path).name)
        return real(path, frames, max_width)

    monkeypatch.setattr(match_gate, "profile_media", spy)
    first = match_clips([a, b], out, opts)
    assert first.measured == "rendered clips" and decoded == []
    (out / "b.mkv").unlink()
    again = match_clips([a, b], out, opts, overwrite="skip")
    assert decoded == ["a.mkv"]  # kept: decoded back; b rendered again: measured on the way
    assert again.pairs[0].rendered == pytest.approx(first.pairs[0].rendered, abs=1e-9)
    assert dataclasses.asdict(again.pairs[0]).keys() == dataclasses.asdict(first.pairs[0]).keys()
