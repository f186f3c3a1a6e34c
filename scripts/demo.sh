#!/usr/bin/env bash
# Sets up a virtual environment in .venv (if needed), then runs the main job on the bundled
# example clips: `gradecli match` makes the three clips one consistent look (graded clips, one
# .cube per shot, a JSON report and an HTML report in demo_out/), and `gradecli verify` checks
# (by look, since the clips show different scenes) that the graded clips share one look.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[report]"
# -y: a second run replaces the first
.venv/bin/gradecli match examples/clips/*.mp4 -o demo_out -y --report demo_out/report.html
.venv/bin/gradecli verify demo_out/*.mp4
.venv/bin/python scripts/contact_sheet.py demo_out demo_out/contact_sheet.png examples/clips/*.mp4
echo "graded clips, LUTs, match_report.json, report.html and contact_sheet.png (before above"
echo "after) are in demo_out/"
