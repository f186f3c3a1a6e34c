"""`gradecli verify --skin-tones`: exit codes, tables, JSON, match reports, bad inputs."""

from __future__ import annotations

import json

import pytest

from gradecli.cli.app import run
from gradecli.color.lut import Lut
from gradecli.io.luts import write_lut
from gradecli.pipeline.skin_tones import DEFAULT_MAX_DISPARITY, check_skin_tones
from tests.cli.conftest import one_error_line
from tests.color.test_skin_tones import darken_grey_dark, exposure


@pytest.fixture()
def luts(tmp_path):
    paths = {
        "identity": tmp_path / "identity.cube",
        "brighter": tmp_path / "brighter.cube",
        "hald": tmp_path / "identity_hald.png",
        "dark": tmp_path / "dark_grey.cube",
    }
    write_lut(Lut.identity(17), paths["identity"])
    write_lut(Lut.from_function(exposure(0.5), size=33), paths["brighter"])
    write_lut(Lut.identity(16), paths["hald"])
    write_lut(Lut.from_function(darken_grey_dark, size=33), paths["dark"])
    return paths


def test_even_grades_pass(luts, capsys):
    args = [str(luts[k]) for k in ("identity", "brighter", "hald")]
    assert run(["verify", "--skin-tones", *args]) == 0
    out = capsys.readouterr().out
    for needle in ("MST 1", "MST 10", "ColorChecker dark skin", "ΔE00", "hue shift", "L* change",
                   "PASS", "disparity"):
        assert needle in out
    assert "FAIL" not in out


def test_dark_only_grade_fails(luts, capsys):
    assert run(["verify", "--skin-tones", str(luts["brighter"]), str(luts["dark"])]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "PASS" in out  # the even one passes, the dark-only one fails
    assert run(["verify", "--skin-tones", str(luts["dark"]), "--max-disparity", "2"]) == 0


def test_json(luts, capsys):
    code = run(["verify", "--skin-tones", str(luts["identity"]), str(luts["dark"]), "--json"])
    assert code == 1
    d = json.loads(capsys.readouterr().out)
    assert d["command"] == "verify --skin-tones"
    assert d["max_disparity"] == DEFAULT_MAX_DISPARITY and d["passed"] is False
    ident, dark = d["luts"]
    assert ident["lut"] == str(luts["identity"]) and ident["source"] is None
    assert ident["passed"] is True and dark["passed"] is False
    assert ident["disparity"] < 1e-6 and dark["disparity"] > DEFAULT_MAX_DISPARITY
    for key in ("mean_delta_e00", "std_delta_e00", "tones"):
        assert key in ident
    assert len(ident["tones"]) == 12
    tone = ident["tones"][0]
    assert set(tone) == {"tone", "delta_e00", "hue_shift_deg", "lightness_change", "in_disparity"}
    assert tone["tone"] == "MST 1" and tone["delta_e00"] < 1e-4
    assert [t["in_disparity"] for t in ident["tones"]] == [True] * 10 + [False] * 2


def test_match_report_lists_shot_luts(tmp_path, luts, capsys):
    graded = tmp_path / "graded"
    graded.mkdir()
    write_lut(Lut.from_function(exposure(-0.5), size=17), graded / "a.shot01.cube")
    write_lut(Lut.from_function(darken_grey_dark, size=17), graded / "a.shot02.cube")
    report = graded / "match_report.json"
    # the LUTs as match wrote them, relative to where it ran: found beside the report
    report.write_text(json.dumps({"clips": [{"path": "a.mp4", "shots": [
        {"index": 0, "lut": "elsewhere/a.shot01.cube"},
        {"index": 1, "lut": "elsewhere/a.shot02.cube"}]}]}))
    assert run(["verify", "--skin-tones", str(report), "--json"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert [r["lut"] for r in d["luts"]] == [str(graded / "a.shot01.cube"),
                                             str(graded / "a.shot02.cube")]
    assert all(r["source"] == str(report) for r in d["luts"])
    assert [r["passed"] for r in d["luts"]] == [True, False]


def test_check_skin_tones_lists_each_lut_once(luts):
    res = check_skin_tones([luts["identity"], luts["identity"], luts["brighter"]])
    assert [r.path for r in res.luts] == [str(luts["identity"]), str(luts["brighter"])]
    assert res.passed and res.max_disparity == DEFAULT_MAX_DISPARITY


@pytest.mark.parametrize("kind", ["missing", "garbage", "extension", "folder", "json", "lut"])
def test_bad_inputs_exit_2_naming_the_file(tmp_path, luts, capsys, kind):
    if kind == "missing":
        bad, name = tmp_path / "nope.cube", "nope.cube"
    elif kind == "garbage":
        bad, name = tmp_path / "bad.cube", "bad.cube"
        bad.write_text("LUT_3D_SIZE 2\n0 0 0\nnot a number\n")
    elif kind == "extension":
        bad, name = tmp_path / "grade.txt", "grade.txt"
        bad.write_text("x")
    elif kind == "folder":
        bad, name = tmp_path, str(tmp_path)
    elif kind == "json":
        bad, name = tmp_path / "report.json", "report.json"
        bad.write_text("{not json")
    else:  # a report naming a LUT that is nowhere
        bad, name = tmp_path / "match_report.json", "gone.cube"
        bad.write_text(json.dumps({"clips": [{"shots": [{"lut": "gone.cube"}]}]}))
    assert run(["verify", "--skin-tones", str(luts["identity"]), str(bad)]) == 2
    one_error_line(capsys, name)


def test_usage_errors(luts, capsys):
    lut = str(luts["identity"])
    assert run(["verify", "--skin-tones", lut, "--max-disparity", "-1"]) == 2
    one_error_line(capsys, "--max-disparity")
    assert run(["verify", "--skin-tones", lut, "--max-disparity", "lots"]) == 2
    capsys.readouterr()
    assert run(["verify", "--skin-tones", lut, "--max-de", "2"]) == 2
    one_error_line(capsys, "--max-de")
    assert run(["verify", lut, lut, "--max-disparity", "1"]) == 2
    one_error_line(capsys, "--skin-tones")
    assert run(["verify", "--skin-tones"]) == 2
    one_error_line(capsys, "no inputs")


def test_help_has_an_example(capsys):
    assert run(["verify", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--skin-tones" in out and "--max-disparity" in out
    assert "gradecli verify --skin-tones graded/*.cube" in out


@pytest.mark.parametrize("look", ["teal_orange", "warm_summer_evening", "bleach_bypass",
                                  "cool_night"])
def test_default_threshold_passes_the_example_looks(look):
    from tests.conftest import EXAMPLES

    res = check_skin_tones([EXAMPLES / "looks" / f"{look}.cube"])
    assert res.passed and 0.1 < res.luts[0].report.disparity < DEFAULT_MAX_DISPARITY
