"""`match` should match the grade, not the content: look matching against colour matching.

Photos are held out from the style model's and the look estimator's tuning: the ``eval`` split
of ``training/data/manifest.json`` (``python -m training.gather_images``), else the project's
``examples/stills`` (reserved for evaluation); at most 320 px on the long side, even sizes.
A *cast* is drawn per photo with ``numpy.random.default_rng(seed)``: in linear light a white
balance shift (per-channel gains along blue-yellow, with a smaller green-magenta tint), an
exposure change of up to +-0.5 stop, and sometimes a mild gamma change; it is redrawn until
its mean CIEDE2000 to the photo is 5..15 (clearly visible). Each cast photo becomes a short
clip (8 frames, a little seeded noise per frame, libx264 CRF 2 yuv444p, tagged BT.709 limited
range). ``match_clips`` runs in-process with ``luts_only=True``; each clip's LUT is then applied
to the cast *photo* (float R'G'B'), so codec error stays out of the figures.

1. The article's scenario: K=5 different photos, each with its own random cast, per seeded set.
   Columns: *common-look residual*: one cubic polynomial in R'G'B' (20 monomials, least squares
   per channel) fitted jointly over the set, uncast photos -> outputs; per clip the mean
   per-pixel CIEDE2000 between its prediction and the output; the worst clip (median and max over
   sets). Zero means every clip got one and the same colour transform of its uncast original,
   i.e. the same look whatever its content. Also the smallest SSIM of L* between a cast input
   and its output, the mean CIEDE2000 of outputs to their uncast originals, and whether every
   output is closer to its original than its cast input was.
2. One photo in four casts matched to the uncast version (``--target hero:``), with the hero
   clip among the inputs and outside them: worst mean CIEDE2000 of an output to the uncast photo.
3. Neutral stays neutral: a neutral photo's clip matched with saturated frames of the bundled
   animated clips (caminandes, sintel): mean CIELAB chroma change over the neutral clip's
   near-grey pixels (input chroma < 6).

Rows the installed gradecli cannot run yet (no ``MatchOptions.match``, no ``--target neutral``,
no hero outside the inputs) are skipped with a note.

Run: python benchmarks/bench_look_match.py [--sets 3] [--seed 0] [--quick] [--json FILE]
[--evidence X] (about a minute and a half on 2 cores; --quick: one set and fewer rows;
--evidence: another look-change threshold, e.g. 1e-6 for none).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from _common import REPO, markdown_table
from bench_style_model import MANIFEST, _downscale, eval_photos
from skimage.metrics import structural_similarity

from gradecli.color import look_estimate, look_prior
from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.lut import Lut
from gradecli.color.spaces import lab_to_lch, rgb_to_lab
from gradecli.color.transfer import METHODS
from gradecli.color.transfer_functions import srgb_eotf, srgb_eotf_inverse
from gradecli.color.ycbcr import YCbCrSpec, rgb_to_ycbcr
from gradecli.errors import BadInputError
from gradecli.io.images import read_image
from gradecli.io.luts import read_lut
from gradecli.io.video import InputVideo, frame_to_rgb, new_frame, plane_layout
from gradecli.pipeline.match import MatchOptions, match_clips

STILLS = REPO / "examples" / "stills"
CLIPS = REPO / "examples" / "clips"
SATURATED = ("clip_02_caminandes.mp4", "clip_03_sintel.mp4")
SIDE = 320
K = 5  # photos per set (section 1)
N_HERO_CASTS = 4
FRAMES = 8
CRF = 2
PIX_FMT = "yuv444p"
NOISE = 0.002  # per-frame Gaussian noise, R'G'B' 0..1 (half a code value)
SPEC = YCbCrSpec("bt709", False, 8)
GREY_CHROMA = 6.0
CAST_DE = (5.0, 15.0)  # how visible a cast must be: mean dE00 to the uncast photo
N_SATURATED = 3  # saturated clips beside the neutral one (section 3)
HAS_MODE = "match" in {f.name for f in dataclasses.fields(MatchOptions)}


# -- pictures ------------------------------------------------------------------------------------


def _even(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return np.ascontiguousarray(rgb[: h // 2 * 2, : w // 2 * 2])


def held_out_photos() -> tuple[dict[str, np.ndarray], str]:
    """name -> R'G'B' float64 0..1 (<= SIDE px, even size), and where they come from."""
    if MANIFEST.exists():
        photos = eval_photos(side=SIDE)
        if len(photos) >= K:
            return {k: _even(v) for k, v in photos.items()}, (
                f"{len(photos)} eval-split photos of training/data/manifest.json"
            )
    photos = {
        p.stem: _even(_downscale(read_image(p).rgb, SIDE))
        for p in sorted(STILLS.iterdir())
        if p.suffix.lower() in (".png", ".jpg", ".jpeg")
    }
    return photos, f"{len(photos)} examples/stills (no manifest with >= {K} eval photos)"


def saturated_frames(every: int = 20, side: int = SIDE) -> list[np.ndarray]:
    """Every ``every``-th frame of the bundled animated clips, the more colourful half of them."""
    frames = []
    for name in SATURATED:
        with InputVideo(CLIPS / name) as v:
            for i, f in enumerate(v.frames()):
                if i % every == every // 2:
                    rgb = frame_to_rgb(f, v.info).astype(np.float64)
                    frames.append(_even(_downscale(rgb, side)))
    chroma = [float(lab_to_lch(rgb_to_lab(f[::4, ::4]))[..., 1].mean()) for f in frames]
    keep = np.argsort(chroma)[::-1][: max(3, len(frames) // 2)]
    return [frames[i] for i in sorted(keep)]


def random_cast(rng: np.random.Generator) -> dict[str, float]:
    """A white-balance shift (log2 gains), exposure (stops) and gamma, clearly visible."""
    return {
        "temp": float(rng.choice([-1.0, 1.0]) * rng.uniform(0.35, 0.55)),
        "tint": float(rng.choice([-1.0, 1.0]) * rng.uniform(0.04, 0.15)),
        "ev": float(rng.uniform(-0.5, 0.5)),
        "gamma": float(rng.uniform(0.85, 1.15)) if rng.random() < 0.5 else 1.0,
    }


def visible_cast(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``rgb`` under a random cast whose mean dE00 to ``rgb`` is in CAST_DE (redrawn until so:
    how visible a cast is depends on the content)."""
    for _ in range(50):
        cast = random_cast(rng)
        if CAST_DE[0] <= mean_de(apply_cast(rgb[::2, ::2], cast), rgb[::2, ::2]) <= CAST_DE[1]:
            break
    return apply_cast(rgb, cast)


def apply_cast(rgb: np.ndarray, cast: dict[str, float]) -> np.ndarray:
    gains = 2.0 ** np.array([cast["temp"], cast["tint"], -cast["temp"]])
    gains /= gains @ np.array([0.2126, 0.7152, 0.0722])  # keep luminance; exposure separately
    lin = srgb_eotf(rgb) * gains * 2.0 ** cast["ev"]
    return srgb_eotf_inverse(lin) ** cast["gamma"]


def write_clip(path: Path, rgb: np.ndarray, seed: int) -> Path:
    """``rgb`` as FRAMES nearly lossless frames (a little seeded noise each), BT.709 tagged."""
    rng = np.random.default_rng(seed)
    h, w = rgb.shape[:2]
    layout = plane_layout(PIX_FMT)
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = w, h, PIX_FMT
        s.options = {"crf": str(CRF), "preset": "veryfast"}
        cc = s.codec_context
        cc.colorspace = cc.color_primaries = cc.color_trc = 1  # BT.709
        cc.color_range = 1  # limited
        for i in range(FRAMES):
            noisy = np.clip(rgb + rng.normal(0.0, NOISE, rgb.shape), 0.0, 1.0)
            codes = rgb_to_ycbcr(noisy, SPEC).astype(np.uint8)
            f = new_frame([codes[..., c] for c in range(3)], layout, w, h)
            f.pts, f.time_base = i, Fraction(1, 24)
            for p in s.encode(f):
                out.mux(p)
        for p in s.encode(None):
            out.mux(p)
    return path


def check_clip(path: Path, rgb: np.ndarray) -> str:
    """Read ``path`` back with gradecli.io.video; fail unless it is BT.709 and near ``rgb``."""
    with InputVideo(path) as v:
        info = v.info
        first = frame_to_rgb(next(iter(v.frames())), info).astype(np.float64)
    err = 255.0 * float(np.abs(first - rgb).mean())
    if info.ycbcr.matrix != "bt709" or info.ycbcr.full_range or err > 2.0:
        sys.exit(f"{path}: gradecli reads {info.describe()}, mean error {err:.2f} code values")
    return f"{info.describe()}, {info.frame_count} frames; mean |error| {err:.2f} code values"


# -- matching ------------------------------------------------------------------------------------


def run_match(
    paths: list[Path], out: Path, target: str, method: str = "auto", mode: str | None = None
) -> tuple[list[Lut] | None, str, float]:
    """(one LUT per path or None, a note, seconds) for one ``match_clips`` call."""
    kw = {}
    if mode is not None and HAS_MODE:
        kw["match"] = mode
    elif mode in ("look", "auto"):
        return None, "MatchOptions has no `match` field yet", 0.0
    t = time.perf_counter()
    try:
        res = match_clips(
            paths, out, MatchOptions(luts_only=True, target=target, method=method, **kw)
        )
    except BadInputError as e:
        return None, f"not supported: {str(e).replace(str(out.parent) + '/', '')}", 0.0
    except Exception as e:  # the feature is being written: report, do not stop the benchmark
        return None, f"error: {type(e).__name__}: {e}", 0.0
    dt = time.perf_counter() - t
    luts, notes = [], ""
    for p in paths:
        sched = res.luts.get(str(p))
        if sched and len(sched) > 1:
            notes = f"{p.name}: {len(sched)} shots found, the first one's LUT used"
        luts.append(sched[0][1] if sched else read_lut(out / f"{p.stem}.cube"))
    return luts, notes, dt


def lab(rgb: np.ndarray) -> np.ndarray:
    return rgb_to_lab(rgb, "srgb")


def mean_de(a: np.ndarray, b: np.ndarray) -> float:
    return float(delta_e2000(lab(a), lab(b)).mean())


def cubic_features(rgb: np.ndarray) -> np.ndarray:
    """(N, 3) -> (N, 20): every monomial of r, g, b up to degree 3."""
    cols = [np.ones(len(rgb))]
    for deg in (1, 2, 3):
        for idx in itertools.combinations_with_replacement(range(3), deg):
            cols.append(np.prod(rgb[:, idx], axis=1))
    return np.stack(cols, axis=1)


def common_look_residuals(orig: list[np.ndarray], outs: list[np.ndarray]) -> list[float]:
    """Per clip, mean dE00 between the output and the one joint cubic fit of originals->outputs."""
    x = [cubic_features(o.reshape(-1, 3)) for o in orig]
    y = [o.reshape(-1, 3) for o in outs]
    coef, *_ = np.linalg.lstsq(np.concatenate([a[::2] for a in x]),
                               np.concatenate([b[::2] for b in y]), rcond=None)
    return [mean_de(np.clip(a @ coef, 0.0, 1.0), b) for a, b in zip(x, y, strict=True)]


def ssim_l(a: np.ndarray, b: np.ndarray) -> float:
    return float(structural_similarity(lab(a)[..., 0], lab(b)[..., 0], data_range=100.0))


def mark(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def emit(title: str, header: list[str], rows: list[list[str]], notes: list[str]) -> None:
    print(f"\n### {title}\n")
    print(markdown_table(header, rows))
    if notes:
        print()
        for n in notes:
            print(f"- {n}")


# -- 1. different content, random casts ----------------------------------------------------------


def section1(photos, sets: int, seed: int, quick: bool, tmp: Path, log) -> dict:
    rows_spec = [
        ("match auto (default)", "average", "auto", "auto"),
        ("match look average", "average", "auto", "look"),
        ("match look neutral", "neutral", "auto", "look"),
        *[(f"match colour {m}", "average", m, "colour") for m in METHODS],
    ]
    if quick:
        rows_spec = rows_spec[:2] + [r for r in rows_spec[2:] if r[2] == "mkl"]
    names = sorted(photos)
    res: dict[str, dict] = {"cast input (no change)": {"sets": []}}
    res.update({r[0]: {"sets": [], "note": ""} for r in rows_spec})
    check = ""
    for s in range(sets):
        rng = np.random.default_rng([seed, 1, s])
        pick = [names[i] for i in rng.choice(len(names), min(K, len(names)), replace=False)]
        orig = [photos[n] for n in pick]
        cast = [visible_cast(o, rng) for o in orig]
        folder = tmp / f"s1_set{s}"
        folder.mkdir()
        paths = [write_clip(folder / f"{n}.mp4", c, seed * 1000 + s * 10 + i)
                 for i, (n, c) in enumerate(zip(pick, cast, strict=True))]
        if not check:
            check = check_clip(paths[0], cast[0])
        de_in = [mean_de(c, o) for c, o in zip(cast, orig, strict=True)]
        log(f"set {s}: {', '.join(pick)}; cast dE00 to original "
            f"{', '.join(f'{d:.1f}' for d in de_in)}")

        def record(name, outs, dt, de_in=de_in, orig=orig, cast=cast, pick=pick):
            de_out = [mean_de(y, o) for y, o in zip(outs, orig, strict=True)]
            res[name]["sets"].append({
                "photos": pick,
                "residual": common_look_residuals(orig, outs),
                "ssim": [ssim_l(c, y) for c, y in zip(cast, outs, strict=True)],
                "de_to_orig": de_out,
                "closer": bool(all(a < b for a, b in zip(de_out, de_in, strict=True))),
                "seconds": dt,
            })

        record("cast input (no change)", cast, 0.0)
        for name, target, method, mode in rows_spec:
            luts, note, dt = run_match(paths, folder / name.replace(" ", "_"), target, method,
                                       mode)
            if note:
                res[name]["note"] = note
            if luts is not None:
                record(name, [lut.apply(c) for lut, c in zip(luts, cast, strict=True)], dt)
        log(f"set {s} done")

    header = ["row", "common-look residual: median over sets", "max over sets",
              "min SSIM(L*)", "mean dE00 to uncast", "all closer than input", "match s"]
    rows, summary = [], {}
    for name, r in res.items():
        if not r["sets"]:
            rows.append([name, "skipped", "", "", "", "", ""])
            continue
        worst = [max(x["residual"]) for x in r["sets"]]
        sm = {
            "residual_median": float(np.median(worst)),
            "residual_max": float(np.max(worst)),
            "min_ssim": float(min(min(x["ssim"]) for x in r["sets"])),
            "de_to_orig": float(np.mean([np.mean(x["de_to_orig"]) for x in r["sets"]])),
            "all_closer": all(x["closer"] for x in r["sets"]),
            "seconds": float(np.mean([x["seconds"] for x in r["sets"]])),
        }
        summary[name] = sm
        is_input = name.startswith("cast input")
        rows.append([
            name, f"{sm['residual_median']:.2f}", f"{sm['residual_max']:.2f}",
            f"{sm['min_ssim']:.3f}", f"{sm['de_to_orig']:.2f}",
            "-" if is_input else ("yes" if sm["all_closer"] else "no"),
            "-" if is_input else f"{sm['seconds']:.1f}",
        ])
    notes = [f"clips: {check}"]
    notes += [f"{n}: {r['note']}" for n, r in res.items() if r.get("note")]
    base = summary.get("cast input (no change)")
    d = summary.get("match auto (default)")
    neutral = summary.get("match look neutral")
    goals = []
    if d is not None:
        ok = d["residual_median"] <= 3.0 and d["residual_median"] <= 0.5 * base["residual_median"]
        goals.append(f"goal match default residual <= 3.0 and <= half the cast input's "
                     f"({0.5 * base['residual_median']:.2f}): {d['residual_median']:.2f} "
                     f"{mark(ok)}")
    else:
        goals.append("goal match default residual <= 3.0 and <= half the cast input's: n/a")
    looks = {k: v for k, v in summary.items() if k.startswith("match look")}
    if looks:
        worst_ssim = min(v["min_ssim"] for v in looks.values())
        goals.append(f"goal min SSIM(L*) >= 0.90 (look rows): {worst_ssim:.3f} "
                     f"{mark(worst_ssim >= 0.90)}")
    goals.append("goal target neutral: every clip closer to its uncast original: "
                 + ("n/a" if neutral is None else
                    ("yes " if neutral["all_closer"] else "no ") + mark(neutral["all_closer"])))
    k = len(res["cast input (no change)"]["sets"][0]["photos"])
    emit(f"1. {k} different photos, random casts, {sets} set(s): residual of one common look "
         "(dE00, worst clip)", header, rows, notes + goals)
    return {"rows": res, "summary": summary, "goals": goals}


# -- 2. same scene, different casts, target hero --------------------------------------------------


def section2(photos, sets: int, seed: int, tmp: Path, log) -> dict:
    rows_spec = [("match auto (default)", "auto"), ("match look", "look"),
                 ("match colour (default method)", "colour")]
    names = sorted(photos)
    cols = ("hero in inputs", "hero not in inputs")
    res = {"cast input (no change)": {c: [] for c in cols}}
    res.update({r[0]: {c: [] for c in cols} for r in rows_spec})
    notes: dict[str, str] = {}
    order = np.random.default_rng([seed, 2]).permutation(len(names))
    for s in range(sets):
        rng = np.random.default_rng([seed, 2, s])
        name = names[order[s % len(names)]]
        photo = photos[name]
        folder = tmp / f"s2_set{s}"
        folder.mkdir()
        hero = write_clip(folder / f"hero_{name}.mp4", photo, seed + 7 * s)
        casts = [visible_cast(photo, rng) for _ in range(N_HERO_CASTS)]
        paths = [write_clip(folder / f"cast{i}_{name}.mp4", c, seed + 7 * s + i + 1)
                 for i, c in enumerate(casts)]
        base = max(mean_de(c, photo) for c in casts)
        for c in cols:
            res["cast input (no change)"][c].append(base)
        for label, mode in rows_spec:
            for col, inputs in zip(cols, ([*paths, hero], paths), strict=True):
                out = folder / f"{mode}_{col.replace(' ', '_')}"
                luts, note, _ = run_match(inputs, out, f"hero:{hero}", "auto", mode)
                if note:
                    notes[f"{label}, {col}"] = note
                if luts is not None:
                    outs = [lut.apply(c) for lut, c in zip(luts, casts, strict=False)]
                    res[label][col].append(max(mean_de(y, photo) for y in outs))
        log(f"hero set {s} ({name}) done")
    rows = [[k, *(f"{max(v[c]):.2f}" if v[c] else "skipped" for c in cols)]
            for k, v in res.items()]
    goals = []
    for label, _ in rows_spec:
        for c in cols:
            v = res[label][c]
            goals.append(f"goal {label}, {c}: worst dE00 <= 2.0: "
                         + (f"{max(v):.2f} {mark(max(v) <= 2.0)}" if v else "n/a"))
    emit(f"2. One photo, {N_HERO_CASTS} casts, --target hero:<uncast clip>, {sets} set(s): "
         "worst mean dE00 of an output to the uncast photo", ["row", *cols], rows,
         [f"{k}: {v}" for k, v in notes.items()] + goals)
    return {"rows": res, "notes": notes, "goals": goals}


# -- 3. neutral stays neutral ---------------------------------------------------------------------


def section3(photos, sets: int, seed: int, tmp: Path, log) -> dict:
    rows_spec = [("match auto (default)", "auto"), ("match look average", "look"),
                 ("match colour (default method)", "colour")]
    sat = saturated_frames()
    grey_frac = {n: float((lab_to_lch(lab(p))[..., 1] < GREY_CHROMA).mean())
                 for n, p in photos.items()}
    greyest = sorted(grey_frac, key=grey_frac.get, reverse=True)
    res = {r[0]: [] for r in rows_spec}
    notes: dict[str, str] = {}
    used = []
    for s in range(sets):
        rng = np.random.default_rng([seed, 3, s])
        name = greyest[s % min(3, len(greyest))]
        neutral = photos[name]
        folder = tmp / f"s3_set{s}"
        folder.mkdir()
        pick = sorted(rng.choice(len(sat), N_SATURATED, replace=False))
        paths = [write_clip(folder / f"neutral_{name}.mp4", neutral, seed + 11 * s)]
        paths += [write_clip(folder / f"saturated{i}.mp4", sat[i], seed + 11 * s + i + 1)
                  for i in pick]
        lch0 = lab_to_lch(lab(neutral))
        mask = lch0[..., 1] < GREY_CHROMA
        used.append(f"{name} ({100 * mask.mean():.0f}% near-grey) + saturated frames "
                    f"{[int(i) for i in pick]}")
        for label, mode in rows_spec:
            luts, note, _ = run_match(paths, folder / mode, "average", "auto", mode)
            if note:
                notes[label] = note
            if luts is not None:
                after = lab_to_lch(lab(luts[0].apply(neutral)))[..., 1]
                res[label].append(float(after[mask].mean() - lch0[..., 1][mask].mean()))
        log(f"neutral set {s} done")
    rows = [[k, f"{np.median(v):+.2f}", f"{max(v):+.2f}"] if v else [k, "skipped", ""]
            for k, v in res.items()]
    goals = [f"goal {k}: chroma change <= +1.5: "
             + (f"{max(v):+.2f} {mark(max(v) <= 1.5)}" if v else "n/a") for k, v in res.items()]
    emit(f"3. A neutral clip matched with {N_SATURATED} saturated animated clips, "
         f"--target average, {sets} set(s): mean chroma change on its near-grey pixels "
         f"(C* < {GREY_CHROMA:g})",
         ["row", "median over sets", "max over sets"], rows,
         [f"set {i}: {u}" for i, u in enumerate(used)]
         + [f"{k}: {v}" for k, v in notes.items()] + goals)
    return {"rows": res, "sets": used, "notes": notes, "goals": goals}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=3, help="seeded sets per measurement")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="one set, fewer rows")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    ap.add_argument("--evidence", type=float, default=None,
                    help="the look-change threshold to use instead of the fitted one "
                         f"(gradecli.color.look_estimate.EVIDENCE, {look_estimate.EVIDENCE:g}); "
                         "a tiny value such as 1e-6 shows what the estimator reaches with no "
                         "do-no-harm shrinkage")
    args = ap.parse_args(argv)
    if args.evidence is not None:
        look_estimate.EVIDENCE = args.evidence
        print(f"look-change threshold: {args.evidence:g} (fitted: {look_prior.EVIDENCE:g})")
    sets = 1 if args.quick else args.sets
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:5.0f}s] {msg}", file=sys.stderr)

    photos, source = held_out_photos()
    print(f"photos: {source}: {', '.join(sorted(photos))}")
    print(f"MatchOptions.match: {'present' if HAS_MODE else 'absent (look rows skipped)'}; "
          f"transfer methods: {', '.join(METHODS)}")
    with tempfile.TemporaryDirectory(prefix="bench_look_match_") as d:
        tmp = Path(d)
        out = {
            "photos": source,
            "seed": args.seed,
            "sets": sets,
            "has_match_mode": HAS_MODE,
            "1_different_content": section1(photos, sets, args.seed, args.quick, tmp, log),
            "2_hero": section2(photos, sets, args.seed, tmp, log),
            "3_neutral": section3(photos, sets, args.seed, tmp, log),
        }
    out["seconds"] = time.perf_counter() - t0
    print(f"\n({out['seconds']:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
