"""Every command in-process: help, nominal runs, exit codes, and one clear line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from gradecli import __version__
from gradecli.cli.app import run
from gradecli.io.images import read_image, write_image
from gradecli.io.luts import read_lut
from tests.cli.conftest import one_error_line, warm
from tests.test_video_engine import make_clip

COMMANDS = [
    [],
    ["lut"],
    ["lut", "apply"],
    ["lut", "info"],
    ["lut", "convert"],
    ["lut", "fit"],
    ["verify"],
    ["match"],
    ["grade"],
    ["looks"],
]


@pytest.fixture()
def still(tmp_path, rng):
    path = tmp_path / "still.png"
    yy, xx = np.mgrid[0:40, 0:60] / 60
    write_image(path, np.stack([xx, yy, 1 - xx], axis=-1))
    return path


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_has_help(cmd, capsys):
    assert run([*cmd, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage" in out


def test_version(capsys):
    assert run(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_python_dash_m():
    res = subprocess.run(
        [sys.executable, "-m", "gradecli", "--version"], capture_output=True, text=True
    )
    assert res.returncode == 0 and __version__ in res.stdout


def test_every_command_is_listed(capsys):
    run(["--help"])
    out = capsys.readouterr().out
    for name in ("match", "grade", "looks", "lut", "verify", "report", "segment"):
        assert f" {name} " in out


def test_lut_apply_still(tmp_path, cube, still):
    out = tmp_path / "out.png"
    assert run(["--quiet", "lut", "apply", str(still), str(cube), "-o", str(out)]) == 0
    got = read_image(out).rgb
    want = read_lut(cube).apply(read_image(still).rgb)
    assert np.abs(got - want).max() <= 0.5 / 255 + 1e-9
    assert np.abs(got - warm(read_image(still).rgb)).max() < 0.01  # a 17^3 LUT of the look


def test_lut_apply_video(tmp_path, cube):
    src = make_clip(tmp_path / "src.mkv")
    out = tmp_path / "out.mkv"
    assert (
        run(["--quiet", "lut", "apply", str(src), str(cube), "-o", str(out), "--codec", "ffv1"])
        == 0
    )
    assert out.exists()


def test_lut_info_json(cube, capsys):
    assert run(["lut", "info", str(cube), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["size_3d"] == 17 and info["is_identity"] is False


def test_lut_convert_round_trip(tmp_path, cube):
    png = tmp_path / "warm.png"
    assert run(["lut", "convert", str(cube), str(png)]) == 0
    back = tmp_path / "back.cube"
    assert run(["lut", "convert", str(png), str(back)]) == 0
    x = np.random.default_rng(0).uniform(0, 1, (500, 3))
    # 17^3 is not a Hald size: it is resampled to 16^3 (level 4), close but not exact.
    assert np.abs(read_lut(back).apply(x) - read_lut(cube).apply(x)).max() < 5e-3


def test_lut_fit(tmp_path, still):
    after = tmp_path / "after.png"
    write_image(after, warm(read_image(still).rgb))
    out = tmp_path / "fit.cube"
    assert run(["lut", "fit", str(still), str(after), "-o", str(out), "--size", "9"]) == 0
    assert read_lut(out).size == 9


def test_verify_exit_codes(tmp_path, capsys):
    a = make_clip(tmp_path / "a.mkv", frames=4)
    assert run(["verify", str(a), str(a), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["passed"] is True and d["pairs"][0]["delta_e00"] < 1e-9
    b = tmp_path / "b.png"
    write_image(b, np.full((8, 8, 3), 0.9))
    assert run(["verify", str(a), str(b)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_bad_input_missing_file(tmp_path, cube, capsys):
    assert (
        run(["lut", "apply", str(tmp_path / "nope.mp4"), str(cube), "-o", str(tmp_path / "o.mp4")])
        == 2
    )
    one_error_line(capsys, "nope.mp4", "no such file")


def test_bad_input_not_a_video(tmp_path, cube, capsys):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00garbage" * 100)
    out = tmp_path / "o.mp4"
    assert run(["lut", "apply", str(bad), str(cube), "-o", str(out)]) == 2
    one_error_line(capsys, "bad.mp4")
    assert not out.exists()


def test_bad_input_output_is_input(tmp_path, cube, capsys):
    src = make_clip(tmp_path / "src.mkv", frames=2)
    before = src.read_bytes()
    assert run(["lut", "apply", str(src), str(cube), "-o", str(src)]) == 2
    one_error_line(capsys, "same file")
    assert src.read_bytes() == before


def test_bad_input_missing_output_folder(tmp_path, cube, still, capsys):
    assert run(["lut", "apply", str(still), str(cube), "-o", str(tmp_path / "no/o.png")]) == 2
    one_error_line(capsys, "does not exist")


@pytest.mark.parametrize(
    "text,needle",
    [
        ("LUT_3D_SIZE 2\n0 0 0\n1 0 0\n", "rows"),
        ("LUT_3D_SIZE 2\n" + "nan 0 0\n" * 8, ""),
        ("LUT_3D_SIZE 2\n" + "0 0 zero\n" * 8, ""),
        ("LUT_3D_SIZE 1\n0 0 0\n", ""),
        ("LUT_3D_SIZE 300\n", ""),
        ("0 0 0\n1 1 1\n", ""),
    ],
)
def test_bad_cube_files(tmp_path, still, capsys, text, needle):
    bad = tmp_path / "bad.cube"
    bad.write_text(text)
    out = tmp_path / "o.png"
    assert run(["lut", "apply", str(still), str(bad), "-o", str(out)]) == 2
    one_error_line(capsys, "bad.cube", needle)
    assert not out.exists()


def test_debug_shows_traceback(tmp_path, cube, capsys):
    assert run(["--debug", "lut", "info", str(tmp_path / "none.cube")]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_usage_error_is_exit_2(capsys):
    assert run(["lut", "apply"]) == 2
    assert run(["verify", "--max-de", "lots", "x.mp4"]) == 2


def test_bad_codec(tmp_path, cube, capsys):
    src = make_clip(tmp_path / "s.mkv", frames=2)
    assert (
        run(["lut", "apply", str(src), str(cube), "-o", str(tmp_path / "o.mp4"), "--codec", "divx"])
        == 2
    )
    one_error_line(capsys, "divx")
