"""Fit the look estimator's prior (gradecli/color/look_prior.py) on the training photos.

A single picture's colour statistics mix its content with its grade. How much of each statistic
is grade is learnt here from photos: every ``train``-split photo of
``training/data/manifest.json`` (never the ``eval`` split, which the benchmarks keep for
evaluation) is given random casts on random crops (a linear-light white-balance shift, an
exposure change and sometimes a gamma change, as a camera or a careless grade would; a tenth of
them no cast at all; the style model's random looks can be mixed in, see LOOKS). A ridge
regression learns what each grade does to mid grey, its cast (log R/G, log B/G of linear light)
and exposure (stops), from :func:`gradecli.color.look_features.look_features`.
Ridge regression's shrinkage is what "do no harm" asks: where the features say little, the
estimate stays near no grade. The penalty is chosen by 5-fold cross-validation grouped by photo
(no photo is in both the fitting and the scoring folds).

Prints the cross-validated error of each single estimator and of the model, then writes the
module (``--write``; without it nothing is written).

Run: ``python -m training.tune_looks --write`` (after ``python -m training.gather_images``;
about 4 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gradecli.color.look_estimate import standardised
from gradecli.color.look_features import FEATURE_NAMES, look_features
from gradecli.color.spaces import get_encoding

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "data" / "manifest.json"
OUT = HERE.parent / "gradecli" / "color" / "look_prior.py"
SIDE = 256
_LUMA = np.array([0.2126, 0.7152, 0.0722])

#: The casts the estimator is trained to see: half-ranges of uniform draws of the white-balance
#: shift (log2 of the red/blue gain against green's, and of a green-magenta tint), the exposure
#: (stops) and a gamma (natural log), which half of the draws have; NO_CAST of draws have none.
TEMP, TINT, EXPOSURE, GAMMA = 0.7, 0.2, 0.7, 0.2
NO_CAST = 0.1
#: Share of draws that are a random look of the style model's generator (contrast, saturation,
#: split tones, curves ...) instead of a plain cast, for the estimator to read their cast and
#: exposure at mid grey. 0: measured with 0.5, cross-validated R² fell to 0.30 / 0.14 / 0.31
#: (from 0.57 / 0.42 / 0.42), the common-look residual of benchmarks/bench_look_match.py rose
#: from 3.44 to 4.63, and grade --ref and blind look removal did not improve (-4 % and 0 %).
LOOKS = 0.0
ALPHAS = (0.03, 0.1, 0.3, 1.0, 3.0)
#: Evidence thresholds tried for gradecli.color.look_estimate.change_evidence, and the harm a
#: change between two different pictures graded alike may do on average (ΔE00 on the
#: ColorChecker, as ``verify --by look`` measures; cross-validated estimates): half of the
#: 1.0 ΔE00 the project allows on pictures, since photos outside the training set make noisier
#: estimates than cross-validation within it shows. The smallest threshold within it is chosen.
EVIDENCES = (2.0, 4.0, 6.0, 9.0, 12.0, 16.0, 24.0)
SAME_LOOK_BUDGET = 0.5
#: Pairs of training rows (different photos) sampled for each side of that table.
EVIDENCE_PAIRS = 1500
FOLDS = 5
TARGETS = ("cast log R/G", "cast log B/G", "exposure (stops)")


def train_photos(split: str = "train") -> dict[str, np.ndarray]:
    """name -> float64 sRGB (H, W, 3) 0..1 of the photos of ``split``, at most SIDE px (the
    benchmarks' loader; never the ``eval`` split here)."""
    sys.path.insert(0, str(HERE.parent))
    from benchmarks.bench_style_model import eval_photos

    return eval_photos(MANIFEST, SIDE, split)


def random_cast(rng: np.random.Generator) -> np.ndarray:
    """One draw of the prior: (log R/G, log B/G, stops, log gamma)."""
    if rng.random() < NO_CAST:
        return np.zeros(4)
    temp, tint = rng.uniform(-TEMP, TEMP), rng.uniform(-TINT, TINT)
    gamma = rng.uniform(-GAMMA, GAMMA) if rng.random() < 0.5 else 0.0
    ln2 = np.log(2.0)
    return np.array([(temp - tint) * ln2, (-temp - tint) * ln2, rng.uniform(-EXPOSURE, EXPOSURE),
                     gamma])


def apply_cast(rgb: np.ndarray, cast: np.ndarray) -> np.ndarray:
    """sRGB ``rgb`` with linear gains (luminance of grey kept), exposure, clipping, gamma."""
    enc = get_encoding("srgb")
    g = np.exp(np.array([cast[0], 0.0, cast[1]]))
    g = g / float(_LUMA @ g) * 2.0 ** cast[2]
    return enc.encode(np.clip(enc.decode(rgb) * g, 0.0, 1.0)) ** np.exp(cast[3])


def random_crop(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A crop of 55..100 % of each side (content varies; the grade does not)."""
    h, w = rgb.shape[:2]
    f = rng.uniform(0.55, 1.0)
    ch, cw = max(16, int(h * f)), max(16, int(w * f))
    y0, x0 = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
    return rgb[y0:y0 + ch, x0:x0 + cw]


def grey_response(grade, level: float = 0.18) -> np.ndarray:
    """What a grade (a function of sRGB code values) does to a grey of linear ``level`` (mid
    grey, 18 %, by default): its cast (log R/G, log B/G of the output's linear light) and
    exposure (stops), the quantities the estimator learns. For a plain cast these are its gains
    and exposure."""
    enc = get_encoding("srgb")
    grey = np.full((1, 3), float(enc.encode(np.array(level))))
    lin = np.maximum(enc.decode(np.clip(grade(grey)[0], 0.0, 1.0)), 1e-6)
    return np.array([np.log(lin[0] / lin[1]), np.log(lin[2] / lin[1]),
                     np.log2(float(_LUMA @ lin) / level)])


def random_grade(rng: np.random.Generator, i: int, seed: int):
    """One draw of the training prior: a cast (:func:`random_cast`), or with probability
    LOOKS one of the style model's random looks (training.looks, drawn from ``[seed, 41, i]``,
    never the benchmarks' seed) baked to a 17^3 LUT. Returns a function of sRGB codes."""
    if rng.random() < LOOKS:
        from gradecli.color.lut import Lut
        from training.looks import sample_look

        look = sample_look(np.random.default_rng([seed, 41, i]), identity_prob=0.0)
        return Lut(look.table(17).astype(np.float64)).apply
    cast = random_cast(rng)
    return lambda x: apply_cast(x, cast)


def graded_rows(photos: dict[str, np.ndarray], per_photo: int, rng: np.random.Generator,
                make_grade, read) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(features (M, F), ``read(grade)`` per row (M, T), photo name per row): every photo
    (whole and a random crop alternating, crops drawn from ``rng``) under ``per_photo`` grades
    ``make_grade(row index)`` (functions of sRGB code values); pictures with no features are
    left out."""
    xs, ys, groups = [], [], []
    for name in sorted(photos):
        for j in range(per_photo):
            pic = photos[name] if j % 2 == 0 else random_crop(photos[name], rng)
            grade = make_grade(len(xs))
            graded = grade(pic)
            f = look_features(graded.reshape(-1, 3), "srgb", graded)
            if f is None:
                continue
            xs.append(f)
            ys.append(read(grade))
            groups.append(name)
    return np.array(xs), np.array(ys), groups


def dataset(photos: dict[str, np.ndarray], per_photo: int, seed: int):
    """(features (M, F), targets (M, 3), photo name per row)."""
    rng = np.random.default_rng([seed, 31])
    return graded_rows(photos, per_photo, rng, lambda i: random_grade(rng, i, seed),
                       grey_response)


def fit_ridge(x: np.ndarray, y: np.ndarray, alpha: float):
    """(mean, scale, weights (F, T), intercept (T,)) of a ridge regression on standardised
    features; the penalty is ``alpha`` times the number of rows."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = standardised(x, mean, scale)
    ym = y.mean(axis=0)
    w = np.linalg.solve(z.T @ z + alpha * len(z) * np.eye(z.shape[1]), z.T @ (y - ym))
    return mean, scale, w, ym


def predict(model, x: np.ndarray) -> np.ndarray:
    mean, scale, w, b = model
    return standardised(x, mean, scale) @ w + b


def _folds(groups: list[str]) -> dict[str, int]:
    names = sorted(set(groups))
    order = np.random.default_rng(0).permutation(len(names))
    return {names[i]: k % FOLDS for k, i in enumerate(order)}


def grouped_cv(x, y, groups, alpha: float) -> np.ndarray:
    """Out-of-fold predictions, folds made of whole photos."""
    fold = _folds(groups)
    f = np.array([fold[g] for g in groups])
    out = np.zeros_like(y)
    for k in range(FOLDS):
        model = fit_ridge(x[f != k], y[f != k], alpha)
        out[f == k] = predict(model, x[f == k])
    return out


def noise_floor(photos: dict[str, np.ndarray], x, y, groups, alpha: float) -> np.ndarray:
    """Look differences (mean CIEDE2000 over the ColorChecker, as ``verify --by look``
    measures) between every pair of the uncast training photos' estimated casts and exposures,
    each photo estimated by the model of the fold that left it out: what content alone makes a
    look gate see. Returns every pair's difference."""
    from gradecli.color.look_estimate import ShotLook, look_difference

    fold = _folds(groups)
    f = np.array([fold[g] for g in groups])
    models = [fit_ridge(x[f != k], y[f != k], alpha) for k in range(FOLDS)]
    looks = []
    for name, pic in sorted(photos.items()):
        feat = look_features(pic.reshape(-1, 3), "srgb", pic)
        c = predict(models[fold[name]], feat[None])[0]
        looks.append(ShotLook((float(c[0]), float(c[1])), float(c[2])))
    return np.array([look_difference(a, b) for i, a in enumerate(looks) for b in looks[i + 1:]])


@dataclass(frozen=True)
class EvidenceRow:
    """One threshold's cross-validated effect (ΔE00 on the ColorChecker, means over pairs):
    ``harm``, the change made between pictures graded alike; ``error``, the distance to the
    true change between pictures graded differently; ``moved``, the share of those changes
    made at all."""

    evidence: float
    harm: float
    error: float
    moved: float


def _pairs(rows: np.ndarray, names: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """EVIDENCE_PAIRS (i, j) pairs of ``rows`` from different photos."""
    i = rng.choice(rows, 4 * EVIDENCE_PAIRS)
    j = rng.choice(rows, 4 * EVIDENCE_PAIRS)
    keep = names[i] != names[j]
    return np.stack([i[keep], j[keep]], axis=1)[:EVIDENCE_PAIRS]


def evidence_table(p: np.ndarray, y: np.ndarray, groups: list[str], seed: int
                   ) -> tuple[list[EvidenceRow], float]:
    """Each of EVIDENCES applied to pairs of the training rows' cross-validated estimates
    ``p`` (true looks ``y``): grading row i towards row j's estimated look, as ``grade --ref``
    and ``match`` towards one other picture do (change noise 2). Returns the rows and the
    error of making no change at all between pictures graded differently."""
    from gradecli.color.look_estimate import NEUTRAL, ShotLook, change_evidence, look_difference

    rng = np.random.default_rng([seed, 53])
    names = np.asarray(groups)
    alike = _pairs(np.flatnonzero(np.abs(y).max(axis=1) < 1e-9), names, rng)
    unlike = _pairs(np.arange(len(y)), names, rng)

    def look(v: np.ndarray) -> ShotLook:
        return ShotLook((float(v[0]), float(v[1])), float(v[2]))

    def made(i: int, j: int, ev: float) -> tuple[float, ShotLook]:
        """The share of row i's change towards row j's estimate that is made, and the change."""
        share = change_evidence(look(p[i]), look(p[j]), 2.0, ev)
        return share, look(share * (p[j] - p[i]))

    table = []
    for ev in EVIDENCES:
        harm = [look_difference(made(i, j, ev)[1], NEUTRAL) for i, j in alike]
        unlike_made = [made(i, j, ev) for i, j in unlike]
        error = [look_difference(change, look(y[j] - y[i]))
                 for (_, change), (i, j) in zip(unlike_made, unlike, strict=True)]
        table.append(EvidenceRow(ev, float(np.mean(harm)), float(np.mean(error)),
                                 float(np.mean([share > 0.0 for share, _ in unlike_made]))))
    baseline = float(np.mean([look_difference(NEUTRAL, look(y[j] - y[i])) for i, j in unlike]))
    return table, baseline


def chosen_evidence(table: list[EvidenceRow]) -> EvidenceRow:
    """The smallest threshold whose harm is within SAME_LOOK_BUDGET (else the largest)."""
    within = [r for r in table if r.harm <= SAME_LOOK_BUDGET]
    return min(within, key=lambda r: r.evidence) if within else max(table,
                                                                     key=lambda r: r.evidence)


def _evidence_comment(row: EvidenceRow, baseline: float) -> str:
    text = (f"The evidence threshold of a change of look (gradecli.color.look_estimate."
            f"change_evidence): the smallest of {EVIDENCES} at which grading a training photo "
            f"towards another graded alike changes it by at most {SAME_LOOK_BUDGET} ΔE00 on "
            f"the ColorChecker (cross-validated: here {row.harm:.2f}; towards a different look "
            f"the error to the true change is {row.error:.2f} against {baseline:.2f} for "
            f"no change, {100 * row.moved:.0f} % of those changes made).")
    return "\n".join("#: " + line for line in textwrap.wrap(text, 92))


def _fmt(a) -> str:
    """A literal wrapped at 96 columns (inside brackets, so the lines need no backslash)."""
    text = repr(a if isinstance(a, tuple) else np.round(np.asarray(a, np.float64), 8).tolist())
    return "\n    ".join(textwrap.wrap(text, 80, break_long_words=False))


def write_module(model, alpha: float, n_photos: int, n_rows: int, cv_err: np.ndarray,
                 cv_r2: np.ndarray, noise: np.ndarray, floor: np.ndarray,
                 evidence: EvidenceRow, baseline: float) -> None:
    mean, scale, w, b = model
    errs = ";\n".join(f"{t} {e:.3f} (R² {r:.2f})" for t, e, r in
                       zip(TARGETS, cv_err, cv_r2, strict=True))
    text = f'''"""The look estimator's prior: features -> cast and exposure (ridge regression).

Generated by ``python -m training.tune_looks --write`` on {datetime.date.today().isoformat()};
do not edit. Fitted on {n_rows} casts of {n_photos} training photos (penalty {alpha:g}, chosen
by 5-fold cross-validation grouped by photo). Cross-validated RMS error:
{errs}.
"""

import numpy as np

#: Feature names, in the order of gradecli.color.look_features.FEATURE_NAMES (checked on use).
FEATURES = {_fmt(FEATURE_NAMES)}
#: Outputs: cast (log R/G, log B/G of the linear gains) and exposure (stops).
MEAN = np.array({_fmt(mean)})
SCALE = np.array({_fmt(scale)})
WEIGHTS = np.array({_fmt(w)})
INTERCEPT = np.array({_fmt(b)})
#: The estimates' second moment on photos with no cast (cross-validated): how far content alone
#: moves an estimate, the noise a change of look must stand out from.
NOISE = np.array({_fmt(noise)})
#: Look differences (ΔE00 on the ColorChecker) between pairs of different uncast training photos
#: ({len(floor)} pairs, cross-validated estimates): percentiles 50, 75, 90, 95. Pictures graded
#: alike differ this much to the estimator through their content alone.
LOOK_FLOOR = {_fmt(np.percentile(floor, [50, 75, 90, 95]))}
{_evidence_comment(evidence, baseline)}
EVIDENCE = {evidence.evidence!r}
'''
    OUT.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-photo", type=int, default=80, help="casts (and crops) per photo")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=None,
                    help="keep the features here (.npz) and reuse them when present")
    ap.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(HERE.parent)}")
    args = ap.parse_args(argv)
    photos = train_photos()
    if args.cache is not None and args.cache.exists():
        d = np.load(args.cache)
        x, y, groups = d["x"], d["y"], d["groups"].tolist()
    else:
        x, y, groups = dataset(photos, args.per_photo, args.seed)
        if args.cache is not None:
            np.savez(args.cache, x=x, y=y, groups=np.array(groups))
    print(f"{len(photos)} training photos, {len(x)} casts, {x.shape[1]} features")
    var = y.var(axis=0)
    print("\n| estimate | RMS error " + " | ".join(TARGETS) + " |")
    print("|---|" + "---|" * len(TARGETS))
    print("| none (no cast) | " + " | ".join(f"{v:.3f}" for v in np.sqrt((y**2).mean(0))) + " |")
    for name in ("grey_world", "shades_of_grey", "grey_edge"):
        i = FEATURE_NAMES.index(f"{name}.log_rg")
        e = np.sqrt(((x[:, i:i + 2] - y[:, :2]) ** 2).mean(0))
        print(f"| {name} (raw) | {e[0]:.3f} | {e[1]:.3f} | |")
    best = None
    for alpha in ALPHAS:
        p = grouped_cv(x, y, groups, alpha)
        none = np.abs(y).max(axis=1) < 1e-9
        noise = p[none].T @ p[none] / max(1, int(none.sum()))
        err = np.sqrt(((p - y) ** 2).mean(0))
        r2 = 1.0 - err**2 / var
        print(f"| ridge, penalty {alpha:g} (cross-validated) | "
              + " | ".join(f"{e:.3f}" for e in err) + " |")
        score = float(np.mean(r2))
        if best is None or score > best[0]:
            best = (score, alpha, err, r2, noise, p)
    _, alpha, err, r2, noise, p = best
    print("estimates on photos with no cast (cross-validated), RMS: "
          + ", ".join(f"{t} {v:.3f}" for t, v in zip(TARGETS, np.sqrt(np.diag(noise)),
                                                     strict=True)))
    print(f"\nchosen penalty {alpha:g}: cross-validated R² "
          + ", ".join(f"{t} {r:.2f}" for t, r in zip(TARGETS, r2, strict=True)))
    floor = noise_floor(photos, x, y, groups, alpha)
    print("look differences between uncast training photos (ΔE00, cross-validated): "
          + ", ".join(f"p{q} {v:.2f}" for q, v in
                      zip((50, 75, 90, 95), np.percentile(floor, [50, 75, 90, 95]), strict=True)))
    table, baseline = evidence_table(p, y, groups, args.seed)
    print("\n| evidence threshold | harm: graded alike (ΔE00) | error: graded differently | "
          "changes made |\n|---|---|---|---|")
    for r in table:
        print(f"| {r.evidence:g} | {r.harm:.2f} | {r.error:.2f} | {100 * r.moved:.0f}% |")
    print(f"| never (no change) | 0.00 | {baseline:.2f} | 0% |")
    chosen = chosen_evidence(table)
    print(f"chosen evidence threshold {chosen.evidence:g} (harm budget {SAME_LOOK_BUDGET})")
    if args.write:
        write_module(fit_ridge(x, y, alpha), alpha, len(photos), len(x), err, r2, noise, floor,
                     chosen, baseline)
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
