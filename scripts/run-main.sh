#!/usr/bin/env bash
# README's main job: sets up (Debian packages + Release build of the `tnad` command), then
# runs the embedded default config `ising-trg` — ln Z, energy u and specific heat C of the
# 2D Ising model by TRG with first and second derivatives by AD, against Onsager's exact
# solution (PRX 9, 031041, Fig. 1) — and draws the figure.
# Writes out/ising-trg.toml (the config used), out/ising-trg.h5 (results) and
# out/ising-trg.png. Re-running resumes: a finished file is kept, an interrupted one continues.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target tnad
mkdir -p out
build/bin/tnad example ising-trg > out/ising-trg.toml
build/bin/tnad run out/ising-trg.toml -o out/ising-trg.h5 --resume
build/bin/tnad inspect out/ising-trg.h5
/usr/bin/python3 scripts/plot_ising.py out/ising-trg.h5 -o out/ising-trg.png
echo "main job: results in out/ising-trg.h5, figure out/ising-trg.png"
