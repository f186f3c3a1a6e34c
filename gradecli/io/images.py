"""Still images: read to float R'G'B' 0..1 and write back at the source's bit depth (OpenCV).

8- and 16-bit PNG/TIFF, JPEG, WebP, BMP. Grayscale images are read as R'G'B' with equal channels;
an alpha channel is kept aside and written back untouched. Colour is treated as sRGB-encoded,
which is what untagged stills are by convention.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from gradecli.errors import BadInputError, ImageError
from gradecli.io.files import check_readable, write_atomic

__all__ = ["IMAGE_EXTENSIONS", "Image", "is_image_path", "read_image", "write_image"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")


def is_image_path(path: str | os.PathLike) -> bool:
    """True when the file name has a still image's extension."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


@dataclass
class Image:
    """A still: ``rgb`` float64 (H, W, 3) 0..1, optional ``alpha`` in the source's integer type,
    the source bit depth (8 or 16) and whether it was grayscale."""

    rgb: np.ndarray
    alpha: np.ndarray | None
    bit_depth: int
    grayscale: bool = False


def read_image(path: str | os.PathLike) -> Image:
    """Read a still. Raises BadInputError/ImageError naming the file and the problem."""
    path = check_readable(path, "image")
    data = np.fromfile(path, dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if img is None:
        raise ImageError(f"{path}: not a readable image (empty, truncated or unknown format)")
    if img.dtype == np.uint8:
        depth, scale = 8, 255.0
    elif img.dtype == np.uint16:
        depth, scale = 16, 65535.0
    elif img.dtype == np.float32:
        depth, scale = 32, 1.0
    else:
        raise ImageError(f"{path}: unsupported sample type {img.dtype}")
    alpha = None
    gray = False
    if img.ndim == 2:
        gray = True
        rgb = np.repeat(img[..., None], 3, axis=2)
    elif img.shape[2] == 2:  # gray + alpha
        gray = True
        alpha = img[..., 1].copy()
        rgb = np.repeat(img[..., :1], 3, axis=2)
    elif img.shape[2] == 4:
        alpha = img[..., 3].copy()
        rgb = cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
    elif img.shape[2] == 3:
        rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    else:
        raise ImageError(f"{path}: unsupported channel count {img.shape[2]}")
    if min(rgb.shape[:2]) < 1:
        raise ImageError(f"{path}: image has no pixels")
    out = rgb.astype(np.float64) / scale
    if not np.isfinite(out).all():
        raise ImageError(f"{path}: image contains NaN or infinite values")
    return Image(np.clip(out, 0, 1) if depth == 32 else out, alpha, min(depth, 16), gray)


def write_image(
    path: str | os.PathLike, rgb: np.ndarray, *, bit_depth: int = 8, alpha: np.ndarray | None = None
) -> None:
    """Write float R'G'B' 0..1 (H, W, 3) as an image, atomically (temp file, then rename).

    ``bit_depth`` 16 is honoured for PNG and TIFF; JPEG and WebP are 8-bit.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in IMAGE_EXTENSIONS:
        raise BadInputError(f"{path}: unknown image extension; use {', '.join(IMAGE_EXTENSIONS)}")
    if not path.parent.is_dir():
        raise BadInputError(f"{path}: output folder {path.parent} does not exist")
    if ext not in (".png", ".tif", ".tiff"):
        bit_depth = 8
    dtype, scale = (np.uint16, 65535.0) if bit_depth == 16 else (np.uint8, 255.0)
    codes = np.clip(np.rint(np.asarray(rgb, dtype=np.float64) * scale), 0, scale).astype(dtype)
    bgr = cv2.cvtColor(codes, cv2.COLOR_RGB2BGR)
    if alpha is not None and ext in (".png", ".tif", ".tiff", ".webp"):
        a = alpha.astype(np.float64) / np.iinfo(alpha.dtype).max * scale
        bgr = np.dstack([bgr, np.rint(a).astype(dtype)])
    ok, buf = cv2.imencode(ext, bgr)
    if not ok:
        raise ImageError(f"{path}: could not encode image")
    write_atomic(path, buf.tobytes())


def write_mask(path: str | os.PathLike, mask: np.ndarray, *, bit_depth: int = 8) -> None:
    """Write a soft mask (H, W) 0..1 as a grey PNG (8- or 16-bit), atomically."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise BadInputError(f"{path}: masks are written as .png")
    scale, dtype = (65535.0, np.uint16) if bit_depth == 16 else (255.0, np.uint8)
    codes = np.clip(np.rint(np.asarray(mask, np.float64) * scale), 0, scale).astype(dtype)
    ok, buf = cv2.imencode(".png", codes)
    if not ok:
        raise ImageError(f"{path}: could not encode the mask")
    write_atomic(path, buf.tobytes())
