"""The torch checkpoint of the style model: its default path, saving and loading.

Shared by :mod:`training.train` (which saves it after training) and :mod:`training.export`
(which loads it to re-export), so that export does not import train.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from training.model import StyleLutNet

__all__ = ["CHECKPOINT", "load_checkpoint", "save_checkpoint"]

CHECKPOINT = Path(__file__).resolve().parent / "data" / "checkpoints" / "style_lut.pt"


def save_checkpoint(
    net: StyleLutNet, cfg: Any, history: list[dict], path: Path, info: dict
) -> None:
    """Save ``net``'s weights, ``cfg`` (a :class:`training.train.TrainConfig`, stored as a
    dict), the logged ``history`` and ``info`` to ``path`` (folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {"state_dict": net.state_dict(), "config": asdict(cfg), "history": history, "info": info},
        path,
    )


def load_checkpoint(path: Path) -> tuple[StyleLutNet, dict]:
    """A trained net (eval mode) and the checkpoint's metadata."""
    ck = torch.load(path, map_location="cpu", weights_only=False)
    net = StyleLutNet()
    net.load_state_dict(ck["state_dict"])
    net.eval()
    return net, ck
