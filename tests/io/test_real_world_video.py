"""Valid files editors make every day: variable frame rate, trimmed MP4s (an edit list), open GOPs,
B-frames (negative DTS), audio longer than the picture. Each is made here with PyAV, graded with
`lut apply`, analysed by `verify`, and must keep every frame's time stamp (ffprobe's
``frame=pts_time``) and never be called truncated."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from gradecli.cli.app import run
from gradecli.color.lut import Lut
from gradecli.io.luts import write_lut
from gradecli.io.video import InputVideo

W, H = 160, 96


def _picture(i: int) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W]
    r = (xx * 255 // W + 3 * i) % 256
    g = (yy * 255 // H + 5 * i) % 256
    b = np.full_like(r, (7 * i) % 256)
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def _encode(path: Path, times_ms: list[int], *, options: dict | None = None,
            audio_s: float = 0.0) -> Path:
    """H.264 frames at ``times_ms`` (time base 1/1000), and optionally an AAC tone."""
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=24)
        v.width, v.height, v.pix_fmt = W, H, "yuv420p"
        v.time_base = Fraction(1, 1000)
        v.codec_context.time_base = Fraction(1, 1000)
        v.options = {"preset": "ultrafast", **(options or {})}
        a = None
        if audio_s:
            a = out.add_stream("aac", rate=48000)
            a.layout = "mono"
        for i, t in enumerate(times_ms):
            f = av.VideoFrame.from_ndarray(_picture(i), format="rgb24").reformat(format="yuv420p")
            f.pts, f.time_base = t, Fraction(1, 1000)
            for p in v.encode(f):
                out.mux(p)
        for p in v.encode(None):
            out.mux(p)
        if a is not None:
            n = 1024
            for k in range(int(audio_s * 48000 / n)):
                tone = np.sin(2 * np.pi * 440 * (np.arange(n) + k * n) / 48000)
                af = av.AudioFrame.from_ndarray((0.2 * tone).astype(np.float32)[None],
                                                format="fltp", layout="mono")
                af.sample_rate, af.pts, af.time_base = 48000, k * n, Fraction(1, 48000)
                for p in a.encode(af):
                    out.mux(p)
            for p in a.encode(None):
                out.mux(p)
    return path


def _trim_copy(src: Path, dst: Path, start_s: float, length_s: float) -> Path:
    """What ``ffmpeg -ss START -i SRC -t LEN -c copy DST`` does: packets copied from the keyframe
    before START, time stamps shifted so START is 0; the MP4 muxer writes an edit list that hides
    the frames before it."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        s = inp.streams.video[0]
        o = out.add_stream_from_template(s)
        off = int(start_s / s.time_base)
        inp.seek(off, stream=s, backward=True)
        for p in inp.demux(s):
            if p.dts is None:
                continue
            if p.pts is not None and (p.pts - off) * s.time_base > length_s:
                break
            p.pts -= off
            p.dts -= off
            p.stream = o
            out.mux(p)
    return dst


def _times(path: Path) -> list[float]:
    """Every decoded frame's presentation time in seconds (ffprobe's frame=pts_time)."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return [round(float(f.pts * f.time_base), 6) for f in c.decode(s)]


def _ffprobe_times(path: Path) -> list[str]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "frame=pts_time",
         "-of", "default=nw=1:nk=1", str(path)], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.split() if line]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("real_world")
    vfr_ms = [t for n in range(60) if n % 3 == 0 or n == 1 for t in [round(n * 1000 / 30)]]
    long_gop = _encode(d / "long_gop.mp4", [round(n * 1000 / 24) for n in range(96)],
                       options={"g": "48", "bf": "0"})
    return {
        "vfr": _encode(d / "vfr.mkv", vfr_ms),
        "edit_list": _trim_copy(long_gop, d / "trimmed.mp4", 3.0, 0.9),
        "open_gop": _encode(d / "open_gop.mp4", [round(n * 1000 / 24) for n in range(60)],
                            options={"x264-params": "open-gop=1:keyint=12:bframes=3"}),
        "negative_dts": _encode(d / "bframes.mp4", [round(n * 1000 / 24) for n in range(36)],
                                options={"bf": "3"}),
        "long_audio": _encode(d / "long_audio.mp4", [round(n * 1000 / 24) for n in range(24)],
                              audio_s=2.5),
    }


def test_the_files_are_what_they_claim(files):
    with InputVideo(files["edit_list"]) as v:  # the stream holds the preroll frames too
        shown = sum(1 for _ in v.frames())
        assert v.stream.frames > shown
    times = _times(files["vfr"])
    assert len(set(np.round(np.diff(times), 3))) > 1  # variable frame rate
    with av.open(str(files["negative_dts"])) as c:
        assert min(p.dts for p in c.demux(c.streams.video[0]) if p.dts is not None) < 0
    with av.open(str(files["long_audio"])) as c:
        a, v = c.streams.audio[0], c.streams.video[0]
        assert a.duration * a.time_base > v.duration * v.time_base + 0.3


@pytest.mark.parametrize("kind", ["vfr", "edit_list", "open_gop", "negative_dts", "long_audio"])
def test_graded_with_every_time_stamp_kept(files, kind, tmp_path):
    src = files[kind]
    lut = tmp_path / "warm.cube"
    write_lut(Lut.from_function(lambda x: np.clip(x * [1.05, 1.0, 0.9], 0, 1), size=9), lut)
    out = tmp_path / f"out{src.suffix}"
    assert run(["--quiet", "lut", "apply", str(src), str(lut), "-o", str(out)]) == 0
    assert _times(out) == _times(src)
    if shutil.which("ffprobe"):
        assert _ffprobe_times(out) == _ffprobe_times(src)
    if kind == "long_audio":
        with av.open(str(out)) as c:
            a = c.streams.audio[0]
            assert a.duration * a.time_base > 2.3  # the audio is copied whole


@pytest.mark.parametrize("kind", ["vfr", "edit_list", "open_gop", "negative_dts", "long_audio"])
def test_analysis_does_not_call_them_truncated(files, kind, capsys):
    code = run(["--quiet", "verify", str(files[kind]), str(files["open_gop"]), "--json"])
    assert code in (0, 1), capsys.readouterr().err
    assert "truncated" not in capsys.readouterr().err


def test_a_cut_file_is_still_truncated(tmp_path, capsys):
    whole = _encode(tmp_path / "whole.mkv", [round(n * 1000 / 24) for n in range(96)])
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 3])
    lut = tmp_path / "id.cube"
    write_lut(Lut.identity(5), lut)
    assert run(["--quiet", "lut", "apply", str(cut), str(lut), "-o", str(tmp_path / "o.mkv")]) == 2
    assert "truncated" in capsys.readouterr().err
    assert not (tmp_path / "o.mkv").exists()
