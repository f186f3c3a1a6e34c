#!/usr/bin/env bash
# Sets up a virtual environment in .venv (if needed), then runs the main job on the bundled
# example clips: three films and a copy of one of them (Caminandes) with a white balance error,
# as a second camera set wrongly would deliver it. `gradecli match` gives every clip the look of
# the Caminandes clip (--target hero:): the copy, which shows the same scene, is put back by
# comparing their colours, the other films move only as far as their estimated looks stand out
# from what content explains (graded clips, one .cube per shot, a JSON and an HTML report in
# demo_out/). `gradecli verify` checks (by look, since the clips show different scenes) that the
# graded clips share one look; on the inputs it fails (the copy's cast).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[report]"
# -y: a second run replaces the first
.venv/bin/gradecli match examples/clips/*.mp4 --target hero:examples/clips/clip_02_caminandes.mp4 \
  -o demo_out -y --report demo_out/report.html
.venv/bin/gradecli verify demo_out/*.mp4
.venv/bin/python scripts/contact_sheet.py demo_out demo_out/contact_sheet.png examples/clips/*.mp4
echo "graded clips, LUTs, match_report.json, report.html and contact_sheet.png (before above"
echo "after) are in demo_out/"
