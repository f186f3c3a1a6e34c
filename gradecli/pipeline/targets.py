"""The look `match` aims at: a target sample of CIELAB colours, built from the inputs or given.

Spellings (``--target``): ``average`` (default: the Wasserstein barycentre of the clips),
``median`` (robust to one odd clip), ``first``, ``brightest``, ``hero:PATH`` (a clip or still
is the look), ``ref:PATH`` (a still, or a clip's sampled frames, is the look; never rendered),
``stats:FILE.json`` (a hand-written profile). A clip that is not an input is analysed, and its
target built, by :func:`gradecli.pipeline.reference.clip_target`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gradecli.color.barycenter import gaussian_barycenter, geometric_median, map_to_gaussian
from gradecli.color.look_estimate import ShotLook
from gradecli.color.spaces import rgb_to_lab
from gradecli.engine.analysis import thumbnail
from gradecli.errors import BadInputError
from gradecli.io.images import is_image_path, read_image

__all__ = ["TARGET_KINDS", "Target", "build_target", "parse_target", "still_target",
           "target_samples"]

TARGET_KINDS = ("average", "median", "neutral", "first", "brightest", "hero", "ref", "stats")
_MAX_SAMPLES = 60000


@dataclass(frozen=True)
class Target:
    """``lab`` (N, 3): the colours to match; ``hero``: index of the input that is the look
    (left ungraded), if any; ``description`` for reports; ``thumb``: a small picture of the look
    (uint8 R'G'B') when the target is one real clip or still (for ``--method model``);
    ``look``: its estimated look when already known (a clip that is not an input: estimated
    per shot, as the inputs are), else estimated from ``lab`` and ``thumb`` when needed."""

    kind: str
    description: str
    lab: np.ndarray
    hero: int | None = None
    thumb: np.ndarray | None = None
    look: ShotLook | None = None
    #: A clip that is not an input: per shot, its bar-cropped picture and R'G'B' samples
    #: (N, 3) 0..1, for telling which inputs show the same scene (pipeline.scene_looks).
    shots: tuple[tuple[np.ndarray | None, np.ndarray], ...] = ()


def parse_target(spec: str) -> tuple[str, str | None]:
    """Split ``--target`` into (kind, argument); BadInputError for unknown spellings."""
    kind, _, arg = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in TARGET_KINDS:
        raise BadInputError(
            f"unknown --target {spec!r}; use average, median, neutral, first, brightest, "
            "hero:PATH, ref:IMAGE_OR_CLIP or stats:FILE.json"
        )
    if kind in ("hero", "ref", "stats") and not arg:
        raise BadInputError(f"--target {kind}: needs a file, e.g. {kind}:path")
    if kind not in ("hero", "ref", "stats") and arg:
        raise BadInputError(f"--target {kind} takes no argument")
    return kind, arg or None


def _subsample(lab: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    if len(lab) <= n:
        return lab
    idx = np.random.default_rng(seed).choice(len(lab), size=n, replace=False)
    return lab[np.sort(idx)]


def target_samples(lab: np.ndarray) -> np.ndarray:
    """At most 60000 of a target's CIELAB samples (N, 3), evenly at random (seeded)."""
    return _subsample(lab, _MAX_SAMPLES)


def _gaussian_target(clips: list[np.ndarray], mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Each clip's samples moved to the Gaussian (mean, cov), pooled with equal weight."""
    per = max(1, _MAX_SAMPLES // len(clips))
    return np.concatenate([map_to_gaussian(_subsample(c, per), mean, cov) for c in clips])


def _still_lab(rgb: np.ndarray) -> np.ndarray:
    stride = max(1, int(np.ceil(rgb.shape[1] / 320)))
    # Stills are sRGB-encoded, whatever the clips' analysis encoding.
    return rgb_to_lab(rgb[::stride, ::stride].reshape(-1, 3), "srgb")


def still_target(kind: str, path: Path) -> Target:
    """A still as the target look (``kind`` "hero" or "ref"; read once): its CIELAB samples
    and its thumbnail."""
    rgb = read_image(path).rgb
    what = "hero" if kind == "hero" else "reference still"
    return Target(kind, f"{what} {path.name}", target_samples(_still_lab(rgb)), None,
                  thumbnail(rgb, 256))


def _stats_file(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        d = json.loads(path.read_text())
        mean = np.asarray(d["mean"], dtype=np.float64).reshape(3)
        if "cov" in d:
            cov = np.asarray(d["cov"], dtype=np.float64).reshape(3, 3)
        else:
            cov = np.diag(np.asarray(d["std"], dtype=np.float64).reshape(3) ** 2)
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such file") from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BadInputError(
            f'{path}: not a target profile (JSON with "mean": [L, a, b] and "std" or "cov"): {e}'
        ) from None
    if not (np.isfinite(mean).all() and np.isfinite(cov).all()) or np.any(np.diag(cov) < 0):
        raise BadInputError(f"{path}: target profile has invalid numbers")
    return mean, cov


def build_target(
    spec: str,
    clips: list[np.ndarray],
    paths: list[Path],
    *,
    thumbs: list[np.ndarray | None] | None = None,
) -> Target:
    """The target for ``clips`` (each a CIELAB sample (N, 3) of one input, in order of ``paths``).

    ``thumbs`` (per input, optional) give the target's picture where it is an input. A clip
    named by ``hero:`` or ``ref:`` that is not an input is built by
    :func:`gradecli.pipeline.reference.clip_target` instead."""
    pic = thumbs or [None] * len(clips)
    kind, arg = parse_target(spec)
    means = np.array([c.mean(axis=0) for c in clips])
    covs = np.array([np.cov(c, rowvar=False, bias=True) for c in clips])
    if kind == "average":
        mean, cov = gaussian_barycenter(means, covs)
        return Target(
            kind,
            "average of the inputs (Wasserstein barycentre)",
            _gaussian_target(clips, mean, cov),
        )
    if kind == "neutral":  # look matching only: every shot's look removed, none applied
        return Target(kind, "neutral (each shot's look removed)",
                      target_samples(np.concatenate(clips)))
    if kind == "median":
        _, cov = gaussian_barycenter(means, covs)
        mean = geometric_median(means)
        return Target(kind, "median of the inputs", _gaussian_target(clips, mean, cov))
    if kind == "first":
        return Target(
            kind, f"first input ({paths[0].name})", target_samples(clips[0]), 0, pic[0]
        )
    if kind == "brightest":
        i = int(np.argmax(means[:, 0]))
        desc = f"brightest input ({paths[i].name})"
        return Target(kind, desc, target_samples(clips[i]), i, pic[i])
    assert arg is not None
    p = Path(arg)
    if kind == "hero":
        for i, q in enumerate(paths):
            if p.resolve() == q.resolve():
                return Target(
                    kind, f"hero {q.name}", target_samples(clips[i]), i, pic[i]
                )
        if is_image_path(p):
            return still_target(kind, p)
        raise BadInputError(f"{p}: hero clip is not among the inputs")
    if kind == "ref":
        if not is_image_path(p):  # a clip: analysed first (reference.clip_target)
            raise BadInputError(f"{p}: --target ref: here needs a still image (.png, .jpg, "
                                ".tif); a clip's target is built by match_clips")
        return still_target(kind, p)
    mean, cov = _stats_file(p)
    return Target(kind, f"profile {p.name}", _gaussian_target(clips, mean, cov))
