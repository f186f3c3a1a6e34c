"""Stills-level quality and speed of the colour-transfer methods (gradecli.color.transfer).

Ground truth comes from known casts: smooth RGB functions (warm, cool, crushed contrast, green,
magenta) applied to photos. Two scenarios, the two ways ``gradecli`` uses a transfer:

1. **same content** (``grade --ref``-like): fit from the cast photo to the uncast photo, apply to
   the cast photo; error = mean CIEDE2000 of the output against the uncast photo (mean over all
   photo x cast pairs, and the worst pair). Also through a baked 33^3 LUT (tetrahedral), the way
   the video is actually graded, when ``gradecli.color.lut`` is available.
2. **N shots, one look** (``match``-like): N different photos, each with a different cast, each
   matched to the pooled statistics of all N (equal samples from each); consistency = the largest
   CIEDE2000 between two outputs' mean CIELAB colours; structure = the smallest SSIM of L*
   between a shot and its output (skimage.metrics.structural_similarity, data range 100).

Also: fit time for one ~260k-pixel sample pair (median of repeats), time to bake a 33^3 LUT
(median), and grain gain: how much the transform amplifies small pixel noise (RMS CIELAB change of
the output over that of the input for +-1 code value of 8-bit noise; 1 = unchanged, median over
the scenario-1 fits).

Run: ``python benchmarks/bench_transfer_methods.py [--repeats N] [--scale S]``. Photos come from
../shared/data/stills when present, else from skimage.data.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from skimage import data as skdata
from skimage.metrics import structural_similarity

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from gradecli.color.ciede2000 import delta_e2000  # noqa: E402
from gradecli.color.spaces import rgb_to_lab  # noqa: E402
from gradecli.color.transfer import DEFAULT_METHOD, METHODS, fit_transfer  # noqa: E402

try:  # the LUT module is optional here: the benchmark runs without it
    from gradecli.color.lut import Lut  # noqa: E402
except ImportError:  # pragma: no cover
    Lut = None  # type: ignore[assignment,misc]

ENCODING = "srgb"
STILLS = REPO.parent / "shared" / "data" / "stills"
PHOTO_NAMES = ("astronaut", "coffee", "chelsea", "rocket")


# -- known casts: smooth functions 0..1 -> 0..1 --------------------------------------------------


def _powers(pr: float, pg: float, pb: float) -> Callable[[np.ndarray], np.ndarray]:
    def cast(rgb: np.ndarray) -> np.ndarray:
        return rgb ** np.array([pr, pg, pb])

    return cast


def _crushed(rgb: np.ndarray) -> np.ndarray:
    """Crushed contrast: a strong S-curve (blacks and whites crushed), then a darker gamma."""
    s = rgb * rgb * (3 - 2 * rgb)
    return (0.35 * rgb + 0.65 * s) ** 1.2


CASTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "warm": _powers(0.85, 0.97, 1.25),
    "cool": _powers(1.25, 1.0, 0.85),
    "crushed": _crushed,
    "green": _powers(1.12, 0.8, 1.12),
    "magenta": _powers(0.85, 1.2, 0.85),
}


def load_photos(scale: int) -> dict[str, np.ndarray]:
    """Float RGB 0..1 photos, subsampled by ``scale``."""
    photos = {}
    for name in PHOTO_NAMES:
        path = next(iter(sorted(STILLS.glob(f"{name}.*"))), None) if STILLS.is_dir() else None
        if path is not None:
            from skimage.io import imread

            img = imread(path)
        else:
            img = getattr(skdata, name)()
        photos[name] = img[::scale, ::scale, :3].astype(np.float64) / 255.0
    return photos


def lab(rgb: np.ndarray) -> np.ndarray:
    return rgb_to_lab(rgb, ENCODING)


def grain_gain(t: Callable[[np.ndarray], np.ndarray], rgb: np.ndarray) -> float:
    """RMS CIELAB change of the output over that of the input, for +-1/255 noise."""
    x = rgb.reshape(-1, 3)[::5]
    noise = np.random.default_rng(1).choice([-1.0, 1.0], x.shape) / 255.0
    y = np.clip(x + noise, 0, 1)
    d_in = lab(y) - lab(x)
    d_out = lab(t(y)) - lab(t(x))
    return float(np.sqrt(np.mean(d_out**2) / np.mean(d_in**2)))


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def scenario_same_content(photos: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    base = [
        float(delta_e2000(lab(cast(img)), lab(img)).mean())
        for img in photos.values()
        for cast in CASTS.values()
    ]
    rows["none (cast)"] = {"s1_mean": float(np.mean(base)), "s1_worst": float(np.max(base))}
    for method in METHODS:
        errs, lut_errs, grains = [], [], []
        for img, cast in itertools.product(photos.values(), CASTS.values()):
            src = cast(img)
            t = fit_transfer(method, lab(src), lab(img), encoding=ENCODING)
            errs.append(float(delta_e2000(lab(t(src)), lab(img)).mean()))
            grains.append(grain_gain(t, src))
            if Lut is not None:
                baked = Lut.from_function(t, size=33)
                lut_errs.append(float(delta_e2000(lab(baked.apply(src)), lab(img)).mean()))
        rows[method] = {
            "s1_mean": float(np.mean(errs)),
            "s1_worst": float(np.max(errs)),
            "s1_lut": float(np.mean(lut_errs)) if lut_errs else float("nan"),
            "grain": float(np.median(grains)),
        }
    return rows


def scenario_one_look(photos: dict[str, np.ndarray], rows: dict[str, dict[str, float]]) -> None:
    names = list(photos)
    casts = list(CASTS)
    shots = {n: CASTS[casts[i % len(casts)]](photos[n]) for i, n in enumerate(names)}
    labs = {n: lab(s) for n, s in shots.items()}
    rng = np.random.default_rng(0)
    per_shot = min(v.reshape(-1, 3).shape[0] for v in labs.values())
    target = np.concatenate(
        [
            v.reshape(-1, 3)[rng.choice(v.reshape(-1, 3).shape[0], per_shot, replace=False)]
            for v in labs.values()
        ]
    )

    def consistency(outs: dict[str, np.ndarray]) -> tuple[float, float]:
        means = {n: lab(o).reshape(-1, 3).mean(axis=0) for n, o in outs.items()}
        spread = max(delta_e2000(means[a], means[b]) for a, b in itertools.combinations(names, 2))
        ssim = min(
            structural_similarity(lab(shots[n])[..., 0], lab(o)[..., 0], data_range=100.0)
            for n, o in outs.items()
        )
        return float(spread), float(ssim)

    rows["none (cast)"]["s2_spread"], rows["none (cast)"]["s2_ssim"] = consistency(shots)
    for method in METHODS:
        outs = {
            n: fit_transfer(method, labs[n], target, encoding=ENCODING)(shots[n]) for n in names
        }
        rows[method]["s2_spread"], rows[method]["s2_ssim"] = consistency(outs)


def timings(photos: dict[str, np.ndarray], rows: dict[str, dict[str, float]], repeats: int) -> int:
    img = photos["astronaut"]
    src, tgt = lab(CASTS["warm"](img)).reshape(-1, 3), lab(img).reshape(-1, 3)
    axis = np.linspace(0.0, 1.0, 33)
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1)
    for method in METHODS:
        rows[method]["fit_ms"] = median_ms(
            lambda m=method: fit_transfer(m, src, tgt, encoding=ENCODING), repeats
        )
        t = fit_transfer(method, src, tgt, encoding=ENCODING)
        rows[method]["bake_ms"] = median_ms(lambda t=t: t(grid), repeats)
    return len(src)


def fmt(v: float | None, spec: str) -> str:
    return "-" if v is None or not np.isfinite(v) else format(v, spec)


def recommend(rows: dict[str, dict[str, float]]) -> tuple[str, str]:
    """Pick the default: lowest combined relative error among smooth, fast-enough methods.

    Smooth: grain gain <= 1.5 and min SSIM(L*) >= 0.75 (SSIM also drops when a shot's tone is
    legitimately moved to the common look, so it is a sanity floor, not a score); fast enough:
    fit <= 2 s for ~260k pixels. Score: S1 error / cast error + S2 spread / cast spread.
    """
    cast = rows["none (cast)"]
    ok = [
        m
        for m in METHODS
        if rows[m]["grain"] <= 1.5 and rows[m]["s2_ssim"] >= 0.75 and rows[m]["fit_ms"] <= 2000
    ] or list(METHODS)

    def score(m: str) -> float:
        return rows[m]["s1_mean"] / cast["s1_mean"] + rows[m]["s2_spread"] / max(
            cast["s2_spread"], 1e-9
        )

    ranked = sorted(ok, key=score)
    best, r = ranked[0], rows[ranked[0]]

    def rank(key: str) -> int:
        return 1 + sorted(METHODS, key=lambda m: rows[m][key]).index(best)

    n = len(METHODS)
    reason = (
        f"lowest combined relative error of the smooth, fast methods: same-content mean dE00 "
        f"{r['s1_mean']:.2f} (cast {cast['s1_mean']:.2f}; rank {rank('s1_mean')}/{n}), "
        f"shot-to-shot spread {r['s2_spread']:.2f} (cast {cast['s2_spread']:.2f}; rank "
        f"{rank('s2_spread')}/{n}), grain gain {r['grain']:.2f}, fit {r['fit_ms']:.0f} ms"
    )
    if len(ranked) > 1:
        nxt = rows[ranked[1]]
        reason += (
            f"; runner-up {ranked[1]}: {nxt['s1_mean']:.2f} / {nxt['s2_spread']:.2f}, "
            f"min SSIM {nxt['s2_ssim']:.3f}, fit {nxt['fit_ms']:.0f} ms"
        )
    return best, reason


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats (median)")
    parser.add_argument(
        "--scale", type=int, default=2, help="subsample photos by this for quality runs"
    )
    args = parser.parse_args(argv)

    t_start = time.perf_counter()
    photos = load_photos(args.scale)
    rows = scenario_same_content(photos)
    scenario_one_look(photos, rows)
    n_fit = timings(load_photos(1), rows, args.repeats)
    source = "shared stills" if STILLS.is_dir() else "skimage.data"
    print(
        f"colour transfer methods: {len(photos)} photos ({source}, 1/{args.scale} size), "
        f"{len(CASTS)} casts ({', '.join(CASTS)}); encoding {ENCODING}"
    )
    print(f"fit timed on {n_fit} pixels per side, bake = 33^3 grid; medians of {args.repeats} runs")
    print()
    header = (
        f"{'method':<12} {'S1 dE00':>8} {'S1 worst':>8} {'S1 LUT':>7} {'S2 spread':>9} "
        f"{'S2 SSIM':>8} {'grain':>6} {'fit ms':>7} {'bake ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, r in rows.items():
        print(
            f"{name:<12} {fmt(r.get('s1_mean'), '8.2f')} {fmt(r.get('s1_worst'), '8.2f')} "
            f"{fmt(r.get('s1_lut'), '7.2f')} {fmt(r.get('s2_spread'), '9.2f')} "
            f"{fmt(r.get('s2_ssim'), '8.3f')} {fmt(r.get('grain'), '6.2f')} "
            f"{fmt(r.get('fit_ms'), '7.0f')} {fmt(r.get('bake_ms'), '8.0f')}"
        )
    print()
    print("S1: same content, cast -> uncast, mean CIEDE2000 vs truth (lower is better).")
    print("S2: N shots with different casts -> pooled look: max dE00 between output means")
    print("    (lower = more consistent) and min SSIM of L* input vs output (higher = intact).")
    best, reason = recommend(rows)
    print()
    print(f"recommended default: {best} ({reason})")
    if best != DEFAULT_METHOD:
        print(f"note: the registry's DEFAULT_METHOD is {DEFAULT_METHOD!r}")
    print(f"[{time.perf_counter() - t_start:.0f} s]")


if __name__ == "__main__":
    main()
