#!/usr/bin/env bash
# Makes examples/clips/clip_04_caminandes_3500k.mp4: the bundled Caminandes excerpt with a white
# balance error, as a second camera set to the wrong colour temperature would deliver it. FFmpeg's
# colortemperature filter (3500 K: a warm orange cast) does it, so the example's cast is not
# gradecli's own model of a cast. Run from the repository root; the file is committed, so the demo
# does not need this script.
set -euo pipefail
cd "$(dirname "$0")/.."
ffmpeg -v error -y -i examples/clips/clip_02_caminandes.mp4 -vf colortemperature=temperature=3500 \
  -c:v libx264 -crf 18 -preset medium -pix_fmt yuv420p -an examples/clips/clip_04_caminandes_3500k.mp4
