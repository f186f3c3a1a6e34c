"""`--method model` (the bundled style model) through grade and match, in-process."""

from __future__ import annotations

import builtins
import json

import pytest

from gradecli.cli.app import run
from gradecli.models.style import VARIANTS, weights_dir
from tests.conftest import EXAMPLES
from tests.pipeline.test_match import warm, write_clip

REF = EXAMPLES / "stills" / "coffee.png"


def _have_model() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return (weights_dir() / VARIANTS["fp32"]).is_file()


needs_model = pytest.mark.skipif(not _have_model(), reason="onnxruntime or weights missing")


@needs_model
@pytest.mark.parametrize("method", ["model", "model-int8"])
def test_grade_still_with_the_model(tmp_path, method):
    src = EXAMPLES / "stills" / "chelsea.png"
    out = tmp_path / "o.png"
    assert run(["--quiet", "grade", str(src), "--ref", str(REF), "--method", method,
                "-o", str(out)]) == 0
    recipe = json.loads((tmp_path / "o.grade.json").read_text())
    assert recipe["method_used"] == method and (tmp_path / "o.cube").exists() and out.exists()


@needs_model
def test_match_with_the_model_towards_a_hero(tmp_path):
    a = write_clip(tmp_path / "a.mkv", [(0, 12)])
    b = write_clip(tmp_path / "b.mkv", [(1, 12)], cast=warm)
    args = ["--quiet", "match", str(a), str(b), "--target", f"hero:{a}", "--method", "model"]
    assert run([*args, "-o", str(tmp_path / "o"), "--luts-only"]) in (0, 1)
    report = json.loads((tmp_path / "o" / "match_report.json").read_text())
    assert report["method"] == "model" and (tmp_path / "o" / "b.cube").exists()


@needs_model
def test_model_needs_a_target_with_a_picture(tmp_path, capsys):
    a = write_clip(tmp_path / "a.mkv", [(0, 12)])
    b = write_clip(tmp_path / "b.mkv", [(1, 12)])
    assert run(["match", str(a), str(b), "--method", "model", "-o", str(tmp_path / "o")]) == 2
    assert "needs a target with a picture" in capsys.readouterr().err


def test_without_onnxruntime_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    real_import = builtins.__import__

    def no_ort(name, *args, **kwargs):
        if name == "onnxruntime" or name.startswith("onnxruntime."):
            raise ImportError("No module named 'onnxruntime'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ort)
    src = EXAMPLES / "stills" / "chelsea.png"
    out = tmp_path / "o.png"
    args = ["--quiet", "grade", str(src), "--ref", str(REF), "--method", "model"]
    assert run([*args, "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'gradecli[cpu]'" in err[0]
    assert not out.exists()
