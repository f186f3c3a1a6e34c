"""Scripting habits, in-process through the CLI: overwrite control, --dry-run, batch inputs and
name templates, --json everywhere (errors too), progress modes, consistent flags, honest gates,
errors early and exact, progress that names its phase and clip."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from gradecli import __version__
from gradecli.cli.app import run
from gradecli.color.lut import Lut
from gradecli.io.images import write_image
from gradecli.io.luts import write_lut
from gradecli.pipeline.shot_look import DEFAULT_MAX_DE
from tests.pipeline.test_match import cool, warm, write_clip
from tests.test_video_engine import make_clip


@pytest.fixture()
def lut(tmp_path) -> Path:
    path = tmp_path / "warm.cube"
    write_lut(Lut.from_function(lambda x: np.clip(x * [1.06, 1.0, 0.9], 0, 1), size=9), path)
    return path


@pytest.fixture()
def clips(tmp_path) -> list[Path]:
    d = tmp_path / "in"
    d.mkdir()
    return [make_clip(d / "a.mkv", frames=6), make_clip(d / "b.mkv", frames=6)]


@pytest.fixture()
def still(tmp_path) -> Path:
    yy, xx = np.mgrid[0:32, 0:48] / 48
    path = tmp_path / "still.png"
    write_image(path, np.stack([xx, yy, 1 - xx], axis=-1))
    return path


def _json(capsys) -> dict:
    d = json.loads(capsys.readouterr().out)
    assert d["gradecli"] == __version__
    return d


# -- 1. overwrite control --------------------------------------------------------------------


def test_existing_output_is_an_error_unless_y_or_skip(clips, lut, tmp_path, capsys):
    out = tmp_path / "o.mkv"
    assert run(["-q", "lut", "apply", str(clips[0]), str(lut), "-o", str(out),
                "--codec", "ffv1"]) == 0
    first = out.stat().st_mtime_ns
    assert run(["lut", "apply", str(clips[0]), str(lut), "-o", str(out)]) == 2
    assert "exists; -y replaces it" in capsys.readouterr().err
    assert run(["-n", "lut", "apply", str(clips[0]), str(lut), "-o", str(out)]) == 2
    assert out.stat().st_mtime_ns == first  # nothing touched
    assert run(["lut", "apply", str(clips[0]), str(lut), "-o", str(out), "--skip-existing",
                "--json"]) == 0
    assert _json(capsys)["items"][0]["status"] == "skipped"
    assert out.stat().st_mtime_ns == first
    assert run(["lut", "apply", str(clips[0]), str(lut), "-o", str(out), "-y", "-q",
                "--codec", "ffv1"]) == 0
    assert out.stat().st_mtime_ns != first
    assert run(["-y", "--skip-existing", "lut", "info", str(lut)]) == 2  # one policy only


def test_grade_and_match_refuse_existing_outputs(clips, still, tmp_path, capsys):
    out = tmp_path / "g.png"
    args = ["grade", str(still), "--adjust", "exposure=+0.2", "-o", str(out)]
    assert run(["-q", *args]) == 0
    capsys.readouterr()
    assert run(args) == 2 and "exists" in capsys.readouterr().err
    assert run(["-q", "-y", *args]) == 0
    folder = tmp_path / "m"
    margs = ["match", *map(str, clips), "-o", str(folder), "--match", "colour"]
    assert run(["-q", *margs]) == 0
    capsys.readouterr()
    assert run(margs) == 2 and "exists" in capsys.readouterr().err
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.mkv")}
    assert run(["-q", "--skip-existing", *margs]) == 0  # the graded clips are kept
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.mkv")} == before


# -- 2. dry runs ---------------------------------------------------------------------------------


def test_dry_runs_write_nothing(clips, lut, still, tmp_path, capsys):
    folder = tmp_path / "dry"
    assert run(["lut", "apply", *map(str, clips), str(lut), "-o", str(folder), "--dry-run"]) == 0
    assert "a.mkv" in capsys.readouterr().out and not folder.exists()
    assert run(["match", *map(str, clips), "-o", str(folder), "--dry-run", "--json"]) == 0
    plan = _json(capsys)
    assert plan["dry_run"] and [Path(c["output"]).name for c in plan["clips"]] == ["a.mkv",
                                                                                   "b.mkv"]
    assert plan["clips"][0]["size"] == [96, 64] and not folder.exists()
    assert run(["grade", str(still), "--prompt", "warm", "-o", str(folder / "g.png"),
                "--dry-run"]) == 2  # its folder does not exist: said before any work
    assert run(["grade", str(still), "--prompt", "warm", "-o", str(tmp_path / "g.png"),
                "--dry-run", "--json"]) == 0
    item = _json(capsys)["items"][0]
    assert item["output"].endswith("g.png") and item["recipe"].endswith("g.grade.json")
    assert not (tmp_path / "g.png").exists() and not (tmp_path / "g.cube").exists()


# -- 3. batch inputs ---------------------------------------------------------------------------


def test_batch_lut_apply_folders_lists_and_templates(clips, lut, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert run(["-q", "lut", "apply", str(clips[0].parent), str(lut), "-o", str(out),
                "--codec", "ffv1"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.mkv", "b.mkv"]
    card2 = tmp_path / "card2"
    card2.mkdir()
    other = make_clip(card2 / "a.mkv", frames=4)
    listing = tmp_path / "list.txt"
    listing.write_text(f"# shots of day 1\n{clips[0]}\n\n{other}\n")
    both = tmp_path / "both"
    assert run(["lut", "apply", str(lut), "-o", str(both), "--from-file", str(listing)]) == 2
    assert "would both be written" in capsys.readouterr().err  # two cards, one file name
    assert run(["-q", "lut", "apply", str(lut), "-o", str(both), "--from-file", str(listing),
                "--name", "{parent}_{stem}", "--codec", "ffv1"]) == 0
    assert sorted(p.name for p in both.iterdir()) == ["card2_a.mkv", "in_a.mkv"]
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{clips[1]}\n"))
    assert run(["lut", "apply", str(lut), "-o", str(tmp_path / "s"), "--from-file", "-",
                "--dry-run", "--json"]) == 0
    assert [Path(i["input"]).name for i in _json(capsys)["items"]] == ["b.mkv"]
    assert run(["lut", "apply", str(clips[0]), str(lut), "-o", str(tmp_path / "t"), "--name",
                "{nope}"]) == 2
    assert "unknown field {nope}" in capsys.readouterr().err


def test_batch_grade_into_a_folder(still, tmp_path, capsys):
    other = tmp_path / "other.png"
    other.write_bytes(still.read_bytes())
    out = tmp_path / "graded"
    assert run(["grade", str(still), str(other), "--prompt", "cool", "-o", str(out),
                "--json"]) == 0
    items = _json(capsys)["items"]
    assert [Path(i["output"]).name for i in items] == ["still.png", "other.png"]
    assert (out / "still.cube").exists() and (out / "other.grade.json").exists()
    assert run(["grade", str(still), str(other), "--prompt", "cool"]) == 2  # needs -o DIR


# -- 4. JSON everywhere, progress modes --------------------------------------------------------


def test_json_on_every_command_with_results(clips, lut, still, tmp_path, capsys):
    assert run(["lut", "info", str(lut), "--json"]) == 0
    assert _json(capsys)["size_3d"] == 9
    assert run(["lut", "convert", str(lut), "-o", str(tmp_path / "c.png"), "--json"]) == 0
    assert _json(capsys)["status"] == "written"
    assert run(["lut", "fit", str(still), str(still), "-o", str(tmp_path / "f.cube"),
                "--size", "5", "--json"]) == 0
    assert _json(capsys)["size"] == 5
    assert run(["looks", "--json"]) == 0
    assert len(_json(capsys)["looks"]) > 10
    assert run(["verify", *map(str, clips), "--json"]) == 0
    assert "pairs" in _json(capsys)
    assert run(["match", *map(str, clips), "-o", str(tmp_path / "m"), "--luts-only",
                "--json"]) == 0
    d = _json(capsys)
    assert d["command"] == "match" and "pairs" in d and d["measured"] == "analysed frames"


def test_errors_are_json_too(tmp_path, capsys):
    assert run(["lut", "info", str(tmp_path / "nope.cube"), "--json"]) == 2
    d = _json(capsys)
    assert d["exit_code"] == 2 and "nope.cube: no such file" in d["error"]
    assert run(["verify", "--max-de", "lots", "x.mp4", "--json"]) == 2
    assert _json(capsys)["exit_code"] == 2


def test_progress_plain_lines_and_none(clips, lut, tmp_path, capsys):
    assert run(["lut", "apply", str(clips[0]), str(lut), "-o", str(tmp_path / "p.mkv"),
                "--codec", "ffv1", "--progress", "plain"]) == 0
    err = capsys.readouterr().err
    assert "grading a.mkv: 6/6 frames (100%)" in err
    assert run(["lut", "apply", str(clips[0]), str(lut), "-o", str(tmp_path / "n.mkv"),
                "--codec", "ffv1", "--progress", "none", "-q"]) == 0
    assert capsys.readouterr().err == ""
    assert run(["--progress", "loud", "looks"]) == 2


# -- 5. consistent flags -----------------------------------------------------------------------


def test_flags_are_consistent(lut, still, tmp_path, capsys):
    assert run(["lut", "convert", str(lut), str(tmp_path / "a.cube"), "--size", "5"]) == 0
    assert run(["lut", "convert", str(lut), "-o", str(tmp_path / "b.cube"),
                "--lut-size", "5", "--quiet"]) == 0  # global flag after the subcommand
    assert capsys.readouterr().err.count("wrote") == 1
    assert run(["-V"]) == 0 and __version__ in capsys.readouterr().out
    assert run(["--help"]) == 0 and "--install-completion" in capsys.readouterr().out
    # -q silences notes: an unknown prompt word is noted without it only
    args = ["grade", str(still), "--prompt", "warm zorblax", "-o"]
    assert run([*args, str(tmp_path / "n1.png")]) == 0
    assert "zorblax" in capsys.readouterr().err
    assert run([*args, str(tmp_path / "n2.png"), "-q"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("cmd", [["lut", "apply"], ["lut", "info"], ["lut", "convert"],
                                 ["lut", "fit"], ["verify"], ["match"], ["grade"], ["looks"]])
def test_help_has_an_example_and_no_python_types(cmd, capsys):
    assert run([*cmd, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example: gradecli" in out
    assert "<list[" not in out and "<path>" not in out and "<bool>" not in out


def test_method_list_matches_the_help(clips, tmp_path, capsys):
    assert run(["match", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert run(["match", *map(str, clips), "-o", str(tmp_path / "m"), "--method", "bogus"]) == 2
    listed = capsys.readouterr().err.split("use one of ")[1].strip().split(", ")
    assert len(listed) == 7 and all(m in help_text for m in listed)


# -- 6. honest gates ---------------------------------------------------------------------------


def test_match_verdict_is_measured_like_verify(tmp_path, capsys):
    a = write_clip(tmp_path / "a.mkv", [(0, 12)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(1, 12)], cast=cool)
    out = tmp_path / "m"
    assert run(["-q", "match", str(a), str(b), "-o", str(out), "--codec", "ffv1", "--json"]) in (
        0, 1)
    report = _json(capsys)
    assert report["measured"] == "rendered clips"
    rendered = report["pairs"][0]["rendered"]
    assert report["max_delta_e00_after"] == pytest.approx(rendered)
    code = run(["verify", str(out / "a.mkv"), str(out / "b.mkv"), "--by", report["by"],
                "--json"])
    v = _json(capsys)
    assert v["max_delta_e00"] == pytest.approx(rendered, abs=1e-9)
    assert (code == 0) == report["passed"] == (rendered <= DEFAULT_MAX_DE[report["by"]])


# -- 7. errors early and exact ---------------------------------------------------------------


def test_errors_before_any_work(clips, lut, still, tmp_path, capsys, monkeypatch):
    import gradecli.pipeline.match as match_mod

    def no_decoding(*a, **k):
        raise AssertionError("decoded before the options were checked")

    monkeypatch.setattr(match_mod, "analyze_clip", no_decoding)
    out = tmp_path / "m"
    assert run(["match", *map(str, clips), "-o", str(out), "--target", "hero:nope.mp4"]) == 2
    assert "nope.mp4: no such file" in capsys.readouterr().err and not out.exists()
    monkeypatch.undo()
    assert run(["verify", *map(str, clips), "--frames", "0"]) == 2
    assert "--frames must be at least 1" in capsys.readouterr().err
    assert run(["verify", str(clips[0])]) == 2
    assert "needs at least two" in capsys.readouterr().err
    assert run(["grade", str(clips[0]), "--prompt", "warm", "-o", str(tmp_path / "y.avi")]) == 2
    assert "cannot be written to '.avi'" in capsys.readouterr().err
    assert not (tmp_path / "y.cube").exists() and not (tmp_path / "y.grade.json").exists()
    assert run(["lut", "apply", str(lut), str(clips[0]), "-o", str(tmp_path / "s.mkv")]) == 2
    assert "did you swap INPUT and LUT?" in capsys.readouterr().err


def test_failed_render_leaves_no_lut(clips, tmp_path, monkeypatch, capsys):
    import gradecli.pipeline.grade as grade_mod

    def broken(*a, **k):
        raise grade_mod.BadInputError("disk full (simulated)")

    monkeypatch.setattr(grade_mod, "transcode", broken)
    assert run(["grade", str(clips[0]), "--prompt", "warm", "-o", str(tmp_path / "g.mkv")]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_ctrl_c_says_so(clips, lut, tmp_path, monkeypatch, capsys):
    import gradecli.pipeline.lut_ops as lut_ops

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(lut_ops, "apply_lut_file", interrupted)
    assert run(["lut", "apply", str(clips[0]), str(lut), "-o", str(tmp_path / "x.mkv")]) == 130
    assert "stopped by the user (Ctrl-C)" in capsys.readouterr().err


# -- 8. progress names its phase and clip ------------------------------------------------------


def test_match_progress_names_phases_and_clips(clips, tmp_path, capsys):
    assert run(["match", *map(str, clips), "-o", str(tmp_path / "m"), "--codec", "ffv1",
                "--progress", "plain"]) in (0, 1)
    err = capsys.readouterr().err
    assert "analysing 2 clips" in err
    assert "rendering a.mkv (1/2)" in err and "rendering b.mkv (2/2)" in err
    assert "analysed (1/2)" in err


def test_adjust_typo_suggests_the_name(still, tmp_path, capsys):
    out = tmp_path / "x.png"
    assert run(["grade", str(still), "--adjust", "exposre=+0.3", "-o", str(out)]) == 2
    assert "did you mean 'exposure'?" in capsys.readouterr().err
    assert not out.exists()
