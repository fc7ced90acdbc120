#!/usr/bin/env bash
# The ipeps job's gradient modes against each other: L-BFGS of the D = 2, chi = 20 and the
# D = 3, chi = 30 C4v Heisenberg iPEPS from the same random tensor (ctm_tol 1e-10), unrolled
# and fixed_point (gmres, neumann), rounds interleaved. Per run: wall time and peak RSS of the
# process (/usr/bin/time), final energy, mean CTMRG iterations and adjoint J^T products, and the
# time (sum of /history/seconds) until the energy first reaches the target of that D; the largest
# /history/memory_peak_mb (tnad's array memory of one evaluation: the tape, not the process).
# Usage: bash bench/ground_state/gradient_modes.sh BUILD_DIR [ROUNDS]
set -euo pipefail
build=${1:?build dir}; rounds=${2:-2}
tnad=$(realpath "$build/bin/tnad")
dir=$(mktemp -d); cd "$dir"
export OMP_WAIT_POLICY=passive OMP_NUM_THREADS=2
write() {  # name D chi steps gradient solver
  { printf '[job]\ntype = "ipeps"\nD = %s\nchi = %s\nctm_tol = 1e-10\nctm_max_iter = 200\ngradient = "%s"\n' "$2" "$3" "$5"
    [ -n "$6" ] && printf 'fixed_point_solver = "%s"\n' "$6"
    printf '[optimizer]\nmax_steps = %s\n[output]\n' "$4"; } > "$1.toml"
}
write d2_unrolled 2 20 40 unrolled ""; write d2_gmres 2 20 40 fixed_point gmres; write d2_neumann 2 20 40 fixed_point neumann
write d3_unrolled 3 30 60 unrolled ""; write d3_gmres 3 30 60 fixed_point gmres
for r in $(seq "$rounds"); do
  for m in d2_unrolled d2_gmres d2_neumann d3_unrolled d3_gmres; do
    rm -f "$m.h5"
    /usr/bin/time -f "%e %M" -o "$m.time" "$tnad" run "$m.toml" -o "$m.h5" -q
    /usr/bin/python3 - "$m" "$r" <<'PY'
import sys, h5py, numpy as np
m, r = sys.argv[1], sys.argv[2]
target = {"d2": -0.66023, "d3": -0.66650}[m[:2]]
wall, rss = open(m + ".time").read().split()[-2:]
f = h5py.File(m + ".h5"); h = f["history"]
e, s = h["energy"][()], np.cumsum(h["seconds"][()])
hit = np.nonzero(e <= target)[0]
t = f"{s[hit[0]]:.2f}" if hit.size else "not reached"
adj = f"{np.mean(h['adjoint_iterations'][()]):.1f}" if "adjoint_iterations" in h else "-"
mem = f"{np.max(h['memory_peak_mb'][()]):.1f}" if "memory_peak_mb" in h else "-"
print(f"{m} round {r}: wall {wall} s, peak RSS {int(rss) / 1024:.0f} MB, array peak {mem} MB, E {f['results/energy'][()]:.10f}, "
      f"evaluations {int(np.sum(h['evaluations'][()]))}, ctm_iterations {np.mean(h['ctm_iterations'][()]):.1f}, "
      f"adjoint J^T {adj}, s to E <= {target}: {t}")
PY
  done
done
