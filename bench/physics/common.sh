# Sourced by run.sh, pairs.sh and checks.sh with their own "$@": sets here (this folder),
# build (BUILD_DIR, default ../../build), out (OUT_DIR, default a new temporary folder,
# created), bin (bench_ising, which must be built) and OMP_NUM_THREADS (default 2).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../../build}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
bin="$build/bench/physics/bench_ising"
[ -x "$bin" ] || { echo "$(basename "$0"): $bin not built (cmake --build $build --target bench_ising)" >&2; exit 1; }
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
