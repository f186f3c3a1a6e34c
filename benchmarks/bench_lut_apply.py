"""LUT application speed and memory against FFmpeg, measured in one run on this machine.

1. Kernel: one 1920x1080 8-bit frame through a 33^3 LUT — gradecli's exact 8-bit RGB table and
   its Y'CbCr table kernel against FFmpeg's lut3d filter (tetrahedral, run through PyAV's bundled
   libavfilter on the same rgb24 frame).
2. End to end: `gradecli lut apply` of a 1080p clip against
   `ffmpeg -vf lut3d=...:interp=tetrahedral -pix_fmt yuv420p` and a plain FFmpeg re-encode (the
   floor), all libx264 CRF 18 preset medium.
3. Peak memory of `gradecli lut apply` for a 10 s and a 60 s 1080p clip.

Run: python benchmarks/bench_lut_apply.py [--repeat 3] [--seconds 5]
Needs the ffmpeg CLI (apt-get install ffmpeg). Media is generated into bench_out/.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
from fractions import Fraction

import av
import cv2
import numpy as np
from _common import (
    EXAMPLE_CLIP,
    OUT,
    ffmpeg_version,
    make_1080p_clip,
    median_time,
    need_ffmpeg,
    print_table,
    run_timed,
)

from gradecli.color.lut import Lut, apply_u8, build_table_u8
from gradecli.color.ycbcr import YCbCrSpec, rgb_to_ycbcr
from gradecli.engine.kernels import Yuv8TableKernel
from gradecli.io.luts import write_lut
from gradecli.io.video import plane_layout


def bench_look(rgb: np.ndarray) -> np.ndarray:
    """A smooth, non-trivial look: warm balance, S-curve, a little extra saturation."""
    x = np.clip(rgb * np.array([1.06, 1.0, 0.9]), 0, 1)
    x = x + 0.25 * x * (1 - x) * (2 * x - 1) * -1.0
    y = x.mean(axis=-1, keepdims=True)
    return np.clip(y + 1.15 * (x - y), 0, 1)


def test_frame() -> np.ndarray:
    cap = cv2.VideoCapture(str(EXAMPLE_CLIP))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 60)
    ok, bgr = cap.read()
    if not ok:
        sys.exit(f"cannot read {EXAMPLE_CLIP}")
    bgr = cv2.resize(bgr, (1920, 1080), interpolation=cv2.INTER_CUBIC)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def ffmpeg_lut3d_filter_time(frame: np.ndarray, cube: str, repeat: int) -> float:
    graph = av.filter.Graph()
    src = graph.add_buffer(width=1920, height=1080, format="rgb24", time_base=Fraction(1, 24))
    lut = graph.add("lut3d", f"file={cube}:interp=tetrahedral")
    sink = graph.add("buffersink")
    src.link_to(lut)
    lut.link_to(sink)
    graph.configure()
    vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
    pts = [0]

    def once() -> None:
        vf.pts = pts[0]
        pts[0] += 1
        graph.push(vf)
        graph.pull()

    return median_time(once, repeat=repeat * 4, warmup=2)


def kernel_rows(lut: Lut, cube: str, repeat: int) -> list[list[str]]:
    frame = test_frame()
    table = build_table_u8(lut)
    t_table = median_time(lambda: build_table_u8(lut), repeat=1, warmup=0)
    t_ours = median_time(lambda: apply_u8(frame, table), repeat=repeat * 4)
    spec = YCbCrSpec("bt709", False, 8)
    codes = rgb_to_ycbcr(frame / 255.0, spec)
    planes = [
        codes[..., 0].astype(np.uint8),
        codes[::2, ::2, 1].astype(np.uint8),
        codes[::2, ::2, 2].astype(np.uint8),
    ]
    kernel = Yuv8TableKernel(lut.apply, spec, spec, plane_layout("yuv420p"))
    kernel.process(planes)
    t_yuv = median_time(lambda: kernel.process(planes), repeat=repeat * 4)
    t_ff = ffmpeg_lut3d_filter_time(frame, cube, repeat)
    return [
        ["FFmpeg lut3d filter (tetrahedral, rgb24)", f"{t_ff * 1e3:.1f}", "1.00x"],
        ["gradecli exact 8-bit RGB table", f"{t_ours * 1e3:.1f}", f"{t_ff / t_ours:.2f}x"],
        ["gradecli exact Y'CbCr 4:2:0 table", f"{t_yuv * 1e3:.1f}", f"{t_ff / t_yuv:.2f}x"],
        [f"(build of the 256^3 RGB table, once per LUT: {t_table:.2f} s)", "", ""],
    ]


def gradecli_cmd(src: str, cube: str, dst: str) -> list[str]:
    return [sys.executable, "-m", "gradecli", "--quiet", "-y", "lut", "apply", src, cube, "-o", dst]


def end_to_end_rows(src: str, cube: str, repeat: int) -> list[list[str]]:
    ff = need_ffmpeg()
    enc = ["-c:v", "libx264", "-crf", "18", "-preset", "medium"]
    cmds = {
        "ffmpeg re-encode (floor)": [
            ff,
            "-y",
            "-v",
            "error",
            "-i",
            src,
            *enc,
            "-c:a",
            "copy",
            str(OUT / "e2e_plain.mp4"),
        ],
        "ffmpeg lut3d tetrahedral": [
            ff,
            "-y",
            "-v",
            "error",
            "-i",
            src,
            "-vf",
            f"lut3d=file={cube}:interp=tetrahedral",
            "-pix_fmt",
            "yuv420p",
            *enc,
            "-c:a",
            "copy",
            str(OUT / "e2e_ff.mp4"),
        ],
        "gradecli lut apply": gradecli_cmd(src, cube, str(OUT / "e2e_gradecli.mp4")),
    }
    times: dict[str, list[float]] = {k: [] for k in cmds}
    cpus: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(repeat):  # interleaved, so drifting machine load hits all alike
        for name, cmd in cmds.items():
            wall, cpu = run_timed(cmd)
            times[name].append(wall)
            cpus[name].append(cpu)
    med = {k: float(np.median(v)) for k, v in times.items()}
    cpu_med = {k: float(np.median(v)) for k, v in cpus.items()}
    plain, fflut = med["ffmpeg re-encode (floor)"], med["ffmpeg lut3d tetrahedral"]
    cplain, cfflut = cpu_med["ffmpeg re-encode (floor)"], cpu_med["ffmpeg lut3d tetrahedral"]
    return [
        [
            name,
            f"{t:.2f}",
            f"{t / fflut:.2f}x",
            f"{t / plain:.2f}x",
            f"{cpu_med[name]:.1f}",
            f"{cpu_med[name] / cfflut:.2f}x",
            f"{cpu_med[name] / cplain:.2f}x",
            " ".join(f"{x:.2f}" for x in times[name]),
        ]
        for name, t in med.items()
    ]


def peak_rss_mib(cmd: list[str]) -> float:
    code = (
        "import resource, subprocess, sys; "
        f"r = subprocess.run({cmd!r}, capture_output=True); "
        "sys.exit(r.returncode) if r.returncode else None; "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5, help="length of the end-to-end clip")
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    need_ffmpeg()
    OUT.mkdir(exist_ok=True)
    lut = Lut.from_function(bench_look, size=33)
    cube = str(OUT / "bench_look.cube")
    write_lut(lut, cube)
    print(f"machine: {resource.getpagesize()} B pages; {ffmpeg_version()}; PyAV {av.__version__}")

    print_table(
        "1. LUT kernel, one 1920x1080 8-bit frame, 33^3 LUT (median)",
        ["kernel", "ms/frame", "speed vs FFmpeg"],
        kernel_rows(lut, cube, args.repeat),
    )

    src = str(make_1080p_clip(args.seconds))
    print_table(
        f"2. End to end, {args.seconds} s 1080p24 H.264 -> libx264 CRF 18 medium "
        f"(median of {args.repeat}, wall s)",
        ["pipeline", "wall s", "vs ffmpeg lut3d", "vs re-encode", "CPU s", "CPU vs lut3d",
         "CPU vs re-encode", "wall runs"],
        end_to_end_rows(src, cube, args.repeat),
    )
    if not args.skip_memory:
        rows = []
        for secs in (10, 60):
            clip = str(make_1080p_clip(secs, preset="ultrafast"))
            rss = peak_rss_mib(gradecli_cmd(clip, cube, str(OUT / f"mem_{secs}.mp4")))
            rows.append([f"{secs} s 1080p", f"{rss:.0f}"])
        ratio = float(rows[1][1]) / float(rows[0][1])
        rows.append(["60 s / 10 s", f"{ratio:.3f}"])
        print_table("3. Peak memory of gradecli lut apply (max RSS, MiB)", ["clip", "MiB"], rows)


if __name__ == "__main__":
    main()
