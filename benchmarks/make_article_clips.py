"""Generate the article's scenario: five 1080p24 clips of 6 s from different photos, each with a
different colour cast (warm, cool, crushed contrast, green, magenta), their uncast versions, and
five casts of one photo (for `--target hero:`). Seeded and reproducible.

Run: python benchmarks/make_article_clips.py [--seconds 6] [--out bench_out/article]
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import skimage.data

from gradecli.color.ycbcr import YCbCrSpec
from gradecli.io.video import new_frame, plane_layout

REPO = Path(__file__).resolve().parents[1]
SPEC = YCbCrSpec("bt709", False, 8)
LAYOUT = plane_layout("yuv420p")
_A = (np.diag([219.0, 224.0, 224.0]) @ SPEC.from_rgb_matrix()).astype(np.float32)
_B = np.array([16.0, 128.0, 128.0], np.float32)


def _luma(x: np.ndarray) -> np.ndarray:
    return (x @ np.array([0.2126, 0.7152, 0.0722]))[..., None]


CASTS = {
    "warm": lambda x: np.clip(x * np.array([1.12, 1.02, 0.82]) + [0.02, 0.0, -0.01], 0, 1),
    "cool": lambda x: np.clip(x * np.array([0.84, 0.98, 1.14]) + [0.0, 0.01, 0.03], 0, 1),
    "crushed": lambda x: np.clip((x - 0.10) / 0.82, 0, 1) ** 1.25,
    "green": lambda x: np.clip(x * np.array([0.9, 1.12, 0.88]) + np.array([0.0, 0.02, 0.0]), 0, 1),
    "magenta": lambda x: np.clip(x * np.array([1.1, 0.86, 1.08]), 0, 1),
}


def photos() -> dict[str, np.ndarray]:
    """Five different natural photos as float RGB 0..1."""
    out = {
        "astronaut": skimage.data.astronaut(),
        "coffee": skimage.data.coffee(),
        "chelsea": skimage.data.chelsea(),
        "rocket": skimage.data.rocket(),
    }
    with av.open(str(REPO / "examples" / "clips" / "clip_02_caminandes.mp4")) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i == 60:
                out["caminandes"] = f.to_ndarray(format="rgb24")
                break
    return {k: v.astype(np.float64) / 255.0 for k, v in out.items()}


def ken_burns(photo: np.ndarray, t: float, seed: int, size=(1920, 1080)) -> np.ndarray:
    """A slow seeded zoom and pan over ``photo`` at time fraction t (0..1), at ``size``."""
    rng = np.random.default_rng(seed)
    w, h = size
    ph, pw = photo.shape[:2]
    base = max(w / pw, h / ph)
    z0, z1 = rng.uniform(1.0, 1.15), rng.uniform(1.15, 1.35)
    zoom = base * (z0 + (z1 - z0) * t)
    cx = pw / 2 + rng.uniform(-0.1, 0.1) * pw * t
    cy = ph / 2 + rng.uniform(-0.1, 0.1) * ph * t
    m = np.array([[zoom, 0, w / 2 - zoom * cx], [0, zoom, h / 2 - zoom * cy]])
    return cv2.warpAffine(
        photo.astype(np.float32), m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
    )


def write_clip(path: Path, frames_fn, n: int, size=(1920, 1080)) -> None:
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = size[0], size[1], "yuv420p"
        s.options = {"crf": "16", "preset": "veryfast"}
        s.codec_context.colorspace = 1  # bt709
        s.codec_context.color_range = 1
        for i in range(n):
            # BT.709 limited-range Y'CbCr, 4:2:0 by 2x2 averaging (OpenCV for speed).
            codes = cv2.transform(np.asarray(frames_fn(i), np.float32), _A) + _B
            y = np.clip(np.rint(codes[..., 0]), 0, 255).astype(np.uint8)
            uv = cv2.resize(
                codes[..., 1:], (size[0] // 2, size[1] // 2), interpolation=cv2.INTER_AREA
            )
            uv = np.clip(np.rint(uv), 0, 255).astype(np.uint8)
            f = new_frame([y, uv[..., 0], uv[..., 1]], LAYOUT, size[0], size[1])
            f.pts, f.time_base = i, Fraction(1, 24)
            for p in s.encode(f):
                out.mux(p)
        for p in s.encode(None):
            out.mux(p)


def generate(out: Path, seconds: float = 6.0) -> dict[str, list[Path]]:
    """Write the clips (skipping existing ones); return {"cast": [...], "clean": [...],
    "same_scene": [...], "hero": [path]}."""
    out.mkdir(parents=True, exist_ok=True)
    n = int(round(seconds * 24))
    pics = photos()
    sets: dict[str, list[Path]] = {"cast": [], "clean": [], "same_scene": [], "hero": []}
    for k, ((name, photo), (cast, fn)) in enumerate(zip(pics.items(), CASTS.items(), strict=True)):
        clean = out / f"clean_{k}_{name}.mp4"
        casted = out / f"cast_{k}_{name}_{cast}.mp4"
        if not clean.exists():
            write_clip(clean, lambda i, p=photo, s=k: ken_burns(p, i / n, s), n)
        if not casted.exists():
            write_clip(casted, lambda i, p=photo, s=k, f=fn: f(ken_burns(p, i / n, s)), n)
        sets["clean"].append(clean)
        sets["cast"].append(casted)
    hero_photo = pics["astronaut"]
    sets["hero"].append(sets["clean"][0])
    for cast, fn in CASTS.items():
        p = out / f"same_astronaut_{cast}.mp4"
        if not p.exists():
            write_clip(p, lambda i, f=fn: f(ken_burns(hero_photo, i / n, 0)), n)
        sets["same_scene"].append(p)
    return sets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--out", type=Path, default=REPO / "bench_out" / "article")
    args = ap.parse_args()
    for k, v in generate(args.out, args.seconds).items():
        print(k, *[p.name for p in v])


if __name__ == "__main__":
    main()
