#!/usr/bin/env bash
# Sets up a virtual environment in .venv (if needed) and grades the bundled example clips with a
# bundled look, then checks the results with `gradecli verify`. Outputs go to ./demo_out/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e .
mkdir -p demo_out
for clip in examples/clips/*.mp4; do
  .venv/bin/gradecli lut apply "$clip" examples/looks/warm_summer_evening.cube \
    -o "demo_out/$(basename "${clip%.mp4}")_warm.mp4"
done
.venv/bin/gradecli lut info examples/looks/warm_summer_evening.cube
echo "graded clips are in demo_out/"
