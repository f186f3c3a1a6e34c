"""Measure the priors of gradecli's look estimator (gradecli.color.look_estimate) on photos.

The estimator shrinks each raw single-image estimate towards "no grade" by how much content alone
moves it. This script measures that on the ``train`` split of ``training/data/manifest.json``
(photos assumed neutrally graded; never the ``eval`` split, which the benchmarks keep for
evaluation): per raw illuminant estimate the mean and spread of its log-chromaticity, the pooled
estimate's, the median linear luminance (log2), the 0.5th percentile of luminance codes; then, with
random casts of the training generator's size, the cast error of each estimator and of the shrunk
pooled estimate. It prints the constants to copy into look_estimate.py.

Run: ``python -m training.tune_looks`` (after ``python -m training.gather_images``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from gradecli.color import look_estimate as le
from gradecli.color.spaces import get_encoding

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "data" / "manifest.json"
SIDE = 256
#: Spread of the random casts (log R/G, log B/G): about 800 K and a visible tint at 1 sigma.
CAST_STD = (0.15, 0.2)


def train_photos(split: str = "train") -> dict[str, np.ndarray]:
    """name -> float64 sRGB (H, W, 3) 0..1 of the photos of ``split``, at most SIDE px: the same
    loader and sizes as the benchmarks (never the ``eval`` split here)."""
    from benchmarks.bench_style_model import eval_photos

    return eval_photos(MANIFEST, SIDE, split)


def cast_photo(rgb: np.ndarray, cast: np.ndarray, stops: float) -> np.ndarray:
    """``rgb`` with a linear-light cast (log R/G, log B/G) and an exposure change, clipped."""
    enc = get_encoding("srgb")
    g = np.exp(np.array([cast[0], 0.0, cast[1]]))
    g = g / float(le._LUMA @ g) * 2.0**stops
    return enc.encode(np.clip(enc.decode(rgb) * g, 0, 1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--casts", type=int, default=4, help="random casts per photo")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    photos = train_photos()
    print(f"{len(photos)} training photos")
    raw: dict[str, list[np.ndarray]] = {}
    expo, blacks = [], []
    for rgb in photos.values():
        est = le.illuminant_estimates(rgb.reshape(-1, 3), "srgb", rgb)
        for k, v in est.items():
            raw.setdefault(k, []).append(v)
        raw.setdefault("pooled", []).append(np.median(np.array(list(est.values())), axis=0))
        lin = get_encoding("srgb").decode(rgb.reshape(-1, 3)) @ le._LUMA
        expo.append(np.log2(max(np.median(lin), 1e-4)))
        blacks.append(np.percentile(get_encoding("srgb").encode(lin), 0.5))
    print("\n| estimate | median log R/G | median log B/G | mean log R/G | mean log B/G | "
          "std log R/G | std log B/G |")
    print("|---|---|---|---|---|---|---|")
    for k, vs in raw.items():
        a = np.array(vs)
        med, m, s = np.median(a, axis=0), a.mean(axis=0), a.std(axis=0)
        print(f"| {k} | {med[0]:+.3f} | {med[1]:+.3f} | {m[0]:+.3f} | {m[1]:+.3f} | "
              f"{s[0]:.3f} | {s[1]:.3f} |")
    print("(CAST_BIAS is grey_edge's median)")
    print(f"\nlog2 median luminance: mean {np.mean(expo):.2f}, std {np.std(expo):.2f}")
    print(f"0.5th percentile luma code: median {np.median(blacks):.3f}, "
          f"90th pct {np.percentile(blacks, 90):.3f}")

    rng = np.random.default_rng(args.seed)
    errs: dict[str, list[float]] = {}
    sweep: list[tuple[np.ndarray, np.ndarray, float]] = []  # (cast, grey-edge, disagreement)
    for rgb in photos.values():
        for _ in range(args.casts):
            cast = rng.normal(0, CAST_STD)
            graded = cast_photo(rgb, cast, float(rng.uniform(-0.5, 0.5)))
            est = le.illuminant_estimates(graded.reshape(-1, 3), "srgb", graded)
            for k, v in est.items():
                errs.setdefault(k, []).append(float(np.linalg.norm(v - cast)))
            look = le.estimate_look(graded.reshape(-1, 3), "srgb", graded)
            errs.setdefault("gradecli (shrunk)", []).append(
                float(np.linalg.norm(np.array(look.cast) - cast)))
            errs.setdefault("none (0)", []).append(float(np.linalg.norm(cast)))
            if "grey_edge" in est:
                others = np.array([est[k] for k in le._CONFIRMING])
                d = float(np.mean(np.linalg.norm(others - est["grey_edge"], axis=1)))
                sweep.append((cast, est["grey_edge"], d))
    print("\n| estimator | median cast error | mean cast error |")
    print("|---|---|---|")
    for k, e in errs.items():
        print(f"| {k} | {np.median(e):.3f} | {np.mean(e):.3f} |")
    casts = np.array([c for c, _, _ in sweep])
    ge = np.array([g for _, g, _ in sweep])
    dis = np.array([d for _, _, d in sweep])
    print("\n| shrink | disagreement half | median error | mean error | 90th pct |")
    print("|---|---|---|---|---|")
    best = None
    for shrink in (0.5, 0.75, 1.0):
        for half in (0.05, 0.1, 0.2, 0.4, float("inf")):
            conf = 1.0 / (1.0 + (dis / half) ** 2)
            e = np.linalg.norm(shrink * conf[:, None] * (ge - le.CAST_BIAS) - casts, axis=1)
            row = (float(np.mean(e)), shrink, half)
            best = min(best, row) if best else row
            print(f"| {shrink} | {half} | {np.median(e):.3f} | {np.mean(e):.3f} | "
                  f"{np.percentile(e, 90):.3f} |")
    print(f"\nsmallest mean error {best[0]:.3f}: CAST_SHRINK = {best[1]}, "
          f"DISAGREEMENT_HALF = {best[2]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
