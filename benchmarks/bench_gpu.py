"""Grading on an NVIDIA GPU (``--device cuda``) against the CPU and FFmpeg, in one run.

1. Kernel: 3840x2160 frames, 8-bit yuv420p (the exact table kernel) and 10-bit yuv420p10le
   (the float64 kernel), a 33^3 LUT: frames per second of the torch kernel on the GPU alone
   (device tensors in and out), of the whole batch call with its host copies (pinned staging,
   upload, download), and of the CPU kernel, for batches of 1, 4 and 8 frames (median of
   ``--repeat`` runs). The copies are reported separately: frames do not stay on the GPU
   between decode and encode (see gradecli/io/video/hardware.py).
2. End to end: ``gradecli lut apply`` of a generated 4K clip on the GPU with NVENC and with
   libx264, and on the CPU, against FFmpeg's own CPU pipeline
   (``ffmpeg -i in -vf lut3d=file.cube ...``) and a plain NVENC re-encode
   (``ffmpeg -i in -c:v h264_nvenc``), with ratios against those baselines of the same run.

On a machine without a CUDA GPU it says so and exits 0 (nothing to measure).

Run: python benchmarks/bench_gpu.py [--repeat 3] [--seconds 4] [--quick]
Needs torch with CUDA (gradecli[gpu]) and the ffmpeg CLI. Media is generated into bench_out/.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys

import numpy as np
from _common import OUT, ffmpeg_version, median_time, need_ffmpeg, print_table, run_timed

from gradecli.color.lut import Lut
from gradecli.color.ycbcr import YCbCrSpec, rgb_to_ycbcr
from gradecli.engine.kernels import LutGrade, make_kernel
from gradecli.io.luts import write_lut
from gradecli.io.video import encoder_problem, hardware_codecs, plane_layout

W, H = 3840, 2160
#: ``--smoke``: check this script end to end without a GPU (torch's CPU device, small frames,
#: the testing hook GRADECLI_TORCH_CPU for the CLI runs); its figures mean nothing.
SMOKE = "--smoke" in sys.argv
if SMOKE:
    W, H = 640, 360


def gpu_or_exit() -> object:
    """torch, with a CUDA GPU visible; else print why there is nothing to measure, exit 0."""
    try:
        import torch
    except ImportError:
        print("bench_gpu: PyTorch is not installed (gradecli[gpu]); no GPU here, nothing to "
              "measure")
        sys.exit(0)
    if not torch.cuda.is_available():
        print(f"bench_gpu: no CUDA GPU visible to torch {torch.__version__} "
              f"(CUDA build: {torch.version.cuda or 'none'}); nothing to measure on this machine")
        sys.exit(0)
    return torch


def look(rgb: np.ndarray) -> np.ndarray:
    x = np.clip(rgb * np.array([1.06, 1.0, 0.9]), 0, 1)
    x = x - 0.25 * x * (1 - x) * (2 * x - 1)
    y = x.mean(axis=-1, keepdims=True)
    return np.clip(y + 1.15 * (x - y), 0, 1)


def frame_planes_4k(pix_fmt: str, t: int) -> list[np.ndarray]:
    """A smooth moving 4K picture with grain, as planar Y'CbCr codes."""
    lay = plane_layout(pix_fmt)
    yy, xx = np.mgrid[0:H:4, 0:W:4] / W  # a quarter-size picture, upscaled: fast to make
    rgb = np.stack([0.5 + 0.45 * np.sin(6 * xx + 0.3 * t), 0.5 + 0.45 * np.sin(5 * yy + 1),
                    0.5 + 0.45 * np.cos(4 * (xx + yy))], axis=-1)
    rgb = np.repeat(np.repeat(rgb, 4, axis=0), 4, axis=1)
    rgb += np.random.default_rng(t).normal(0, 0.01, rgb.shape)
    codes = rgb_to_ycbcr(rgb, YCbCrSpec("bt709", False, lay.bit_depth)).astype(lay.dtype)
    return [codes[..., 0].copy(), codes[::2, ::2, 1].copy(), codes[::2, ::2, 2].copy()]


def fps(seconds: float, frames: int) -> str:
    return f"{frames / seconds:.1f}"


def _on_device(torch, frames: list[list[np.ndarray]], deep: bool, device: str) -> list:
    planes = []
    for c in range(3):
        a = np.stack([f[c] for f in frames])
        planes.append(torch.from_numpy(a.astype(np.int32) if deep else a).to(device))
    return planes


def kernel_rows(torch, repeat: int, batches: list[int], device: str = "cuda") -> list[list[str]]:
    """Per format and batch size: GPU kernel fps, fps with the host copies, the copies' cost
    per frame, the CPU kernel's fps and the speed-up of the whole batch call over it."""
    from gradecli.engine.torch_batch import TorchGrader

    lut = Lut.from_function(look, 33)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    rows = []
    for pix_fmt in ("yuv420p", "yuv420p10le"):
        lay = plane_layout(pix_fmt)
        spec = YCbCrSpec("bt709", False, lay.bit_depth)
        frames = [frame_planes_4k(pix_fmt, t) for t in range(max(batches))]
        cpu = make_kernel(LutGrade(lut), spec, lay, spec, lay)
        cpu.process(frames[0])  # builds the table rows the frames need
        t_cpu = median_time(functools.partial(cpu.process, frames[0]), repeat, warmup=0)
        grader = TorchGrader([(0, (lut, "tetrahedral"))], spec, lay, spec, lay, device)
        for n in batches:
            call = functools.partial(grader.grade, frames[:n], list(range(n)))
            call()  # warm up: table rows, pinned buffers
            t_all = median_time(call, repeat, warmup=0)
            planes = _on_device(torch, frames[:n], lay.bit_depth > 8, device)
            kernel = grader.kernel(0)

            def alone(kernel=kernel, planes=planes) -> None:
                kernel.process(*planes)
                sync()

            alone()
            t_dev = median_time(alone, repeat, warmup=0)
            rows.append([pix_fmt, str(n), fps(t_dev, n), fps(t_all, n),
                         f"{max(t_all - t_dev, 0.0) / n * 1e3:.1f}", fps(t_cpu, 1),
                         f"{(t_cpu * n) / t_all:.1f}x"])
    return rows


def make_4k_clip(seconds: int) -> str:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"src_{W}x{H}_{seconds}s.mp4"
    if not path.exists():
        run_timed([need_ffmpeg(), "-y", "-v", "error", "-f", "lavfi", "-i",
                   f"testsrc2=size={W}x{H}:rate=24:duration={seconds}", "-vf",
                   "noise=alls=6:allf=t", "-c:v", "libx264", "-crf", "18", "-preset", "veryfast",
                   "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_range", "tv",
                   str(path)])
    return str(path)


def end_to_end_rows(src: str, cube: str, repeat: int, frames: int,
                    device: str = "cuda") -> list[list[str]]:
    ff = need_ffmpeg()
    x264 = ["-c:v", "libx264", "-crf", "18", "-preset", "medium"]
    nvenc = ["-c:v", "h264_nvenc", "-rc", "vbr", "-cq", "18", "-b:v", "0", "-preset", "p5"]
    lut3d = ["-vf", f"lut3d=file={cube}:interp=tetrahedral", "-pix_fmt", "yuv420p"]
    gc = [sys.executable, "-m", "gradecli", "--quiet", "-y", "lut", "apply", src, cube, "-o"]
    nv_ok = encoder_problem("h264_nvenc") is None
    cmds = {"ffmpeg lut3d + libx264 (CPU)": [ff, "-y", "-v", "error", "-i", src, *lut3d, *x264,
                                             str(OUT / "g_ff_x264.mp4")]}
    if nv_ok:
        cmds["ffmpeg re-encode h264_nvenc"] = [ff, "-y", "-v", "error", "-i", src, *nvenc,
                                               str(OUT / "g_ff_nv.mp4")]
        cmds["ffmpeg lut3d + h264_nvenc"] = [ff, "-y", "-v", "error", "-i", src, *lut3d, *nvenc,
                                             str(OUT / "g_ff_lut_nv.mp4")]
        cmds["gradecli cuda + h264_nvenc"] = [*gc, str(OUT / "g_gc_nv.mp4"), "--device", device,
                                              "--codec", "h264_nvenc"]
    cmds["gradecli cuda + libx264"] = [*gc, str(OUT / "g_gc_cuda.mp4"), "--device", device]
    cmds["gradecli cpu + libx264"] = [*gc, str(OUT / "g_gc_cpu.mp4"), "--device", "cpu"]
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(repeat):  # interleaved, so drifting load hits all alike
        for name, cmd in cmds.items():
            times[name].append(run_timed(cmd)[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["ffmpeg lut3d + libx264 (CPU)"]
    plain = med.get("ffmpeg re-encode h264_nvenc")
    return [[name, f"{t:.2f}", fps(t, frames), f"{base / t:.2f}x",
             f"{plain / t:.2f}x" if plain else "-"] for name, t in med.items()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=4, help="length of the 4K clip")
    ap.add_argument("--quick", action="store_true", help="fewer runs (for gpu_check.sh)")
    ap.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.smoke:
        import torch

        os.environ["GRADECLI_TORCH_CPU"] = "1"
        device, repeat = "cpu", 1
        print("SMOKE TEST on torch's CPU device, 640x360: the figures mean nothing")
    else:
        torch = gpu_or_exit()
        device, repeat = "cuda", (2 if args.quick else args.repeat)
        print(f"GPU: {torch.cuda.get_device_name(0)}; torch {torch.__version__} (CUDA "
              f"{torch.version.cuda}); {ffmpeg_version()}")
    print(f"PyAV hardware: {hardware_codecs().to_dict()}")
    print_table(
        f"1. Kernel, {W}x{H}, 33^3 tetrahedral LUT (fps; median of {repeat})",
        ["format", "batch", "GPU kernel fps", "with copies fps", "copies ms/frame",
         "CPU kernel fps", "speed-up vs CPU"],
        kernel_rows(torch, repeat, [1, 4] if args.quick or args.smoke else [1, 4, 8], device),
    )
    src = make_4k_clip(args.seconds)
    cube = str(OUT / "g_look.cube")
    write_lut(Lut.from_function(look, 33), cube)
    print_table(
        f"2. End to end, {W}x{H} H.264 clip of {args.seconds} s ({args.seconds * 24} frames), "
        f"CRF/CQ 18 (median of {repeat})",
        ["pipeline", "wall s", "fps", "vs ffmpeg lut3d CPU", "vs plain NVENC re-encode"],
        end_to_end_rows(src, cube, repeat, args.seconds * 24, "auto" if args.smoke else "cuda"),
    )


if __name__ == "__main__":
    main()
