"""Write a before/after contact sheet of clips and their graded versions, to look at a match.

For each input clip, frames at a few points of its duration (top row) above the same frames of
the graded clip of the same name in OUTPUT_DIR (bottom row); one band per clip.

Usage: python scripts/contact_sheet.py OUTPUT_DIR SHEET.png CLIP... [--width 320]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from gradecli.io.images import write_image
from gradecli.io.video import read_frames_at

FRACTIONS = [0.05, 0.35, 0.6, 0.95]


def _row(path: Path, width: int) -> np.ndarray:
    _, frames = read_frames_at(path, FRACTIONS)
    tiles = []
    for _, _, f in frames:
        h = round(f.shape[0] * width / f.shape[1])
        tiles.append(cv2.resize(f, (width, h), interpolation=cv2.INTER_AREA))
    return np.concatenate(tiles, axis=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("graded", type=Path, help="folder of graded clips (match's -o)")
    ap.add_argument("sheet", type=Path, help="PNG to write")
    ap.add_argument("clips", type=Path, nargs="+", help="the input clips")
    ap.add_argument("--width", type=int, default=320, help="width of one frame, pixels")
    args = ap.parse_args(argv)
    bands = []
    for clip in args.clips:
        before, after = _row(clip, args.width), _row(args.graded / clip.name, args.width)
        gap = np.ones((4, before.shape[1], 3), np.float32)
        bands += [before, after, gap]
    write_image(args.sheet, np.clip(np.concatenate(bands[:-1], axis=0), 0.0, 1.0))
    print(f"wrote {args.sheet} (per clip: before above, after below)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
