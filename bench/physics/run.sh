#!/usr/bin/env bash
# Ising thermodynamics by AD through TRG: tnad (bench_ising) and its PyTorch peer
# (torch_trg.py, same algorithm, broadened SVD backward as a custom autograd.Function), run
# one after the other on this machine, one process per configuration (so each process peak
# RSS is that configuration's). Prints the tables and the torch/tnad ratios.
#
#   bench/physics/run.sh [BUILD_DIR] [OUT_DIR]      (default: build, a temporary directory)
#   TNAD_BENCH_QUICK=1 bench/physics/run.sh ...     (chi <= 24, 20 steps: a smoke run)
#
# Sections: (1) time per beta point for ln Z, ln Z + u, ln Z + u + C at chi 16, 24, 32 and
# 20, 30 RG steps (randomized truncated SVD, and dgesdd at 20 steps); (2) the second
# derivative's peak memory (tnad::memory::peak_bytes and process peak RSS) without and with
# per-step checkpointing; (3) the PyTorch peer at 20 steps; (4) pairs.sh, the headline chi 32
# lnZ+u+C pair interleaved TNAD_BENCH_PAIRS times. Record OMP_WAIT_POLICY and the
# machine's load with the numbers (both are printed).
set -euo pipefail
source "$(dirname "$0")/common.sh"
echo "OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-default} OMP_NUM_THREADS=$OMP_NUM_THREADS  $(nproc) cores  load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results in $out"

chis="16 24 32"; steps_list="20 30"
if [ -n "${TNAD_BENCH_QUICK:-}" ]; then chis="16 24"; steps_list="20"; fi

: > "$out/tnad.jsonl"; : > "$out/torch.jsonl"
# (1) time per beta point
for chi in $chis; do
  for steps in $steps_list; do
    for order in 0 1 2; do
      "$bin" --chi "$chi" --steps "$steps" --order "$order" --svd randomized --beta 0.40 >> "$out/tnad.jsonl"
      if [ "$steps" = 20 ]; then
        "$bin" --chi "$chi" --steps "$steps" --order "$order" --svd full --beta 0.40 >> "$out/tnad.jsonl"
      fi
    done
  done
done
# (2) memory of the second derivative: nested reverse (no checkpoint) against reverse over
# the forward tangent with per-step checkpointing
for chi in $chis; do
  for steps in $steps_list; do
    "$bin" --chi "$chi" --steps "$steps" --order 2 --svd randomized --checkpoint every_step --beta 0.40 >> "$out/tnad.jsonl"
  done
done
# (3) the PyTorch peer (20 steps)
for chi in $chis; do
  for order in 0 1 2; do
    /usr/bin/python3 "$here/torch_trg.py" --chi "$chi" --steps 20 --order "$order" --beta 0.40 >> "$out/torch.jsonl"
  done
done

/usr/bin/python3 - "$out/tnad.jsonl" "$out/torch.jsonl" <<'PY'
import json, sys
tn = [json.loads(l) for l in open(sys.argv[1])]
pt = [json.loads(l) for l in open(sys.argv[2])]
MB = 1 / 2**20
name = {0: "lnZ", 1: "lnZ+u", 2: "lnZ+u+C"}
print("\n(1) seconds per beta point (beta = 0.40), tnad, no checkpointing")
print(f"{'chi':>4} {'steps':>5} {'what':>8} | {'randomized':>10} {'dgesdd':>8} | err lnZ     err u       err C/C")
for r in tn:
    if r["svd"] != "randomized" or r["checkpoint"] != "none":
        continue
    full = [x for x in tn if x["svd"] == "full" and x["chi"] == r["chi"] and x["steps"] == r["steps"]
            and x["order"] == r["order"] and x["checkpoint"] == "none"]
    fs = f"{full[0]['seconds']:8.2f}" if full else f"{'-':>8}"
    ec = r["err_c"] / (r["c"] - r["err_c"]) if r["order"] == 2 else float("nan")
    print(f"{r['chi']:>4} {r['steps']:>5} {name[r['order']]:>8} | {r['seconds']:10.2f} {fs} | "
          f"{r['err_ln_z']:10.2e} {r['err_u']:10.2e} {ec:10.2e}")
print("\n(2) second derivative (lnZ+u+C): memory without / with per-step checkpointing (randomized SVD)")
print(f"{'chi':>4} {'steps':>5} | {'none: s':>8} {'peak MB':>8} {'RSS MB':>8} | {'every_step: s':>13} {'peak MB':>8} {'RSS MB':>8} | peak ratio")
for r in tn:
    if r["checkpoint"] != "every_step":
        continue
    n = [x for x in tn if x["checkpoint"] == "none" and x["svd"] == "randomized" and x["order"] == 2
         and x["chi"] == r["chi"] and x["steps"] == r["steps"]][0]
    print(f"{r['chi']:>4} {r['steps']:>5} | {n['seconds']:8.2f} {n['peak_bytes']*MB:8.0f} {n['peak_rss_bytes']*MB:8.0f} | "
          f"{r['seconds']:13.2f} {r['peak_bytes']*MB:8.0f} {r['peak_rss_bytes']*MB:8.0f} | {n['peak_bytes']/r['peak_bytes']:6.1f}x")
print("\n(3) PyTorch peer, 20 steps, against tnad (randomized SVD; with per-step checkpointing for C)")
print(f"{'chi':>4} {'what':>8} | {'torch s':>8} {'RSS MB':>8} | {'tnad s':>7} {'RSS MB':>8} | time ratio  RSS ratio | same lnZ")
for p in pt:
    def pick(cp):
        m = [x for x in tn if x["svd"] == "randomized" and x["chi"] == p["chi"] and x["steps"] == p["steps"]
             and x["order"] == p["order"] and x["checkpoint"] == cp]
        return m[0] if m else None
    for cp in (["none", "every_step"] if p["order"] == 2 else ["none"]):
        t = pick(cp)
        if t is None:
            continue
        tag = name[p["order"]] + ("*" if cp == "every_step" else "")
        print(f"{p['chi']:>4} {tag:>8} | {p['seconds']:8.2f} {p['peak_rss_bytes']*MB:8.0f} | {t['seconds']:7.2f} "
              f"{t['peak_rss_bytes']*MB:8.0f} | {p['seconds']/t['seconds']:9.1f}x {p['peak_rss_bytes']/t['peak_rss_bytes']:9.1f}x | "
              f"{abs(p['ln_z']-t['ln_z']):.1e}")
print("  (* = tnad with per-step checkpointing: each step re-run in the backward, and its backward re-run in the second one)")
PY

# (4) the headline pair, interleaved several times (pairs.sh)
bash "$here/pairs.sh" "$build" "$out"
