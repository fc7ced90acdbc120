#!/usr/bin/env bash
# Sanitizer runs of the test suite, each in its own build directory (Debug-free: -O1 -g):
#
#   asan  gcc, -fsanitize=address,undefined (+ LeakSanitizer), the whole suite    build-asan/
#         but the install test (it builds an uninstrumented consumer against the
#         instrumented libraries: a packaging check, nothing for ASan to see)
#   tsan  clang, -fsanitize=thread, LLVM's OpenMP runtime (libomp) with its Archer
#         tool, so that OpenMP's own synchronisation is visible to TSan: the tests of
#         the multi-threaded layers (libad, linalg, tensornet) and the fuzz replays   build-tsan/
#
# Every report fails its test (UBSan: -fno-sanitize-recover; ASan, LSan and TSan: exit
# code). Suppressions, each with its reason: scripts/sanitize/*.supp.
#
# Usage: scripts/sanitize.sh [asan|tsan|all] [extra ctest arguments, e.g. -R Einsum]
# Environment: JOBS (build and test parallelism, default nproc), TNAD_SANITIZE_BUILD_ONLY=1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
what=${1:-all}
shift || true
jobs=${JOBS:-$(nproc)}
export OMP_WAIT_POLICY=passive OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
supp=$root/scripts/sanitize

stamp() { date +%s; }
report() { echo "sanitize: $1: $2 s"; }

run_asan() {
  local t0 t1 t2
  t0=$(stamp)
  # configured once: a reconfigure bakes the new git revision into libad and rebuilds it
  [ -f build-asan/CMakeCache.txt ] || cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DTNAD_SANITIZE=address,undefined -DTNAD_BUILD_BENCH=OFF \
    "${launcher[@]}" >/dev/null
  cmake --build build-asan -j"$jobs"
  t1=$(stamp)
  report "asan build" $((t1 - t0))
  [ "${TNAD_SANITIZE_BUILD_ONLY:-0}" = 1 ] && return 0
  # detect_leaks: LSan at exit; the suppressions name leaks inside system libraries only.
  # The MPI sweep tests (CliMpi.*) run without LSan: OpenMPI 4.1 keeps buffers past
  # MPI_Finalize, many of them allocated in components it has unloaded by exit, which LSan
  # reports as "<unknown module>" (no module to name in a suppression); ASan and UBSan
  # still check them.
  local asan=halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
  local rc=0
  ASAN_OPTIONS=detect_leaks=1:$asan \
  LSAN_OPTIONS=suppressions=$supp/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 1800 -LE install -E '^CliMpi[.]' "$@" || rc=1
  ASAN_OPTIONS=detect_leaks=0:$asan \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 1800 -LE install -R '^CliMpi[.]' --no-tests=ignore "$@" || rc=1
  t2=$(stamp)
  report "asan tests" $((t2 - t1))
  return $rc
}

run_tsan() {
  local t0 t1 t2 libomp_dir
  t0=$(stamp)
  # libomp and its Archer tool live in LLVM's lib directory (/usr/lib/llvm-14/lib), two
  # levels above clang's resource directory; -print-file-name does not search there.
  libomp_dir=$(dirname "$(dirname "$(clang++ -print-resource-dir)")")
  for f in libomp.so libarcher.so; do
    [ -e "$libomp_dir/$f" ] || { echo "sanitize: tsan needs $libomp_dir/$f (Debian: libomp-dev)" >&2; return 1; }
  done
  # OpenMP: clang's -fopenmp links libomp, which also serves the GOMP_* calls of OpenBLAS
  # (Debian's OpenMP build, linked to libgomp): one runtime, which Archer annotates.
  [ -f build-tsan/CMakeCache.txt ] || cmake -S . -B build-tsan -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DTNAD_SANITIZE=thread -DTNAD_BUILD_BENCH=OFF \
    "${launcher[@]}" >/dev/null
  cmake --build build-tsan -j"$jobs"
  t1=$(stamp)
  report "tsan build" $((t1 - t0))
  [ "${TNAD_SANITIZE_BUILD_ONLY:-0}" = 1 ] && return 0
  OMP_TOOL_LIBRARIES=$libomp_dir/libarcher.so ARCHER_OPTIONS=verbose=0 \
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:suppressions=$supp/tsan.supp \
  LD_LIBRARY_PATH=$libomp_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
    ctest --test-dir build-tsan --output-on-failure -j"$jobs" --timeout 1800 -L 'libad|linalg|tensornet|fuzz' "$@"
  t2=$(stamp)
  report "tsan tests" $((t2 - t1))
}

case "$what" in
  asan) run_asan "$@" ;;
  tsan) run_tsan "$@" ;;
  all) run_asan "$@"; run_tsan "$@" ;;
  *) echo "usage: $0 [asan|tsan|all] [ctest arguments]" >&2; exit 2 ;;
esac
