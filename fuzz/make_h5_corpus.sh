#!/usr/bin/env bash
# Regenerates fuzz/corpus/h5_bytes/: run files written by `tnad` on the example configs of
# data/configs/, made small (few steps, small chi) so that the corpus stays small and every
# fuzz input reads in milliseconds. Also the seeds of fuzz_run_file.
#   fuzz/make_h5_corpus.sh [path/to/tnad]     (default build/bin/tnad)
# The files depend on the run-file format (docs/files.md): rerun this when it changes.
set -euo pipefail
cd "$(dirname "$0")/.."
tnad=$(realpath "${1:-build/bin/tnad}")
src=$(pwd)
out=$src/fuzz/corpus/h5_bytes
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive
cd "$tmp"
small() {  # small NAME SED-EXPRESSION...: data/configs/NAME.toml with edits -> NAME.toml
  local name=$1; shift
  cp "$src/data/configs/$name.toml" "$name.toml"
  for e in "$@"; do sed -i -E "$e" "$name.toml"; done
}
# finished runs of each job type and optimizer
small minimize-rosenbrock
"$tnad" run minimize-rosenbrock.toml -o rosenbrock-lbfgs.h5 -q
small minimize-quadratic-adam 's/^dim = .*/dim = 5/' 's/^max_steps = .*/max_steps = 40/' 's/^checkpoint_every = .*/checkpoint_every = 10/'
"$tnad" run minimize-quadratic-adam.toml -o quadratic-adam.h5 -q
small ising-trg 's/^chi = .*/chi = 4/' 's/^steps = .*/steps = 4/' 's/^beta_max = .*/beta_max = 0.41/' 's/^beta_step = .*/beta_step = 0.005/'
"$tnad" run ising-trg.toml -o ising-trg.h5 -q
small ising-hotrg 's/^chi = .*/chi = 3/' 's/^steps = .*/steps = 3/' 's/^beta_max = .*/beta_max = 0.42/'
"$tnad" run ising-hotrg.toml -o ising-hotrg.h5 -q
# an interrupted run (SIGINT after a few checkpoints: status "interrupted", state mid-way)
small minimize-rosenbrock 's/^checkpoint_every = .*/checkpoint_every = 1/' '/^dim = /a step_delay = 0.05'
cp minimize-rosenbrock.toml slow.toml
timeout -s INT 2 "$tnad" run slow.toml -o rosenbrock-interrupted.h5 -q || true
# a sweep: one task file (with /meta/task) and the merged table
cp "$src/fuzz/h5_sweep.toml" sweep.toml
"$tnad" sweep sweep.toml --all -o sweep -q
cp sweep/task-0001.h5 sweep-task.h5
"$tnad" merge sweep -o sweep-merged.h5
mkdir -p "$out"
rm -f "$out"/*.h5
cp rosenbrock-lbfgs.h5 rosenbrock-interrupted.h5 quadratic-adam.h5 ising-trg.h5 ising-hotrg.h5 sweep-task.h5 sweep-merged.h5 "$out"/
ls -l "$out"
