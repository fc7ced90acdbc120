#!/usr/bin/env bash
# README's test command: installs dependencies (Debian packages), builds everything in
# ./build (Release) and runs the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
# libgomp's spin-waiting makes OpenMP threads crawl on a shared machine: wait passively.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 900
