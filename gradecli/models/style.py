"""The bundled style model: (source frame, reference image) -> 33^3 LUT, run with ONNX Runtime.

The model (trained by ``training/``, card in ``weights/MODEL_CARD.md``) reads two thumbnails
and predicts the 3D LUT that gives the source the look (grade) of the reference, telling the
look of the reference apart from what is in it. Its output is an ordinary
:class:`gradecli.color.lut.Lut`, so it is applied, saved and checked like every other grade.

>>> model = StyleModel.load()                         # fp32, CPU unless asked otherwise
>>> lut = model.predict_lut(frame_rgb, still_rgb)     # float R'G'B' (H, W, 3) 0..1 each
>>> graded = lut.apply(frame_rgb)

Weights are ``style_lut.onnx`` (fp32) and ``style_lut.int8.onnx`` (int8) in the repository's
top-level ``weights/`` folder (``Path(gradecli.__file__).parents[1] / "weights"``), or in the
folder named by the environment variable ``GRADECLI_WEIGHTS``.

ONNX Runtime is optional and imported only when a model is loaded: without it,
:meth:`StyleModel.load` raises :class:`ModelUnavailableError` (exit code 2) with a one-line
message saying how to install it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from gradecli.color.lut import Lut
from gradecli.errors import BadInputError, ModelError, ModelUnavailableError

__all__ = [
    "INPUT_NAMES",
    "OUTPUT_NAME",
    "OUTPUT_SIZE",
    "THUMB_SIZE",
    "VARIANTS",
    "StyleModel",
    "thumbnail",
    "weights_dir",
]

#: Side of the square thumbnails the model reads (pixels).
THUMB_SIZE = 64
#: Nodes per axis of the LUT the model outputs.
OUTPUT_SIZE = 33
#: ONNX input names: NCHW float32 thumbnails of sRGB code values 0..1.
INPUT_NAMES = ("source", "reference")
#: ONNX output name: (N, 33, 33, 33, 3) float32, ``[r, g, b, channel]``.
OUTPUT_NAME = "lut"
#: Weight files per variant.
VARIANTS = {"fp32": "style_lut.onnx", "int8": "style_lut.int8.onnx"}
DEVICES = ("cpu", "cuda", "auto")
INSTALL_HINT = (
    "--method model needs ONNX Runtime: pip install 'gradecli[cpu]' (or 'gradecli[gpu]' for CUDA)"
)


def weights_dir() -> Path:
    """Folder of the bundled weights: ``$GRADECLI_WEIGHTS``, else ``<repo>/weights`` (source
    checkouts and editable installs), else ``<prefix>/share/gradecli/weights`` (wheels)."""
    env = os.environ.get("GRADECLI_WEIGHTS")
    if env:
        return Path(env)
    import sys

    import gradecli

    repo = Path(gradecli.__file__).resolve().parents[1] / "weights"
    installed = Path(sys.prefix) / "share" / "gradecli" / "weights"  # from a wheel (setup.py)
    return repo if repo.is_dir() or not installed.is_dir() else installed


def thumbnail(rgb: np.ndarray, size: int = THUMB_SIZE) -> np.ndarray:
    """The model's fixed preprocessing: an image -> float32 (size, size, 3) thumbnail.

    ``rgb``: R'G'B' code values (H, W, 3): floats 0..1 (values outside are clipped), or uint8
    (0..255) / uint16 (0..65535) integers. The whole picture is resized to ``size`` x ``size``
    pixels (aspect ratio not kept) by area averaging (OpenCV ``INTER_AREA``) on float32 code
    values, then clipped to 0..1. The model was trained on sRGB stills; video code values
    (BT.709) are read as they are.
    """
    x = np.asarray(rgb)
    if x.ndim != 3 or x.shape[2] != 3 or x.shape[0] < 1 or x.shape[1] < 1:
        raise BadInputError(f"an image for the style model must be shaped (H, W, 3), got {x.shape}")
    if x.dtype == np.uint8:
        x = x.astype(np.float32) * np.float32(1 / 255)
    elif x.dtype == np.uint16:
        x = x.astype(np.float32) * np.float32(1 / 65535)
    elif np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32, copy=False)
    else:
        raise BadInputError(
            f"an image for the style model must be float or uint8/16, got {x.dtype}"
        )
    # Average first, then clip: the same for inputs in 0..1 and one pass less over a big frame;
    # a NaN or infinity anywhere shows up in the average.
    out = cv2.resize(x, (size, size), interpolation=cv2.INTER_AREA)
    if not np.isfinite(out).all():
        raise BadInputError("an image for the style model has NaN or infinite values")
    return np.clip(out, 0.0, 1.0).astype(np.float32, copy=False)


def _import_ort() -> Any:
    try:
        import onnxruntime
    except ImportError:
        raise ModelUnavailableError(INSTALL_HINT) from None
    return onnxruntime


def _providers(ort: Any, device: str) -> list[str]:
    available = ort.get_available_providers()
    if device in ("cuda", "auto") and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if device == "cuda":
        raise ModelError(
            "device 'cuda' asked for, but ONNX Runtime has no CUDA provider "
            f"(available: {', '.join(available)}); install 'gradecli[gpu]' "
            "(onnxruntime-gpu) on a machine with an NVIDIA GPU, or use device='cpu'"
        )
    return ["CPUExecutionProvider"]


@dataclass
class StyleModel:
    """A loaded style model (an ONNX Runtime session). Make one with :meth:`load`."""

    session: Any
    path: Path
    variant: str
    providers: tuple[str, ...]

    @classmethod
    def load(
        cls,
        variant: str = "fp32",
        device: str = "cpu",
        path: str | os.PathLike[str] | None = None,
        threads: int | None = 2,
    ) -> StyleModel:
        """Load the bundled model.

        - ``variant``: ``"fp32"`` (default) or ``"int8"`` (quantised, smaller).
        - ``device``: ``"cpu"`` (default); ``"cuda"`` (ONNX Runtime's CUDA provider, which
          needs onnxruntime-gpu and a GPU, else :class:`ModelError`); ``"auto"`` (CUDA when
          available, else CPU).
        - ``path``: an .onnx file to load instead of the bundled one.
        - ``threads``: CPU threads of the session (None: ONNX Runtime's default).

        Raises :class:`ModelUnavailableError` (exit code 2) without ONNX Runtime, and
        :class:`ModelError` naming the file when it is missing or not a valid model.
        """
        if variant not in VARIANTS:
            raise BadInputError(
                f"unknown style model variant {variant!r}; use one of {', '.join(VARIANTS)}"
            )
        if device not in DEVICES:
            raise BadInputError(f"unknown device {device!r}; use one of {', '.join(DEVICES)}")
        ort = _import_ort()
        file = Path(path) if path is not None else weights_dir() / VARIANTS[variant]
        if not file.is_file():
            raise ModelError(
                f"style model weights not found: {file} (rebuild them with "
                "'python -m training.train', or set GRADECLI_WEIGHTS to their folder)"
            )
        providers = _providers(ort, device)
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        if threads is not None:
            opts.intra_op_num_threads = int(threads)
            opts.inter_op_num_threads = 1
        try:
            session = ort.InferenceSession(str(file), sess_options=opts, providers=providers)
        except Exception as e:  # onnxruntime raises its own exception types
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelError(f"cannot load style model {file}: {first}") from None
        names = tuple(i.name for i in session.get_inputs())
        outs = tuple(o.name for o in session.get_outputs())
        if names != INPUT_NAMES or outs != (OUTPUT_NAME,):
            raise ModelError(
                f"{file} is not a gradecli style model: inputs {names}, outputs {outs} "
                f"(expected {INPUT_NAMES} -> {OUTPUT_NAME})"
            )
        return cls(session, file, variant, tuple(session.get_providers()))

    def predict_table(self, source_thumb: np.ndarray, reference_thumb: np.ndarray) -> np.ndarray:
        """Run the network on thumbnails (from :func:`thumbnail`, (64, 64, 3) each, or batches
        (N, 64, 64, 3)); returns the raw float32 LUT tables (33, 33, 33, 3) or (N, 33, 33, 33,
        3), ``[r, g, b, channel]``, unclipped."""
        s = np.asarray(source_thumb, dtype=np.float32)
        r = np.asarray(reference_thumb, dtype=np.float32)
        single = s.ndim == 3
        if single:
            s, r = s[None], r[None]
        expect = (THUMB_SIZE, THUMB_SIZE, 3)
        if s.shape[1:] != expect or r.shape != s.shape:
            raise BadInputError(
                f"style model thumbnails must be shaped {expect} (or batches of them, the same "
                f"for source and reference), got {s.shape} and {r.shape}"
            )
        feeds = {
            INPUT_NAMES[0]: np.ascontiguousarray(s.transpose(0, 3, 1, 2)),
            INPUT_NAMES[1]: np.ascontiguousarray(r.transpose(0, 3, 1, 2)),
        }
        try:
            (out,) = self.session.run([OUTPUT_NAME], feeds)
        except Exception as e:
            raise ModelError(f"style model {self.path} failed to run: {e}") from None
        out = np.asarray(out, dtype=np.float32)
        return out[0] if single else out

    def predict_lut(self, source_rgb: np.ndarray, reference_rgb: np.ndarray) -> Lut:
        """The 33^3 LUT that grades ``source_rgb`` like ``reference_rgb``.

        Both are R'G'B' images (H, W, 3), float code values 0..1 (or uint8/uint16), any size:
        they are reduced to thumbnails first (:func:`thumbnail`). Returns a :class:`Lut` on the
        unit cube with values clipped to 0..1.
        """
        table = self.predict_table(thumbnail(source_rgb), thumbnail(reference_rgb))
        if not np.isfinite(table).all():
            raise ModelError(f"style model {self.path} produced NaN or infinite values")
        return Lut(
            np.clip(table, 0.0, 1.0).astype(np.float64),
            title="style model",
            comments=(f"gradecli style model ({self.variant}, {self.path.name})",),
        )
