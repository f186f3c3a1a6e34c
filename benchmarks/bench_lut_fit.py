"""`lut fit` quality: fit a LUT on a photo and the same photo through a known look, then apply
the fitted LUT to a different photo and compare with that photo through the true look.

Prints mean CIEDE2000 per (look, fitted on -> judged on) pair, clean and with the "after" image
saved as JPEG quality 90, plus the fit time. Run: python benchmarks/bench_lut_fit.py
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import skimage.data
from _common import print_table

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.lut_fit import fit_lut
from gradecli.color.spaces import rgb_to_lab


def _luma(x):
    return (x @ np.array([0.2126, 0.7152, 0.0722]))[..., None]


LOOKS = {
    "warm+S-curve+sat": lambda x: np.clip(
        _luma(s := np.clip(x * [1.08, 1.0, 0.9], 0, 1) + 0.3 * x * (1 - x) * (2 * x - 1))
        + 1.2 * (s - _luma(s)),
        0,
        1,
    ),
    "teal-orange": lambda x: np.clip(
        x
        + np.clip(1 - 2 * _luma(x), 0, 1) * [-0.05, 0.01, 0.06]
        + np.clip(2 * _luma(x) - 1, 0, 1) * [0.06, 0.01, -0.06],
        0,
        1,
    ),
    "faded film": lambda x: np.clip(
        0.06 + 0.86 * (_luma(x) + 0.7 * (x - _luma(x))) + [0.0, 0.0, 0.02], 0, 1
    ),
}
PAIRS = [
    ("astronaut", "coffee"),
    ("coffee", "chelsea"),
    ("rocket", "astronaut"),
    ("chelsea", "rocket"),
]


def photo(name: str) -> np.ndarray:
    return getattr(skimage.data, name)().astype(np.float64) / 255.0


def jpeg(rgb: np.ndarray, quality: int = 90) -> np.ndarray:
    ok, buf = cv2.imencode(
        ".jpg", (rgb[..., ::-1] * 255 + 0.5).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1] / 255.0


def main() -> None:
    rows = []
    worst = 0.0
    for look_name, look in LOOKS.items():
        for fit_on, judge_on in PAIRS:
            a, b = photo(fit_on), photo(judge_on)
            t = time.perf_counter()
            lut = fit_lut(a, look(a), size=33)
            dt = time.perf_counter() - t
            truth = rgb_to_lab(look(b))
            clean = float(delta_e2000(rgb_to_lab(lut.apply(b)), truth).mean())
            lut_j = fit_lut(a, jpeg(look(a)), size=33)
            jp = float(delta_e2000(rgb_to_lab(lut_j.apply(b)), truth).mean())
            worst = max(worst, clean)
            rows.append(
                [look_name, f"{fit_on} -> {judge_on}", f"{clean:.2f}", f"{jp:.2f}", f"{dt:.2f}"]
            )
    print_table(
        "lut fit (33^3): mean CIEDE2000 on a different photo vs the true look",
        ["look", "fitted on -> judged on", "clean", "JPEG q90 after", "fit s"],
        rows,
    )
    print(f"\nworst clean pair: {worst:.2f} (goal < 1.5)")


if __name__ == "__main__":
    main()
