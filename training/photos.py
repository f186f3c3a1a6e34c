"""The training photos: where they are listed (``training/data/manifest.json``), loading them,
and the random crops that training pairs and the export's probe thumbnails are made of.

Shared by :mod:`training.train` and :mod:`training.export`, which do not import each other for
it (export imports only this module and :mod:`training.checkpoint` from the training run).
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from training.model import THUMB

__all__ = ["DATA", "MANIFEST", "load_photos", "random_crop"]

DATA = Path(__file__).resolve().parent / "data"
MANIFEST = DATA / "manifest.json"


def load_photos(manifest: Path = MANIFEST, split: str = "train") -> tuple[list[np.ndarray], list]:
    """The photos of ``split`` as float32 R'G'B' (H, W, 3) 0..1 arrays, and their records."""
    m = json.loads(manifest.read_text(encoding="utf-8"))
    recs = [r for r in m["images"] if r["split"] == split]
    photos = []
    for r in recs:
        im = cv2.imread(str(manifest.parent / r["file"]), cv2.IMREAD_COLOR)
        if im is None:
            raise FileNotFoundError(f"cannot read {manifest.parent / r['file']}")
        photos.append(cv2.cvtColor(im, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0)
    return photos, recs


def random_crop(photo: np.ndarray, rng: np.random.Generator, crop_min: float) -> np.ndarray:
    """A random crop (each side ``crop_min``..1 of the photo's), maybe mirrored, resized by
    area averaging to THUMB x THUMB: float32 (THUMB, THUMB, 3)."""
    h, w = photo.shape[:2]
    ch = max(8, int(round(h * rng.uniform(crop_min, 1.0))))
    cw = max(8, int(round(w * rng.uniform(crop_min, 1.0))))
    y = int(rng.integers(0, h - ch + 1))
    x = int(rng.integers(0, w - cw + 1))
    out = cv2.resize(photo[y : y + ch, x : x + cw], (THUMB, THUMB), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    return np.ascontiguousarray(out)
