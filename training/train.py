"""Train the style model, export it to ONNX (fp32 + int8) and write its model card.

One command rebuilds the shipped weights from scratch (CPU, 2 threads, about 25 minutes)::

    python -m training.train --out weights --seed 0

It gathers the photos first when ``training/data/manifest.json`` is missing
(:mod:`training.gather_images`), trains on the ``train`` split only, exports
``weights/style_lut.onnx`` and ``weights/style_lut.int8.onnx`` (:mod:`training.export`),
runs the benchmark (``benchmarks/bench_style_model.py``, on the held-out ``eval`` photos) and
writes ``weights/MODEL_CARD.md``. The log (seed, configuration, loss every ``--log-every``
steps) goes to stdout and ``weights/training_log.txt``; the torch checkpoint to
``training/data/checkpoints/style_lut.pt``.

Training pairs are made on the fly (see :class:`PairSampler`): a random look G from a bank of
looks drawn by :mod:`training.looks` (blended with the identity or composed with a second look
at random) is applied to a random crop of photo B (the reference) and of photo A (the target
for source A). 35% of the pairs are *same-look* pairs (the source is G(A) too, so the
target is the source itself: the model learns the identity there), a tenth have a source that
already carries another, milder look, and half the photos get a mild camera-like variation
(exposure, white balance, contrast, saturation) before the look, so that the model's idea of an
ungraded photo is not just the few dozen training photos. Loss: mean CIE94 colour difference
(graphic arts, in CIELAB D65) between the LUT applied to the source and the target, plus
total variation and monotonicity of the LUT and a penalty for values outside 0..1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from training import looks as looks_mod
from training.checkpoint import CHECKPOINT, save_checkpoint
from training.model import (
    StyleLutNet,
    apply_lut,
    from_gradecli,
    identity_lut,
    monotonicity,
    param_count,
    srgb_to_lab,
    total_variation,
)
from training.photos import MANIFEST, load_photos, random_crop

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


@dataclass
class TrainConfig:
    """Training settings (the defaults made the shipped weights)."""

    steps: int = 6000
    batch: int = 32
    lr: float = 2e-3
    lr_final: float = 0.03  # final lr as a fraction of ``lr`` (cosine decay)
    warmup: int = 200
    weight_decay: float = 1e-4
    seed: int = 0
    n_looks: int = 3000
    look_size: int = 17
    same_look_frac: float = 0.35
    graded_source_frac: float = 0.10
    same_photo_frac: float = 0.1
    blend_frac: float = 0.3  # looks blended with the identity by t in 0.3..1
    compose_frac: float = 0.2  # looks composed with a second look
    crop_min: float = 0.4  # crop side as a fraction of the photo's, per axis
    jitter_frac: float = 0.5  # photos given a mild camera-like variation before the look
    w_same: float = 2.5  # loss weight of same-look pairs
    w_tv: float = 0.1
    w_mono: float = 1.0
    w_range: float = 1.0
    threads: int = 2
    log_every: int = 100
    val_photos: int = 0  # training photos held out for a validation log (tuning only)
    val_every: int = 500
    extra: dict = field(default_factory=dict)


# -- looks (the photos and their crops: training.photos) -------------------------------------------


def _look_table(args: tuple[int, int, int]) -> np.ndarray:
    seed, i, size = args
    return looks_mod.random_look(np.random.default_rng([seed, 7, i]), size)


def build_look_bank(seed: int, count: int, size: int = 17, workers: int = 1) -> np.ndarray:
    """``count`` random looks, look ``i`` drawn from ``default_rng([seed, 7, i])`` (so the bank
    does not depend on ``workers``): float32 (count, S, S, S, 3) gradecli tables."""
    jobs = [(seed, i, size) for i in range(count)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as ex:
            tables = list(ex.map(_look_table, jobs, chunksize=32))
    else:
        tables = [_look_table(j) for j in jobs]
    return np.stack(tables)


def jitter_bank(seed: int, count: int = 256, size: int = 17) -> np.ndarray:
    """Mild camera-like variations of a photo (exposure +-0.25 stop, white balance +-600 K-ish
    and tint +-12, contrast and saturation +-0.1): float32 (count, S, S, S, 3) tables."""
    from gradecli.color.grade_model import GradeParams

    rng = np.random.default_rng([seed, 13])
    out = np.empty((count, size, size, size, 3), dtype=np.float32)
    for i in range(count):
        params = GradeParams(
            temperature=float(rng.uniform(-600, 600)),
            tint=float(rng.uniform(-12, 12)),
            contrast=float(rng.uniform(-0.1, 0.1)),
            saturation=float(rng.uniform(-0.1, 0.1)),
        )
        look = looks_mod.Look(
            exposure=float(np.clip(rng.normal(0, 0.12), -0.25, 0.25)), params=params
        )
        out[i] = look.table(size)
    return out


def _nchw(images: Sequence[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()


class PairSampler:
    """Makes training batches: (source, reference, target, same_look) tensors.

    source, reference, target: (N, 3, THUMB, THUMB) code values 0..1; same_look: (N,) bool.
    """

    def __init__(self, photos: list[np.ndarray], bank: np.ndarray, cfg: TrainConfig) -> None:
        if len(photos) < 2:
            raise ValueError("training needs at least 2 photos")
        self.photos = photos
        self.bank = torch.stack([from_gradecli(t) for t in bank])  # (L, 3, S, S, S)
        self.identity = identity_lut(bank.shape[1])
        jit = jitter_bank(cfg.seed, 64 if len(bank) < 64 else 256, bank.shape[1])
        self.jitter = torch.stack([from_gradecli(t) for t in jit])
        self.cfg = cfg
        self.rng = np.random.default_rng([cfg.seed, 11])

    def _looks(self, n: int) -> torch.Tensor:
        rng, cfg = self.rng, self.cfg
        idx = rng.integers(0, len(self.bank), n)
        t = self.bank[torch.from_numpy(idx)].clone()
        ident = self.identity.unsqueeze(0)
        blend = rng.random(n) < cfg.blend_frac
        amount = torch.from_numpy(np.where(blend, rng.uniform(0.3, 1.0, n), 1.0)).float()
        t = ident + amount.view(-1, 1, 1, 1, 1) * (t - ident)
        comp = np.flatnonzero(rng.random(n) < cfg.compose_frac)
        if comp.size:
            second = self.bank[torch.from_numpy(rng.integers(0, len(self.bank), comp.size))]
            first = t[torch.from_numpy(comp)]
            s = first.shape[-1]
            pts = first.reshape(comp.size, 3, s, s * s)
            t[torch.from_numpy(comp)] = apply_lut(second, pts).reshape(first.shape)
        return t.clamp(0.0, 1.0)

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        rng, cfg = self.rng, self.cfg
        a_imgs, b_imgs = [], []
        for _ in range(n):
            ia = int(rng.integers(0, len(self.photos)))
            if rng.random() < cfg.same_photo_frac:
                ib = ia
            else:
                ib = int(rng.integers(0, len(self.photos) - 1))
                ib += ib >= ia
            a_imgs.append(random_crop(self.photos[ia], rng, cfg.crop_min))
            b_imgs.append(random_crop(self.photos[ib], rng, cfg.crop_min))
        a, b = _nchw(a_imgs), _nchw(b_imgs)
        g = self._looks(n)
        with torch.no_grad():
            for img in (a, b):
                ji = np.flatnonzero(rng.random(n) < cfg.jitter_frac)
                if ji.size:
                    sel = torch.from_numpy(ji)
                    jl = self.jitter[torch.from_numpy(rng.integers(0, len(self.jitter), ji.size))]
                    img[sel] = apply_lut(jl, img[sel])
            ref = apply_lut(g, b)
            target = apply_lut(g, a)
            u = rng.random(n)
            same = u < cfg.same_look_frac
            graded = (~same) & (u < cfg.same_look_frac + cfg.graded_source_frac)
            source = a.clone()
            source[torch.from_numpy(same)] = target[torch.from_numpy(same)]
            gi = np.flatnonzero(graded)
            if gi.size:
                g0 = self._looks(gi.size)
                ident = self.identity.unsqueeze(0)
                t0 = torch.from_numpy(rng.uniform(0.2, 0.6, gi.size)).float()
                g0 = ident + t0.view(-1, 1, 1, 1, 1) * (g0 - ident)
                source[torch.from_numpy(gi)] = apply_lut(g0, a[torch.from_numpy(gi)])
        return source, ref, target, torch.from_numpy(same)


# -- colour difference in torch ----------------------------------------------------------------


def delta_e94(lab_ref: torch.Tensor, lab: torch.Tensor) -> torch.Tensor:
    """CIE94 (graphic arts) difference of ``lab`` from the reference ``lab_ref``, (N, 3, ...)
    -> (N, ...), smoothed near zero (sqrt(x + 1e-4))."""
    dl = lab[:, 0] - lab_ref[:, 0]
    c1 = torch.sqrt(lab_ref[:, 1] ** 2 + lab_ref[:, 2] ** 2 + 1e-8)
    c2 = torch.sqrt(lab[:, 1] ** 2 + lab[:, 2] ** 2 + 1e-8)
    dc = c2 - c1
    dab2 = (lab[:, 1] - lab_ref[:, 1]) ** 2 + (lab[:, 2] - lab_ref[:, 2]) ** 2
    dh2 = (dab2 - dc**2).clamp(min=0.0)
    sc = 1.0 + 0.045 * c1
    sh = 1.0 + 0.015 * c1
    return torch.sqrt(dl**2 + (dc / sc) ** 2 + dh2 / sh**2 + 1e-4)


# -- training ----------------------------------------------------------------------------------


def _lr_at(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (cfg.lr_final + (1.0 - cfg.lr_final) * 0.5 * (1.0 + math.cos(math.pi * t)))


def validation_batches(
    photos: list[np.ndarray], bank: np.ndarray, cfg: TrainConfig, n: int = 96
) -> tuple[torch.Tensor, ...]:
    """A fixed batch of raw pairs and one of same-look pairs from ``photos`` (seeded)."""
    vcfg = TrainConfig(**{**asdict(cfg), "same_look_frac": 0.0, "graded_source_frac": 0.0})
    sampler = PairSampler(photos, bank, vcfg)
    sampler.rng = np.random.default_rng([cfg.seed, 99])
    src, ref, tgt, _ = sampler.batch(n)
    return src, ref, tgt


def validate(net: StyleLutNet, val: tuple[torch.Tensor, ...]) -> tuple[float, float]:
    """Mean CIE94 error on the validation pairs: (raw source, same-look source)."""
    src, ref, tgt = val
    with torch.no_grad():
        raw = delta_e94(srgb_to_lab(tgt), srgb_to_lab(apply_lut(net(src, ref)[0], src))).mean()
        same = delta_e94(srgb_to_lab(tgt), srgb_to_lab(apply_lut(net(tgt, ref)[0], tgt))).mean()
    return float(raw), float(same)


def train(
    cfg: TrainConfig,
    photos: list[np.ndarray],
    bank: np.ndarray,
    log: Callable[[str], None] = print,
    val: tuple[torch.Tensor, ...] | None = None,
) -> tuple[StyleLutNet, list[dict]]:
    """Train a :class:`StyleLutNet` for ``cfg.steps`` steps; returns it and the logged rows.

    ``val`` (from :func:`validation_batches`) adds a validation line every ``cfg.val_every``
    steps."""
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    net = StyleLutNet()
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sampler = PairSampler(photos, bank, cfg)
    history: list[dict] = []
    acc: dict[str, float] = {}
    count = 0
    t0 = time.perf_counter()
    for step in range(cfg.steps):
        for group in opt.param_groups:
            group["lr"] = _lr_at(step, cfg)
        src, ref, tgt, same = sampler.batch(cfg.batch)
        lut, residual = net(src, ref)
        out = apply_lut(lut, src)
        de = delta_e94(srgb_to_lab(tgt), srgb_to_lab(out)).mean(dim=(1, 2))
        weights = torch.where(same, cfg.w_same, 1.0)
        recon = (de * weights).sum() / weights.sum()
        tv = total_variation(residual)
        mono = monotonicity(lut)
        rng_pen = (torch.relu(lut - 1.0) + torch.relu(-lut)).mean() * 100.0
        loss = recon + cfg.w_tv * tv + cfg.w_mono * mono + cfg.w_range * rng_pen
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            parts = {
                "loss": float(loss),
                "de94": float(de[~same].mean()) if (~same).any() else float("nan"),
                "de94_same": float(de[same].mean()) if same.any() else float("nan"),
                "tv": float(tv),
                "mono": float(mono),
                "range": float(rng_pen),
            }
        for k, v in parts.items():
            if not math.isnan(v):
                acc[k] = acc.get(k, 0.0) + v
                acc[k + "#"] = acc.get(k + "#", 0.0) + 1
        count += 1
        if (step + 1) % cfg.log_every == 0 or step + 1 == cfg.steps:
            row = {"step": step + 1, "lr": _lr_at(step, cfg), "s": time.perf_counter() - t0}
            for k in parts:
                if acc.get(k + "#"):
                    row[k] = acc[k] / acc[k + "#"]
            history.append(row)
            log(
                f"step {row['step']:6d}  loss {row.get('loss', 0):.3f}  "
                f"dE94 {row.get('de94', float('nan')):.3f}  "
                f"same {row.get('de94_same', float('nan')):.3f}  tv {row.get('tv', 0):.4f}  "
                f"mono {row.get('mono', 0):.5f}  range {row.get('range', 0):.4f}  "
                f"lr {row['lr']:.2e}  {row['s']:.0f}s"
            )
            acc, count = {}, 0
        if val is not None and ((step + 1) % cfg.val_every == 0 or step + 1 == cfg.steps):
            raw, same_de = validate(net, val)
            history.append({"step": step + 1, "val_de94": raw, "val_de94_same": same_de})
            log(f"val  {step + 1:6d}  dE94 {raw:.3f}  same {same_de:.3f}")
    return net, history


class _Tee:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.f = path.open("w", encoding="utf-8")

    def __call__(self, line: str) -> None:
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="train, export and document the style model")
    ap.add_argument("--out", type=Path, default=REPO / "weights", help="weights folder")
    ap.add_argument("--seed", type=int, default=TrainConfig.seed)
    ap.add_argument("--steps", type=int, default=TrainConfig.steps)
    ap.add_argument("--batch", type=int, default=TrainConfig.batch)
    ap.add_argument("--looks", type=int, default=TrainConfig.n_looks, help="looks in the bank")
    ap.add_argument("--lr", type=float, default=TrainConfig.lr)
    ap.add_argument("--threads", type=int, default=TrainConfig.threads)
    ap.add_argument("--log-every", type=int, default=TrainConfig.log_every)
    ap.add_argument("--checkpoint", type=Path, default=CHECKPOINT)
    ap.add_argument(
        "--val-photos", type=int, default=0, help="hold out N training photos (tuning only)"
    )
    ap.add_argument("--no-export", action="store_true", help="train and save the checkpoint only")
    ap.add_argument("--no-bench", action="store_true", help="export without the benchmark")
    args = ap.parse_args(argv)

    cfg = TrainConfig(
        steps=args.steps,
        batch=args.batch,
        lr=args.lr,
        seed=args.seed,
        n_looks=args.looks,
        threads=args.threads,
        log_every=args.log_every,
        val_photos=args.val_photos,
    )
    log = _Tee(args.out / "training_log.txt")
    command = "python -m training.train " + " ".join(argv if argv is not None else sys.argv[1:])
    log(f"# {command}")
    log(
        f"# seed {cfg.seed}; torch {torch.__version__}; numpy {np.__version__}; "
        f"python {platform.python_version()}; {platform.machine()}; threads {cfg.threads}"
    )
    log(f"# config {json.dumps(asdict(cfg), sort_keys=True)}")
    t_start = time.perf_counter()
    if not MANIFEST.exists():
        from training import gather_images

        log("# gathering photos (training/data/manifest.json is missing)")
        gather_images.gather()
    photos, recs = load_photos(MANIFEST, "train")
    val_photos: list[np.ndarray] = []
    if cfg.val_photos:
        order = np.random.default_rng([cfg.seed, 5]).permutation(len(photos))
        held = set(order[: cfg.val_photos].tolist())
        val_photos = [p for i, p in enumerate(photos) if i in held]
        photos = [p for i, p in enumerate(photos) if i not in held]
        recs = [r for i, r in enumerate(recs) if i not in held]
    log(f"# {len(photos)} training photos from {MANIFEST.relative_to(REPO)}")
    t = time.perf_counter()
    workers = max(1, min(cfg.threads, os.cpu_count() or 1))
    bank = build_look_bank(cfg.seed, cfg.n_looks, cfg.look_size, workers)
    log(f"# look bank: {len(bank)} looks of {cfg.look_size}^3 in {time.perf_counter() - t:.0f}s")
    net = StyleLutNet()
    log(f"# model: {param_count(net)} parameters")
    t = time.perf_counter()
    val = None
    if val_photos:
        vbank = build_look_bank(cfg.seed + 1000, 200, cfg.look_size, workers)
        val = validation_batches(val_photos, vbank, cfg)
        log(f"# validation: {len(val_photos)} held-out photos, looks seed {cfg.seed + 1000}")
    net, history = train(cfg, photos, bank, log, val)
    train_s = time.perf_counter() - t
    info = {
        "command": command,
        "seed": cfg.seed,
        "train_seconds": train_s,
        "photos": [r["file"] for r in recs],
        "torch": torch.__version__,
        "params": param_count(net),
    }
    save_checkpoint(net, cfg, history, args.checkpoint, info)
    log(f"# trained in {train_s:.0f}s; checkpoint {args.checkpoint}")
    if not args.no_export:
        from training import export

        export.export_all(net, args.out, log=log, info=info, bench=not args.no_bench)
    log(f"# total {time.perf_counter() - t_start:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
