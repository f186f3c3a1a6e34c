"""Quality and speed of the bundled style model against the statistical transfer methods.

Task: grade photo A (the source) like a reference, photo B graded with a look G; the ground
truth is G applied to A. Photos and looks are held out from training:

- photos: the ``eval`` split of ``training/data/manifest.json`` (a seeded 20% of each source,
  never used in training; made by ``python -m training.gather_images``), reduced to at most
  256 pixels on the long side;
- looks: :data:`N_GEN_LOOKS` looks from the training generator (:mod:`training.looks`) drawn
  with a seed the training never uses (:data:`EVAL_SEED`), plus the hand-designed looks of
  ``examples/looks/*.cube``, which the generator did not make;
- pairs: for every look, :data:`PAIRS_PER_LOOK` (A, B) pairs of different photos.

Rows: ``identity`` (the source unchanged: how strong the looks are), ``reinhard``,
``histogram`` and ``mkl`` (``fit_transfer(method, lab(A), lab(G(B)),
encoding="srgb")`` baked into a 33^3 LUT), the model (fp32 and int8 ONNX, CPU provider), and
two bounds that no method can reach from pictures alone: the reference's look at mid grey (its
cast and exposure, read off the look LUT) known exactly, with the source's look estimated as
gradecli does, or known (the source is uncast). They show what a perfect reading of the cast and
exposure would give, and what the looks' contrast, saturation and split tones leave beyond it.
Columns: mean CIEDE2000 of the output against the ground truth (mean over pixels, then pairs),
mean PSNR on code values 0..1, and the same-look error: source G(A), reference G(B), mean
CIEDE2000 of the output against the source G(A) (a method should leave it unchanged). For the
model rows also the file size and the median time of one ``predict_lut`` (thumbnails of a
1920x1080 source and a 512 px reference, plus the ONNX Runtime run, 2 threads). All outputs
go through the LUT with tetrahedral interpolation, as a video would.

Run: ``python benchmarks/bench_style_model.py [--pairs-per-look N] [--weights DIR]``
(about 2-3 minutes on 2 cores). Needs onnxruntime for the model rows. ``--photos train`` runs
the same table on the training photos instead, to compare what the model fits with what it
generalises (no goals are checked then). ``--evidence X`` replaces the look rows' fitted
look-change threshold (e.g. 1e-6: no do-no-harm shrinkage, what the estimator reaches alone).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from gradecli.color import look_estimate, look_prior  # noqa: E402
from gradecli.color.ciede2000 import delta_e2000  # noqa: E402
from gradecli.color.look_estimate import (  # noqa: E402
    NEUTRAL,
    ShotLook,
    estimate_look,
    remove_look,
)
from gradecli.color.lut import Lut  # noqa: E402
from gradecli.color.spaces import rgb_to_lab  # noqa: E402
from gradecli.color.transfer import fit_transfer  # noqa: E402
from gradecli.io.luts import read_lut  # noqa: E402
from gradecli.pipeline.shot_look import look_transfer_lut  # noqa: E402
from training.looks import sample_look  # noqa: E402
from training.tune_looks import grey_response  # noqa: E402

MANIFEST = REPO / "training" / "data" / "manifest.json"
HAND_LOOKS = REPO / "examples" / "looks"
BASELINES = ("reinhard", "histogram", "mkl")
EVAL_SEED = 20250607
N_GEN_LOOKS = 12
PAIRS_PER_LOOK = 6
EVAL_SIDE = 256
LUT_SIZE = 33
#: Bounds, not methods: the reference's look at mid grey (cast and exposure) known exactly, the
#: source's estimated as gradecli does (what a perfect reference estimate would reach), or known.
ORACLE_EST = "bound: true ref cast+exposure, source estimated"
ORACLE_KNOWN = "bound: true ref cast+exposure, source known"


@dataclass
class Row:
    name: str
    de: list[float] = field(default_factory=list)
    psnr: list[float] = field(default_factory=list)
    same: list[float] = field(default_factory=list)
    size_mb: float | None = None
    ms: float | None = None

    @property
    def mean_de(self) -> float:
        return float(np.mean(self.de))

    @property
    def mean_psnr(self) -> float:
        return float(np.mean(self.psnr))

    @property
    def mean_same(self) -> float:
        return float(np.mean(self.same))


def _downscale(rgb: np.ndarray, side: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    s = side / max(h, w)
    if s >= 1:
        return rgb
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return np.clip(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), 0.0, 1.0)


def eval_photos(
    manifest: Path = MANIFEST, side: int = EVAL_SIDE, split: str = "eval"
) -> dict[str, np.ndarray]:
    """name -> float64 R'G'B' (H, W, 3) 0..1 of the held-out photos (``split="train"``: of
    the photos the model was trained on, for telling fitting from generalising)."""
    if not manifest.exists():
        sys.exit(f"{manifest} is missing: run python -m training.gather_images first")
    m = json.loads(manifest.read_text(encoding="utf-8"))
    out = {}
    for r in m["images"]:
        if r["split"] != split:
            continue
        im = cv2.imread(str(manifest.parent / r["file"]), cv2.IMREAD_COLOR)
        rgb = cv2.cvtColor(im, cv2.COLOR_BGR2RGB).astype(np.float64) / 255.0
        out[Path(r["file"]).stem] = _downscale(rgb, side)
    return out


def eval_looks(seed: int = EVAL_SEED, n_gen: int = N_GEN_LOOKS) -> dict[str, Lut]:
    """name -> 33^3 LUT: generator looks (seed ``seed``) and the hand-designed .cube looks."""
    rng = np.random.default_rng(seed)
    looks: dict[str, Lut] = {}
    while len(looks) < n_gen:
        look = sample_look(rng, identity_prob=0.0)
        if look.params.is_neutral and look.mix is None and look.curves is None:
            continue
        looks[f"gen{len(looks):02d}"] = Lut(look.table(LUT_SIZE).astype(np.float64))
    for path in sorted(HAND_LOOKS.glob("*.cube")):
        looks[path.stem] = read_lut(path)
    return looks


def _de(a_rgb: np.ndarray, b_rgb: np.ndarray) -> float:
    return float(delta_e2000(rgb_to_lab(a_rgb), rgb_to_lab(b_rgb)).mean())


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((np.asarray(a) - np.asarray(b)) ** 2))
    return 10.0 * np.log10(1.0 / max(mse, 1e-12))


def _baseline_lut(method: str, src: np.ndarray, ref: np.ndarray) -> Lut:
    t = fit_transfer(
        method, rgb_to_lab(src).reshape(-1, 3), rgb_to_lab(ref).reshape(-1, 3), encoding="srgb"
    )
    return Lut.from_function(t, size=LUT_SIZE)


def _look_lut(src: np.ndarray, ref: np.ndarray) -> Lut:
    """gradecli's look matching (``--match look``): the source's estimated look removed, the
    reference's given."""
    goal = estimate_look(ref.reshape(-1, 3), "srgb", ref)
    return look_transfer_lut(estimate_look(src.reshape(-1, 3), "srgb", src), goal, "srgb", 1.0,
                             LUT_SIZE)[0]


def grey_look(lut: Lut) -> ShotLook:
    """What a look LUT does to mid grey as a cast and an exposure
    (training.tune_looks.grey_response): the part of a look the estimator reads, known exactly
    (for the bounds)."""
    cast_rg, cast_bg, stops = grey_response(lut.apply)
    return ShotLook((float(cast_rg), float(cast_bg)), float(stops))


def _oracle_lut(source: ShotLook, goal: ShotLook) -> Lut:
    """The change from ``source`` to ``goal`` made in full (no content-noise threshold)."""
    return look_transfer_lut(source, goal, "srgb", 1.0, LUT_SIZE, noise_scale=0.0)[0]


def blind_removal(photos: dict[str, np.ndarray], looks: dict[str, Lut]) -> dict[str, tuple]:
    """Per look: mean dE00 to the originals of the graded photos, of the graded photos with
    their estimated look removed outright (``remove_look``), with it removed as ``match
    --target neutral`` does (only as far as it stands out from content noise), and, as a bound,
    with the look's true cast and exposure at mid grey removed (:func:`grey_look`), over all
    photos."""
    out = {}
    for name, lut in looks.items():
        graded_de, removed_de, gated_de, bound_de = [], [], [], []
        bound = _oracle_lut(grey_look(lut), NEUTRAL)
        for pic in photos.values():
            graded = lut.apply(pic)
            look = estimate_look(graded.reshape(-1, 3), "srgb", graded)
            graded_de.append(_de(graded, pic))
            removed_de.append(_de(remove_look(look, graded), pic))
            gated = look_transfer_lut(look, NEUTRAL, "srgb", 1.0, LUT_SIZE, noise_scale=1.0)[0]
            gated_de.append(_de(gated.apply(graded), pic))
            bound_de.append(_de(bound.apply(graded), pic))
        out[name] = tuple(float(np.mean(v)) for v in (graded_de, removed_de, gated_de, bound_de))
    return out


def format_blind(res: dict[str, tuple]) -> str:
    """The blind look-removal table: per look, and the goal line."""
    lines = ["| look | graded vs original dE00 | look removed | reduction | removed as "
             "--target neutral | reduction | bound: true cast+exposure removed | reduction |",
             "|---|---|---|---|---|---|---|---|"]

    def row(name: str, g: float, *rest: float) -> str:
        return f"| {name} | {g:.2f} | " + " | ".join(
            f"{r:.2f} | {100 * (1 - r / g):+.0f}%" for r in rest) + " |"

    for name, values in res.items():
        lines.append(row(name, *values))
    means = [float(np.mean([v[k] for v in res.values()])) for k in range(4)]
    lines.append(row("all", *means))
    for k, what in ((1, "removed outright"), (2, "removed as --target neutral"),
                    (3, "bound, not a method")):
        worst = min(1 - v[k] / v[0] for v in res.values())
        ok = "PASS" if worst >= 0.40 else "FAIL"
        lines.append(f"\ngoal look removal >= 40% per look ({what}): worst {100 * worst:+.0f}% "
                     f"{ok}")
    return "\n".join(lines)


def _time_model(model, rng: np.random.Generator, repeat: int = 30) -> float:
    src = rng.random((1080, 1920, 3), dtype=np.float32)
    ref = rng.random((384, 512, 3), dtype=np.float32)
    for _ in range(3):
        model.predict_lut(src, ref)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        model.predict_lut(src, ref)
        times.append(time.perf_counter() - t)
    return 1000.0 * statistics.median(times)


def evaluate(
    weights: Path | None = None,
    pairs_per_look: int = PAIRS_PER_LOOK,
    with_baselines: bool = True,
    log=print,
    split: str = "eval",
) -> dict:
    """Run the benchmark; returns {"rows": [Row...], "n_pairs", "n_photos", "looks", ...}.

    ``split="train"`` runs it on the training photos instead of the held-out ones (same looks,
    same pairing): what the model does on pictures it has seen."""
    photos = eval_photos(split=split)
    names = sorted(photos)
    looks = eval_looks()
    rng = np.random.default_rng(EVAL_SEED + 1)
    pairs = []
    for look_name in looks:
        perm = rng.permutation(len(names))
        for k in range(min(pairs_per_look, len(names))):
            a = names[perm[k]]
            b = names[perm[(k + 1) % len(names)]]
            pairs.append((look_name, a, b))
    rows: dict[str, Row] = {"identity": Row("identity"), "look": Row("look"),
                            ORACLE_EST: Row(ORACLE_EST), ORACLE_KNOWN: Row(ORACLE_KNOWN)}
    if with_baselines:
        for m in BASELINES:
            rows[m] = Row(m)
    models = {}
    for variant in ("fp32", "int8"):
        try:
            from gradecli.models.style import VARIANTS, StyleModel

            path = None if weights is None else Path(weights) / VARIANTS[variant]
            model = StyleModel.load(variant=variant, device="cpu", path=path)
        except Exception as e:  # no onnxruntime or no weights: rows skipped
            log(f"(model {variant} skipped: {e})")
            continue
        key = f"model {variant}"
        models[key] = model
        rows[key] = Row(key, size_mb=model.path.stat().st_size / 1e6)
    graded = {}  # (look, photo) -> graded photo
    for look_name, lut in looks.items():
        for n in names:
            graded[look_name, n] = lut.apply(photos[n])
    t0 = time.perf_counter()
    for i, (look_name, a, b) in enumerate(pairs):
        src, ref, truth = photos[a], graded[look_name, b], graded[look_name, a]
        same_src = truth
        rows["identity"].de.append(_de(src, truth))
        rows["identity"].psnr.append(_psnr(src, truth))
        rows["identity"].same.append(0.0)
        out = _look_lut(src, ref).apply(src)
        rows["look"].de.append(_de(out, truth))
        rows["look"].psnr.append(_psnr(out, truth))
        rows["look"].same.append(_de(_look_lut(same_src, ref).apply(same_src), same_src))
        true = grey_look(looks[look_name])
        for key, source, same_source in (
            (ORACLE_EST, estimate_look(src.reshape(-1, 3), "srgb", src),
             estimate_look(same_src.reshape(-1, 3), "srgb", same_src)),
            (ORACLE_KNOWN, NEUTRAL, true),
        ):
            out = _oracle_lut(source, true).apply(src)
            rows[key].de.append(_de(out, truth))
            rows[key].psnr.append(_psnr(out, truth))
            rows[key].same.append(_de(_oracle_lut(same_source, true).apply(same_src), same_src))
        for m in BASELINES if with_baselines else ():
            out = _baseline_lut(m, src, ref).apply(src)
            rows[m].de.append(_de(out, truth))
            rows[m].psnr.append(_psnr(out, truth))
            out_same = _baseline_lut(m, same_src, ref).apply(same_src)
            rows[m].same.append(_de(out_same, same_src))
        for key, model in models.items():
            out = model.predict_lut(src, ref).apply(src)
            rows[key].de.append(_de(out, truth))
            rows[key].psnr.append(_psnr(out, truth))
            out_same = model.predict_lut(same_src, ref).apply(same_src)
            rows[key].same.append(_de(out_same, same_src))
        if (i + 1) % 20 == 0:
            log(f"  {i + 1}/{len(pairs)} pairs, {time.perf_counter() - t0:.0f}s")
    for key, model in models.items():
        rows[key].ms = _time_model(model, np.random.default_rng(0))
    return {
        "rows": list(rows.values()),
        "n_pairs": len(pairs),
        "n_photos": len(names),
        "looks": list(looks),
        "hand_looks": [n for n in looks if not n.startswith("gen")],
        "per_look": _per_look(pairs, rows),
        "split": split,
    }


def _per_look(pairs: list, rows: dict[str, Row]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for key, row in rows.items():
        acc: dict[str, list[float]] = {}
        for (look, _, _), de in zip(pairs, row.de, strict=True):
            acc.setdefault(look, []).append(de)
        out[key] = {k: float(np.mean(v)) for k, v in acc.items()}
    return out


def format_table(res: dict) -> str:
    """The benchmark's one table (plain text, also valid Markdown) and its summary lines."""
    rows: list[Row] = res["rows"]
    header = ["method", "dE00 vs truth", "PSNR dB", "same-look dE00", "size MB", "ms/pair"]
    body = []
    for r in rows:
        body.append(
            [
                r.name,
                f"{r.mean_de:.2f}",
                f"{r.mean_psnr:.2f}",
                f"{r.mean_same:.2f}",
                "" if r.size_mb is None else f"{r.size_mb:.2f}",
                "" if r.ms is None else f"{r.ms:.1f}",
            ]
        )
    widths = [max(len(x[i]) for x in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(b) for b in body]
    by = {r.name: r for r in rows}
    base = [by[m] for m in BASELINES if m in by]
    which = "held-out" if res.get("split", "eval") == "eval" else "TRAINING (not held out)"
    notes = [
        f"{res['n_pairs']} pairs: {res['n_photos']} {which} photos x {len(res['looks'])} looks "
        f"({len(res['looks']) - len(res['hand_looks'])} generator looks, seed {EVAL_SEED}; "
        f"hand-designed: {', '.join(res['hand_looks'])})"
    ]
    if base and "model fp32" in by:
        best = min(base, key=lambda r: r.mean_de)
        fp, q = by["model fp32"], by.get("model int8")
        gain = 1.0 - fp.mean_de / best.mean_de
        notes.append(
            f"model fp32 vs best baseline ({best.name}): {100 * gain:.0f}% lower dE00 "
            f"({fp.mean_de:.2f} vs {best.mean_de:.2f})"
        )
        ident = by.get("identity")
        if ident is not None:
            notes.append(
                f"model fp32 vs identity (no change): {100 * (1 - fp.mean_de / ident.mean_de):.0f}%"
                " lower dE00"
            )
        hand = res["hand_looks"]
        if hand:
            pl = res["per_look"]
            hm = float(np.mean([pl["model fp32"][h] for h in hand]))
            hb = float(np.mean([pl[best.name][h] for h in hand]))
            notes.append(f"hand-designed looks only: model fp32 {hm:.2f}, {best.name} {hb:.2f}")
        if q is not None:
            notes.append(
                f"int8 vs fp32: dE00 {q.mean_de:.2f} vs {fp.mean_de:.2f} "
                f"({100 * (q.mean_de / fp.mean_de - 1):+.1f}%)"
            )
    notes.append(
        "ms/pair: median StyleModel.predict_lut (1920x1080 source + 512 px reference "
        "thumbnails and ONNX Runtime CPU run, 2 threads)"
    )
    if res.get("split", "eval") != "eval":  # the goals are about held-out photos only
        return "\n".join(out + [""] + notes)
    return "\n".join(out + [""] + notes + [""] + goals(res))


def goals(res: dict) -> list[str]:
    """The issue's targets, each with the measured figure and PASS or FAIL."""
    by = {r.name: r for r in res["rows"]}
    fp, q = by.get("model fp32"), by.get("model int8")
    base = [by[m] for m in BASELINES if m in by]
    look, ident = by.get("look"), by.get("identity")
    looks = []
    if look is not None and ident is not None:
        gain = 1.0 - look.mean_de / ident.mean_de
        looks = [
            f"goal look dE00 >= 25% below no change: {100 * gain:.0f}% "
            f"{'PASS' if gain >= 0.25 else 'FAIL'}",
            f"goal look same-look dE00 < 1.0: {look.mean_same:.2f} "
            f"{'PASS' if look.mean_same < 1.0 else 'FAIL'}",
        ]
    if fp is None or not base:
        return looks
    best = min(base, key=lambda r: r.mean_de)

    def mark(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    gain = 1.0 - fp.mean_de / best.mean_de
    out = looks + [
        f"goal dE00 >= 25% below best baseline: {100 * gain:.0f}% {mark(gain >= 0.25)}",
        f"goal dE00 < 4.0: {fp.mean_de:.2f} {mark(fp.mean_de < 4.0)}",
        f"goal same-look dE00 < 1.0: {fp.mean_same:.2f} {mark(fp.mean_same < 1.0)}",
    ]
    if q is not None:
        rel = q.mean_de / fp.mean_de - 1.0
        out.append(f"goal int8 within 10% of fp32: {100 * rel:+.1f}% {mark(abs(rel) <= 0.10)}")
    for r in (fp, q):
        if r is not None and r.size_mb is not None and r.ms is not None:
            ok = r.size_mb < 10 and r.ms < 50
            out.append(
                f"goal {r.name} < 10 MB and < 50 ms: {r.size_mb:.2f} MB, {r.ms:.1f} ms {mark(ok)}"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs-per-look", type=int, default=PAIRS_PER_LOOK)
    ap.add_argument("--weights", type=Path, default=None, help="folder of the .onnx files")
    ap.add_argument(
        "--photos",
        choices=("eval", "train"),
        default="eval",
        help="eval: the held-out photos (the benchmark); train: the training photos, to compare "
        "what the model fits with what it generalises (the goals apply to eval only)",
    )
    ap.add_argument("--evidence", type=float, default=None,
                    help="the look-change threshold instead of the fitted one "
                         "(gradecli.color.look_estimate.EVIDENCE)")
    args = ap.parse_args(argv)
    if args.evidence is not None:
        look_estimate.EVIDENCE = args.evidence
        print(f"look-change threshold: {args.evidence:g} (fitted: {look_prior.EVIDENCE:g})")
    t = time.perf_counter()
    res = evaluate(args.weights, args.pairs_per_look, log=lambda s: print(s, file=sys.stderr),
                   split=args.photos)
    print(format_table(res))
    print("\nBlind look removal (held-out photos, the same looks):\n")
    print(format_blind(blind_removal(eval_photos(split=args.photos), eval_looks())))
    print(f"({time.perf_counter() - t:.0f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
