"""``--device cpu|cuda|auto`` (lut apply, grade, match) and the torch path end to end.

Without a GPU: ``auto`` grades exactly as ``cpu`` does and says so once; ``cuda`` is exit 2 with
one line; with the testing hook GRADECLI_TORCH_CPU=1 the whole transcode runs the torch kernels
on torch's CPU device and gives the CPU kernels' output. With a GPU the cuda tests run instead.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from gradecli.cli.app import run
from gradecli.color.lut import Lut
from gradecli.engine.device import TORCH_CPU_ENV, resolve_device, torch_cpu_device
from gradecli.engine.kernels import LutGrade
from gradecli.engine.transcode import transcode
from gradecli.io.video import EncodeOptions, encoder_problem
from tests.cli.conftest import warm
from tests.test_video_engine import make_clip, read_planes


def _has_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


HAS_CUDA = _has_cuda()
no_gpu = pytest.mark.skipif(HAS_CUDA, reason="a CUDA GPU is visible")


@pytest.fixture()
def clip(tmp_path):
    return make_clip(tmp_path / "src.mkv", frames=6, size=(64, 48))


def _same_video(a, b, tolerance: int = 0) -> None:
    """Every decoded frame's planes equal (within ``tolerance`` codes); containers' own ids
    and dates are not compared."""
    pa, pb = read_planes(a), read_planes(b)
    assert len(pa) == len(pb)
    for fa, fb in zip(pa, pb, strict=True):
        for x, y in zip(fa, fb, strict=True):
            assert np.abs(x.astype(int) - y).max() <= tolerance


def _apply(src, cube, out, *extra) -> int:
    return run(["lut", "apply", str(src), str(cube), "-o", str(out), "--codec", "ffv1", *extra])


@no_gpu
def test_auto_without_gpu_grades_as_cpu_and_says_so_once(tmp_path, clip, cube, capsys):
    assert _apply(clip, cube, tmp_path / "cpu.mkv", "--device", "cpu") == 0
    err_cpu = capsys.readouterr().err
    assert "device" not in err_cpu
    assert _apply(clip, cube, tmp_path / "auto.mkv", "--device", "auto") == 0
    err = capsys.readouterr().err
    assert err.count("device auto:") == 1, err
    assert "grading on the CPU" in err
    _same_video(tmp_path / "cpu.mkv", tmp_path / "auto.mkv")  # every frame bit for bit


@no_gpu
def test_auto_json_has_the_device(tmp_path, clip, cube, capsys):
    assert _apply(clip, cube, tmp_path / "o.mkv", "--device", "auto", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    dev = out["device"]
    assert dev["requested"] == "auto" and dev["used"] == "cpu"
    assert "no CUDA GPU" in dev["note"] or "not installed" in dev["note"]


@no_gpu
@pytest.mark.parametrize("cmd", [["lut", "apply", "{clip}", "{cube}", "-o", "{out}"],
                                 ["grade", "{clip}", "--prompt", "warm", "-o", "{out}"],
                                 ["match", "{clip}", "{clip}", "-o", "{dir}"]])
def test_cuda_without_gpu_is_exit_2_with_one_line(tmp_path, clip, cube, capsys, cmd):
    args = [a.format(clip=clip, cube=cube, out=tmp_path / "o.mkv", dir=tmp_path / "m")
            for a in cmd]
    assert run([*args, "--device", "cuda"]) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert "--device cuda" in err
    assert not (tmp_path / "o.mkv").exists()


@pytest.mark.parametrize("cmd", [["lut", "apply", "{clip}", "{cube}", "-o", "{out}"],
                                 ["grade", "{clip}", "--prompt", "warm", "-o", "{out}"]])
def test_invalid_device_is_exit_2(tmp_path, clip, cube, capsys, cmd):
    args = [a.format(clip=clip, cube=cube, out=tmp_path / "o.mkv") for a in cmd]
    assert run([*args, "--device", "gpu"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--device must be one of cpu, cuda, auto" in err


def test_grade_auto_equals_cpu(tmp_path, clip, capsys):
    base = ["grade", str(clip), "--prompt", "warm summer evening", "--codec", "ffv1"]
    assert run([*base, "-o", str(tmp_path / "cpu.mkv"), "--device", "cpu"]) == 0
    capsys.readouterr()
    assert run([*base, "-o", str(tmp_path / "auto.mkv"), "--device", "auto", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["device"]["used"] == ("cuda" if HAS_CUDA else "cpu")
    if not HAS_CUDA:
        _same_video(tmp_path / "cpu.mkv", tmp_path / "auto.mkv")


@pytest.mark.skipif(encoder_problem("h264_nvenc") is None, reason="NVENC is usable here")
def test_nvenc_falls_back_with_a_note(tmp_path, clip, cube, capsys):
    out = tmp_path / "o.mp4"
    assert run(["lut", "apply", str(clip), str(cube), "-o", str(out), "--codec", "h264_nvenc",
                "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["device"]["codec"] == "h264"
    assert any("h264_nvenc cannot be opened" in n for n in res["device"]["notes"])
    assert out.exists()


# --------------------------------------------------------------------------------------------
# The torch path end to end (torch's CPU device through the testing hook; CUDA where present)
# --------------------------------------------------------------------------------------------

torch = pytest.importorskip("torch")
TORCH_DEVICES = [torch_cpu_device()] + ([resolve_device("cuda")] if HAS_CUDA else [])


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("device", TORCH_DEVICES, ids=lambda d: d.name)
@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv422p10le", "yuv444p"])
def test_transcode_with_torch_equals_cpu(tmp_path, device, pix_fmt):
    """A schedule with a cut inside a batch (batch 4, cut at frame 3): the torch path writes
    the CPU path's video (8-bit: the same codes; 10-bit: within one code, rarely)."""
    src = make_clip(tmp_path / "src.mkv", frames=9, size=(50, 38), pix_fmt=pix_fmt)
    schedule = [(0, LutGrade(Lut.from_function(warm, 17))),
                (3, LutGrade(Lut.identity(9), "trilinear")),
                (7, LutGrade(Lut.from_function(lambda x: x**1.2, 33)))]
    enc = EncodeOptions(codec="ffv1")
    a = transcode(src, tmp_path / "cpu.mkv", schedule, enc)
    b = transcode(src, tmp_path / "gpu.mkv", schedule, enc, device=device, batch=4)
    assert a.device == "cpu" and b.device == device.name
    assert b.kernel.startswith("Torch") and a.frames == b.frames == 9
    _same_video(tmp_path / "cpu.mkv", tmp_path / "gpu.mkv",
                tolerance=0 if pix_fmt in ("yuv420p", "yuv444p") else 1)


def test_testing_hook_runs_the_cli_on_torch(tmp_path, clip, cube, monkeypatch, capsys):
    assert _apply(clip, cube, tmp_path / "cpu.mkv") == 0
    monkeypatch.setenv(TORCH_CPU_ENV, "1")
    assert _apply(clip, cube, tmp_path / "torch.mkv", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["device"]["used"] == "torch-cpu"
    _same_video(tmp_path / "cpu.mkv", tmp_path / "torch.mkv")
