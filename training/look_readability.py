"""How much of a look can one picture of unknown content tell? A measurement, not a fit.

The style model's random looks (:mod:`training.looks`; contrast, saturation, split tones,
curves, casts ...) are applied to the ``train`` photos of ``training/data/manifest.json`` (whole
and random crops), and a ridge regression learns, from the look estimator's features
(:func:`gradecli.color.look_features.look_features`), what each look does:

- its cast at mid grey (log R/G, log B/G of linear light at 18 % grey) and exposure (stops);
- its split tone: the cast at a light grey (60 % linear) minus the cast at a dark one (3 %);
- its contrast: the exposure change at that light grey minus the change at the dark one;
- its saturation: log of the mean CIELAB chroma of 64 mid colours after the look over before.

The penalty is chosen per quantity by 5-fold cross-validation grouped by photo on the
``train`` photos; the table gives the share of each quantity's variance explained on the
held-out ``eval`` photos (R²; 0 is what always predicting the average look gives). Nothing is
written: the figures say which parts of a look single-picture evidence can read (README,
"Look matching").

Run: ``python -m training.look_readability`` (after ``python -m training.gather_images``;
about 2 minutes on 2 cores).
"""

from __future__ import annotations

import argparse

import numpy as np

from gradecli.color.lut import Lut
from gradecli.color.spaces import rgb_to_lab
from training.looks import sample_look
from training.tune_looks import ALPHAS, graded_rows, grey_response, grouped_cv, train_photos

#: Linear greys (dark, mid, light) at which a look's cast and exposure are read.
LEVELS = np.array([0.03, 0.18, 0.6])
QUANTITIES = ("mid-grey cast log R/G", "mid-grey cast log B/G", "mid-grey exposure (stops)",
              "split tone log R/G", "split tone log B/G", "contrast (stops, light - dark)",
              "saturation (log chroma gain)")
_SAT_COLOURS = np.clip(0.45 + 0.25 * np.random.default_rng(5).standard_normal((1, 64, 3)),
                       0.05, 0.95)


def look_quantities(grade) -> np.ndarray:
    """The QUANTITIES (7,) of a grade (a function of sRGB code values (..., 3) 0..1)."""
    dark, mid, light = (grey_response(grade, level) for level in LEVELS)
    before = rgb_to_lab(_SAT_COLOURS, "srgb")[0]
    after = rgb_to_lab(np.clip(grade(_SAT_COLOURS), 0.0, 1.0), "srgb")[0]
    sat = np.log(np.hypot(after[:, 1], after[:, 2]).mean() / np.hypot(before[:, 1],
                                                                      before[:, 2]).mean())
    return np.array([*mid, *(light[:2] - dark[:2]), light[2] - dark[2], sat])


def dataset(photos: dict[str, np.ndarray], per_photo: int, seed: int):
    """(features (M, F), quantities (M, 7), photo per row): every photo under ``per_photo``
    random looks (whole photo and random crops alternating)."""

    def grade(i: int):
        look = sample_look(np.random.default_rng([seed, 53, i]), identity_prob=0.0)
        return Lut(look.table(17).astype(np.float64)).apply

    return graded_rows(photos, per_photo, np.random.default_rng([seed, 51]), grade,
                       look_quantities)


def r2(pred: np.ndarray, truth: np.ndarray) -> float:
    return float(1.0 - np.mean((pred - truth) ** 2) / np.var(truth))


def main(argv: list[str] | None = None) -> int:
    from training.tune_looks import fit_ridge, predict

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-photo", type=int, default=24, help="looks per photo (default 24)")
    args = ap.parse_args(argv)
    xt, yt, gt = dataset(train_photos("train"), args.per_photo, seed=1)
    xe, ye, _ = dataset(train_photos("eval"), args.per_photo, seed=2)
    print(f"{len(xt)} training rows ({len(set(gt))} photos), {len(xe)} held-out rows\n")
    print("| quantity | std (held out) | penalty (CV) | R² cross-validated | R² held out |")
    print("|---|---|---|---|---|")
    for k, name in enumerate(QUANTITIES):
        cv = {a: r2(grouped_cv(xt, yt[:, k:k + 1], gt, a)[:, 0], yt[:, k]) for a in ALPHAS}
        alpha = max(cv, key=cv.get)
        held = r2(predict(fit_ridge(xt, yt[:, k:k + 1], alpha), xe)[:, 0], ye[:, k])
        print(f"| {name} | {ye[:, k].std():.3f} | {alpha:g} | {cv[alpha]:.2f} | {held:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
