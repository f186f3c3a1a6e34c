"""Read and write Hald CLUT images (PNG): a 3D LUT stored as a picture of its own table.

A Hald CLUT of level ``L`` is an ``L**3 x L**3`` RGB image holding a 3D table of size
``N = L**2``: pixel number ``r + g*N + b*N*N`` in row-major order (red fastest, then green, then
blue) holds ``table[r, g, b]``; the identity has value ``i / (N - 1)`` at index ``i`` of each axis.
Its input domain is the unit cube and its outputs are 0..1 code values, 8 or 16 bits.

Writing (16-bit PNG by default, 8-bit on request) uses level ``round(sqrt(size))`` (the level
whose size ``L**2`` is nearest to the LUT's 3D size, within 2..16) unless ``level`` is given.
When the LUT is a plain 3D table on the unit cube of exactly that size, its table is stored as is;
otherwise (another size, a shaper, another domain, a 1D-only LUT) the LUT is evaluated on the
Hald grid with :meth:`Lut.apply` (tetrahedral unless told otherwise). So 33 becomes level 6 (36),
17 becomes level 4 (16), 65 becomes level 8 (64). Outputs are clipped to 0..1, since an image
cannot hold more. Files are written atomically with OpenCV (which stores BGR; converted here).

Reading accepts 8- and 16-bit RGB or RGBA images (alpha ignored) that are square with a side of
``L**3`` for a level 2..16, and raises :class:`LutError` naming the file otherwise. A PNG's size
is checked from its IHDR header before it is decoded, so a large (or corrupt, huge) image is
refused without being decoded.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import cv2
import numpy as np

from gradecli.color.lut import DEFAULT_DOMAIN, Lut
from gradecli.errors import BadInputError, LutError
from gradecli.io.files import read_bytes, write_atomic

__all__ = [
    "MAX_LEVEL",
    "MIN_LEVEL",
    "hald_image_to_lut",
    "hald_level_for_size",
    "lut_to_hald_image",
    "read_hald",
    "write_hald",
]

MIN_LEVEL = 2
MAX_LEVEL = 16  # size 256, a 4096 x 4096 image


def hald_level_for_size(size: int) -> int:
    """The Hald level whose 3D size ``L**2`` is nearest to ``size``: round(sqrt(size)), 2..16."""
    return int(min(MAX_LEVEL, max(MIN_LEVEL, round(float(np.sqrt(size))))))


def _check_level(level: object) -> int:
    if isinstance(level, bool) or not isinstance(level, (int, np.integer)):
        raise BadInputError(f"Hald level must be an integer, got {level!r}")
    if not MIN_LEVEL <= int(level) <= MAX_LEVEL:
        raise BadInputError(f"Hald level must be in {MIN_LEVEL}..{MAX_LEVEL}, got {level}")
    return int(level)


def lut_to_hald_image(
    lut: Lut, level: int | None = None, bits: int = 16, interpolation: str = "tetrahedral"
) -> np.ndarray:
    """The Hald CLUT image of ``lut``: RGB (L**3, L**3, 3), uint16 for ``bits=16``, uint8 for 8."""
    if not isinstance(lut, Lut):
        raise BadInputError(f"can only write a Lut, got {type(lut).__name__}")
    if bits not in (8, 16):
        raise BadInputError(f"Hald CLUT bits must be 8 or 16, got {bits!r}")
    if level is None:
        level = hald_level_for_size(lut.size if lut.size is not None else 33)
    level = _check_level(level)
    n = level * level
    if lut.size == n and lut.shaper is None and np.array_equal(lut.domain, DEFAULT_DOMAIN):
        table = lut.table
    else:
        axis = np.linspace(0.0, 1.0, n)
        grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1)
        table = lut.apply(grid, interpolation)
    top = (1 << bits) - 1
    q = np.floor(np.clip(table, 0.0, 1.0) * top + 0.5)  # type: ignore[arg-type]
    q = q.astype(np.uint16 if bits == 16 else np.uint8)
    side = level**3
    return np.ascontiguousarray(q.transpose(2, 1, 0, 3)).reshape(side, side, 3)


def _level_of_size(w: int, h: int, name: str) -> int:
    """The Hald level of a ``w`` x ``h`` image; LutError naming ``name`` if it is not one."""
    if h != w:
        raise LutError(f"{name}: a Hald CLUT is square, this image is {w}x{h}")
    level = round(w ** (1.0 / 3.0))
    if level**3 != w or not MIN_LEVEL <= level <= MAX_LEVEL:
        sides = ", ".join(str(k**3) for k in range(MIN_LEVEL, MAX_LEVEL + 1))
        raise LutError(f"{name}: {w}x{h} is not a Hald CLUT size (square of side {sides})")
    return level


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the IHDR chunk of PNG ``data``, or None if it does not start so."""
    if len(data) >= 24 and data[:8] == _PNG_SIGNATURE and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    return None


def hald_image_to_lut(image: np.ndarray, name: str = "<image>", title: str = "") -> Lut:
    """The LUT of a Hald CLUT RGB image (uint8 or uint16, (L**3, L**3, 3)); errors name ``name``."""
    img = np.asarray(image)
    if img.dtype not in (np.uint8, np.uint16):
        raise LutError(f"{name}: a Hald CLUT must be 8 or 16 bits per channel, got {img.dtype}")
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise LutError(f"{name}: a Hald CLUT must be an RGB image, got shape {img.shape}")
    h, w = img.shape[:2]
    n = _level_of_size(w, h, name) ** 2
    top = 255.0 if img.dtype == np.uint8 else 65535.0
    rgb = img[..., :3].reshape(n, n, n, 3).transpose(2, 1, 0, 3) / top  # [b, g, r] -> [r, g, b]
    return Lut(rgb, title=title)


def read_hald(path: str | os.PathLike[str]) -> Lut:
    """Read a Hald CLUT image file (PNG, or any 8/16-bit RGB format OpenCV decodes)."""
    p = Path(path)
    data = read_bytes(p, LutError)
    if not data:
        raise LutError(f"{p}: empty file")
    size = _png_size(data)
    if size is not None:  # before decoding: OpenCV would allocate the whole (claimed) image
        _level_of_size(*size, str(p))
    try:
        bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error as e:  # e.g. a header claiming more pixels than OpenCV accepts
        detail = getattr(e, "err", "") or str(e).strip().splitlines()[-1]
        raise LutError(f"{p}: not a readable image (OpenCV: {detail})") from None
    if bgr is None:
        raise LutError(f"{p}: not a readable image")
    if bgr.ndim == 3 and bgr.shape[2] == 4:
        bgr = bgr[..., :3]
    if bgr.ndim == 3 and bgr.shape[2] == 3:
        bgr = bgr[..., ::-1]
    return hald_image_to_lut(bgr, str(p))


def write_hald(
    lut: Lut,
    path: str | os.PathLike[str],
    level: int | None = None,
    bits: int = 16,
    interpolation: str = "tetrahedral",
) -> None:
    """Write ``lut`` as a Hald CLUT PNG (16-bit by default), atomically (see the module doc)."""
    rgb = lut_to_hald_image(lut, level, bits, interpolation)
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))
    if not ok:
        raise LutError(f"{path}: OpenCV could not encode the Hald CLUT as PNG")
    write_atomic(path, buf.tobytes())
