"""The report's pictures: thumbnails and plots as encoded image bytes (matplotlib, Agg backend).

matplotlib is an optional dependency (``pip install 'gradecli[report]'``), imported when a plot
is drawn. Inputs: R'G'B' code values 0..1 (H, W, 3) for pictures, CIELAB (N, 3) with L* 0..100
for scopes, a LUT's output for a neutral ramp (N, 3) 0..1.
"""

from __future__ import annotations

import io

import cv2
import numpy as np

__all__ = ["have_matplotlib", "jpeg", "lut_ramps_png", "scopes_png"]

_BEFORE, _AFTER = "#8a8f98", "#d9822b"
_DPI = 80


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def jpeg(rgb: np.ndarray, width: int = 320, quality: int = 85) -> bytes:
    """A picture (H, W, 3) R'G'B' 0..1 as JPEG bytes, ``width`` pixels wide."""
    x = np.clip(np.asarray(rgb, np.float32), 0.0, 1.0)
    h, w = x.shape[:2]
    if w > width:
        x = cv2.resize(x, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    bgr = cv2.cvtColor((x * 255.0 + 0.5).astype(np.uint8), cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV always encodes a valid uint8 picture
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def _figure(w_in: float, h_in: float):
    """A figure with fixed margins (a layout engine would cost more than the drawing)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(w_in, h_in), dpi=_DPI)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI)
    return buf.getvalue()


def scopes_png(before_lab: np.ndarray, after_lab: np.ndarray | None = None) -> bytes:
    """An a*b* vectorscope (before, and after when given) and the L* histograms, as PNG."""
    panels = 2 if after_lab is None else 3
    fig = _figure(3.0 * panels, 2.9)
    axes = fig.subplots(1, panels, gridspec_kw={"wspace": 0.35})
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.9)
    sets = [("before", before_lab)] + ([("after", after_lab)] if after_lab is not None else [])
    for ax, (name, lab) in zip(axes, sets, strict=False):
        counts, _, _ = np.histogram2d(lab[:, 2], lab[:, 1], bins=96, range=[[-60, 60], [-60, 60]])
        shown = np.ma.masked_equal(np.log1p(counts), 0.0)
        ax.imshow(shown, origin="lower", extent=(-60, 60, -60, 60), cmap="magma",
                  interpolation="nearest")
        ax.axhline(0, color="#666", lw=0.5)
        ax.axvline(0, color="#666", lw=0.5)
        # The skin-tone line of vectorscopes (about 123 degrees on a Y'CbCr scope), in a*b*.
        t = np.radians(52.0)
        ax.plot([0, 60 * np.cos(t)], [0, 60 * np.sin(t)], color="#4fa3d1", lw=0.8, ls="--")
        ax.set_title(f"a*b* {name}", fontsize=9)
        ax.set_xlabel("a*", fontsize=8)
        ax.set_ylabel("b*", fontsize=8)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=7)
    hist = axes[-1]
    bins = np.linspace(0, 100, 51)
    hist.hist(before_lab[:, 0], bins=bins, color=_BEFORE, alpha=0.7, label="before")
    if after_lab is not None:
        hist.hist(after_lab[:, 0], bins=bins, histtype="step", color=_AFTER, lw=1.6,
                  label="after")
    hist.set_title("L* histogram", fontsize=9)
    hist.set_xlabel("L*", fontsize=8)
    hist.set_yticks([])
    hist.tick_params(labelsize=7)
    hist.legend(fontsize=7, frameon=False)
    return _png(fig)


def lut_ramps_png(ramps: list[tuple[str, np.ndarray]]) -> bytes:
    """What LUTs do to a neutral ramp: per LUT (label, its output (N, 3) for input grey 0..1),
    output R', G', B' against input grey, small multiples in one PNG."""
    n = len(ramps)
    cols = min(n, 5)
    rows = -(-n // cols)
    fig = _figure(1.9 * cols, 1.75 * rows)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.12, top=0.88, wspace=0.35, hspace=0.6)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for k, (ax, (label, out)) in enumerate(zip(axes, ramps, strict=False)):
        x = np.linspace(0.0, 1.0, len(out))
        ax.set_prop_cycle(color=["#d33", "#2a2", "#36c"])
        ax.plot(x, out, lw=1.1)
        ax.plot([0, 1], [0, 1], color="#999", lw=0.6, ls=":")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        # Tick labels on the outer axes only: the grid says the rest.
        ax.set_xticks([0, 0.5, 1], labels=None if k >= n - cols else [])
        ax.set_yticks([0, 0.5, 1], labels=None if k % cols == 0 else [])
        ax.tick_params(labelsize=6, length=2)
        ax.set_title(label, fontsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    return _png(fig)
