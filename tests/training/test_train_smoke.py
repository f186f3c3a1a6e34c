"""The training code runs: a few steps on tiny generated images, export, and the LUT layout."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gradecli.color.lut import Lut  # noqa: E402
from training import looks  # noqa: E402
from training.model import (  # noqa: E402
    LUT_SIZE,
    OUT_SIZE,
    THUMB,
    ExportModel,
    apply_lut,
    from_gradecli,
    identity_lut,
    to_gradecli,
)
from training.train import PairSampler, TrainConfig, build_look_bank, train  # noqa: E402

HAS_ONNX = all(importlib.util.find_spec(m) is not None for m in ("onnx", "onnxruntime"))


def _tiny_images(n: int = 4, seed: int = 0) -> list[np.ndarray]:
    """Small synthetic 'photos': smooth colour gradients with a few flat patches."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = 72, 96
        y, x = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
        base = rng.uniform(0.1, 0.9, 3)
        slope = rng.uniform(-0.4, 0.4, (2, 3))
        im = base + x[..., None] * slope[0] + y[..., None] * slope[1]
        for _ in range(3):
            y0, x0 = rng.integers(0, h - 20), rng.integers(0, w - 20)
            im[y0 : y0 + 20, x0 : x0 + 20] = rng.uniform(0, 1, 3)
        out.append(np.clip(im, 0, 1).astype(np.float32))
    return out


def test_lut_layout_matches_gradecli():
    # An asymmetric look (channels swapped and bent) exposes any axis-order mistake.
    def fn(x):
        return np.stack([x[..., 1] ** 2, 0.3 + 0.5 * x[..., 2], x[..., 0] * x[..., 1]], -1)

    lut = Lut.from_function(fn, size=LUT_SIZE)
    t = from_gradecli(lut.table)
    assert t.shape == (3, LUT_SIZE, LUT_SIZE, LUT_SIZE)
    np.testing.assert_allclose(to_gradecli(t), lut.table, atol=1e-6)
    np.testing.assert_allclose(to_gradecli(identity_lut()), Lut.identity(LUT_SIZE).table, atol=1e-6)


def test_grid_sample_equals_lut_apply_trilinear():
    rng = np.random.default_rng(3)
    table = looks.sample_look(rng, identity_prob=0.0).table(LUT_SIZE).astype(np.float64)
    img = rng.random((2, 3, 16, 24)).astype(np.float32)
    img[0, :, 0, 0] = [0.0, 1.0, 1.0]  # cube corners and edges
    img[0, :, 0, 1] = [1.0, 0.0, 0.5]
    lut = from_gradecli(table)[None].expand(2, -1, -1, -1, -1).contiguous()
    got = apply_lut(lut, torch.from_numpy(img)).numpy()
    want = Lut(table).apply(img.transpose(0, 2, 3, 1).astype(np.float64), "trilinear")
    np.testing.assert_allclose(got, want.transpose(0, 3, 1, 2), atol=1e-4)


def test_looks_are_seeded_and_monotone():
    a = looks.random_looks(5, 3, size=9)
    b = looks.random_looks(5, 3, size=9)
    assert a.shape == (3, 9, 9, 9, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert (a >= 0).all() and (a <= 1).all()
    assert all(looks.is_monotone(t) for t in a)


def test_train_few_steps_and_export(tmp_path):
    cfg = TrainConfig(steps=5, batch=4, n_looks=4, look_size=9, warmup=2, log_every=1)
    photos = _tiny_images()
    bank = build_look_bank(cfg.seed, cfg.n_looks, cfg.look_size)
    src, ref, tgt, same = PairSampler(photos, bank, cfg).batch(4)
    assert src.shape == ref.shape == tgt.shape == (4, 3, THUMB, THUMB)
    assert same.dtype == torch.bool
    lines: list[str] = []
    net, history = train(cfg, photos, bank, log=lines.append)
    assert len(history) == 5 and len(lines) == 5
    assert all(np.isfinite(h["loss"]) for h in history)
    net.eval()
    s, r = torch.rand(2, 3, THUMB, THUMB), torch.rand(2, 3, THUMB, THUMB)
    with torch.no_grad():
        lut, residual = net(s, r)
        big = ExportModel(net)(s, r)
    assert lut.shape == residual.shape == (2, 3, LUT_SIZE, LUT_SIZE, LUT_SIZE)
    assert big.shape == (2, OUT_SIZE, OUT_SIZE, OUT_SIZE, 3)
    # The exported 33^3 table is the 17^3 one resampled trilinearly.
    want = Lut(to_gradecli(lut[0])).resample(OUT_SIZE, "trilinear").table
    np.testing.assert_allclose(big[0].numpy(), want, atol=1e-5)

    if not HAS_ONNX:
        pytest.skip("onnx / onnxruntime not installed: export not checked")
    from gradecli.models.style import StyleModel
    from training import export

    fp32 = export.export_onnx(net, tmp_path / "style_lut.onnx")
    src_np, ref_np = s.numpy(), r.numpy()
    assert export.parity(net, fp32, src_np, ref_np) < 1e-4
    int8 = export.quantize_int8(fp32, tmp_path / "style_lut.int8.onnx")
    for path in (fp32, int8):
        model = StyleModel.load(path=path)
        out = model.predict_lut(photos[0], photos[1])
        assert out.size == OUT_SIZE and np.isfinite(out.table).all()


@pytest.mark.parametrize("variant", ["full", "stats"])
def test_ablation_runs_and_reports_against_no_change(monkeypatch, variant):
    from training import ablation
    from training import train as train_mod

    photos = _tiny_images(6, seed=4)
    monkeypatch.setattr(train_mod, "load_photos", lambda *a, **k: (photos, [{}] * len(photos)))
    r = ablation.run(variant, steps=3, threads=1, val_photos=2, seed=0, looks=8)
    assert r["variant"] == variant and r["steps"] == 3
    assert np.isfinite([r["identity"], r["raw"], r["same"]]).all() and r["identity"] > 0
    # The module's encoder is restored after a stats-only run.
    from training import model as model_mod

    assert model_mod.Encoder is not ablation._StatsOnlyEncoder


def test_stats_only_encoder_zeroes_learned_features():
    from training import ablation
    from training.model import _STAT_FEATURES

    enc = ablation._StatsOnlyEncoder()
    f = enc(torch.rand(2, 3, THUMB, THUMB))
    assert torch.all(f[:, : f.shape[1] - _STAT_FEATURES] == 0)
    assert torch.any(f[:, -_STAT_FEATURES:] != 0)
