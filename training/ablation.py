"""Short tuning runs on training photos held out from training: does a variant beat no change?

Trains the style model for ``--steps`` on the training split minus ``--val-photos`` photos
(chosen with the seed, as ``train --val-photos`` does) and reports the mean CIE94 error on a
fixed validation batch of those photos (raw pairs and same-look pairs) next to leaving the
source unchanged. Nothing is exported; the evaluation split is not touched (it stays for
``benchmarks/bench_style_model.py``).

Variants:

- ``full``: the shipped architecture (learned content features + fixed colour statistics).
- ``stats``: the learned features (strided CNN and per-pixel branch) zeroed, so the head sees
  only :class:`training.model.ColourStats`: tells whether the content features help.

Run: python -m training.ablation --variant stats --steps 1200 [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from training import model as model_mod
from training import train as train_mod
from training.model import srgb_to_lab

VARIANTS = ("full", "stats")


class _StatsOnlyEncoder(model_mod.Encoder):
    """The encoder with its learned features zeroed (the head sees the colour statistics)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = super().forward(x)
        learned = f.shape[1] - model_mod._STAT_FEATURES
        return torch.cat([torch.zeros_like(f[:, :learned]), f[:, learned:]], dim=1)


def run(
    variant: str, steps: int, threads: int, val_photos: int, seed: int, looks: int = 3000
) -> dict:
    """Train one variant; returns identity and final validation errors (CIE94)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}")
    cfg = train_mod.TrainConfig(
        steps=steps, threads=threads, seed=seed, log_every=max(1, steps // 4),
        val_photos=val_photos, val_every=max(1, steps // 3), n_looks=looks,
    )
    photos, _ = train_mod.load_photos(train_mod.MANIFEST, "train")
    order = np.random.default_rng([cfg.seed, 5]).permutation(len(photos))
    held = set(order[:val_photos].tolist())
    val_set = [p for i, p in enumerate(photos) if i in held]
    photos = [p for i, p in enumerate(photos) if i not in held]
    bank = train_mod.build_look_bank(cfg.seed, cfg.n_looks, cfg.look_size, 1)
    vbank = train_mod.build_look_bank(cfg.seed + 1000, min(200, looks), cfg.look_size, 1)
    val = train_mod.validation_batches(val_set, vbank, cfg)
    src, _, tgt = val
    identity = float(train_mod.delta_e94(srgb_to_lab(tgt), srgb_to_lab(src)).mean())
    original = model_mod.Encoder
    if variant == "stats":
        model_mod.Encoder = _StatsOnlyEncoder  # StyleLutNet builds its encoder from the module
    try:
        t = time.perf_counter()
        net, history = train_mod.train(cfg, photos, bank, lambda s: print(variant, s), val)
        seconds = time.perf_counter() - t
    finally:
        model_mod.Encoder = original
    last = [h for h in history if "val_de94" in h][-1]
    return {
        "variant": variant,
        "steps": steps,
        "identity": identity,
        "raw": last["val_de94"],
        "same": last["val_de94_same"],
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", choices=VARIANTS, default="full")
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--val-photos", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    r = run(args.variant, args.steps, args.threads, args.val_photos, args.seed)
    print(
        f"{r['variant']}: {r['steps']} steps in {r['seconds']:.0f}s; validation CIE94 "
        f"raw {r['raw']:.3f} (no change: {r['identity']:.3f}, "
        f"{1 - r['raw'] / r['identity']:.1%} lower), same-look {r['same']:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
