"""What the installed PyAV/FFmpeg offers for NVIDIA hardware: NVENC encoders, NVDEC (CUDA
hwaccel) decoding, and DLPack frames.

Findings for PyAV 18 (checked against its source and issue tracker):

- NVENC (``h264_nvenc``, ``hevc_nvenc``) is compiled into the PyAV wheels; it is usable only
  where an NVIDIA driver and GPU are present (opening it fails otherwise, e.g. "Operation not
  permitted" or "Cannot load libcuda.so.1"), so :func:`encoder_problem` opens a small encoder to
  find out. NVENC takes system-memory frames (yuv420p, yuv444p, yuv444p16le, nv12, p010le, ...)
  and uploads them itself.
- NVDEC: ``av.codec.hwaccel.HWAccel("cuda")`` passed to ``av.open`` decodes on the GPU
  (PyAV >= 14, PyAV-Org/PyAV#1685); frames are downloaded to system memory as nv12/p010le
  (semi-planar) unless ``is_hw_owned=True``.
- Frames on the GPU: since PyAV-Org/PyAV#2155 (``is_hw_owned=True``) a CUDA frame's planes
  export ``__dlpack__`` (nv12/p010le/p016le: a Y plane and an interleaved CbCr plane), and
  ``VideoFrame.from_dlpack`` imports CUDA tensors as a CUDA frame that NVENC encodes without a
  download (PyAV-Org/PyAV#2328, ``pix_fmt="cuda"``); planar formats import from CPU tensors only.
  gradecli does not use this zero-copy path yet: its kernels take planar Y'CbCr, decoding and
  encoding stay in system memory, and the GPU path is decode (CPU) -> pinned host buffer ->
  GPU kernel -> host -> encode (NVENC or a CPU encoder).
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass
from fractions import Fraction

import av
import av.error

__all__ = ["HardwareCodecs", "NVENC_FALLBACK", "encoder_problem", "hardware_codecs"]

#: NVENC encoders -> the CPU codec (a key of CODECS) used when they cannot be opened.
NVENC_FALLBACK = {"h264_nvenc": "h264", "hevc_nvenc": "hevc"}


@dataclass(frozen=True)
class HardwareCodecs:
    """What this PyAV build offers (built in; whether a GPU makes it usable is separate)."""

    pyav: str
    #: NVENC encoders compiled in (e.g. h264_nvenc, hevc_nvenc).
    nvenc_encoders: tuple[str, ...]
    #: NVDEC (cuvid) decoders compiled in.
    cuvid_decoders: tuple[str, ...]
    #: Hardware device types for ``HWAccel`` (e.g. cuda, vaapi); empty without av.codec.hwaccel.
    hwaccel_devices: tuple[str, ...]
    #: Whether frames can be exported/imported through DLPack (VideoFrame.from_dlpack exists).
    dlpack: bool

    def to_dict(self) -> dict:
        return asdict(self)


def hardware_codecs() -> HardwareCodecs:
    """The NVIDIA-related encoders, decoders and hardware device types this PyAV offers."""
    names = set(av.codecs_available)
    devices: tuple[str, ...] = ()
    with contextlib.suppress(Exception):
        from av.codec import hwaccel

        devices = tuple(sorted(hwaccel.hwdevices_available()))
    return HardwareCodecs(
        pyav=av.__version__,
        nvenc_encoders=tuple(sorted(n for n in names if n.endswith("_nvenc"))),
        cuvid_decoders=tuple(sorted(n for n in names if n.endswith("_cuvid"))),
        hwaccel_devices=devices,
        dlpack=hasattr(av.VideoFrame, "from_dlpack"),
    )


def encoder_problem(name: str) -> str | None:
    """None when the encoder ``name`` can be opened here (a 256x256 yuv420p stream), else why
    not, in a few words (not compiled in, no driver or GPU, ...)."""
    if name not in av.codecs_available:
        return f"{name} is not in this PyAV/FFmpeg build"
    try:
        cc = av.CodecContext.create(name, "w")
        cc.width, cc.height, cc.pix_fmt = 256, 256, "yuv420p"
        cc.time_base = Fraction(1, 25)
        cc.open()
    except (av.error.FFmpegError, OSError, ValueError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        return f"{name} cannot be opened ({reason}: no usable NVIDIA GPU or driver)"
    return None
