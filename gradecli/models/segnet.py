"""A user's own segmentation network for ``--seg-model FILE.onnx`` (ONNX Runtime, loaded lazily).

The contract a model must meet:

- one input, float32, shaped ``(1, 3, H, W)`` (NCHW): the picture as sRGB code values 0..1.
  ``H`` and ``W`` may be fixed (the picture is resized to them) or dynamic (the picture is given
  at most 512 pixels on its long side);
- one output (the first is used), float32 ``(1, K, H', W')`` with ``K >= 3``: channels 0, 1, 2
  are the probabilities 0..1 of skin, sky and foliage (values are clipped to 0..1; further
  channels are ignored). The masks are resized to the picture.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from gradecli.errors import BadInputError, ModelUnavailableError
from gradecli.io.files import check_readable

__all__ = ["SegModel", "CLASSES_OUT"]

CLASSES_OUT = ("skin", "sky", "foliage")
_MAX_SIDE = 512


@dataclass(frozen=True)
class SegModel:
    """A loaded segmentation network; ``size`` is its fixed (H, W) or None when dynamic."""

    path: Path
    session: Any
    input_name: str
    size: tuple[int, int] | None

    @classmethod
    def load(cls, path: str | os.PathLike) -> SegModel:
        """Load and check a model against the contract (BadInputError naming the file)."""
        p = check_readable(path, "model file")
        try:
            import onnxruntime as ort
        except ImportError:
            raise ModelUnavailableError(
                "--seg-model needs ONNX Runtime: pip install 'gradecli[cpu]'") from None
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 2
        opts.log_severity_level = 3
        try:
            session = ort.InferenceSession(str(p), sess_options=opts,
                                           providers=["CPUExecutionProvider"])
        except Exception as e:  # ONNX Runtime raises its own types
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise BadInputError(f"{p}: not a usable ONNX model ({first[:200]})") from None
        inputs = session.get_inputs()
        if len(inputs) != 1:
            raise BadInputError(f"{p}: a segmentation model takes one input, this takes "
                                f"{len(inputs)}")
        shape = list(inputs[0].shape)
        if len(shape) != 4 or shape[1] != 3:
            raise BadInputError(f"{p}: input shape {shape}; the contract is (1, 3, H, W), "
                                "sRGB 0..1")
        fixed = all(isinstance(v, int) for v in shape[2:])
        size = (int(shape[2]), int(shape[3])) if fixed else None
        model = cls(p, session, inputs[0].name, size)
        model.predict(np.full((16, 16, 3), 0.5, np.float32))  # fails now, not mid-clip
        return model

    def predict(self, rgb: np.ndarray) -> dict[str, np.ndarray]:
        """Masks (H, W) float32 0..1 of skin, sky and foliage for a picture (H, W, 3) 0..1."""
        h, w = rgb.shape[:2]
        if self.size is not None:
            th, tw = self.size
        else:
            s = min(1.0, _MAX_SIDE / max(h, w))
            th, tw = max(8, round(h * s)), max(8, round(w * s))
        x = cv2.resize(np.asarray(rgb, np.float32), (tw, th), interpolation=cv2.INTER_AREA)
        try:
            out = self.session.run(None, {self.input_name: x.transpose(2, 0, 1)[None]})[0]
        except Exception as e:
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise BadInputError(f"{self.path}: the model failed on a picture ({first[:200]})") \
                from None
        out = np.asarray(out, np.float32)
        if out.ndim != 4 or out.shape[0] != 1 or out.shape[1] < 3:
            raise BadInputError(f"{self.path}: output shape {list(out.shape)}; the contract is "
                                "(1, K >= 3, H, W) with skin, sky, foliage first")
        return {name: np.clip(cv2.resize(out[0, k], (w, h), interpolation=cv2.INTER_LINEAR),
                              0.0, 1.0)
                for k, name in enumerate(CLASSES_OUT)}
