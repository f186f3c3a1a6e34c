"""Video decode/encode colour correctness, streaming, and bad input (generated media)."""

from __future__ import annotations

import os
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from gradecli.color.ycbcr import YCbCrSpec, rgb_to_ycbcr, ycbcr_to_rgb
from gradecli.engine.kernels import FloatKernel, Yuv8TableKernel, make_kernel
from gradecli.engine.transcode import transcode
from gradecli.errors import BadInputError, VideoError
from gradecli.io.video import EncodeOptions, InputVideo, frame_planes, plane_layout, probe_video


def _scene(h: int, w: int, t: int) -> np.ndarray:
    """A smooth, colourful RGB float test picture that moves with t."""
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    r = 0.5 + 0.45 * np.sin(6 * xx + 0.3 * t)
    g = 0.5 + 0.45 * np.sin(5 * yy + 1.0 + 0.2 * t)
    b = 0.5 + 0.45 * np.cos(4 * (xx + yy) + 0.1 * t)
    return np.stack([r, g, b], axis=-1)


def make_clip(
    path: Path,
    *,
    frames: int = 12,
    size: tuple[int, int] = (96, 64),
    pix_fmt: str = "yuv420p",
    codec: str = "ffv1",
    matrix: str = "bt709",
    full_range: bool = False,
    tag: bool = True,
    audio: bool = False,
) -> Path:
    """Write a test clip whose Y'CbCr codes are computed exactly by our own maths."""
    w, h = size
    layout = plane_layout(pix_fmt)
    spec = YCbCrSpec(matrix, full_range, layout.bit_depth)
    with av.open(str(path), "w") as out:
        s = out.add_stream(codec, rate=24)
        s.width, s.height, s.pix_fmt = w, h, pix_fmt
        if tag:
            s.codec_context.colorspace = {"bt709": 1, "bt601": 6, "bt2020": 9}[matrix]
            s.codec_context.color_range = 2 if full_range else 1
        if codec == "libx264":
            s.options = {"crf": "0"}
        a = None
        if audio:
            a = out.add_stream("aac", rate=48000)
            a.layout = "mono"
        for t in range(frames):
            codes = rgb_to_ycbcr(_scene(h, w, t), spec).astype(layout.dtype)
            f = av.VideoFrame(w, h, pix_fmt)
            planes = frame_planes(f, layout)
            sy, sx = 1 << layout.log2_h, 1 << layout.log2_w
            np.copyto(planes[0], codes[..., 0])
            np.copyto(planes[1], codes[::sy, ::sx, 1])
            np.copyto(planes[2], codes[::sy, ::sx, 2])
            f.pts = t
            f.time_base = Fraction(1, 24)
            for p in s.encode(f):
                out.mux(p)
            if a is not None:
                af = av.AudioFrame.from_ndarray(
                    np.zeros((1, 2000), dtype=np.float32), format="fltp", layout="mono"
                )
                af.sample_rate = 48000
                af.pts = t * 2000
                for p in a.encode(af):
                    out.mux(p)
        for p in s.encode(None):
            out.mux(p)
        if a is not None:
            for p in a.encode(None):
                out.mux(p)
    return path


def read_planes(path: Path) -> list[list[np.ndarray]]:
    with InputVideo(path) as v:
        lay = plane_layout(v.info.pix_fmt)
        return [[p.copy() for p in frame_planes(f, lay)] for f in v.frames()]


def identity(rgb: np.ndarray) -> np.ndarray:
    return rgb


@pytest.mark.parametrize(
    "pix_fmt,matrix,full",
    [
        ("yuv420p", "bt709", False),
        ("yuv420p", "bt601", True),
        ("yuv444p", "bt2020", False),
        ("yuv422p", "bt709", False),
        ("yuv420p10le", "bt709", False),
        ("yuv444p12le", "bt2020", True),
    ],
)
def test_identity_is_lossless_with_ffv1(tmp_path, pix_fmt, matrix, full):
    src = make_clip(tmp_path / "src.mkv", pix_fmt=pix_fmt, matrix=matrix, full_range=full)
    info = probe_video(src)
    assert info.ycbcr == YCbCrSpec(matrix, full, plane_layout(pix_fmt).bit_depth)
    out = tmp_path / "out.mkv"
    res = transcode(src, out, identity, EncodeOptions(codec="ffv1"))
    assert res.frames == 12 and res.pix_fmt == pix_fmt
    out_info = probe_video(out)
    assert out_info.ycbcr == info.ycbcr  # tags written back
    for a, b in zip(read_planes(src), read_planes(out), strict=True):
        for pa, pb in zip(a, b, strict=True):
            assert np.abs(pa.astype(int) - pb).max() == 0


def test_grade_matches_reference_maths(tmp_path):
    """A known grade through the engine equals the grade computed directly in float."""
    src = make_clip(tmp_path / "src.mkv", pix_fmt="yuv444p")

    def look(rgb):
        return np.clip(rgb**1.3 * np.array([1.1, 1.0, 0.85]), 0, 1)

    out = tmp_path / "out.mkv"
    transcode(src, out, look, EncodeOptions(codec="ffv1"))
    spec = YCbCrSpec("bt709", False, 8)
    for a, b in zip(read_planes(src), read_planes(out), strict=True):
        rgb = ycbcr_to_rgb(np.stack(a, axis=-1), spec)
        want = rgb_to_ycbcr(look(rgb), spec)
        got = np.stack(b, axis=-1)
        assert np.abs(got - want).max() <= 1


def test_kernels_agree(rng):
    spec = YCbCrSpec("bt709", False, 8)
    lay = plane_layout("yuv420p")
    rgb = _scene(64, 80, 3)
    codes = rgb_to_ycbcr(rgb, spec).astype(np.uint8)
    planes = [codes[..., 0], codes[::2, ::2, 1].copy(), codes[::2, ::2, 2].copy()]

    def look(x):
        return np.clip(x * np.array([0.9, 1.05, 1.2]), 0, 1)

    k8 = make_kernel(look, spec, lay, spec, lay)
    kf = FloatKernel(look, spec, spec, lay, lay)
    assert isinstance(k8, Yuv8TableKernel)
    for a, b in zip(k8.process(planes), kf.process(planes), strict=True):
        assert np.abs(a.astype(int) - b).max() <= 1


def test_odd_sizes_in_table_kernel():
    spec = YCbCrSpec("bt709", False, 8)
    k = Yuv8TableKernel(identity, spec, spec, plane_layout("yuv420p"))
    y = np.full((5, 7), 100, np.uint8)
    u = np.full((3, 4), 120, np.uint8)
    v = np.full((3, 4), 130, np.uint8)
    out = k.process([y, u, v])
    assert [p.shape for p in out] == [(5, 7), (3, 4), (3, 4)]
    assert (out[0] == 100).all() and (out[1] == 120).all() and (out[2] == 130).all()


def test_audio_is_copied_and_timing_kept(tmp_path):
    src = make_clip(tmp_path / "src.mkv", audio=True, frames=24)
    out = tmp_path / "out.mkv"
    transcode(src, out, identity, EncodeOptions(codec="ffv1"))
    with av.open(str(src)) as a, av.open(str(out)) as b:
        assert len(b.streams.audio) == 1
        assert b.streams.audio[0].codec_context.name == a.streams.audio[0].codec_context.name
        pa = [p.pts for p in a.demux(a.streams.audio[0]) if p.pts is not None]
        pb = [p.pts for p in b.demux(b.streams.audio[0]) if p.pts is not None]
        assert pa == pb  # copied, not re-encoded
    with InputVideo(src) as a, InputVideo(out) as b:
        ta = [f.time for f in a.frames()]
        tb = [f.time for f in b.frames()]
        assert ta == pytest.approx(tb)
        assert b.info.frame_rate == a.info.frame_rate


def test_h264_default_output(tmp_path):
    src = make_clip(tmp_path / "src.mp4", codec="libx264", size=(128, 72))
    out = tmp_path / "out.mp4"
    res = transcode(src, out, identity)
    assert res.pix_fmt == "yuv420p"
    info = probe_video(out)
    assert info.codec == "h264" and info.ycbcr.matrix == "bt709"
    a, b = read_planes(src), read_planes(out)
    assert len(a) == len(b)
    # CRF 18: close, not exact.
    errs = [np.abs(x[0].astype(int) - y[0]).mean() for x, y in zip(a, b, strict=True)]
    assert np.mean(errs) < 1.5


def test_untagged_sd_is_assumed_bt601_and_said(tmp_path):
    src = make_clip(tmp_path / "src.mkv", tag=False)
    info = probe_video(src)
    assert info.ycbcr.matrix == "bt601" and not info.ycbcr.full_range
    assert any("assumed" in a for a in info.assumed)


def test_ten_bit_stays_ten_bit_with_h264(tmp_path):
    src = make_clip(tmp_path / "src.mkv", pix_fmt="yuv420p10le")
    res = transcode(src, tmp_path / "out.mp4", identity)
    assert res.pix_fmt == "yuv420p10le"


@pytest.mark.parametrize("content", [b"", b"not a video at all" * 100])
def test_not_a_video(tmp_path, content):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    with pytest.raises(VideoError, match="bad.mp4"):
        transcode(bad, tmp_path / "out.mp4", identity)
    assert list(tmp_path.iterdir()) == [bad]


def test_missing_input(tmp_path):
    with pytest.raises(BadInputError, match="no such file"):
        transcode(tmp_path / "nope.mp4", tmp_path / "out.mp4", identity)


def test_truncated_video_leaves_nothing(tmp_path):
    src = make_clip(tmp_path / "src.mkv", frames=48, size=(160, 96))
    data = src.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 3])
    out = tmp_path / "out.mkv"
    with pytest.raises(VideoError, match="cut.mkv"):
        transcode(cut, out, identity, EncodeOptions(codec="ffv1"))
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_error_in_grade_leaves_nothing(tmp_path):
    src = make_clip(tmp_path / "src.mkv")
    out = tmp_path / "out.mkv"

    def broken(rgb):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        transcode(src, out, broken, EncodeOptions(codec="ffv1"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.mkv"]


def test_interrupt_leaves_nothing(tmp_path):
    src = make_clip(tmp_path / "src.mkv", frames=48)
    out = tmp_path / "out.mkv"

    def progress(done, total):
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        transcode(src, out, identity, EncodeOptions(codec="ffv1"), progress=progress)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.mkv"]
    assert threading.active_count() < 4  # worker threads stopped


def test_wrong_container_for_codec(tmp_path):
    src = make_clip(tmp_path / "src.mkv")
    with pytest.raises(BadInputError, match="prores cannot be written"):
        transcode(src, tmp_path / "out.mp4", identity, EncodeOptions(codec="prores"))


def test_odd_dimensions(tmp_path):
    src = make_clip(tmp_path / "src.mkv", size=(97, 63), pix_fmt="yuv444p")
    with pytest.raises(VideoError, match="odd dimension"):
        transcode(src, tmp_path / "o.mp4", identity, EncodeOptions(codec="h264", pix_fmt="yuv420p"))
    assert not (tmp_path / "o.mp4").exists()
    res = transcode(src, tmp_path / "out.mp4", identity, EncodeOptions(codec="h264"))
    assert res.frames == 12 and res.pix_fmt == "yuv444p"


def test_prores_ten_bit(tmp_path):
    src = make_clip(tmp_path / "src.mkv")
    res = transcode(src, tmp_path / "out.mov", identity, EncodeOptions(codec="prores"))
    assert res.pix_fmt == "yuv422p10le"
    # 8-bit 4:2:0 -> 10-bit 4:2:2: luma codes scale by 4 exactly.
    a, b = read_planes(src), read_planes(tmp_path / "out.mov")
    assert np.abs(a[0][0].astype(int) * 4 - b[0][0]).mean() < 2.0


def test_bounded_memory_streaming(tmp_path):
    """The engine holds a bounded number of frames, whatever the clip length."""
    src = make_clip(tmp_path / "src.mkv", frames=60)
    alive = []
    import gc

    def progress(done, total):
        if done % 10 == 0:
            gc.collect()
            alive.append(sum(isinstance(o, av.VideoFrame) for o in gc.get_objects()))

    transcode(src, tmp_path / "out.mkv", identity, EncodeOptions(codec="ffv1"), progress=progress)
    assert max(alive) <= 40
    assert os.path.exists(tmp_path / "out.mkv")
