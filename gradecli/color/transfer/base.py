"""The pieces every colour-transfer method shares: the fitted transform and input checks.

A method fits a :class:`LabMap` (a pure function CIELAB -> CIELAB, held as plain parameters) from a
source and a target sample of CIELAB pixels. :class:`ColorTransform` wraps it into what the rest of
gradecli uses: a vectorised function of RGB code values 0..1 in one encoding, blended with the
identity by ``strength`` and brought back into the RGB cube by a smooth, sized
:class:`~gradecli.color.gamut.GamutCompression` instead of hard clipping. Because it is a pure
function of colour it can be baked into a 3D LUT by evaluating it on the grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from gradecli.color.gamut import GamutCompression
from gradecli.color.spaces import get_encoding, rgb_to_lab
from gradecli.errors import BadInputError

__all__ = [
    "LabMap",
    "ColorTransform",
    "as_lab_samples",
    "register_map",
    "map_from_dict",
    "cube_grid",
    "check_strength",
    "DEFAULT_MAX_GAIN",
    "DEFAULT_CHUNK",
]

#: Default limit on how much any method may stretch (or squeeze, 1 / gain) a colour direction.
#: Real casts and looks stay well within 3x; it stops near-constant sources (a black frame, a
#: single colour) from amplifying noise without bound.
DEFAULT_MAX_GAIN = 3.0

#: Pixels per chunk when a transform is applied to a large array (bounds temporary memory to a
#: few hundred MiB whatever the input size, e.g. a 256^3 table of 16.7M colours).
DEFAULT_CHUNK = 1 << 19

#: Points per axis of the RGB grid a transform's gamut compression is sized on.
GAMUT_GRID = 33


@runtime_checkable
class LabMap(Protocol):
    """A fitted colour map in CIELAB, a pure function of colour with plain parameters.

    ``apply_lab`` maps float CIELAB (N, 3) (L* 0..100) to CIELAB (N, 3); the result may lie
    outside any RGB gamut (the caller compresses it). ``to_dict`` returns JSON-able parameters
    from which the class's ``from_dict`` rebuilds an identical map.
    """

    kind: ClassVar[str]

    def apply_lab(self, lab: np.ndarray) -> np.ndarray: ...

    def to_dict(self) -> dict[str, Any]: ...


_MAP_TYPES: dict[str, type] = {}


def register_map(cls: type) -> type:
    """Class decorator: make a :class:`LabMap` type rebuildable by :func:`map_from_dict`."""
    _MAP_TYPES[cls.kind] = cls
    return cls


def map_from_dict(d: dict[str, Any]) -> LabMap:
    """Rebuild a :class:`LabMap` from its ``to_dict()`` (the ``"kind"`` key names the type)."""
    kind = d.get("kind") if isinstance(d, dict) else None
    if kind not in _MAP_TYPES:
        raise BadInputError(
            f"unknown colour map kind {kind!r}; known: {', '.join(sorted(_MAP_TYPES))}"
        )
    try:
        return _MAP_TYPES[kind].from_dict(d)  # type: ignore[attr-defined,no-any-return]
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInputError(f"malformed {kind} colour map parameters: {exc}") from None


def as_lab_samples(lab: Any, name: str) -> np.ndarray:
    """Validate a CIELAB pixel sample: any (..., 3) array -> float64 (N, 3), finite rows only.

    Raises :class:`BadInputError` (naming ``name``) when the shape is wrong or no finite pixel is
    left.
    """
    arr = np.asarray(lab, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[-1] != 3:
        raise BadInputError(f"{name} pixels must be CIELAB shaped (..., 3), got {arr.shape}")
    px = arr.reshape(-1, 3)
    px = px[np.isfinite(px).all(axis=1)]
    if len(px) == 0:
        raise BadInputError(f"{name} pixels: no finite CIELAB pixel to fit from")
    return px


def cube_grid(n: int = GAMUT_GRID) -> np.ndarray:
    """An n x n x n grid over the RGB unit cube as (n**3, 3) float64, red varying slowest."""
    axis = np.linspace(0.0, 1.0, n)
    return np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)


def check_strength(strength: float) -> float:
    """Validate ``strength`` (0..1) and return it as a float; else :class:`BadInputError`."""
    try:
        s = float(strength)
    except (TypeError, ValueError):
        raise BadInputError(f"strength must be a number in 0..1, got {strength!r}") from None
    if not (0.0 <= s <= 1.0):
        raise BadInputError(f"strength must be in 0..1, got {s}")
    return s


@dataclass(frozen=True, eq=False)
class ColorTransform:
    """A fitted colour transform: RGB code values (..., 3) 0..1 -> RGB (..., 3) 0..1.

    Internally: RGB -> CIELAB (of ``encoding``) -> ``lab_map`` -> blend with the identity by
    ``strength`` (0 = identity, 1 = full transfer, linear in CIELAB) -> smooth gamut compression
    (``gamut``) -> RGB. A pure, deterministic function of colour; every parameter is plain data
    (:meth:`to_dict` / :meth:`from_dict`), so the same fit always bakes the same LUT.
    """

    method: str
    lab_map: LabMap
    strength: float = 1.0
    encoding: str = "bt709"
    gamut: GamutCompression | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "strength", check_strength(self.strength))
        object.__setattr__(self, "encoding", get_encoding(self.encoding).name)
        if self.gamut is None:
            object.__setattr__(self, "gamut", self._size_gamut())
        elif self.gamut.encoding != self.encoding:
            raise BadInputError(
                f"gamut compression is for {self.gamut.encoding}, transform for {self.encoding}"
            )

    def _size_gamut(self) -> GamutCompression:
        """Size the gamut compression on the colours this transform gives for an RGB grid."""
        lab = rgb_to_lab(cube_grid(), self.encoding)
        return GamutCompression.fit(self.apply_lab(lab), self.encoding)

    # -- evaluation ---------------------------------------------------------------------------

    def apply_lab(self, lab: np.ndarray) -> np.ndarray:
        """CIELAB (..., 3) -> CIELAB (..., 3): the method's map blended by ``strength``.

        No gamut compression: the result may lie outside the RGB cube.
        """
        lab = np.asarray(lab, dtype=np.float64)
        if lab.shape[-1:] != (3,):
            raise BadInputError(f"expected CIELAB shaped (..., 3), got {lab.shape}")
        flat = lab.reshape(-1, 3)
        if self.strength == 0.0:
            return lab.copy()
        mapped = self.lab_map.apply_lab(flat)
        if self.strength != 1.0:
            mapped = flat + self.strength * (mapped - flat)
        return mapped.reshape(lab.shape)

    def __call__(self, rgb: np.ndarray, *, chunk: int = DEFAULT_CHUNK) -> np.ndarray:
        """RGB code values (..., 3) in 0..1 -> graded RGB (..., 3) in 0..1, float64.

        Any leading shape (a pixel, an image, a LUT grid). Work is done ``chunk`` pixels at a
        time, so temporary memory stays bounded. Raises :class:`BadInputError` for a wrong shape,
        a non-float dtype or non-finite values; values outside 0..1 are clipped first.
        """
        rgb = np.asarray(rgb)
        if rgb.ndim < 1 or rgb.shape[-1] != 3:
            raise BadInputError(f"expected RGB shaped (..., 3), got {rgb.shape}")
        if not np.issubdtype(rgb.dtype, np.floating):
            raise BadInputError(
                f"expected float RGB code values 0..1, got dtype {rgb.dtype} "
                "(divide integer code values by their maximum, e.g. 255)"
            )
        flat = rgb.reshape(-1, 3)
        out = np.empty(flat.shape, dtype=np.float64)
        for start in range(0, len(flat), max(int(chunk), 1)):
            part = np.asarray(flat[start : start + chunk], dtype=np.float64)
            if not np.all(np.isfinite(part)):
                raise BadInputError("RGB input contains NaN or infinite values")
            lab = rgb_to_lab(np.clip(part, 0.0, 1.0), self.encoding)
            out[start : start + chunk] = self.gamut(self.apply_lab(lab))  # type: ignore[misc]
        return out.reshape(rgb.shape)

    # -- serialisation ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able parameters; :meth:`from_dict` rebuilds an identical transform."""
        return {
            "method": self.method,
            "strength": self.strength,
            "encoding": self.encoding,
            "map": self.lab_map.to_dict(),
            "gamut": self.gamut.to_dict(),  # type: ignore[union-attr]
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColorTransform:
        """Rebuild a transform from :meth:`to_dict` output."""
        try:
            return cls(
                method=str(d["method"]),
                lab_map=map_from_dict(d["map"]),
                strength=float(d["strength"]),
                encoding=str(d["encoding"]),
                gamut=GamutCompression.from_dict(d["gamut"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadInputError(f"malformed colour transform parameters: {exc}") from None
