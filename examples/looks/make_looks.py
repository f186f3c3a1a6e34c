"""Rebuild the example looks in this folder: python examples/looks/make_looks.py

Each look is a smooth function on R'G'B' code values 0..1, baked into a 33^3 .cube.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gradecli.color.lut import Lut
from gradecli.io.luts import write_lut

HERE = Path(__file__).resolve().parent


def _luma(x: np.ndarray) -> np.ndarray:
    return (x @ np.array([0.2126, 0.7152, 0.0722]))[..., None]


def _soft_s(x: np.ndarray, amount: float) -> np.ndarray:
    """A contrast S-curve around 0.5 that keeps 0 and 1 fixed."""
    return x + amount * x * (1 - x) * (2 * x - 1)


def warm_summer_evening(x: np.ndarray) -> np.ndarray:
    x = x * np.array([1.07, 1.01, 0.88]) + np.array([0.015, 0.01, 0.0])  # warm, lifted blacks
    x = _soft_s(np.clip(x, 0, 1), -0.25)  # softer contrast
    y = _luma(x)
    return np.clip(y + 1.08 * (x - y), 0, 1)


def teal_orange(x: np.ndarray) -> np.ndarray:
    y = _luma(x)
    shadows = np.clip(1 - 2 * y, 0, 1)
    highs = np.clip(2 * y - 1, 0, 1)
    x = x + shadows * np.array([-0.04, 0.01, 0.05]) + highs * np.array([0.05, 0.01, -0.05])
    return np.clip(_soft_s(np.clip(x, 0, 1), 0.3), 0, 1)


def bleach_bypass(x: np.ndarray) -> np.ndarray:
    y = _luma(x)
    x = y + 0.45 * (x - y)
    return np.clip(_soft_s(np.clip(x, 0, 1), 0.6), 0, 1)


def cool_night(x: np.ndarray) -> np.ndarray:
    x = x * np.array([0.86, 0.95, 1.08]) * 0.85
    y = _luma(x)
    return np.clip(y + 0.8 * (x - y), 0, 1)


LOOKS = {
    "warm_summer_evening": warm_summer_evening,
    "teal_orange": teal_orange,
    "bleach_bypass": bleach_bypass,
    "cool_night": cool_night,
}


def main() -> None:
    for name, fn in LOOKS.items():
        lut = Lut.from_function(fn, size=33)
        lut = Lut(
            table=lut.table,
            domain=lut.domain,
            title=name.replace("_", " "),
            comments=("gradecli example look; rebuild with examples/looks/make_looks.py",),
        )
        write_lut(lut, HERE / f"{name}.cube")
        print(f"wrote {name}.cube")


if __name__ == "__main__":
    main()
