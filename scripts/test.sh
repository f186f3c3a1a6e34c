#!/usr/bin/env bash
# Sets up a virtual environment in .venv (if needed) and runs the test suite.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# torch first, pinned: its CPU build is what the training smoke test needs (a plain "torch"
# requirement would pull a multi-GB CUDA build); then the project with ONNX Runtime (CPU), the
# training extras, the report extra (matplotlib) and the dev tools.
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[dev,cpu,train,report]"
.venv/bin/ruff check gradecli tests benchmarks training setup.py
.venv/bin/python -m pytest "$@"
