"""Small photos and CIELAB statistics for the tests of looks (grade model, library, prompts).

The photos are the stills in examples/stills plus scikit-image's motorcycle, downscaled to about
128 px on the long side. Statistics are in float CIELAB D65 (gradecli.color.spaces).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from gradecli.color.spaces import rgb_to_lab
from gradecli.io.images import read_image

STILLS = Path(__file__).resolve().parents[1] / "examples" / "stills"
LONG_SIDE = 128


def _downscale(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = LONG_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.clip(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), 0.0, 1.0)


@lru_cache(maxsize=1)
def photos() -> dict[str, np.ndarray]:
    """name -> float64 R'G'B' (H, W, 3) 0..1, sRGB; read-only arrays."""
    out: dict[str, np.ndarray] = {}
    for path in sorted(STILLS.glob("*")):
        if path.suffix.lower() in (".png", ".jpg"):
            out[path.stem] = _downscale(read_image(path).rgb)
    try:
        from skimage import data

        left = data.stereo_motorcycle()[0]
        out["motorcycle"] = _downscale(left.astype(np.float64) / 255.0)
    except Exception:  # optional extra photo: scikit-image data may be missing
        pass
    for v in out.values():
        v.setflags(write=False)
    return out


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (N, 3) of R'G'B' (..., 3)."""
    return rgb_to_lab(rgb).reshape(-1, 3)


def chroma(lab_px: np.ndarray) -> np.ndarray:
    return np.hypot(lab_px[:, 1], lab_px[:, 2])


def hue(lab_px: np.ndarray) -> np.ndarray:
    """CIELAB hue angle, degrees 0..360."""
    return np.degrees(np.arctan2(lab_px[:, 2], lab_px[:, 1])) % 360


def hue_distance(h: np.ndarray, center: float) -> np.ndarray:
    """Absolute hue difference in degrees, 0..180."""
    return np.abs((h - center + 180.0) % 360.0 - 180.0)


def spread(lab_px: np.ndarray) -> float:
    """L* p95 - p5."""
    p5, p95 = np.percentile(lab_px[:, 0], [5, 95])
    return float(p95 - p5)


def circular_hue(lab_px: np.ndarray, min_chroma: float = 2.0) -> tuple[float, float]:
    """Chroma-weighted circular mean hue (degrees) and resultant length 0..1 of chromatic pixels."""
    c = chroma(lab_px)
    keep = c > min_chroma
    if not np.any(keep):
        return float("nan"), 0.0
    h = np.radians(hue(lab_px[keep]))
    w = c[keep]
    x, y = np.sum(w * np.cos(h)), np.sum(w * np.sin(h))
    return float(np.degrees(np.arctan2(y, x)) % 360), float(np.hypot(x, y) / np.sum(w))
