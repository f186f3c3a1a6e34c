"""`gradecli match` on the article's scenario: quality per method, hero matching, and speed.

1. Five 1080p clips of different photos, each with a different cast (warm, cool, crushed
   contrast, green, magenta): per transfer method, the largest pairwise CIEDE2000 between clip
   mean colours after matching, the smallest SSIM of L* between input and output frames, the
   sliced Wasserstein distance between clips' colour distributions before/after, and fit time.
2. Five casts of one clip matched with --target hero:<the uncast clip>: mean per-pixel CIEDE2000
   of each output against the uncast clip.
3. Speed: `gradecli match` end to end (libx264 CRF 18 medium) against a plain FFmpeg re-encode
   of the same clips with the same settings, in the same run; quality of the rendered outputs.

Run: python benchmarks/bench_match.py [--repeat 2] [--skip-speed]
Clips are generated (seeded) into bench_out/article by make_article_clips.py.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import av
import colour
import cv2
import numpy as np
from _common import OUT, need_ffmpeg, print_table, run_timed
from make_article_clips import generate
from skimage.metrics import structural_similarity

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.distances import sliced_wasserstein
from gradecli.color.lut import Lut
from gradecli.color.spaces import rgb_to_lab
from gradecli.color.transfer import METHODS
from gradecli.io.luts import read_lut
from gradecli.pipeline.match import AUTO_METHOD, MatchOptions, match_clips

BT709 = np.array([0.2126, 0.0722])
EVERY = 12  # evaluate every 12th frame (2 per second)
WIDTH = 480  # at 480 px wide


def frames_rgb(path: Path) -> list[np.ndarray]:
    """Every EVERY-th frame as R'G'B' float 0..1 at WIDTH px.

    Decoded independently of gradecli: colour-science's BT.709 limited-range Y'CbCr -> R'G'B'
    on the raw 4:2:0 planes (swscale's fast path is about one code value dark here).
    """
    out = []
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for i, f in enumerate(c.decode(s)):
            if i % EVERY:
                continue
            h, w = f.height, f.width
            planes = f.to_ndarray()  # yuv420p: (h * 3 / 2, w)
            y = planes[:h]
            u = planes[h : h + h // 4].reshape(h // 2, w // 2)
            v = planes[h + h // 4 :].reshape(h // 2, w // 2)
            ycc = np.stack([y, u.repeat(2, 0).repeat(2, 1), v.repeat(2, 0).repeat(2, 1)], -1)
            rgb = colour.YCbCr_to_RGB(ycc, K=BT709, in_bits=8, in_legal=True, in_int=True)
            small = cv2.resize(
                np.clip(rgb, 0, 1).astype(np.float32),
                (WIDTH, WIDTH * h // w),
                interpolation=cv2.INTER_AREA,
            )
            out.append(small.astype(np.float64))
    return out


def lut_for(report_clip) -> list[tuple[int, Lut]]:
    return [(s.start_frame, read_lut(s.lut)) for s in report_clip.shots]


def apply_schedule(frames: list[np.ndarray], schedule: list[tuple[int, Lut]]) -> list[np.ndarray]:
    out = []
    for k, f in enumerate(frames):
        index = k * EVERY
        lut = [lut for start, lut in schedule if start <= index][-1]
        out.append(lut.apply(f))
    return out


def consistency(clips: list[list[np.ndarray]]) -> tuple[float, float]:
    """(largest pairwise CIEDE2000 between clip mean colours, mean pairwise sliced W1)."""
    labs = [rgb_to_lab(np.concatenate([f.reshape(-1, 3) for f in c]), "srgb") for c in clips]
    means = [lab.mean(axis=0) for lab in labs]
    de = max(float(delta_e2000(a, b)) for a, b in itertools.combinations(means, 2))
    sw = float(
        np.mean([sliced_wasserstein(a[::4], b[::4]) for a, b in itertools.combinations(labs, 2)])
    )
    return de, sw


def min_ssim(before: list[list[np.ndarray]], after: list[list[np.ndarray]]) -> float:
    worst = 1.0
    for cb, ca in zip(before, after, strict=True):
        s = [
            structural_similarity(
                rgb_to_lab(a, "srgb")[..., 0], rgb_to_lab(b, "srgb")[..., 0], data_range=100.0
            )
            for a, b in zip(cb, ca, strict=True)
        ]
        worst = min(worst, float(np.mean(s)))
    return worst


def methods_table(cast: list[Path]) -> None:
    src = [frames_rgb(p) for p in cast]
    de0, sw0 = consistency(src)
    rows = [["input (no grading)", f"{de0:.2f}", "1.000", f"{sw0:.2f}", "-"]]
    for m in METHODS:
        t = time.perf_counter()
        res = match_clips(cast, OUT / f"luts_{m}", MatchOptions(method=m, luts_only=True))
        dt = time.perf_counter() - t
        graded = [apply_schedule(f, lut_for(c)) for f, c in zip(src, res.clips, strict=True)]
        de, sw = consistency(graded)
        mark = " (auto's choice)" if m == AUTO_METHOD["average"] else ""
        rows.append(
            [m + mark, f"{de:.2f}", f"{min_ssim(src, graded):.3f}", f"{sw:.2f}", f"{dt:.1f}"]
        )
    print_table(
        "1. Five photos, five casts, --target average (evaluated through the written LUTs)",
        ["method", "max pairwise dE00", "min SSIM(L*)", "mean sliced W1 (Lab)", "analyse+fit s"],
        rows,
    )


def hero_table(same: list[Path], hero: Path) -> None:
    res = match_clips(
        [*same, hero], OUT / "luts_hero", MatchOptions(target=f"hero:{hero}", luts_only=True)
    )
    res.clips = res.clips[: len(same)]  # the hero itself is left as it is
    ref = frames_rgb(hero)
    ref_lab = [rgb_to_lab(f, "srgb") for f in ref]
    rows = []
    for p, c in zip(same, res.clips, strict=True):
        src = frames_rgb(p)
        before = np.mean(
            [
                delta_e2000(rgb_to_lab(f, "srgb"), r).mean()
                for f, r in zip(src, ref_lab, strict=True)
            ]
        )
        out = apply_schedule(src, lut_for(c))
        after = np.mean(
            [
                delta_e2000(rgb_to_lab(f, "srgb"), r).mean()
                for f, r in zip(out, ref_lab, strict=True)
            ]
        )
        rows.append([p.stem, f"{before:.2f}", f"{after:.2f}"])
    worst = max(float(r[2]) for r in rows)
    rows.append(["worst", "", f"{worst:.2f}"])
    print_table(
        f"2. Same scene, five casts, --target hero:{hero.name} (auto: {AUTO_METHOD['hero']}): "
        "mean per-pixel dE00 to the hero",
        ["clip", "before", "after"],
        rows,
    )


def speed_table(cast: list[Path], repeat: int, content_rows: bool = True) -> None:
    """gradecli match against FFmpeg, interleaved per repeat (medians; CPU time beside wall).

    With ``content_rows``, two more rows show what grading costs the encoder by itself: x264 of
    the source pictures and x264 of the pictures gradecli grades, both read from raw 4:2:0 files
    (made once, not timed; about 0.45 GB per clip), so the only difference is the content.
    """
    ff = need_ffmpeg()
    dst = OUT / "match_e2e"
    plain_dir = OUT / "plain_e2e"
    lut_dir = OUT / "lut3d_e2e"
    lossless = OUT / "lossless_e2e"
    for d in (plain_dir, lut_dir, lossless):
        d.mkdir(parents=True, exist_ok=True)
    plain = "ffmpeg re-encode (5 clips)"
    lut3d = "ffmpeg lut3d, gradecli's LUTs (same graded content)"
    x_src = "x264 alone, the source pictures (raw input)"
    x_graded = "x264 alone, gradecli's graded pictures (raw input)"
    names = [plain, "gradecli match", lut3d] + ([x_src, x_graded] if content_rows else [])
    times: dict[str, list[float]] = {k: [] for k in names}
    cpus: dict[str, list[float]] = {k: [] for k in names}
    enc = ["-c:v", "libx264", "-crf", "18", "-preset", "medium", "-c:a", "copy"]
    # Timing only: the verdict (exit 1 when looks still differ by more than --max-de) is
    # measured in bench_look_match.py, so no threshold can stop a timed run here.
    gradecli = [sys.executable, "-m", "gradecli", "--quiet", "-y", "match", *map(str, cast),
                "--max-de", "1000"]
    raw_in: dict[Path, list[str]] = {}
    if content_rows:  # raw 4:2:0 copies of the source and of gradecli's graded pictures
        run_timed([*gradecli, "-o", str(lossless / "luts"), "--luts-only"])
        for p in cast:
            lut = sorted((lossless / "luts").glob(p.stem + "*.cube"))[0]  # one shot per clip
            graded = lossless / f"{p.stem}.graded.mkv"
            run_timed([sys.executable, "-m", "gradecli", "--quiet", "-y", "lut", "apply", str(p),
                       str(lut), "-o", str(graded), "--codec", "ffv1", "--pix-fmt", "yuv420p"])
            for src, name in ((p, f"{p.stem}.yuv"), (graded, f"{p.stem}.graded.yuv")):
                run_timed([ff, "-y", "-v", "error", "-i", str(src), "-f", "rawvideo",
                           "-pix_fmt", "yuv420p", str(lossless / name)])
            with av.open(str(p)) as c:
                s = c.streams.video[0]
                raw_in[p] = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s",
                             f"{s.width}x{s.height}", "-r", str(s.average_rate)]
    for _ in range(repeat):
        w, c = run_timed([*gradecli, "-o", str(dst)])
        times["gradecli match"].append(w)
        cpus["gradecli match"].append(c)
        runs = [
            (plain, lambda p: p, lambda p: [], plain_dir),
            (
                lut3d,
                lambda p: p,
                lambda p: ["-vf", f"lut3d=file={sorted(dst.glob(p.stem + '*.cube'))[0]}"
                           ":interp=tetrahedral", "-pix_fmt", "yuv420p"],
                lut_dir,
            ),
        ]
        if content_rows:
            runs += [
                (x_src, lambda p: lossless / f"{p.stem}.yuv", lambda p: [], lossless),
                (x_graded, lambda p: lossless / f"{p.stem}.graded.yuv", lambda p: [], lossless),
            ]
        # Clip by clip, every FFmpeg pipeline in turn: load on a shared machine drifts, and
        # neighbouring runs see about the same.
        sums = {name: [0.0, 0.0] for name, *_ in runs}
        for p in cast:
            for name, source, extra, folder in runs:
                src = source(p)
                fmt = raw_in[p] if src.suffix == ".yuv" else []
                cmd = [ff, "-y", "-v", "error", *fmt, "-i", str(src), *extra(p), *enc,
                       str(folder / f"out_{p.stem}.mp4")]
                w, c = run_timed(cmd)
                sums[name][0] += w
                sums[name][1] += c
        for name, (wall, cpu) in sums.items():
            times[name].append(wall)
            cpus[name].append(cpu)
    base = float(np.median(times[plain]))
    cbase = float(np.median(cpus[plain]))
    rows = [
        [
            k,
            f"{np.median(v):.1f}",
            f"{np.median(v) / base:.2f}x",
            f"{np.median(cpus[k]):.1f}",
            f"{np.median(cpus[k]) / cbase:.2f}x",
            " ".join(f"{x:.1f}" for x in v),
        ]
        for k, v in times.items()
    ]
    print_table(
        f"3. Speed, five 1080p clips, libx264 CRF 18 medium (median of {repeat})",
        ["pipeline", "wall s", "vs re-encode", "CPU s", "CPU vs re-encode", "wall runs"],
        rows,
    )
    if content_rows:
        extra = np.median(cpus["gradecli match"]) - cbase
        content = np.median(cpus[x_graded]) - np.median(cpus[x_src])
        print(
            f"   gradecli match used {extra:.1f} CPU s more than the re-encode; x264 alone needs "
            f"{content:.1f} s more for the graded pictures than for the source ones, so "
            f"{extra - content:.1f} s ({(extra - content) / cbase:.0%} of the re-encode) is "
            "gradecli's own work (analysis, grading, I/O)"
        )
    src = [frames_rgb(p) for p in cast]
    out = [frames_rgb(dst / p.name) for p in cast]
    de0, sw0 = consistency(src)
    de1, sw1 = consistency(out)
    print_table(
        "   rendered outputs (decoded back)",
        ["", "max pairwise dE00", "min SSIM(L*)", "mean sliced W1"],
        [
            ["input", f"{de0:.2f}", "1.000", f"{sw0:.2f}"],
            ["gradecli match", f"{de1:.2f}", f"{min_ssim(src, out):.3f}", f"{sw1:.2f}"],
        ],
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--speed-only", action="store_true", help="only the speed table (3.)")
    ap.add_argument(
        "--no-content-rows",
        action="store_true",
        help="skip the two x264-from-raw rows (what grading costs the encoder by itself)",
    )
    args = ap.parse_args()
    sets = generate(OUT / "article", args.seconds)
    if not args.speed_only:
        methods_table(sets["cast"])
        hero_table(sets["same_scene"], sets["hero"][0])
    if not args.skip_speed:
        speed_table(sets["cast"], args.repeat, not args.no_content_rows)


if __name__ == "__main__":
    main()
