#!/usr/bin/env bash
# tnad against its PyTorch peer (torch_ipeps.py) on the C4v iPEPS of the 2D Heisenberg model:
#   (1) energy + gradient through 30 CTMRG steps at (D, chi) = (2, 20), (3, 30), (4, 32),
#       plain and checkpointed per step (and tnad's plain tape without its rematerialization,
#       row "no-remat", against the same torch plain run): seconds (median over the rounds) and peak memory
#       (tnad: its own buffer accounting and the RSS; torch: the RSS), and their ratios;
#   (2) the same gradients warm: 4 evaluations in one process, the median of the last 3
#       (the first evaluation of a process faults in every page it maps, ~6 us per 4 KiB page
#       on the paravirtualized build VMs: most of the peer's first-evaluation time);
#   (3) L-BFGS from the same random D = 2 tensor (chi 20) until E <= -0.6602: seconds.
# Both start from the same tensors (uniform random, written here). Every configuration runs
# in its own process (the peak RSS is the process's own), tnad and torch interleaved in
# TNAD_BENCH_ROUNDS rounds (default 3): on a shared machine compare the medians.
#
#   bench/ground_state/run.sh [BUILD_DIR] [OUT_DIR]     (needs: cmake --build BUILD --target bench_ipeps)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../../build}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
bin="$build/bench/ground_state/bench_ipeps"
[ -x "$bin" ] || { echo "run.sh: $bin not built (cmake -DTNAD_BUILD_BENCH=ON, --target bench_ipeps)" >&2; exit 1; }
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
rounds=${TNAD_BENCH_ROUNDS:-3}
peer=(/usr/bin/python3 "$here/torch_ipeps.py")

for D in 2 3 4; do
  /usr/bin/python3 -c "import numpy as np; np.random.default_rng($D).uniform(0, 1, 2 * $D**4).tofile('$out/A$D.bin')"
done
: > "$out/results.jsonl"
for r in $(seq 1 "$rounds"); do
  for dc in "2 20" "3 30" "4 32"; do
    set -- $dc
    for cp in "" "--checkpoint"; do
      "$bin" grad --tensor "$out/A$1.bin" --D "$1" --chi "$2" --steps 30 $cp --repeat 1 >> "$out/results.jsonl"
      "${peer[@]}" grad --tensor "$out/A$1.bin" --D "$1" --chi "$2" --steps 30 $cp --repeat 1 >> "$out/results.jsonl"
    done
    # tnad's plain tape without its rematerialization of C T T and P T (CtmrgOptions::
    # rematerialize): every intermediate held, as the peer holds them
    "$bin" grad --tensor "$out/A$1.bin" --D "$1" --chi "$2" --steps 30 --no-remat --repeat 1 >> "$out/results.jsonl"
    # warm: 4 evaluations in one process, the median of the last 3 (memory already mapped
    # and reused, as in an optimization; the peak RSS of these rows is not used)
    for cp in "" "--checkpoint"; do
      "$bin" grad --tensor "$out/A$1.bin" --D "$1" --chi "$2" --steps 30 $cp --repeat 4 >> "$out/results.jsonl"
      "${peer[@]}" grad --tensor "$out/A$1.bin" --D "$1" --chi "$2" --steps 30 $cp --repeat 4 >> "$out/results.jsonl"
    done
  done
  "$bin" lbfgs --tensor "$out/A2.bin" --D 2 --chi 20 --target -0.6602 >> "$out/results.jsonl"
  "${peer[@]}" lbfgs --tensor "$out/A2.bin" --D 2 --chi 20 --target -0.6602 >> "$out/results.jsonl"
done

/usr/bin/python3 - "$out/results.jsonl" <<'PY'
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
MB = 2**-20
def pick(peer, mode, warm=False, **kw):
    return [r for r in rows if r["peer"] == peer and r["mode"] == mode and (r.get("warm_seconds") is not None) == warm
            and all(r.get(k) == v for k, v in kw.items())]
print(f"threads {rows[0]['threads']}, {len(pick('tnad', 'lbfgs'))} interleaved rounds; medians (range)")
print(f"{'D':>2} {'chi':>4} {'ckpt':>8} | {'tnad s':>8} {'torch s':>8} {'ratio':>6} | {'tnad MB':>8} {'(RSS)':>7} {'torch RSS':>9} {'ratio':>6} | dE, d|g|")
for D, chi in ((2, 20), (3, 30), (4, 32)):
    for cp in (False, True, "no-remat"):
        if cp == "no-remat":
            t = [r for r in pick("tnad", "grad", D=D, chi=chi, checkpoint=False) if r.get("remat") is False]
            p = pick("torch", "grad", D=D, chi=chi, checkpoint=False)
        else:
            t = [r for r in pick("tnad", "grad", D=D, chi=chi, checkpoint=cp) if r.get("remat") is not False]
            p = pick("torch", "grad", D=D, chi=chi, checkpoint=cp)
        if not t or not p:
            continue
        ts, ps = st.median(r["seconds"] for r in t), st.median(r["seconds"] for r in p)
        tm, tr, pm = (st.median(r["peak_bytes"] for r in t), st.median(r["peak_rss_bytes"] for r in t),
                      st.median(r["peak_rss_bytes"] for r in p))
        de = abs(t[0]["energy"] - p[0]["energy"])
        dg = abs(t[0]["grad_norm"] - p[0]["grad_norm"]) / p[0]["grad_norm"]
        print(f"{D:>2} {chi:>4} {str(cp):>8} | {ts:8.3f} {ps:8.3f} {ps / ts:5.2f}x | {tm * MB:8.1f} {tr * MB:7.0f} {pm * MB:9.0f} "
              f"{pm / tr:5.2f}x | {de:.1e}, {dg:.1e}")
print("warm: the median over rounds of each process's evaluations 2-4")
print(f"{'D':>2} {'chi':>4} {'ckpt':>8} | {'tnad s':>8} {'torch s':>8} {'ratio':>6}")
for D, chi in ((2, 20), (3, 30), (4, 32)):
    for cp in (False, True):
        t, p = pick("tnad", "grad", True, D=D, chi=chi, checkpoint=cp), pick("torch", "grad", True, D=D, chi=chi, checkpoint=cp)
        if t and p:
            ts, ps = st.median(r["warm_seconds"] for r in t), st.median(r["warm_seconds"] for r in p)
            print(f"{D:>2} {chi:>4} {str(cp):>8} | {ts:8.3f} {ps:8.3f} {ps / ts:5.2f}x")
for peer in ("tnad", "torch"):
    l = pick(peer, "lbfgs")
    s = [r["seconds_to_target"] for r in l if r["seconds_to_target"] is not None]
    print(f"L-BFGS D=2 chi=20 to {l[0]['target']}: {peer:>5} " +
          (f"{st.median(s):.2f} s (range {min(s):.2f}-{max(s):.2f})" if s else "not reached") +
          f", {st.median(r['evaluations'] for r in l)} evaluations, best {min(r['best_energy'] for r in l):.6f}")
PY
echo "raw results: $out/results.jsonl"
