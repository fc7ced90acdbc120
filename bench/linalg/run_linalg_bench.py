#!/usr/bin/python3
"""Runs bench_linalg (Google Benchmark) and the same problems through torch.linalg in one
go, and prints tnad's times next to PyTorch's as ratios (tnad / torch; < 1: tnad faster).

Usage (from the repository root, after building the bench_linalg target):
    /usr/bin/python3 bench/linalg/run_linalg_bench.py --bench build/bench/linalg/bench_linalg

Both sides use the same thread count (--threads, default $OMP_NUM_THREADS or all cores)
and the OMP_WAIT_POLICY of the environment (printed in the header). Needs numpy and torch
(Debian python3-numpy, python3-torch): only /usr/bin/python3 sees them.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

SIZES = (256, 512, 1024)


def run_tnad(binary, threads, min_time, repetitions, cpu_time):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [binary, f"--benchmark_min_time={min_time}", f"--benchmark_repetitions={repetitions}",
               "--benchmark_report_aggregates_only=true", "--benchmark_format=console",
               f"--benchmark_out={out.name}", "--benchmark_out_format=json"]
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        data = json.load(open(out.name))
    res = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        ms = b["cpu_time" if cpu_time else "real_time"] * {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b["time_unit"]]
        res[b.get("run_name", b["name"]).replace("/process_time", "")] = (ms, b)  # the median over repetitions
    return res


CLOCK = time.perf_counter


def timeit(fn, min_time, min_reps=5):
    fn()  # warm-up
    times, total = [], 0.0
    while len(times) < min_reps or total < min_time:
        t0 = CLOCK()
        fn()
        dt = CLOCK() - t0
        times.append(dt)
        total += dt
    times.sort()
    return 1e3 * times[len(times) // 2]  # median, ms


def run_torch(threads, min_time):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    res = {}

    def fwd_bwd(name, n, f):
        A = torch.randn(n, n, dtype=torch.float64)
        res[f"{name}_forward/{n}"] = timeit(lambda: f(A), min_time)
        Ag = A.clone().requires_grad_()
        outs = f(Ag)
        outs = outs if isinstance(outs, (tuple, list)) else (outs,)
        cots = [torch.randn_like(o) for o in outs]
        res[f"{name}_backward/{n}"] = timeit(
            lambda: torch.autograd.grad(outs, [Ag], cots, retain_graph=True), min_time)

    for n in SIZES:
        fwd_bwd("svd", n, lambda A: torch.linalg.svd(A, full_matrices=False))
        fwd_bwd("eigh", n, lambda A: torch.linalg.eigh(A))
        fwd_bwd("qr", n, lambda A: torch.linalg.qr(A, mode="reduced"))

    B = torch.randn(64, 32, 32, dtype=torch.float64)
    for t in (1, os.cpu_count()):  # as bench_linalg: 1 thread vs all cores
        torch.set_num_threads(t)
        res[f"svd_batch64x32/{t}"] = timeit(lambda: torch.linalg.svd(B, full_matrices=False), min_time)
    torch.set_num_threads(threads)

    # Truncated SVD, 1024 x 1024 keeping 32: full gesdd + slice, and torch.svd_lowrank
    # (randomized, q = 42 = 32 + 10 oversampling, niter = 2), forward + backward.
    n, k = 1024, 32
    A = torch.randn(n, n, dtype=torch.float64)
    G = torch.randn(n, n, dtype=torch.float64)
    c = torch.arange(1.0, 1.0 + 0.25 * k, 0.25, dtype=torch.float64)

    def full_route(X):
        U, S, Vh = torch.linalg.svd(X, full_matrices=False)
        return U[:, :k], S[:k], Vh[:k]

    def lowrank_route(X):
        U, S, V = torch.svd_lowrank(X, q=k + 10, niter=2)
        return U[:, :k], S[:k], V[:, :k].mT

    def loss(f, X):
        U, S, Vh = f(X)
        return (G * ((U * c) @ Vh)).sum() + (S * c).sum()

    for name, f in (("full", full_route), ("lowrank", lowrank_route)):
        res[f"truncated_forward/{name}"] = timeit(lambda: f(A), min_time)

        def fb():
            X = A.clone().requires_grad_()
            torch.autograd.grad(loss(f, X), [X])
        res[f"truncated_forward_backward/{name}"] = timeit(fb, min_time)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default="build/bench/linalg/bench_linalg", help="path of the bench_linalg binary")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds per measurement (both sides)")
    ap.add_argument("--repetitions", type=int, default=3, help="Google Benchmark repetitions (median kept)")
    ap.add_argument("--cpu-time", action="store_true",
                    help="compare CPU time instead of wall time (meaningful with --threads 1 on a busy machine)")
    args = ap.parse_args()
    if not os.path.exists(args.bench):
        sys.exit(f"run_linalg_bench: no binary at {args.bench}; build the bench_linalg target first")

    print(f"# median {'CPU' if args.cpu_time else 'wall'} times; threads {args.threads}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset: default)')}, "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    global CLOCK
    if args.cpu_time:
        CLOCK = time.process_time
    tn = run_tnad(args.bench, args.threads, args.min_time, args.repetitions, args.cpu_time)
    try:
        th = run_torch(args.threads, args.min_time)
        import torch
        print(f"# torch {torch.__version__}")
    except ImportError:
        th = {}
        print("# torch not importable: tnad numbers only")

    def t(name):
        return tn[name][0] if name in tn else float("nan")

    def p(name):
        return th.get(name, float("nan"))

    print("\n## svd / eigh / qr, n x n float64 (ms; ratio = tnad / torch)")
    print(f"{'op':5} {'n':>5} | {'tnad fwd':>9} {'tnad bwd':>9} {'bwd/fwd':>7} | {'torch fwd':>9} {'torch bwd':>9}"
          f" {'bwd/fwd':>7} | {'fwd ratio':>9} {'bwd ratio':>9}")
    for op in ("svd", "eigh", "qr"):
        for n in SIZES:
            f, b = t(f"BM_{op}_forward/{n}"), t(f"BM_{op}_backward/{n}")
            pf, pb = p(f"{op}_forward/{n}"), p(f"{op}_backward/{n}")
            print(f"{op:5} {n:5d} | {f:9.2f} {b:9.2f} {b / f:7.2f} | {pf:9.2f} {pb:9.2f} {pb / pf:7.2f} |"
                  f" {f / pf:9.2f} {b / pb:9.2f}")

    print("\n## batch of 64 SVDs of 32 x 32 (ms)")
    s1, sp = t("BM_svd_batch64x32/1"), t("BM_svd_batch64x32/0")
    threads_all = int(tn["BM_svd_batch64x32/0"][1].get("threads", 0)) if "BM_svd_batch64x32/0" in tn else 0
    print(f"tnad : 1 thread {s1:.2f}, {threads_all} threads {sp:.2f}, speed-up {s1 / sp:.2f}")
    q1, qp = p("svd_batch64x32/1"), p(f"svd_batch64x32/{os.cpu_count()}")
    print(f"torch: 1 thread {q1:.2f}, {os.cpu_count()} threads {qp:.2f}, speed-up {q1 / qp:.2f}")
    print(f"ratio tnad / torch: 1 thread {s1 / q1:.2f}, all threads {sp / qp:.2f}")
    if args.cpu_time:
        print("(CPU times: the process's for svd/eigh/qr on both sides, the calling thread's for tnad's batch;"
              " use wall times for speed-ups)")

    print("\n## truncated SVD 1024 x 1024 keeping 32 (ms; accuracy vs the full gesdd route)")
    print(f"{'matrix':9} {'method':18} | {'fwd':>8} {'fwd+bwd':>8} | {'S rel err':>9} {'grad rel err':>12}")
    for g, label in ((0, "decaying"), (1, "gaussian")):
        for r, q, o, name in ((0, 0, 0, "full gesdd (A)"), (1, 2, 10, "rand. q=2 p=10 (B)"),
                              (1, 4, 10, "rand. q=4 p=10 (B)"), (1, 4, 32, "rand. q=4 p=32 (B)*")):
            f = t(f"BM_truncated_forward/{r}/{g}/{q}/{o}")
            key = f"BM_truncated_forward_backward/{r}/{g}/{q}/{o}"
            fb = t(key)
            c = tn[key][1] if key in tn else {}
            se, ge = c.get("sv_rel_err", float("nan")), c.get("grad_rel_err", float("nan"))
            print(f"{label:9} {name:18} | {f:8.1f} {fb:8.1f} | {se:9.1e} {ge:12.1e}")
    print("(* = tnad's defaults; A / B = the adjoint option of docs/adjoints.md, 'Truncated SVD')")
    if th:
        print(f"torch (gaussian)   full svd + slice | {p('truncated_forward/full'):8.1f} "
              f"{p('truncated_forward_backward/full'):8.1f}")
        print(f"torch (gaussian)   svd_lowrank q=42 niter=2 | {p('truncated_forward/lowrank'):8.1f} "
              f"{p('truncated_forward_backward/lowrank'):8.1f}")
        print(f"ratio tnad / torch, full route fwd+bwd (gaussian): "
              f"{t('BM_truncated_forward_backward/0/1/0/0') / p('truncated_forward_backward/full'):.2f}")


if __name__ == "__main__":
    main()
