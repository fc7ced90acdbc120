#!/usr/bin/env bash
# The headline comparisons of tnad against PyTorch, each ratio printed with the commit it
# measures (bench/headline.py has the cases and the method). Builds the benchmark programs of
# the current tree first (BUILD_DIR must be configured with -DTNAD_BUILD_BENCH=ON), then runs.
#
#   bench/headline.sh [--build DIR] [--rounds N] [--trg-full] [--record] [--note TEXT] ...
#
# Run it before and after every change to a kernel, a cost model or an allocator, and record
# both in bench/RESULTS.md (--record) on a machine as quiet as you can find; the table says
# when it was measured under load. Threads: OMP_NUM_THREADS (default 2) for both sides;
# OMP_WAIT_POLICY as set (recorded; leave it unset on a quiet machine, passive on a busy one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build="$here/../build"
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--build" ]; then build=${args[$((i + 1))]}; fi
done
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
if [ -z "${TNAD_HEADLINE_NO_BUILD:-}" ]; then
  nice cmake --build "$build" -j"$(nproc)" --target bench_core bench_tn_einsum bench_linalg bench_ising >/dev/null
fi
exec /usr/bin/python3 "$here/headline.py" --build "$build" "$@"
