#!/usr/bin/env bash
# Fuzzing with libFuzzer (clang): builds build-fuzz/ (every library instrumented with
# -fsanitize=fuzzer-no-link,address,undefined; the targets of fuzz/ linked with
# -fsanitize=fuzzer), then runs each target for FUZZ_SECONDS from its committed corpus.
#
#   scripts/fuzz.sh                      # every target, 60 s each
#   FUZZ_SECONDS=1200 scripts/fuzz.sh einsum config
#   scripts/fuzz.sh --merge einsum       # afterwards: minimize the new inputs into fuzz/corpus/
#
# Targets: einsum (subscripts, ncon labels, planner, contraction vs a naive loop, gradients),
# config (TOML configs, sweeps, jobs), h5_bytes (run files as bytes), run_file (edited
# content of valid run files). New interesting inputs go to build-fuzz/fuzz/work/<target>/,
# crashes to build-fuzz/fuzz/artifacts/; reproduce one with
#   build-fuzz/fuzz/fuzz_<target> FILE        (or the gcc build's build/fuzz/replay_<target> FILE)
# and keep it as fuzz/regressions/<target>/<name> once fixed (the replay tests run it).
# Environment: FUZZ_SECONDS (per target, default 60), FUZZ_JOBS (parallel fuzzing
# processes per target, default 1), JOBS (build parallelism, default nproc). Scratch files
# (the HDF5 targets write files) go to a fresh directory under $TMPDIR, else /dev/shm.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
merge=0
if [ "${1:-}" = "--merge" ]; then merge=1; shift; fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(einsum config h5_bytes run_file)
secs=${FUZZ_SECONDS:-60}
export OMP_WAIT_POLICY=passive OMP_NUM_THREADS=1
base=${TMPDIR:-/tmp}
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && base=/dev/shm
TMPDIR=$(mktemp -d "$base/tnad-fuzz.XXXXXX")
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# configured once: a reconfigure bakes the new git revision into libad and rebuilds it
[ -f build-fuzz/CMakeCache.txt ] || cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DTNAD_FUZZ=ON -DTNAD_BUILD_BENCH=OFF \
  "${launcher[@]}" >/dev/null
cmake --build build-fuzz -j"${JOBS:-$(nproc)}" --target $(printf 'fuzz_%s ' "${targets[@]}")

asan_options=detect_leaks=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$root/scripts/sanitize/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
  # HDF5 has no frame pointers: ASan's fast unwinder stops at its first frame, and the
  # LSan suppression of HDF5's own leak on corrupted object headers (lsan.supp) needs the
  # whole allocation stack. Only h5_bytes hands HDF5 corrupted files; the slow unwinder
  # (on every malloc) would make run_file's executions 2-3 times slower.
  case $t in
    h5_bytes) export ASAN_OPTIONS=$asan_options:fast_unwind_on_malloc=0 ;;
    *) export ASAN_OPTIONS=$asan_options ;;
  esac
  work=build-fuzz/fuzz/work/$t
  mkdir -p "$work" build-fuzz/fuzz/artifacts
  inputs=(fuzz/corpus/$t)
  [ -d fuzz/regressions/$t ] && inputs+=(fuzz/regressions/$t)
  dict=()
  [ -f fuzz/$t.dict ] && dict=(-dict=fuzz/$t.dict)
  # libFuzzer tries no input longer than the longest of the corpus unless told, and then
  # lengthens them only slowly: run_file's committed seeds are at most 17 bytes (4 edits),
  # its inputs up to 1 + 4 x 64.
  [ "$t" = run_file ] && dict+=(-max_len=257 -len_control=0)
  if [ $merge = 1 ]; then
    # adds to the committed corpus only the inputs that bring new coverage
    build-fuzz/fuzz/fuzz_$t -merge=1 "fuzz/corpus/$t" "$work"
    continue
  fi
  par=()  # -jobs=N runs N processes, each logging to fuzz-<i>.log in the current directory
  [ "${FUZZ_JOBS:-1}" -gt 1 ] && par=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
  echo "fuzz: $t for $secs s"
  set +e
  build-fuzz/fuzz/fuzz_$t -max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    "${par[@]}" \
    -artifact_prefix=build-fuzz/fuzz/artifacts/$t- "${dict[@]}" "$work" "${inputs[@]}" \
    2>&1 | tee build-fuzz/fuzz/$t.log | grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|FUZZ FINDING|ERROR|SUMMARY|Test unit written'
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" = 0 ] || { echo "fuzz: $t: finding (exit $rc), see build-fuzz/fuzz/$t.log"; status=1; }
done
exit $status
