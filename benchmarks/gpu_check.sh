#!/usr/bin/env bash
# One prepared check of gradecli on an NVIDIA GPU (issue 15), meant to finish in under 8 minutes:
#
#   1. an environment of its own: .venv-gpu with torch built for CUDA and gradecli[gpu,dev]
#      (the gpu extra brings onnxruntime-gpu, so it must not share an environment with the cpu
#      extra's onnxruntime);
#   2. what the machine has: nvidia-smi, torch and CUDA, the GPU, FFmpeg and PyAV's NVENC/NVDEC;
#   3. the torch kernel equality tests (they include the CUDA device when torch sees a GPU) and
#      the --device CLI tests;
#   4. benchmarks/bench_gpu.py --quick (kernel and end to end against FFmpeg).
#
# On a machine without a GPU it still runs: the tests run on torch's CPU device, the benchmark
# says there is no GPU, and the script exits 0.
#
# Usage (from anywhere):
#   bash benchmarks/gpu_check.sh                       # fresh .venv-gpu, torch from the CUDA index
#   GRADECLI_PY=.venv/bin/python bash benchmarks/gpu_check.sh   # reuse an existing environment
#                                                      # (offline machines; torch must be in it)
# Settings: GRADECLI_GPU_VENV (default .venv-gpu), GRADECLI_TORCH_VERSION (2.13.0),
#           GRADECLI_TORCH_INDEX (https://download.pytorch.org/whl/cu128).
# Exit status: 0 when everything that could run passed, 1 otherwise.

set -uo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
status=0

section() { printf '\n=== %s (%ss) ===\n' "$1" "$((SECONDS - start))"; }

section "environment"
if [ -n "${GRADECLI_PY:-}" ]; then
    PY=$GRADECLI_PY
    echo "using $PY (GRADECLI_PY); nothing installed"
else
    VENV=${GRADECLI_GPU_VENV:-.venv-gpu}
    TORCH_VERSION=${GRADECLI_TORCH_VERSION:-2.13.0}
    TORCH_INDEX=${GRADECLI_TORCH_INDEX:-https://download.pytorch.org/whl/cu128}
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || { echo "cannot create $VENV"; exit 1; }
    PY=$VENV/bin/python
    echo "installing torch==$TORCH_VERSION from $TORCH_INDEX and gradecli[gpu,dev] into $VENV"
    if ! "$PY" -m pip install -q "torch==$TORCH_VERSION" --index-url "$TORCH_INDEX"; then
        echo "cannot install torch from $TORCH_INDEX (offline?): rerun with GRADECLI_PY set to a"
        echo "python that has torch and gradecli installed, e.g. GRADECLI_PY=.venv/bin/python"
        exit 1
    fi
    "$PY" -m pip install -q -e ".[gpu,dev]" || { echo "cannot install gradecli[gpu,dev]"; exit 1; }
fi

section "machine"
if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv || true
else
    echo "nvidia-smi: not found (no NVIDIA driver on this machine)"
fi
"$PY" - <<'EOF'
import av
import torch

from gradecli.engine.device import resolve_device
from gradecli.io.video import encoder_problem, hardware_codecs

print(f"torch {torch.__version__}, built for CUDA {torch.version.cuda or 'none'}, "
      f"cuda available: {torch.cuda.is_available()}")
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print(f"GPU 0: {p.name}, {p.total_memory / 2**30:.0f} GiB, capability {p.major}.{p.minor}")
print(f"PyAV {av.__version__}: {hardware_codecs().to_dict()}")
print(f"h264_nvenc: {encoder_problem('h264_nvenc') or 'usable'}")
print(f"--device auto: {resolve_device('auto').note}")
EOF
[ $? -eq 0 ] || status=1
command -v ffmpeg >/dev/null 2>&1 && ffmpeg -hide_banner -version | head -n 1

section "tests: torch kernels = CPU kernels (cuda included when visible), --device CLI"
timeout 300 "$PY" -m pytest -q -p no:cacheprovider tests/engine/test_torch_kernel.py \
    tests/cli/test_device.py -rs 2>&1 | tail -n 25
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

section "benchmark: benchmarks/bench_gpu.py --quick"
timeout 300 "$PY" benchmarks/bench_gpu.py --quick || status=1

section "done: exit $status"
exit $status
