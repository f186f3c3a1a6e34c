"""Does a prompt change every picture by a similar measured amount?

For the prompts "warm", "cool", "high contrast" and "desaturated", the look gradecli parses from
the words is applied to every test photo (the held-out ``eval`` photos of
``training/data/manifest.json`` when present, and the project's ``examples/stills``), as
``grade --prompt`` does, and the change it makes is measured on the photo: mean b* for warm and
cool, the spread (std) of L* in percent for high contrast, mean chroma C* in percent for
desaturated. Rows: the look at its library strength ("fixed") and calibrated per picture
(gradecli.color.look_strength, what ``grade --prompt`` uses). Columns: smallest and largest change
over the photos and their ratio (goal: at most 2).

A second table takes library looks of several parts ("a warm, nostalgic, summer evening feel",
"moody noir", "vintage film", "cold winter morning") and, per part (colour, tone, chroma: see
gradecli.color.look_strength.LOOK_PARTS), measures that part's main effect on each photo given
the whole calibrated look, calibrated by one factor (``by_part=False``) and part by part (what
``grade --prompt`` does). The other parts move the same figures (desaturation takes b* away,
fade and split tones add chroma to a near-grey photo), so only the tone rows isolate their part.

Run: python benchmarks/bench_prompt_strength.py [--photos train] (about 50 s; ``--photos train``:
the training photos instead, about 3 minutes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks._common import markdown_table  # noqa: E402
from benchmarks.bench_style_model import MANIFEST, _downscale, eval_photos  # noqa: E402
from gradecli.color.grade_model import apply_grade  # noqa: E402
from gradecli.color.look_estimate import colorchecker_srgb  # noqa: E402
from gradecli.color.look_strength import calibrate, look_effect, look_parts  # noqa: E402
from gradecli.color.spaces import rgb_to_lab  # noqa: E402
from gradecli.io.images import read_image  # noqa: E402
from gradecli.pipeline.look import build_look  # noqa: E402

#: prompt -> (what is measured, index into the measured vector)
PROMPTS = {
    "warm": "mean b*",
    "cool": "mean b*",
    "high contrast": "L* spread %",
    "desaturated": "mean C* %",
}


def photos(split: str = "eval") -> dict[str, np.ndarray]:
    """The test photos: the held-out ``eval`` photos and the project's stills, or (``"train"``)
    the training photos alone."""
    out = eval_photos(split=split) if MANIFEST.exists() else {}
    if split == "train":
        return out
    for p in sorted((REPO / "examples" / "stills").glob("*")):
        if p.suffix.lower() in (".png", ".jpg"):
            out[p.stem] = _downscale(read_image(p).rgb, 256)
    return out


def measure(what: str, before: np.ndarray, after: np.ndarray) -> float:
    lb, la = rgb_to_lab(before.reshape(-1, 3)), rgb_to_lab(after.reshape(-1, 3))
    if what == "mean b*":
        return float((la[:, 2] - lb[:, 2]).mean())
    if what == "L* spread %":
        return float(100.0 * (la[:, 0].std() / lb[:, 0].std() - 1.0))
    cb, ca = np.hypot(lb[:, 1], lb[:, 2]).mean(), np.hypot(la[:, 1], la[:, 2]).mean()
    return float(100.0 * (ca / cb - 1.0))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", choices=("eval", "train"), default="eval",
                    help="eval: the held-out photos and examples/stills (default); train: the "
                         "56 training photos, a wider check of the same figures")
    pics = photos(ap.parse_args(argv).photos)
    rows, goals = [], []
    for prompt, what in PROMPTS.items():
        params = build_look(prompt).params
        for mode in ("fixed", "calibrated"):
            changes = []
            for pic in pics.values():
                p = params
                if mode == "calibrated":
                    p = calibrate(params, pic).params
                changes.append(measure(what, pic, apply_grade(p, pic)))
            mags = np.abs(changes)
            same_sign = bool(np.all(np.sign(changes) == np.sign(np.median(changes))))
            ratio = float(mags.max() / max(mags.min(), 1e-9)) if same_sign else float("inf")
            rows.append([prompt, mode, what, f"{min(changes):+.2f}", f"{max(changes):+.2f}",
                         f"{ratio:.2f}"])
            if mode == "calibrated":
                goals.append(f"goal {prompt!r}: largest / smallest change <= 2: {ratio:.2f} "
                             f"{'PASS' if ratio <= 2.0 else 'FAIL'}")
    print(f"### Prompt strength over {len(pics)} photos\n")
    print(markdown_table(["prompt", "strength", "measured", "smallest", "largest", "ratio"], rows))
    print()
    print("\n".join(f"- {g}" for g in goals))
    print(f"\n### Looks of several parts over {len(pics)} photos: each part's main effect\n")
    print(markdown_table(["prompt", "part", "measured", "chart", "calibration", "smallest",
                          "largest", "ratio"], composite_rows(pics)))
    print("\nratio: largest / smallest change (inf: some photo changes the other way); one "
          "factor: the whole look scaled by its main effect's factor (the calibration before "
          "0.1.0's per-part one).")
    return 0


#: Library looks of several parts (colour, tone, chroma): measured per part.
COMPOSITE = ("a warm, nostalgic, summer evening feel", "moody noir", "vintage film",
             "cold winter morning")
_EFFECTS = ("mean a*", "mean b*", "L* spread %", "mean C* %")


def composite_rows(pics: dict[str, np.ndarray]) -> list[list[str]]:
    """Per composite prompt and part: the part's main effect (on the chart) measured on each
    photo given the whole look, calibrated with one factor and part by part."""
    chart = colorchecker_srgb()
    rows = []
    for prompt in COMPOSITE:
        params = build_look(prompt).params
        for part, grade in look_parts(params).items():
            if part == "exposure":
                continue
            goal = look_effect(grade, chart)
            k = {"tone": 2, "chroma": 3}.get(part, 0 if abs(goal[0]) > abs(goal[1]) else 1)
            for mode, by_part in (("one factor", False), ("per part", True)):
                changes = np.array([
                    look_effect(calibrate(params, pic, by_part=by_part).params, pic)[k]
                    for pic in pics.values()])
                same = bool(np.all(np.sign(changes) == np.sign(goal[k])))
                mags = np.abs(changes)
                ratio = float(mags.max() / max(mags.min(), 1e-9)) if same else float("inf")
                rows.append([prompt, part, _EFFECTS[k], f"{look_effect(params, chart)[k]:+.2f}",
                             mode, f"{changes.min():+.2f}", f"{changes.max():+.2f}",
                             f"{ratio:.2f}"])
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
