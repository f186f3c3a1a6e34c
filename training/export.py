"""Export the trained style model to ONNX (fp32 and int8) and write weights/MODEL_CARD.md.

- ``style_lut.onnx``: :class:`training.model.ExportModel` exported with ``torch.onnx.export``
  (opset 18, batch dimension dynamic): inputs ``source`` and ``reference``, (N, 3, 64, 64)
  float32 NCHW thumbnails of sRGB code values 0..1 (:func:`gradecli.models.style.thumbnail`);
  output ``lut``, (N, 33, 33, 33, 3) float32 in gradecli's ``table[r, g, b]`` order (the 17^3
  LUT upsampled trilinearly, unclipped). The export is checked against torch: the largest
  difference of ONNX Runtime's output from torch's must be below 1e-4 (code values).
- ``style_lut.int8.onnx``: ONNX Runtime dynamic quantisation (int8 weights per channel,
  uint8 activations quantised at run time) of the convolutions, the MLP and the basis-LUT
  product; the fixed upsampling products and the RGB -> XYZ matrix stay in float (quantising
  them would round the LUT itself, or the colours, to 8 bits).

Run on its own to re-export a checkpoint: ``python -m training.export [--checkpoint PATH]
[--out weights] [--no-bench]``; ``python -m training.train`` calls :func:`export_all`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from gradecli.models.style import INPUT_NAMES, OUTPUT_NAME, OUTPUT_SIZE, VARIANTS
from training.checkpoint import CHECKPOINT, load_checkpoint
from training.model import (
    CURVE_KNOTS,
    LUT_SIZE,
    THUMB,
    ExportModel,
    StyleLutNet,
    param_count,
)
from training.photos import MANIFEST, load_photos, random_crop

__all__ = ["export_all", "export_onnx", "parity", "probe_thumbnails", "quantize_int8", "write_card"]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OPSET = 18
PARITY_TOL = 1e-4


def export_onnx(net: StyleLutNet, path: Path, opset: int = OPSET) -> Path:
    """Write ``net`` (wrapped in :class:`ExportModel`) as a single-file ONNX model."""
    model = ExportModel(net).eval()
    # batch 2: torch.export specialises a dimension of size 1
    example = (torch.rand(2, 3, THUMB, THUMB), torch.rand(2, 3, THUMB, THUMB))
    path.parent.mkdir(parents=True, exist_ok=True)
    batch = torch.export.Dim("batch", min=1, max=1024)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            example,
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            opset_version=opset,
            dynamo=True,
            external_data=False,
            dynamic_shapes=({0: batch}, {0: batch}),
            verbose=False,
        )
    import onnx

    dim = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim[0]
    if not dim.dim_param:  # the exporter fell back to a fixed batch size
        raise RuntimeError(f"{path}: the exported batch dimension is fixed ({dim.dim_value})")
    return path


def _session(path: Path, threads: int = 2):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def probe_thumbnails(n: int = 16, seed: int = 123) -> tuple[np.ndarray, np.ndarray]:
    """Thumbnail pairs (n, 3, 64, 64) from the training photos with random looks, or random
    pixels when the photos are not there: inputs for the parity check and the int8 check."""
    rng = np.random.default_rng(seed)
    try:
        from training.looks import sample_look

        photos, _ = load_photos(MANIFEST, "train")
        src, ref = [], []
        for _ in range(n):
            a = photos[int(rng.integers(len(photos)))]
            b = photos[int(rng.integers(len(photos)))]
            look = sample_look(rng)
            src.append(random_crop(a, rng, 0.5))
            ref.append(look(random_crop(b, rng, 0.5)).astype(np.float32))
        s, r = np.stack(src), np.stack(ref)
    except (FileNotFoundError, KeyError):
        s = rng.random((n, THUMB, THUMB, 3), dtype=np.float32)
        r = rng.random((n, THUMB, THUMB, 3), dtype=np.float32)
    return s.transpose(0, 3, 1, 2).copy(), r.transpose(0, 3, 1, 2).copy()


def parity(net: StyleLutNet, path: Path, src: np.ndarray, ref: np.ndarray) -> float:
    """Largest |ONNX Runtime - torch| over the LUTs of the thumbnail pairs (code values)."""
    with torch.no_grad():
        want = ExportModel(net).eval()(torch.from_numpy(src), torch.from_numpy(ref)).numpy()
    got = _session(path).run([OUTPUT_NAME], {INPUT_NAMES[0]: src, INPUT_NAMES[1]: ref})[0]
    return float(np.abs(got - want).max())


def quantize_int8(fp32: Path, int8: Path) -> Path:
    """Dynamic int8 quantisation of ``fp32`` into ``int8`` (upsampling products kept float)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(fp32))
    shapes = {i.name: tuple(i.dims) for i in model.graph.initializer}
    # Kept in float: the LUT upsampling (17 -> 33 per axis) and the RGB -> XYZ matrix of the
    # colour statistics (quantising their inputs would round colours to 8 bits).
    fixed = {(LUT_SIZE, OUTPUT_SIZE), (3, 3)}
    keep_float = [
        n.name
        for n in model.graph.node
        if n.op_type == "MatMul" and any(shapes.get(x) in fixed for x in n.input)
    ]
    import logging

    logging.getLogger().setLevel(logging.ERROR)
    quantize_dynamic(
        str(fp32),
        str(int8),
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=keep_float,
        op_types_to_quantize=["Conv", "MatMul", "Gemm"],
    )
    return int8


def _bench_module():
    path = REPO / "benchmarks" / "bench_style_model.py"
    spec = importlib.util.spec_from_file_location("bench_style_model", path)
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def export_all(
    net: StyleLutNet,
    out: Path,
    log: Callable[[str], None] = print,
    info: dict | None = None,
    bench: bool = True,
) -> dict:
    """Export fp32 + int8, check parity, optionally benchmark, and write MODEL_CARD.md."""
    net = net.eval()
    out.mkdir(parents=True, exist_ok=True)
    fp32 = export_onnx(net, out / VARIANTS["fp32"])
    src, ref = probe_thumbnails()
    err = parity(net, fp32, src, ref)
    log(f"# exported {fp32} ({fp32.stat().st_size / 1e6:.2f} MB); |onnx - torch| max {err:.2e}")
    if not err < PARITY_TOL:
        raise RuntimeError(f"ONNX output differs from torch by {err:.2e} (> {PARITY_TOL})")
    int8 = quantize_int8(fp32, out / VARIANTS["int8"])
    a = _session(fp32).run([OUTPUT_NAME], {INPUT_NAMES[0]: src, INPUT_NAMES[1]: ref})[0]
    b = _session(int8).run([OUTPUT_NAME], {INPUT_NAMES[0]: src, INPUT_NAMES[1]: ref})[0]
    q_err = float(np.abs(a - b).max())
    q_mean = float(np.abs(a - b).mean())
    log(
        f"# quantised {int8} ({int8.stat().st_size / 1e6:.2f} MB); |int8 - fp32| "
        f"max {q_err:.2e}, mean {q_mean:.2e}"
    )
    results = {"parity": err, "int8_max": q_err, "int8_mean": q_mean}
    table = None
    if bench:
        mod = _bench_module()
        t = time.perf_counter()
        res = mod.evaluate(out, log=log)
        table = mod.format_table(res)
        by = {r.name: r for r in res["rows"]}
        results["de"] = {k: r.mean_de for k, r in by.items()}
        results["same"] = {k: r.mean_same for k, r in by.items()}
        log(table)
        log(f"# benchmark {time.perf_counter() - t:.0f}s")
    write_card(out, net, info or {}, results, table)
    return results


def _data_section() -> str:
    manifest = MANIFEST
    if not manifest.exists():
        return "(training/data/manifest.json not found when this card was written)\n"
    m = json.loads(manifest.read_text(encoding="utf-8"))
    lines = []
    counts = Counter((r["source"], r["version"], r["licence"], r["split"]) for r in m["images"])
    lines.append("| source package | version | licence | train | eval |")
    lines.append("|---|---|---|---|---|")
    keys = sorted({k[:3] for k in counts})
    for src, ver, lic in keys:
        tr = counts.get((src, ver, lic, "train"), 0)
        ev = counts.get((src, ver, lic, "eval"), 0)
        lines.append(f"| {src} | {ver} | {lic} | {tr} | {ev} |")
    lines.append("")
    lines.append("Every photo, its copyright holder and licence (from the package's")
    lines.append("`/usr/share/doc/<package>/copyright`), and its split:")
    lines.append("")
    for r in m["images"]:
        name = r["original"].split(":", 1)[1].rsplit("/", 1)[-1]
        lines.append(f"- {r['split']}: `{r['source']}` {name}: {r['copyright']} ({r['licence']})")
    if m.get("excluded"):
        lines.append("")
        lines.append("Not used:")
        for e in m["excluded"]:
            lines.append(f"- {e['original']}: {e['why']}")
    return "\n".join(lines) + "\n"


def _exported_by(info: dict) -> str:
    cmd = info.get("exported_by")
    if not cmd:
        return ""
    return (
        f"The shipped files were exported from that run's checkpoint by `{cmd}` (the export "
        "step of the training run was re-run after a fix to the ONNX export)."
    )


def _findings(results: dict) -> str:
    """Plain statements of what the benchmark measured, for the Limits section."""
    de, same = results.get("de"), results.get("same")
    if not de or "model fp32" not in de:
        return ""
    fp, ident = de["model fp32"], de.get("identity")
    base = {k: v for k, v in de.items() if k in ("reinhard", "histogram", "mkl")}
    lines = []
    if ident is not None:
        verdict = "no better than" if fp >= 0.95 * ident else "better than"
        lines.append(
            f"- Measured: on held-out photos with a reference of *different* content the model "
            f"is {verdict} leaving the source unchanged (mean dE00 {fp:.2f} vs {ident:.2f}); "
            "it beats the statistical methods"
            + (f" ({min(base.values()):.2f} at best)" if base else "")
            + " because these copy the reference's content, which differs from the source's "
            "far more than the looks do. It does not reach the target of dE00 < 4.0. Likely "
            "reason (not measured separately): from one reference of other content, most of a "
            "look cannot be told from the reference's own colours without a strong prior of "
            "natural photos, which a few dozen training photos do not give.\n"
        )
    if "look" in de and ident is not None:
        lk = de["look"]
        better = "better" if fp < lk else "no better"
        lines.append(
            f"- Against the look estimator (`--match look`, gradecli.color.look_estimate): "
            f"{fp:.2f} vs {lk:.2f} dE00 to the truth"
            + (f", same-look {same['model fp32']:.2f} vs {same['look']:.2f}"
               if same and "look" in same else "")
            + f". The model is {better} on the truth; neither beats no change ({ident:.2f}), so "
            "`--method model` is never a default: it is used only when asked for.\n"
        )
    bound = de.get("bound: true ref cast+exposure, source estimated")
    if bound is not None and ident:
        lines.append(
            f"- Bound, not a method: the reference's true cast and exposure at mid grey, the "
            f"source's look estimated, give {bound:.2f} ({100 * (1 - bound / ident):.0f}% below "
            "no change). A perfect reading of those alone does not reach the look issue's 25%, "
            "and the rest of a look (split tones, contrast, saturation) is told from one "
            "picture a third at most (`python -m training.look_readability`).\n"
        )
    if same and same.get("model fp32", 0.0) >= 1.0:
        lines.append(
            f"- Measured: same-look pairs are changed by {same['model fp32']:.2f} dE00 on "
            "average (target < 1.0).\n"
        )
    return "".join(lines)


def write_card(out: Path, net: StyleLutNet, info: dict, results: dict, table: str | None) -> Path:
    """Write ``out/MODEL_CARD.md`` from the training info, export checks and benchmark."""
    fp32, int8 = out / VARIANTS["fp32"], out / VARIANTS["int8"]
    n_bases = net.n_bases
    train_s = info.get("train_seconds")
    wall = f"{train_s / 60:.1f} minutes" if train_s else "see training_log.txt"
    card = f"""# Style model: (source frame, reference) -> 33^3 LUT

`style_lut.onnx` (fp32, {fp32.stat().st_size / 1e6:.2f} MB) and `style_lut.int8.onnx` (int8,
{int8.stat().st_size / 1e6:.2f} MB). Loaded by `gradecli.models.style.StyleModel` with ONNX
Runtime (`pip install 'gradecli[cpu]'`, or `'gradecli[gpu]'` for CUDA).

## What it does

Given a thumbnail of a source frame and one of a reference image, it predicts the 3D LUT that
gives the source the *look* (grade) of the reference: white balance, exposure, contrast and
tone curves, saturation, split toning, hue shifts, channel mixing. Statistical transfer
(Reinhard, histogram, MKL) moves the source's colour statistics onto the reference's, so it
also copies what is *in* the reference (a green forest turns a portrait green); the model is
trained to carry over the look only, and to return the identity when the source already has
the reference's look. The output is a LUT like every other gradecli grade.

## Interface

- inputs `source`, `reference`: float32 (N, 3, 64, 64), NCHW, sRGB code values 0..1: the
  whole picture resized to 64 x 64 by area averaging (`gradecli.models.style.thumbnail`).
- output `lut`: float32 (N, 33, 33, 33, 3), gradecli's `table[r, g, b]` layout (red index
  first), output code values (unclipped; `StyleModel.predict_lut` clips to 0..1).

## Architecture

After Image-Adaptive 3D LUT (Zeng et al. 2020), with a pair of inputs. {param_count(net)}
parameters.

- Encoder (shared by both inputs): five 3x3 stride-2 convolutions (16, 32, 64, 64, 64 channels,
  LeakyReLU 0.2) averaged over space, a per-pixel branch (two 1x1 convolutions, 32 channels,
  on the thumbnail averaged 2x2) averaged over space, and 64 fixed colour statistics in CIELAB
  (soft histograms of L*, a*, b*, C*; mean a*, b*, C* in four lightness bands; means and
  standard deviations): 160 features per image.
- Head: MLP 480 -> 256 -> {n_bases + 3 * CURVE_KNOTS} on `[f_src, f_ref, f_ref - f_src]`:
  {n_bases} weights of {n_bases} learned basis LUTs ({LUT_SIZE}^3, added to the identity) and
  3 x {CURVE_KNOTS} slopes of per-channel piecewise-linear output curves.
- The {LUT_SIZE}^3 LUT is upsampled to 33^3 by trilinear interpolation inside the graph.
- int8: ONNX Runtime dynamic quantisation (per-channel int8 weights) of the convolutions, MLP
  and basis product; upsampling kept in float. |int8 - fp32| on probe pairs: max
  {results.get("int8_max", float("nan")):.4f}, mean {results.get("int8_mean", float("nan")):.5f}
  code values. ONNX vs torch: max {results.get("parity", float("nan")):.1e} (limit 1e-4).

## Training

- Command (from the repository root, CPU): `{info.get("command", "python -m training.train")}`
  (one command: gathers the photos if needed, trains, exports, benchmarks, writes this card).
  {_exported_by(info)}
- Seed {info.get("seed", "?")}; torch {info.get("torch", torch.__version__)} on CPU with 2
  threads; training took {wall}. Log: `weights/training_log.txt`.
- Pairs made on the fly: a random look G (`training/looks.py`: channel mixing, exposure,
  white balance temperature and tint, contrast, lift/gamma/gain per channel, saturation and
  vibrance, split toning, hue-range rotations, fades, highlight roll-off, teal & orange, bleach
  bypass via `gradecli.color.grade_model`, film-like and PCHIP tone curves, smooth random
  LUT perturbations; a bank of looks, blended with the identity or composed in pairs at random)
  applied to a random crop of photo B gives the reference; the same G applied to a crop of
  photo A is the target for source A (B is another photo, or 10% of the time another crop of
  A). 35% of the pairs are same-look pairs (source G(A), target G(A)), a tenth have a source
  already graded with a milder look. Half the photos get a mild camera-like variation
  (exposure, white balance, contrast, saturation) before the look. Random crops (40-100% of
  each side), aspect changes and mirroring.
- Loss: mean CIE94 difference in CIELAB between the LUT applied to the source and the target
  (same-look pairs weighted 2.5), + 0.1 x total variation of the basis part of the LUT + 1.0 x
  monotonicity (falls of each output channel along its own axis) + a penalty on values outside
  0..1. AdamW, lr 2e-3 with warm-up and cosine decay, batch 32.

## Data

Photos that install offline from the package registries, gathered by
`python -m training.gather_images` (hand-picked photographs only: no drawings, renders,
abstract art, logos or documents), resized to at most 512 px. A seeded 20% of each source is
held out for evaluation and never used in training. scikit-image's astronaut, coffee, chelsea
and rocket are the project's `examples/stills`, reserved for independent evaluation, so they
are not used at all; nor is anything in `examples/stills` or the shared data folder.

{_data_section()}
## Evaluation

`python benchmarks/bench_style_model.py`: held-out photos, looks from the generator drawn with
a seed training never used, and the hand-designed looks of `examples/looks/*.cube` (not made
by the generator). dE00 = mean CIEDE2000 of the graded source against the ground truth (the
true look applied to the source); same-look = source and reference share a look, error of the
output against the unchanged source.

{table or "(benchmark not run)"}

## Limits

{_findings(results)}- Trained on {len(info.get("photos", [])) or "a few dozen"} photos: it has seen
  little of the world, and content it has never seen (skin in close-up, night streets, snow)
  may still be mistaken for a look.
- The look of one reference is ambiguous: a warm reference may be a warm grade or a sunset.
  The model learns the prior of its training looks, which are global (one LUT per picture);
  local grades (vignettes, power windows, masks) are out of scope.
- Inputs are read as sRGB code values; log footage must be converted first. Looks that are not
  monotone per channel or that clip hard are smoothed by the regularisers.
- Same-look detection is statistical: a source that is already close to the reference's look
  is left nearly, not exactly, unchanged.
"""
    path = out / "MODEL_CARD.md"
    path.write_text(card, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="export a style-model checkpoint to ONNX")
    ap.add_argument("--checkpoint", type=Path, default=CHECKPOINT)
    ap.add_argument("--out", type=Path, default=REPO / "weights")
    ap.add_argument("--no-bench", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    net, ck = load_checkpoint(args.checkpoint)
    info = dict(ck.get("info", {}))
    info["exported_by"] = "python -m training.export " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    export_all(net, args.out, info=info, bench=not args.no_bench)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
