#!/usr/bin/python3
"""Fits the pair kernel's cost model (tensornet/src/contract/pair_cost.cpp) to a run of
bench_pair_cost (Google Benchmark JSON, one thread):

    gemm:    t = 2 m n k / P + (m k + k n) * beta + m n * beta_c + gamma
    permute: t = elements * tau

by least squares on relative errors (every shape counts alike) over the GEMMs of at least
50 us (the decisions are between large contractions), with gamma fixed at 1 us. Prints the constants and, per
shape class, the model's error; paste the constants into pair_cost.cpp if they moved.

    /usr/bin/python3 bench/tensornet/fit_pair_cost.py gemm.json
"""
import json
import sys

import numpy as np

GAMMA = 1e-6


def main():
    data = json.load(open(sys.argv[1]))["benchmarks"]
    unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    best = {}  # the fastest repetition per case (a loaded machine only ever slows a run down)
    for b in data:
        if b.get("run_type") == "aggregate":
            continue
        name = b.get("run_name", b["name"])
        if name not in best or b["real_time"] < best[name]["real_time"]:
            best[name] = b
    rows, ts, names = [], [], []
    perm_e, perm_t = [], []
    for b in best.values():
        t = b["real_time"] * unit[b["time_unit"]]
        parts = b["name"].split("/")
        if parts[0] == "BM_gemm":
            m, n, k, tr = (int(x) for x in parts[1:5])
            if t >= 50e-6:
                rows.append([2.0 * m * n * k, m * k + k * n, m * n])
                ts.append(t - GAMMA)
                names.append((m, n, k, tr))
        elif parts[0] == "BM_permute":
            perm_e.append(b["elements"])
            perm_t.append(t)
    X, y = np.array(rows), np.array(ts)
    w = 1.0 / (y + GAMMA)
    coef, *_ = np.linalg.lstsq(X * w[:, None], y * w, rcond=None)
    inv_p, beta, beta_c = coef
    pred = X @ coef + GAMMA
    y = y + GAMMA
    rel = pred / y - 1.0
    print(f"P      = {1.0 / inv_p / 1e9:.2f} GFLOP/s per core")
    print(f"beta   = {beta * 1e9:.4f} ns per element of A and B")
    print(f"beta_c = {beta_c * 1e9:.4f} ns per element of C")
    print(f"gamma  = {GAMMA * 1e6:.3f} us per call (fixed)")
    print(f"relative error: median |e| {np.median(np.abs(rel)):.3f}, max {np.max(np.abs(rel)):.3f}")
    worst = np.argsort(-np.abs(rel))[:12]
    for i in worst:
        m, n, k, tr = names[i]
        print(f"  m={m:5d} n={n:5d} k={k:5d} trans={tr}: measured {y[i] * 1e6:10.1f} us, model {pred[i] * 1e6:10.1f} us")
    if perm_e:
        e, t = np.array(perm_e), np.array(perm_t)
        tau = float(np.median(t / e))
        print(f"tau   = {tau * 1e9:.4f} ns per permuted element (median over {len(t)} cases;"
              f" range {np.min(t / e) * 1e9:.3f}-{np.max(t / e) * 1e9:.3f})")


if __name__ == "__main__":
    main()
