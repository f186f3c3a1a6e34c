"""Skin-tone disparity of reference grades: the figures behind `verify --skin-tones`' default.

Each LUT (33^3) renders the 10 Monk Skin Tone swatches and the ColorChecker's two skin patches;
the table gives the disparity (eq. 40: population std / mean of ΔE00 over the 10 MST tones), the
mean and largest ΔE00 over those tones and the verdict at the default --max-disparity:

- identity;
- an even exposure change of +0.5 and -0.5 stop (a gain of 2**±0.5 in linear light on sRGB);
- "darken and grey dark tones only": below a luma Y' of 0.35 (full effect below 0.25) chroma
  is cut by up to 60% and values by up to 35%; lighter tones are untouched;
- the example looks in examples/looks/*.cube.

Run: python benchmarks/bench_skin_tones.py   (about a second; no media needed)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gradecli.color.lut import Lut
from gradecli.color.transfer_functions import srgb_eotf, srgb_eotf_inverse
from gradecli.io.luts import read_lut
from gradecli.pipeline.skin_tones import DEFAULT_MAX_DISPARITY, lut_skin_tones

REPO = Path(__file__).resolve().parents[1]
LOOKS = ("teal_orange", "warm_summer_evening", "bleach_bypass", "cool_night")
_LUMA = np.array([0.2126, 0.7152, 0.0722])


def exposure(stops: float):
    """An even exposure change: a gain of 2**stops in linear light, sRGB in and out."""
    def fn(rgb: np.ndarray) -> np.ndarray:
        return srgb_eotf_inverse(np.clip(srgb_eotf(rgb) * 2.0**stops, 0.0, 1.0))
    return fn


def darken_grey_dark(rgb: np.ndarray) -> np.ndarray:
    """Darken and desaturate only dark tones (luma below 0.35)."""
    y = (rgb @ _LUMA)[..., None]
    w = np.clip((0.35 - y) / 0.1, 0.0, 1.0)
    out = y + (1.0 - 0.6 * w) * (rgb - y)
    return np.clip(out * (1.0 - 0.35 * w), 0.0, 1.0)


def reference_luts() -> dict[str, Lut]:
    luts = {
        "identity": Lut.identity(33),
        "exposure +0.5 stop": Lut.from_function(exposure(0.5)),
        "exposure -0.5 stop": Lut.from_function(exposure(-0.5)),
        "darken and grey dark tones only": Lut.from_function(darken_grey_dark),
    }
    for name in LOOKS:
        luts[f"examples/looks/{name}.cube"] = read_lut(REPO / "examples" / "looks" / f"{name}.cube")
    return luts


def main() -> None:
    print(f"| LUT | disparity | mean ΔE00 | max ΔE00 | at {DEFAULT_MAX_DISPARITY:g} |")
    print("|---|---|---|---|---|")
    for name, lut in reference_luts().items():
        rep = lut_skin_tones(lut)
        worst = max(t.delta_e00 for t in rep.tones if t.in_disparity)
        verdict = "pass" if rep.disparity <= DEFAULT_MAX_DISPARITY else "FAIL"
        print(f"| {name} | {rep.disparity:.2f} | {rep.mean_delta_e00:.2f} | {worst:.2f} "
              f"| {verdict} |")


if __name__ == "__main__":
    main()
