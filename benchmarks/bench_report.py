"""What the HTML report adds to `match`: the bundled clips matched with and without `--report`.

Runs `gradecli match examples/clips/*.mp4` (h264, default options) alternately without and with
`--report report.html`, ``--repeat`` times each, and prints the median wall times, the share the
report adds (goal: under 10%), and the report's size.

Run: python benchmarks/bench_report.py [--repeat 3]  (needs the report extra: matplotlib)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from _common import markdown_table  # noqa: E402

CLIPS = sorted((REPO / "examples" / "clips").glob("*.mp4"))


def _run(out: Path, report: Path | None) -> float:
    cmd = [sys.executable, "-m", "gradecli", "-q", "-y", "match", *map(str, CLIPS), "-o",
           str(out), "--max-de", "1000"]
    if report is not None:
        cmd += ["--report", str(report)]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    plain, with_report = [], []
    with tempfile.TemporaryDirectory(prefix="bench_report_") as d:
        out, report = Path(d) / "m", Path(d) / "report.html"
        for _ in range(args.repeat):  # alternate, so machine noise falls on both alike
            plain.append(_run(out, None))
            with_report.append(_run(out, report))
        size = report.stat().st_size
    a, b = statistics.median(plain), statistics.median(with_report)
    print(f"gradecli match of the {len(CLIPS)} bundled clips (median of {args.repeat})\n")
    print(markdown_table(
        ["run", "wall s (median)", "runs", "vs plain match"],
        [["match", f"{a:.2f}", " ".join(f"{x:.1f}" for x in plain), "1.00x"],
         ["match --report report.html", f"{b:.2f}", " ".join(f"{x:.1f}" for x in with_report),
          f"{b / a:.2f}x"]],
    ))
    share = (b - a) / a
    print(f"\nthe report adds {100 * share:+.1f}% (goal: under 10%): "
          f"{'PASS' if share < 0.10 else 'FAIL'}; report size {size / 1e6:.2f} MB (goal < 5 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
