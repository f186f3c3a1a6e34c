"""Helpers shared by the benchmarks: timing, FFmpeg discovery, generated media."""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench_out"
EXAMPLE_CLIP = REPO / "examples" / "clips" / "clip_01_tears_of_steel.mp4"


def need_ffmpeg() -> str:
    """Path of the ffmpeg CLI, or exit with how to install it."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        sys.exit("this benchmark compares against the ffmpeg CLI: apt-get install ffmpeg")
    return exe


def ffmpeg_version() -> str:
    out = subprocess.run([need_ffmpeg(), "-version"], capture_output=True, text=True).stdout
    return out.splitlines()[0] if out else "?"


def run(cmd: list[str]) -> float:
    """Run a command, fail loudly, return its wall time in seconds."""
    return run_timed(cmd)[0]


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_timed(cmd: list[str]) -> tuple[float, float]:
    """Run a command, fail loudly, return (wall s, CPU s of it and its children).

    CPU time is much less sensitive than wall time to other load on a shared machine, so
    benchmarks print both.
    """
    c0 = _children_cpu()
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if res.returncode != 0:
        sys.exit(f"command failed ({res.returncode}): {' '.join(cmd)}\n{res.stderr[-2000:]}")
    return dt, _children_cpu() - c0


def median_time(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def make_1080p_clip(seconds: int, name: str | None = None, preset: str = "veryfast") -> Path:
    """A 1920x1080 24 fps H.264 clip (CRF 18) made from the bundled example clip, looped."""
    OUT.mkdir(exist_ok=True)
    path = OUT / (name or f"src_1080p_{seconds}s.mp4")
    if path.exists():
        return path
    loops = max(0, -(-seconds // 10) - 1)
    run(
        [
            need_ffmpeg(),
            "-y",
            "-v",
            "error",
            "-stream_loop",
            str(loops),
            "-i",
            str(EXAMPLE_CLIP),
            "-t",
            str(seconds),
            "-vf",
            "scale=1920:1080:flags=bicubic",
            "-c:v",
            "libx264",
            "-crf",
            "18",
            "-preset",
            preset,
            "-pix_fmt",
            "yuv420p",
            "-color_range",
            "tv",
            "-colorspace",
            "bt709",
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
            "-an",
            str(path),
        ]
    )
    return path


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (columns padded so it also reads as plain text)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join(
        [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]
    )
