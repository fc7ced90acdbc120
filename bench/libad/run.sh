#!/usr/bin/env bash
# Runs bench_core and its PyTorch peer on the same machine, one after the other, and
# prints the ratios. Usage: bench/libad/run.sh [BUILD_DIR]   (default: build)
# Record OMP_WAIT_POLICY with the numbers; on a quiet machine leave it at the default.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
out=$(mktemp -d)
echo "OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-default} OMP_NUM_THREADS=${OMP_NUM_THREADS:-default}"
"$build/bench/libad/bench_core" --benchmark_format=json --benchmark_out="$out/tnad.json" --benchmark_out_format=json >/dev/null
/usr/bin/python3 "$here/torch_peer.py" > "$out/torch.json"
/usr/bin/python3 - "$out/tnad.json" "$out/torch.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["benchmarks"]
p = json.load(open(sys.argv[2]))
by = {b["name"].replace("/process_time", ""): b for b in t}  # CPU time: the process's
def ms(name):
    b = by[name]; f = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
    return b["real_time"] * f
tape_ns = ms("BM_TapeOverhead/min_time:2.000") * 1e6 / 200000
fw = ms("BM_TanhChainForward/512/real_time"); fb = ms("BM_TanhChainForwardBackward/512/real_time")
print(f"tape overhead     : tnad {tape_ns:8.1f} ns/op   torch {p['tape_ns_per_op']:8.1f} ns/op   torch/tnad = {p['tape_ns_per_op']/tape_ns:5.1f}x")
print(f"tanh chain 512 fwd: tnad {fw:8.2f} ms      torch {p['tanh_chain_forward_ms']:8.2f} ms")
print(f"tanh chain 512 f+b: tnad {fb:8.2f} ms      torch {p['tanh_chain_forward_backward_ms']:8.2f} ms   torch/tnad = {p['tanh_chain_forward_backward_ms']/fb:5.2f}x")
print(f"  backward/forward (tnad) = {(fb-fw)/fw:4.2f};  tnad f+b GFLOP/s = {12*512**3/fb/1e6:5.1f}; torch = {p['tanh_chain_fb_gflops']:5.1f}")
for n in (256, 512, 1024, 2048):
    mt = by[f"BM_MatmulTensor/{n}/real_time"]["GFLOPs"]
    dg = by[f"BM_DgemmDirect/{n}/real_time"]["GFLOPs"]
    print(f"matmul n={n:5d}: Tensor API {mt:6.1f} GFLOP/s, dgemm direct {dg:6.1f} ({100*mt/dg:5.1f}%), torch {p['matmul_gflops'][str(n)]:6.1f}")
PY
