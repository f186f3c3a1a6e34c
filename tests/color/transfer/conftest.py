"""Photos and known casts shared by the colour-transfer tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from skimage import data

from gradecli.color.spaces import rgb_to_lab

ENCODING = "srgb"


def warm(rgb: np.ndarray) -> np.ndarray:
    """A smooth warm cast: per-channel powers (red up, blue down), stays in 0..1."""
    return np.stack([rgb[..., 0] ** 0.85, rgb[..., 1] ** 0.97, rgb[..., 2] ** 1.25], axis=-1)


def cool(rgb: np.ndarray) -> np.ndarray:
    """A smooth cool cast (red down, blue up)."""
    return np.stack([rgb[..., 0] ** 1.25, rgb[..., 1], rgb[..., 2] ** 0.85], axis=-1)


CASTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"warm": warm, "cool": cool}


def _photo(name: str, step: int = 2) -> np.ndarray:
    """A skimage photo as float RGB 0..1, subsampled by ``step`` for speed."""
    img = getattr(data, name)()[::step, ::step, :3]
    return img.astype(np.float64) / 255.0


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return _photo("astronaut")


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    return {n: _photo(n) for n in ("astronaut", "coffee", "chelsea", "rocket")}


@pytest.fixture(scope="session")
def random_rgb() -> np.ndarray:
    """20 000 random colours uniformly over the RGB cube (its surface included in the limit)."""
    rng = np.random.default_rng(7)
    rgb = rng.random((20_000, 3))
    # Put a quarter of them on the surface: the hardest place for an identity to stay exact.
    k = rng.integers(0, 3, 5_000)
    rgb[np.arange(5_000), k] = rng.integers(0, 2, 5_000)
    return rgb


def lab(rgb: np.ndarray) -> np.ndarray:
    return rgb_to_lab(rgb, ENCODING)
