"""Statistics of CIELAB pixel sets: what `verify` compares and what `match` transfers.

Input is float CIELAB shaped (..., 3) with L* 0..100. Results are plain data (dataclasses of
floats and lists) so they can be saved to JSON and combined across frames.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["PERCENTILES", "LabStats", "lab_stats", "pool_lab_stats"]

#: Percentiles of each channel that a :class:`LabStats` keeps, in percent.
PERCENTILES: tuple[float, ...] = (1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0)


@dataclass(frozen=True)
class LabStats:
    """Statistics of a set of CIELAB pixels.

    ``mean`` and ``std`` are per channel (L*, a*, b*); ``cov`` is the 3x3 covariance;
    ``percentiles[i]`` holds the channel values at :data:`PERCENTILES` ``[i]``;
    ``count`` is the number of pixels that went in.
    """

    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    cov: tuple[tuple[float, ...], ...]
    percentiles: tuple[tuple[float, float, float], ...]
    count: int
    percentile_levels: tuple[float, ...] = field(default=PERCENTILES)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> LabStats:
        return cls(
            mean=tuple(d["mean"]),
            std=tuple(d["std"]),
            cov=tuple(tuple(r) for r in d["cov"]),
            percentiles=tuple(tuple(r) for r in d["percentiles"]),
            count=int(d["count"]),
            percentile_levels=tuple(d.get("percentile_levels", PERCENTILES)),
        )


def lab_stats(lab: np.ndarray, mask: np.ndarray | None = None) -> LabStats:
    """Statistics of CIELAB pixels ``lab`` (..., 3); ``mask`` (bool, lab.shape[:-1]) selects some.

    NaN pixels are ignored. Raises ValueError when no finite pixel is left.
    """
    px = np.asarray(lab, dtype=np.float64).reshape(-1, 3)
    if mask is not None:
        px = px[np.asarray(mask, dtype=bool).reshape(-1)]
    px = px[np.isfinite(px).all(axis=1)]
    if len(px) == 0:
        raise ValueError("no finite pixels to compute statistics of")
    mean = px.mean(axis=0)
    cov = np.cov(px, rowvar=False, bias=True) if len(px) > 1 else np.zeros((3, 3))
    pct = np.percentile(px, PERCENTILES, axis=0)
    return LabStats(
        mean=tuple(float(v) for v in mean),
        std=tuple(float(v) for v in np.sqrt(np.diag(cov))),
        cov=tuple(tuple(float(v) for v in row) for row in cov),
        percentiles=tuple(tuple(float(v) for v in row) for row in pct),
        count=int(len(px)),
    )


def pool_lab_stats(stats: list[LabStats]) -> LabStats:
    """Combine the statistics of disjoint pixel sets (e.g. sampled frames) into one.

    Mean and covariance are exact (pooled by count); percentiles are the count-weighted mean of
    the parts' percentiles, an approximation that is good for frames of one clip.
    """
    if not stats:
        raise ValueError("no statistics to pool")
    n = np.array([s.count for s in stats], dtype=np.float64)
    w = n / n.sum()
    means = np.array([s.mean for s in stats])
    mean = w @ means
    # Pooled covariance: E[xx^T] - mean mean^T.
    second = sum(
        wi * (np.array(s.cov) + np.outer(m, m)) for wi, s, m in zip(w, stats, means, strict=True)
    )
    cov = second - np.outer(mean, mean)
    pct = np.tensordot(w, np.array([s.percentiles for s in stats]), axes=1)
    return LabStats(
        mean=tuple(float(v) for v in mean),
        std=tuple(float(v) for v in np.sqrt(np.clip(np.diag(cov), 0, None))),
        cov=tuple(tuple(float(v) for v in row) for row in cov),
        percentiles=tuple(tuple(float(v) for v in row) for row in pct),
        count=int(n.sum()),
    )
