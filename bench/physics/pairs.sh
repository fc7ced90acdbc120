#!/usr/bin/env bash
# The headline TRG comparison with PyTorch: ln Z + u + C at chi = 32, 20 RG steps, beta = 0.40,
# tnad (randomized SVD; per-step checkpointing, and no checkpointing with the step's cheap
# chi^4 tensors rematerialized) against the PyTorch peer (torch_trg.py), TNAD_BENCH_PAIRS
# (default 5) interleaved rounds, one process each: both vary from run to run on a shared
# machine (the peer runs in two modes here, ~35 s / 11 GB and ~28 s / 7 GB, with identical
# results), so the per-round ratios are reported with their median and range (wall time,
# and process CPU time: the fairer one on a loaded machine). run.sh ends with it;
# bench/headline.sh runs it in a quick mode (TNAD_BENCH_CHI=24 TNAD_BENCH_STEPS=12, one pair).
#
#   bench/physics/pairs.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
source "$(dirname "$0")/common.sh"
pairs=${TNAD_BENCH_PAIRS:-5}
chi=${TNAD_BENCH_CHI:-32}
steps=${TNAD_BENCH_STEPS:-20}
if [ -n "${TNAD_BENCH_QUICK:-}" ]; then pairs=0; fi  # the smoke run skips it
: > "$out/pairs.jsonl"
for i in $(seq 1 "$pairs"); do
  /usr/bin/python3 "$here/torch_trg.py" --chi "$chi" --steps "$steps" --order 2 --beta 0.40 | sed 's/^/torch /' >> "$out/pairs.jsonl"
  for cp in every_step none; do
    "$bin" --chi "$chi" --steps "$steps" --order 2 --svd randomized --checkpoint $cp --beta 0.40 | sed "s/^/tnad_$cp /" >> "$out/pairs.jsonl"
  done
done
/usr/bin/python3 - "$out/pairs.jsonl" "$chi" "$steps" <<'PY'
import json, statistics, sys
rows = [l.split(" ", 1) for l in open(sys.argv[1]) if l.strip()]
pt = [json.loads(r[1]) for r in rows if r[0] == "torch"]
if not pt:
    sys.exit(0)
GB = 1 / 2**30
for cp, what in (("every_step", "per-step checkpointing"), ("none", "no checkpointing, rematerialized")):
    tn = [json.loads(r[1]) for r in rows if r[0] == "tnad_" + cp]
    print(f"\n(4) headline, chi {sys.argv[2]}, {sys.argv[3]} steps, lnZ+u+C, {len(pt)} interleaved rounds (tnad: randomized SVD, {what})")
    print(f"{'pair':>4} | {'torch s':>8} {'cpu s':>7} {'RSS GB':>7} | {'tnad s':>7} {'cpu s':>7} {'RSS GB':>7} | time ratio  CPU ratio  RSS ratio")
    tr, cr, mr = [], [], []
    for i, (p, t) in enumerate(zip(pt, tn)):
        tr.append(p["seconds"] / t["seconds"])
        cr.append(p["cpu_seconds"] / t["cpu_seconds"])
        mr.append(p["peak_rss_bytes"] / t["peak_rss_bytes"])
        print(f"{i + 1:>4} | {p['seconds']:8.2f} {p['cpu_seconds']:7.2f} {p['peak_rss_bytes']*GB:7.2f} | {t['seconds']:7.2f} "
              f"{t['cpu_seconds']:7.2f} {t['peak_rss_bytes']*GB:7.2f} | {tr[-1]:9.2f}x {cr[-1]:9.2f}x {mr[-1]:9.1f}x")
    print(f"median time ratio {statistics.median(tr):.2f}x (range {min(tr):.2f}-{max(tr):.2f}), "
          f"CPU {statistics.median(cr):.2f}x (range {min(cr):.2f}-{max(cr):.2f}), "
          f"median RSS ratio {statistics.median(mr):.1f}x (range {min(mr):.1f}-{max(mr):.1f})")
PY
