"""gradecli.models.style: loading the shipped ONNX model, its output, and its errors."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.grade_model import GradeParams, apply_grade
from gradecli.color.spaces import rgb_to_lab
from gradecli.errors import BadInputError, ModelError, ModelUnavailableError
from gradecli.models import style
from gradecli.models.style import StyleModel, thumbnail


def _scene(h: int = 120, w: int = 160, seed: int = 0) -> np.ndarray:
    """A simple picture: a sky-like gradient over a ground-like one, with a few objects."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    sky = np.array([0.45, 0.62, 0.85]) + 0.25 * y[..., None] * np.array([0.6, 0.4, 0.1])
    ground = np.array([0.35, 0.42, 0.2]) + 0.2 * x[..., None] * np.array([0.5, 0.3, 0.1])
    im = np.where(y[..., None] < 0.55, sky, ground)
    for _ in range(4):
        y0, x0 = rng.integers(0, h - 30), rng.integers(0, w - 30)
        im[y0 : y0 + 30, x0 : x0 + 30] = rng.uniform(0.1, 0.9, 3)
    return np.clip(im, 0.0, 1.0)


def test_thumbnail_shape_and_types():
    im = _scene()
    t = thumbnail(im)
    assert t.shape == (style.THUMB_SIZE, style.THUMB_SIZE, 3) and t.dtype == np.float32
    np.testing.assert_allclose(thumbnail((im * 255).round().astype(np.uint8)), t, atol=3e-3)
    with pytest.raises(BadInputError):
        thumbnail(np.zeros((10, 10)))
    with pytest.raises(BadInputError):
        thumbnail(np.full((8, 8, 3), np.nan))


def test_missing_onnxruntime_is_one_line_exit_2(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime -> ImportError
    with pytest.raises(ModelUnavailableError) as info:
        StyleModel.load()
    err = info.value
    assert isinstance(err, ModelError) and err.exit_code == 2
    msg = str(err)
    assert "\n" not in msg
    assert "pip install 'gradecli[cpu]'" in msg and "ONNX Runtime" in msg


def test_provider_choice_with_a_fake_runtime():
    cuda = types.SimpleNamespace(
        get_available_providers=lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    cpu = types.SimpleNamespace(get_available_providers=lambda: ["CPUExecutionProvider"])
    assert style._providers(cuda, "cuda")[0] == "CUDAExecutionProvider"
    assert style._providers(cuda, "auto")[0] == "CUDAExecutionProvider"
    assert style._providers(cuda, "cpu") == ["CPUExecutionProvider"]
    assert style._providers(cpu, "auto") == ["CPUExecutionProvider"]
    with pytest.raises(ModelError, match="cuda"):
        style._providers(cpu, "cuda")


def test_bad_arguments():
    with pytest.raises(BadInputError):
        StyleModel.load(variant="fp16")
    with pytest.raises(BadInputError):
        StyleModel.load(device="tpu")


def test_weights_dir_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADECLI_WEIGHTS", str(tmp_path))
    assert style.weights_dir() == tmp_path
    monkeypatch.delenv("GRADECLI_WEIGHTS")
    assert style.weights_dir().name == "weights"


# -- with ONNX Runtime ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def ort():
    return pytest.importorskip("onnxruntime")


def test_missing_and_corrupt_weights_name_the_file(ort, monkeypatch, tmp_path):
    monkeypatch.setenv("GRADECLI_WEIGHTS", str(tmp_path))
    with pytest.raises(ModelError, match="style_lut.onnx"):
        StyleModel.load()
    (tmp_path / "style_lut.int8.onnx").write_bytes(b"not an onnx model")
    with pytest.raises(ModelError, match="style_lut.int8.onnx"):
        StyleModel.load(variant="int8")


@pytest.mark.parametrize("variant", ["fp32", "int8"])
def test_shipped_weights_give_a_valid_lut(ort, variant):
    model = StyleModel.load(variant=variant, device="cpu")
    assert model.providers == ("CPUExecutionProvider",)
    lut = model.predict_lut(_scene(seed=1), _scene(seed=2)[..., ::-1])
    assert lut.size == 33 and lut.table.shape == (33, 33, 33, 3)
    assert np.isfinite(lut.table).all() and lut.table.min() >= 0 and lut.table.max() <= 1


def test_auto_device_falls_back_to_cpu(ort):
    model = StyleModel.load(device="auto")
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        assert model.providers == ("CPUExecutionProvider",)
        with pytest.raises(ModelError, match="cuda"):
            StyleModel.load(device="cuda")


def test_same_look_pair_is_nearly_identity(ort):
    model = StyleModel.load()
    look = GradeParams(temperature=1200, contrast=0.2, saturation=0.15)
    src = apply_grade(look, _scene(seed=3))
    ref = apply_grade(look, _scene(seed=4))
    for reference in (src, ref):  # the same picture, then another picture with the same look
        out = model.predict_lut(src, reference).apply(src)
        de = delta_e2000(rgb_to_lab(out), rgb_to_lab(src)).mean()
        assert de < 2.0, de


def test_batched_tables_match_single(ort):
    model = StyleModel.load()
    a, b = thumbnail(_scene(seed=5)), thumbnail(_scene(seed=6))
    one = model.predict_table(a, b)
    two = model.predict_table(np.stack([a, b]), np.stack([b, a]))
    assert two.shape == (2, 33, 33, 33, 3)
    np.testing.assert_allclose(two[0], one, atol=1e-5)
