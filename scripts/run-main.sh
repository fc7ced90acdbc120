#!/usr/bin/env bash
# README's main job: sets up (Debian packages + Release build of the `tnad` command), then
# runs the embedded default config `heisenberg-ipeps` — the ground state of the 2D Heisenberg
# antiferromagnet as a C4v iPEPS, optimized by L-BFGS with the gradient by automatic
# differentiation through CTMRG, at D = 2 and then D = 3 from the D = 2 optimum (PRX 9,
# 031041, Sec. V) — and draws the figure (energy per site against evaluations with the PRX
# and quantum Monte Carlo energies, and the final staggered magnetization).
# Writes out/heisenberg-ipeps.toml (the config used), out/heisenberg-ipeps.h5 (results) and
# out/heisenberg-ipeps.png. Re-running resumes: a finished file is kept, an interrupted one
# continues. The second example, the Ising thermodynamics by TRG: `tnad example ising-trg`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target tnad
mkdir -p out
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
build/bin/tnad example heisenberg-ipeps > out/heisenberg-ipeps.toml
build/bin/tnad run out/heisenberg-ipeps.toml -o out/heisenberg-ipeps.h5 --resume
build/bin/tnad inspect out/heisenberg-ipeps.h5
/usr/bin/python3 scripts/plot_ipeps.py out/heisenberg-ipeps.h5 -o out/heisenberg-ipeps.png
echo "main job: results in out/heisenberg-ipeps.h5, figure out/heisenberg-ipeps.png"
