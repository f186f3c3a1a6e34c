"""`grade --prompt / --adjust / --recipe / --preview` and `match --adjust`, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from gradecli.cli.app import run
from gradecli.color.spaces import rgb_to_lab
from gradecli.io.images import read_image
from tests.conftest import EXAMPLES
from tests.pipeline.test_match import write_clip
from tests.test_video_engine import make_clip

PROMPT = "a warm, nostalgic, summer evening feel"


@pytest.fixture()
def photo(tmp_path) -> Path:
    """A real photo, small (fast tests)."""
    bgr = cv2.imread(str(EXAMPLES / "stills" / "chelsea.png"))
    bgr = cv2.resize(bgr, (160, 104), interpolation=cv2.INTER_AREA)
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), bgr)
    return path


def lab_of(path: Path) -> np.ndarray:
    return rgb_to_lab(read_image(path).rgb.reshape(-1, 3))


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray() for f in c.decode(video=0)]


def test_prompt_grade_prints_looks_and_writes_recipe(tmp_path, photo, capsys):
    out = tmp_path / "v1.png"
    assert run(["grade", str(photo), "--prompt", PROMPT, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "looks: warm ×1.00, nostalgic ×1.00, summer ×1.00, evening ×1.00" in err
    recipe = json.loads((tmp_path / "v1.grade.json").read_text())
    assert recipe["prompt"] == PROMPT
    assert [m["name"] for m in recipe["looks"]] == ["warm", "nostalgic", "summer", "evening"]
    assert recipe["look"] and recipe["luts"] == [str(tmp_path / "v1.cube")]
    before, after = lab_of(photo), lab_of(out)
    assert after[:, 2].mean() > before[:, 2].mean() + 2  # warmer: b* up
    spread = lambda lab: np.percentile(lab[:, 0], 95) - np.percentile(lab[:, 0], 5)  # noqa: E731
    assert spread(after) < spread(before)  # softer contrast


def test_recipe_reproduces_and_refines(tmp_path, photo):
    v1, v1b, v2 = tmp_path / "v1.png", tmp_path / "v1b.png", tmp_path / "v2.png"
    assert run(["--quiet", "grade", str(photo), "--prompt", PROMPT, "-o", str(v1)]) == 0
    recipe = tmp_path / "v1.grade.json"
    assert run(["--quiet", "grade", str(photo), "--recipe", str(recipe), "-o", str(v1b)]) == 0
    assert (tmp_path / "v1.cube").read_bytes() == (tmp_path / "v1b.cube").read_bytes()
    assert v1.read_bytes() == v1b.read_bytes()
    args = ["--quiet", "grade", str(photo), "--recipe", str(recipe)]
    assert run([*args, "--adjust", "saturation=-0.3", "-o", str(v2)]) == 0
    r2 = json.loads((tmp_path / "v2.grade.json").read_text())
    assert r2["adjustments"] == {"saturation": -0.3}
    assert r2["parent"] == str(recipe) and r2["prompt"] == PROMPT
    chroma = lambda p: np.hypot(*lab_of(p)[:, 1:].T).mean()  # noqa: E731
    assert chroma(v2) < 0.85 * chroma(v1)
    # v2's own recipe reproduces v2.
    v2b = tmp_path / "v2b.png"
    args = ["--quiet", "grade", str(photo), "--recipe", str(tmp_path / "v2.grade.json")]
    assert run([*args, "-o", str(v2b)]) == 0
    assert v2.read_bytes() == v2b.read_bytes()


def test_recipe_reproduces_a_clip_bit_identically(tmp_path):
    src = make_clip(tmp_path / "src.mkv", frames=10, size=(64, 48))
    v1, v1b = tmp_path / "v1.mkv", tmp_path / "v1b.mkv"
    base = ["--quiet", "grade", str(src), "--codec", "ffv1"]
    assert run([*base, "--prompt", "cool moody", "--adjust", "exposure=+0.2", "-o", str(v1)]) == 0
    recipe = tmp_path / "v1.grade.json"
    assert run(["--quiet", "grade", str(src), "--recipe", str(recipe), "-o", str(v1b)]) == 0
    assert (tmp_path / "v1.cube").read_bytes() == (tmp_path / "v1b.cube").read_bytes()
    a, b = decoded(v1), decoded(v1b)
    assert len(a) == 10 and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], decoded(src)[0])


def test_ref_and_prompt_combine(tmp_path, photo):
    ref = EXAMPLES / "stills" / "coffee.png"
    only_ref, both = tmp_path / "r.png", tmp_path / "rp.png"
    assert run(["--quiet", "grade", str(photo), "--ref", str(ref), "-o", str(only_ref)]) == 0
    args = ["--quiet", "grade", str(photo), "--ref", str(ref), "--prompt", "very warm"]
    assert run([*args, "-o", str(both)]) == 0
    assert lab_of(both)[:, 2].mean() > lab_of(only_ref)[:, 2].mean() + 2
    recipe = json.loads((tmp_path / "rp.grade.json").read_text())
    assert recipe["reference"]["path"] == str(ref.resolve()) and recipe["method_used"] == "look"
    assert recipe["match"] == "auto"
    # The recipe rebuilds the grade; one written before --match existed matched colour.
    again = tmp_path / "rp2.png"
    assert run(["--quiet", "grade", str(photo), "--recipe", str(tmp_path / "rp.grade.json"),
                "-o", str(again)]) == 0
    assert again.read_bytes() == both.read_bytes()
    del recipe["match"]
    old = tmp_path / "old.grade.json"
    old.write_text(json.dumps(recipe))
    out_old = tmp_path / "old.png"
    # Rebuilt into its own recipe file: replacing it needs -y.
    args = ["--quiet", "-y", "grade", str(photo), "--recipe", str(old), "-o", str(out_old)]
    assert run(args) == 0
    assert json.loads((tmp_path / "old.grade.json").read_text())["match"] == "colour"
    assert run(["--quiet", "grade", str(photo), "--ref", str(ref), "--match", "colour",
                "-o", str(tmp_path / "c.png")]) == 0
    assert json.loads((tmp_path / "c.grade.json").read_text())["method_used"] == "idt"


def test_preview_only_writes_sheet_lut_and_recipe(tmp_path):
    src = write_clip(tmp_path / "shots.mkv", [(0, 20), (1, 20)])
    sheet = tmp_path / "look.png"
    assert run(["--quiet", "grade", str(src), "--prompt", "teal and orange", "--preview",
                str(sheet)]) == 0
    img = cv2.imread(str(sheet))
    assert img.shape[1] == 2 * 128 + 6 and img.shape[0] == 4 * 72 + 3 * 6  # 4 rows, before|after
    left, right = img[:, :128].astype(int), img[:, 134:].astype(int)
    assert np.abs(left - right).mean() > 3  # the graded half differs
    assert (tmp_path / "look.cube").exists() and (tmp_path / "look.grade.json").exists()
    assert not (tmp_path / "shots_graded.mkv").exists()  # a preview only: no render


def test_preview_with_ref_uses_each_shots_lut(tmp_path):
    src = write_clip(tmp_path / "shots.mkv", [(0, 30), (1, 30)])
    sheet, out = tmp_path / "p.png", tmp_path / "o.mkv"
    ref = EXAMPLES / "stills" / "coffee.png"
    args = ["--quiet", "grade", str(src), "--ref", str(ref), "--preview", str(sheet)]
    assert run([*args, "-o", str(out), "--codec", "ffv1"]) == 0
    assert (tmp_path / "o.shot01.cube").exists() and (tmp_path / "o.shot02.cube").exists()
    assert out.exists() and sheet.exists()


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--prompt", "xyzzy frobnicate"], ["no known look words", "closest"]),
        (["--prompt", ""], ["prompt"]),
        ([], ["needs a look"]),
        (["--adjust", "saturashun=0.1"], ["saturashun", "saturation"]),
        (["--adjust", "exposure=lots"], ["exposure"]),
        (["--recipe", "missing.grade.json"], ["missing.grade.json"]),
    ],
)
def test_bad_looks_exit_2_with_one_line(tmp_path, photo, capsys, args, needles):
    out = tmp_path / "o.png"
    assert run(["grade", str(photo), *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
    for n in needles:
        assert n in err[0]
    assert not out.exists() and not (tmp_path / "o.grade.json").exists()


def test_bad_recipe_files(tmp_path, photo, capsys):
    bad = tmp_path / "bad.grade.json"
    bad.write_text("{not json")
    assert run(["grade", str(photo), "--recipe", str(bad)]) == 2
    assert "not a JSON recipe" in capsys.readouterr().err
    bad.write_text(json.dumps({"hello": 1}))
    assert run(["grade", str(photo), "--recipe", str(bad)]) == 2
    assert "not a gradecli recipe" in capsys.readouterr().err
    # A recipe whose reference still changed since it was written is refused.
    ref = tmp_path / "ref.png"
    ref.write_bytes((EXAMPLES / "stills" / "coffee.png").read_bytes())
    assert run(["--quiet", "grade", str(photo), "--ref", str(ref), "-o",
                str(tmp_path / "v1.png")]) == 0
    ref.write_bytes((EXAMPLES / "stills" / "astronaut.png").read_bytes())
    assert run(["grade", str(photo), "--recipe", str(tmp_path / "v1.grade.json")]) == 2
    assert "has changed" in capsys.readouterr().err


def test_unknown_words_are_reported_not_dropped(tmp_path, photo, capsys):
    out = tmp_path / "o.png"
    assert run(["grade", str(photo), "--prompt", "warm and glorbious", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "unknown word 'glorbious'" in err and "closest" in err


def test_match_adjust(tmp_path):
    a = write_clip(tmp_path / "a.mkv", [(0, 12)])
    b = write_clip(tmp_path / "b.mkv", [(1, 12)])
    plain, adj = tmp_path / "plain", tmp_path / "adj"
    assert run(["--quiet", "match", str(a), str(b), "-o", str(plain), "--luts-only"]) == 0
    args = ["--quiet", "match", str(a), str(b), "-o", str(adj), "--luts-only"]
    assert run([*args, "--adjust", "temperature=+800"]) in (0, 1)
    report = json.loads((adj / "match_report.json").read_text())
    assert report["adjustments"] == {"temperature": 800.0}
    before = {c["path"]: c["after_mean_lab"] for c in
              json.loads((plain / "match_report.json").read_text())["clips"]}
    for c in report["clips"]:
        assert c["after_mean_lab"][2] > before[c["path"]][2] + 2  # warmer than plain match


def test_looks_command(capsys):
    assert run(["looks", "--json"]) == 0
    looks = json.loads(capsys.readouterr().out)["looks"]
    assert len(looks) >= 60 and {"warm", "teal and orange", "noir"} <= {x["name"] for x in looks}
    assert run(["looks", "--adjustments", "--json"]) == 0
    names = {x["name"] for x in json.loads(capsys.readouterr().out)["adjustments"]}
    assert {"exposure", "saturation", "temperature", "contrast"} <= names
