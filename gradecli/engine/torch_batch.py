"""Batches of decoded frames through the torch kernels: host planes in, host planes out.

:class:`TorchGrader` takes N frames at a time (numpy plane views of decoded frames, in decode
order, with their frame indices) and grades each with its own shot's LUT: a batch may span a
cut, and is then split into runs of frames of one shot. Each shot has its kernel (an 8-bit
table or the float64 kernel, :mod:`gradecli.engine.torch_kernel`); the last two are kept.

On CUDA the frames are copied into page-locked (pinned) host buffers and uploaded with
``non_blocking`` copies on a copy stream, graded on a compute stream, and each run's result
downloaded on the copy stream as soon as it is graded: host staging of one frame overlaps the
upload of the previous one, and downloads overlap grading of the next run. Decoding and
encoding run in other threads (see :mod:`gradecli.engine.transcode`) meanwhile. On torch's CPU
device (tests) the same kernels run on plain tensors, no streams.

Frames do not stay on the GPU between decode and encode: gradecli decodes and encodes with
PyAV in system memory (see :mod:`gradecli.engine.device` for what PyAV offers and why).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np
import torch

from gradecli.color.lut import Lut
from gradecli.color.ycbcr import YCbCrSpec
from gradecli.engine.torch_kernel import TorchFloatKernel, TorchTableKernel, make_torch_kernel
from gradecli.io.video import PlaneLayout

__all__ = ["TorchGrader"]

#: A schedule of LUTs: (first frame index, (Lut, interpolation)) in increasing frame order.
LutSchedule = Sequence[tuple[int, tuple[Lut, str]]]


def _torch_dtype(layout: PlaneLayout) -> torch.dtype:
    """Host transfer dtype of a layout's planes: uint8, or int16 holding uint16 bits."""
    return torch.uint8 if layout.bit_depth == 8 else torch.int16


def _to_u16_bits(x: torch.Tensor) -> torch.Tensor:
    """int32 codes 0..65535 as int16 with the same 16 bits (for a uint16 host buffer)."""
    return torch.where(x > 32767, x - 65536, x).to(torch.int16)


class TorchGrader:
    """Grade batches of planar Y'CbCr frames with a LUT schedule on ``device``.

    ``schedule``: (first frame, (Lut, interpolation)) per shot, starting at frame 0. Frames
    come in ``in_layout`` and leave in ``out_layout`` (planes as numpy arrays: uint8, or uint16
    holding the low ``bit_depth`` bits).
    """

    def __init__(self, schedule: LutSchedule, in_spec: YCbCrSpec, in_layout: PlaneLayout,
                 out_spec: YCbCrSpec, out_layout: PlaneLayout, device: torch.device) -> None:
        items = sorted(schedule, key=lambda s: s[0])
        if not items or items[0][0] != 0:
            raise ValueError("a schedule must start at frame 0")
        self.starts = [s for s, _ in items]
        self.luts = [lut for _, lut in items]
        self.in_spec, self.in_layout = in_spec, in_layout
        self.out_spec, self.out_layout = out_spec, out_layout
        self.device = torch.device(device)
        self.cuda = self.device.type == "cuda"
        self._kernels: dict[int, TorchTableKernel | TorchFloatKernel] = {}
        self._pinned: dict[tuple, list[torch.Tensor]] = {}
        if self.cuda:  # pragma: no cover - needs a CUDA GPU
            self.copy_stream = torch.cuda.Stream(self.device)
            self.compute_stream = torch.cuda.Stream(self.device)

    @property
    def kernel_name(self) -> str:
        """E.g. "TorchTableKernel(cuda)": the kernel of the first shot and the device."""
        return f"{type(self.kernel(0)).__name__}({self.device.type})"

    def kernel(self, shot: int) -> TorchTableKernel | TorchFloatKernel:
        """Shot ``shot``'s kernel (made on first use; kernels two shots back are freed)."""
        k = self._kernels.get(shot)
        if k is None:
            lut, interpolation = self.luts[shot]
            k = make_torch_kernel(lut, interpolation, self.in_spec, self.in_layout,
                                  self.out_spec, self.out_layout, self.device)
            self._kernels[shot] = k
            for old in [s for s in self._kernels if s < shot - 1]:
                del self._kernels[old]
        return k

    def _runs(self, indices: Sequence[int]) -> list[tuple[int, int, int]]:
        """(shot, first, end) positions in the batch of consecutive frames of one shot."""
        runs: list[tuple[int, int, int]] = []
        for pos, index in enumerate(indices):
            shot = bisect.bisect_right(self.starts, index) - 1
            if runs and runs[-1][0] == shot:
                runs[-1] = (shot, runs[-1][1], pos + 1)
            else:
                runs.append((shot, pos, pos + 1))
        return runs

    def grade(self, frames: Sequence[Sequence[np.ndarray]], indices: Sequence[int]
              ) -> list[list[np.ndarray]]:
        """Grade frames (each [Y, Cb, Cr] planes) with frame indices ``indices``; returns
        each frame's graded [Y, Cb, Cr]. On CUDA the returned arrays are views of pinned
        buffers that the next call reuses: copy them (e.g. into output frames) before then."""
        if len(frames) != len(indices):
            raise ValueError("one frame index per frame")
        if not frames:
            return []
        if self.cuda:  # pragma: no cover - needs a CUDA GPU
            return self._grade_cuda(frames, indices)
        planes = []
        for c in range(3):
            host = np.stack([f[c] for f in frames])
            if host.dtype == np.uint16:
                host = host.view(np.int16)
            planes.append(self._widen(torch.from_numpy(host)))
        outs = [[] for _ in range(3)]
        for shot, a, b in self._runs(indices):
            res = self.kernel(shot).process(*(p[a:b] for p in planes))
            for c in range(3):
                outs[c].append(self._narrow(res[c]))
        host_out = [torch.cat(o).numpy() for o in outs]
        return [[self._host_view(host_out[c][i]) for c in range(3)] for i in range(len(frames))]

    def _widen(self, t: torch.Tensor) -> torch.Tensor:
        """Uploaded planes as the kernels take them (int16 -> int32 codes 0..65535)."""
        return t if t.dtype == torch.uint8 else t.to(torch.int32) & 0xFFFF

    def _narrow(self, t: torch.Tensor) -> torch.Tensor:
        """Kernel output as the host transfer dtype of the output layout."""
        if self.out_layout.bit_depth == 8:
            return t.to(torch.uint8)
        return _to_u16_bits(t.to(torch.int32))

    def _host_view(self, a: np.ndarray) -> np.ndarray:
        return a.view(np.uint16) if a.dtype == np.int16 else a

    def _buffers(self, key: str, shapes: list[tuple[int, ...]], dtype: torch.dtype
                 ) -> list[torch.Tensor]:  # pragma: no cover - needs a CUDA GPU
        """Pinned host buffers for planes of these shapes (reused from batch to batch)."""
        k = (key, tuple(shapes), dtype)
        bufs = self._pinned.get(k)
        if bufs is None:
            bufs = [torch.empty(s, dtype=dtype, pin_memory=True) for s in shapes]
            self._pinned[k] = bufs
        return bufs

    def _grade_cuda(self, frames: Sequence[Sequence[np.ndarray]], indices: Sequence[int]
                    ) -> list[list[np.ndarray]]:  # pragma: no cover - needs a CUDA GPU
        n = len(frames)
        in_dt, out_dt = _torch_dtype(self.in_layout), _torch_dtype(self.out_layout)
        pin_in = self._buffers("in", [(n, *p.shape) for p in frames[0]], in_dt)
        h, w = frames[0][0].shape
        lay = self.out_layout
        ch, cw = -(-h >> lay.log2_h), -(-w >> lay.log2_w)
        pin_out = self._buffers("out", [(n, h, w), (n, ch, cw), (n, ch, cw)], out_dt)
        with torch.cuda.stream(self.copy_stream):
            dev_in = [torch.empty(b.shape, dtype=in_dt, device=self.device) for b in pin_in]
        for i, f in enumerate(frames):  # stage frame i while frame i-1 is being uploaded
            for c in range(3):
                dst = pin_in[c][i].numpy()
                np.copyto(dst.view(np.uint16) if dst.dtype == np.int16 else dst, f[c])
            with torch.cuda.stream(self.copy_stream):
                for c in range(3):
                    dev_in[c][i].copy_(pin_in[c][i], non_blocking=True)
        uploaded = torch.cuda.Event()
        uploaded.record(self.copy_stream)
        self.compute_stream.wait_event(uploaded)
        for t in dev_in:
            t.record_stream(self.compute_stream)
        for shot, a, b in self._runs(indices):  # download run k while run k+1 is graded
            with torch.cuda.stream(self.compute_stream):
                planes = [self._widen(t[a:b]) for t in dev_in]
                res = [self._narrow(r) for r in self.kernel(shot).process(*planes)]
                graded = torch.cuda.Event()
                graded.record(self.compute_stream)
            self.copy_stream.wait_event(graded)
            with torch.cuda.stream(self.copy_stream):
                for c in range(3):
                    pin_out[c][a:b].copy_(res[c], non_blocking=True)
                    res[c].record_stream(self.copy_stream)
        self.copy_stream.synchronize()
        host = [b.numpy() for b in pin_out]
        return [[self._host_view(host[c][i]) for c in range(3)] for i in range(n)]
