"""Where frames are graded: ``--device cpu|cuda|auto`` resolved once into a :class:`DeviceChoice`.

- ``cpu`` (the default): the numpy/C kernels of :mod:`gradecli.engine.kernels`; torch is not
  imported.
- ``cuda``: the torch kernels (:mod:`gradecli.engine.torch_kernel`) on the first CUDA GPU
  torch sees; :class:`~gradecli.errors.DeviceError` (exit code 2) with one line saying what
  is missing when torch is not installed or sees no GPU.
- ``auto``: ``cuda`` when torch is importable and ``torch.cuda.is_available()``, else ``cpu``;
  the choice's :attr:`DeviceChoice.note` says which and why, e.g. "device auto: no CUDA GPU
  visible to torch (torch 2.13.0+cpu); grading on the CPU".

Testing hook (not a user option): with the environment variable ``GRADECLI_TORCH_CPU=1`` a
choice that would grade on the CPU grades with the torch kernels on torch's CPU device instead
(``name == "torch-cpu"``), so tests can run the whole torch path on a machine without a GPU and
compare it with the CPU kernels' output.

Frames stay in system memory between decode and encode (decode on the CPU -> pinned host
buffer -> GPU kernel -> host -> encoder): see :mod:`gradecli.io.video.hardware` for what PyAV
offers for NVDEC, NVENC and DLPack, and why the zero-copy path is not used yet.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from gradecli.errors import DeviceError

__all__ = ["DEVICES", "TORCH_CPU_ENV", "DeviceChoice", "resolve_device", "torch_cpu_device"]

#: The values ``--device`` takes.
DEVICES = ("cpu", "cuda", "auto")
#: Environment variable of the testing hook: grade with the torch kernels on torch's CPU device.
TORCH_CPU_ENV = "GRADECLI_TORCH_CPU"
_INSTALL = ("install gradecli[gpu] in its own environment (README: 'Grading on an NVIDIA GPU') "
            "or use --device cpu")


@dataclass(frozen=True)
class DeviceChoice:
    """A resolved ``--device``: what was asked for, where grading runs and a note for people.

    ``name``: "cpu" (numpy/C kernels), "cuda" (torch kernels on a GPU) or "torch-cpu" (torch
    kernels on torch's CPU device: the testing hook). ``torch_device``: the torch device string
    ("cuda:0", "cpu") or None for the numpy/C kernels. ``gpu``: the GPU's name, if any.
    """

    requested: str
    name: str
    torch_device: str | None = None
    note: str = ""
    gpu: str | None = None
    torch_version: str | None = None

    @property
    def uses_torch(self) -> bool:
        """True when frames are graded by the torch kernels (on a GPU or torch's CPU)."""
        return self.torch_device is not None

    def to_dict(self) -> dict:
        """For JSON output: requested, used, gpu, torch, note."""
        return {"requested": self.requested, "used": self.name, "gpu": self.gpu,
                "torch": self.torch_version, "note": self.note or None}


def torch_cpu_device(requested: str = "cpu") -> DeviceChoice:
    """The testing choice: torch kernels on torch's CPU device (needs torch)."""
    try:
        import torch
    except ImportError:
        raise DeviceError(f"{TORCH_CPU_ENV} is set but PyTorch is not installed") from None
    return DeviceChoice(requested, "torch-cpu", "cpu",
                        note=f"grading with the torch kernels on torch's CPU device "
                        f"({TORCH_CPU_ENV} is set; a testing hook)",
                        torch_version=torch.__version__)


def _torch_and_gpu() -> tuple[str | None, str | None, str]:
    """(torch version or None, GPU name or None, why there is no GPU)."""
    try:
        import torch
    except ImportError:
        return None, None, "PyTorch is not installed (it comes with gradecli[gpu])"
    ver = torch.__version__
    try:
        ok = torch.cuda.is_available()
    except Exception as e:  # a broken driver install can raise here
        return ver, None, f"torch {ver} cannot query CUDA ({type(e).__name__}: {e})"
    if ok:
        return ver, torch.cuda.get_device_name(0), ""
    if torch.version.cuda is None:
        return ver, None, f"no CUDA GPU visible to torch (torch {ver} is a CPU-only build)"
    return ver, None, (f"no CUDA GPU visible to torch (torch {ver}, CUDA {torch.version.cuda}: "
                       "check the NVIDIA driver and CUDA_VISIBLE_DEVICES)")


@functools.lru_cache(maxsize=16)
def _resolve(requested: str, torch_cpu: bool) -> DeviceChoice:
    if requested == "cpu":
        return torch_cpu_device("cpu") if torch_cpu else DeviceChoice("cpu", "cpu")
    ver, gpu, why = _torch_and_gpu()
    if gpu is not None:
        import torch

        cuda = torch.version.cuda
        what = f"{gpu} (torch {ver}, CUDA {cuda})"
        note = f"device {requested}: grading on the GPU, {what}"
        return DeviceChoice(requested, "cuda", "cuda:0", note, gpu, ver)
    if requested == "cuda":
        raise DeviceError(f"--device cuda: {why}; {_INSTALL}")
    if torch_cpu:
        base = torch_cpu_device("auto")
        return DeviceChoice("auto", base.name, base.torch_device,
                            f"device auto: {why}; {base.note}", None, ver)
    return DeviceChoice("auto", "cpu", None, f"device auto: {why}; grading on the CPU", None, ver)


def resolve_device(requested: str | DeviceChoice) -> DeviceChoice:
    """``--device`` (cpu, cuda or auto) resolved; a DeviceChoice is returned as it is.

    Raises DeviceError (exit code 2) for an unknown value, and for ``cuda`` when torch or a
    CUDA GPU is missing (one line saying which). Results are cached per value (and per the
    testing hook's environment variable).
    """
    if isinstance(requested, DeviceChoice):
        return requested
    if requested not in DEVICES:
        raise DeviceError(f"--device must be one of {', '.join(DEVICES)}, got {requested!r}")
    return _resolve(requested, os.environ.get(TORCH_CPU_ENV, "") not in ("", "0"))
