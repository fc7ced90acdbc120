#!/usr/bin/python3
"""Runs the tensornet benchmarks and, on the same specs and shapes, torch.einsum and
numpy.einsum(optimize=True); prints times, GFLOP/s and ratios.

    /usr/bin/python3 bench/tensornet/run_bench.py --build build [--threads 2] [--min-time 1]

Only /usr/bin/python3 sees python3-numpy and python3-torch. The OpenMP wait policy and thread
count are set for every program alike and printed with the results.

By default every program (this script re-executes itself) runs with glibc malloc tunables
that keep freed memory mapped (mmap_threshold / trim_threshold): otherwise each fresh
multi-MiB result is page-faulted in again, which on some VMs costs ~25 us per 4 KiB page and
would dominate every kernel measured here, for tnad and the peers alike.
--no-malloc-tunables measures the default allocator behaviour.
"""
import argparse
import json
import os
import subprocess
import sys
import time

SPEC4 = "abcd,bcef->adef"
D4 = 24
CTM = "ab,apc,bqd,pqrs,crx,dsy->xy"
CHI, D2 = 32, 16
TUNABLES = "glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=17179869184"
PERM_CASES = [  # must match bench_tn_permute.cpp
    ("abcd->adbc_24", (24, 24, 24, 24), (0, 3, 1, 2)),
    ("ij->ji_2048", (2048, 2048), (1, 0)),
    ("abcd->dcba_48", (48, 48, 48, 48), (3, 2, 1, 0)),
    ("abcd->cadb_48", (48, 48, 48, 48), (2, 0, 3, 1)),
    ("abcd->bacd_48", (48, 48, 48, 48), (1, 0, 2, 3)),
    ("abc->bac_1024x1024x2", (1024, 1024, 2), (1, 0, 2)),
    ("abcdef->fedcba_12", (12,) * 6, (5, 4, 3, 2, 1, 0)),
]


def run_gbench(exe, min_time, env, repeat):
    """Runs a Google Benchmark program `repeat` times; per benchmark keeps the fastest run."""
    res = {}
    for _ in range(repeat):
        out = subprocess.run([exe, "--benchmark_format=json", f"--benchmark_min_time={min_time}"],
                             env=env, check=True, capture_output=True, text=True).stdout
        for b in json.loads(out)["benchmarks"]:
            name = b["name"].replace("/process_time", "")  # (CPU time measured for the process)
            if name not in res or b["real_time"] < res[name]["real_time"]:
                res[name] = b
    return res


def ms(b):
    unit = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
    return b["real_time"] * unit


REPEAT = 1


def timeit(f, min_time):
    """Mean ms per call over >= min_time seconds, the fastest of REPEAT such runs (the same
    statistic run_gbench keeps for the C++ side)."""
    f()  # warm up (plans, allocator)
    best = float("inf")
    for _ in range(REPEAT):
        n, t0 = 0, time.perf_counter()
        while True:
            f()
            n += 1
            if time.perf_counter() - t0 > min_time and n >= 3:
                break
        best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e3, best * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build", help="CMake build directory")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "2")))
    ap.add_argument("--wait-policy", default=os.environ.get("OMP_WAIT_POLICY", "passive"))
    ap.add_argument("--min-time", type=float, default=1.0)
    ap.add_argument("--no-malloc-tunables", action="store_true")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per measurement; the fastest is kept (shared, loaded machines)")
    args = ap.parse_args()
    if not args.no_malloc_tunables and "TNAD_BENCH_TUNED" not in os.environ:
        env = dict(os.environ, TNAD_BENCH_TUNED="1",
                   GLIBC_TUNABLES=TUNABLES + (":" + os.environ["GLIBC_TUNABLES"]
                                              if os.environ.get("GLIBC_TUNABLES") else ""))
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    global REPEAT
    REPEAT = args.repeat
    bindir = os.path.join(args.build, "bench", "tensornet")
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OMP_WAIT_POLICY=args.wait_policy)
    os.environ.update(OMP_NUM_THREADS=str(args.threads), OMP_WAIT_POLICY=args.wait_policy)

    import numpy as np
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    print(f"# OMP_NUM_THREADS={args.threads} OMP_WAIT_POLICY={args.wait_policy} "
          f"numpy {np.__version__} torch {torch.__version__ if torch else 'absent'}")
    print(f"# GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '(none)')}; fastest of {args.repeat} runs")
    try:
        print("# load average:", " ".join(open("/proc/loadavg").read().split()[:3]))
    except OSError:
        pass

    # ---------------------------------------------------------------- einsum
    g = run_gbench(os.path.join(bindir, "bench_tn_einsum"), args.min_time, env, args.repeat)
    flop4 = 2.0 * D4 ** 6
    rng = np.random.default_rng(0)
    a4 = rng.standard_normal((D4,) * 4)
    b4 = rng.standard_normal((D4,) * 4)
    g4 = rng.standard_normal((D4,) * 4)
    ctm_shapes = [(CHI, CHI), (CHI, D2, CHI), (CHI, D2, CHI), (D2,) * 4, (CHI, D2, CHI), (CHI, D2, CHI)]
    ctm = [rng.standard_normal(s) for s in ctm_shapes]
    ctm_flops = g["BM_ctmrg_forward/32/16/real_time"]["path_GFLOP"] * 1e9

    peers = {}
    n576 = D4 * D4
    m1 = rng.standard_normal((n576, n576))
    m2 = rng.standard_normal((n576, n576))
    peers["numpy dgemm 576"] = timeit(lambda: m1 @ m2, args.min_time)[0]
    peers["numpy fwd 4"] = timeit(lambda: np.einsum(SPEC4, a4, b4, optimize=True), args.min_time)[0]
    # numpy.einsum(optimize=True) caps intermediates at the largest input's size; this network
    # needs 4x that, so optimize=True falls back to one naive loop over all indices (~4e14
    # flops, minutes). Measure numpy with the greedy path it computes without that cap.
    ctm_path = np.einsum_path(CTM, *ctm, optimize=("greedy", 2 ** 40))[0]
    peers["numpy fwd ctm"] = timeit(lambda: np.einsum(CTM, *ctm, optimize=ctm_path), args.min_time)[0]
    if torch is not None:
        ta, tb, tg = (torch.from_numpy(x) for x in (a4, b4, g4))
        ta.requires_grad_(True)
        tb.requires_grad_(True)
        tm1, tm2 = torch.from_numpy(m1), torch.from_numpy(m2)
        peers["torch dgemm 576"] = timeit(lambda: tm1 @ tm2, args.min_time)[0]
        with torch.no_grad():
            peers["torch fwd 4"] = timeit(lambda: torch.einsum(SPEC4, ta, tb), args.min_time)[0]

        def fb4():
            c = torch.einsum(SPEC4, ta, tb)
            torch.autograd.grad(c, (ta, tb), tg)
        peers["torch fwdbwd 4"] = timeit(fb4, args.min_time)[0]
        tc = [torch.from_numpy(x).requires_grad_(True) for x in ctm]
        with torch.no_grad():
            peers["torch fwd ctm"] = timeit(lambda: torch.einsum(CTM, *tc), args.min_time)[0]

        def fbc():
            c = torch.einsum(CTM, *tc)
            torch.autograd.grad(c.sum(), tc)
        peers["torch fwdbwd ctm"] = timeit(fbc, args.min_time)[0]

    rows = [
        ("dgemm 576^3", "BM_dgemm_576/real_time", 2.0 * n576 ** 3, "torch dgemm 576", "numpy dgemm 576"),
        (f"{SPEC4} d={D4} forward", "BM_einsum4_forward/real_time", flop4, "torch fwd 4", "numpy fwd 4"),
        (f"{SPEC4} d={D4} fwd+bwd", "BM_einsum4_forward_backward/real_time", 3 * flop4, "torch fwdbwd 4", None),
        (f"CTMRG 6-tensor chi={CHI} D^2={D2} forward", "BM_ctmrg_forward/32/16/real_time", ctm_flops,
         "torch fwd ctm", "numpy fwd ctm"),
        (f"CTMRG 6-tensor chi={CHI} D^2={D2} fwd+bwd", "BM_ctmrg_forward_backward/32/16/real_time",
         3 * ctm_flops, "torch fwdbwd ctm", None),
    ]
    print("\n## einsum (GFLOP/s from the planned flop count; fwd+bwd counts 3x forward)")
    print("# numpy: einsum(optimize=True) for the 2-operand case; for the CTMRG network the greedy")
    print("# path of einsum_path without optimize=True's intermediate-size cap (with the cap numpy")
    print("# contracts all six tensors in one naive loop: ~4e14 flops)")
    print(f"{'case':48s} {'tnad ms':>9s} {'GFLOP/s':>8s} {'torch ms':>9s} {'GFLOP/s':>8s} "
          f"{'numpy ms':>9s} {'tnad/torch speed':>17s} {'tnad/numpy speed':>17s}")
    for name, key, flops, tkey, nkey in rows:
        t = ms(g[key])
        tt = peers.get(tkey)
        nt = peers.get(nkey) if nkey else None
        f = lambda v: f"{v:9.3f}" if v is not None else f"{'-':>9s}"
        gf = lambda v: f"{flops / v / 1e6:8.1f}" if v else f"{'-':>8s}"
        r = lambda v: f"{v / t:17.2f}" if v else f"{'-':>17s}"
        print(f"{name:48s} {f(t)} {gf(t)} {f(tt)} {gf(tt)} {f(nt)} {r(tt)} {r(nt)}")

    # ---------------------------------------------------------------- permutation
    p = run_gbench(os.path.join(bindir, "bench_tn_permute"), args.min_time, env, args.repeat)
    print("\n## permutation (GB/s = (read + written bytes) / time)")
    print(f"{'case':24s} {'MiB':>6s} {'permute':>8s} {'memcpy':>8s} {'clone':>8s} {'torch':>8s} "
          f"{'numpy':>8s} {'permute/memcpy':>15s} {'tnad/torch':>11s}")
    for i, (name, shape, perm) in enumerate(PERM_CASES):
        bp = p[f"BM_permute/{i}/real_time"]
        bm = p[f"BM_memcpy/{i}/real_time"]
        bc = p[f"BM_clone/{i}/real_time"]
        x = rng.standard_normal(shape)
        nbytes = x.nbytes
        nt = timeit(lambda: np.ascontiguousarray(x.transpose(perm)), args.min_time / 2)[0]
        tt = None
        if torch is not None:
            tx = torch.from_numpy(x)
            tt = timeit(lambda: tx.permute(*perm).contiguous(), args.min_time / 2)[0]
        gbs = lambda t_ms: 2 * nbytes / (t_ms * 1e-3) / 1e9
        print(f"{name:24s} {nbytes / 2**20:6.1f} {bp['GB/s'] / 1e0:8.1f} {bm['GB/s']:8.1f} "
              f"{bc['GB/s']:8.1f} {gbs(tt) if tt else 0:8.1f} {gbs(nt):8.1f} "
              f"{bp['GB/s'] / bm['GB/s']:15.2f} {(bp['GB/s'] / gbs(tt)) if tt else 0:11.2f}")

    # ---------------------------------------------------------------- checkpointed chains
    c = run_gbench(os.path.join(bindir, "bench_tn_chain"), args.min_time, env, args.repeat)
    print("\n## value + gradient of a 50-step chain: peak memory above the inputs, and time")
    for chi, d in ((32, 64), (128, 4)):
        print(f"# chi={chi} d={d}: state {chi * chi * 8 / 1024:.0f} KiB, one step's largest "
              f"intermediate {chi * d * chi * 8 / 1024:.0f} KiB")
        base = None
        for strategy in (0, 1, 2):
            b = c[f"BM_chain_grad/{strategy}/50/{chi}/{d}/real_time"]
            if base is None:
                base = b
            print(f"  {b['label']:12s} peak {b['peak_MiB']:8.2f} MiB ({b['peak_MiB'] / base['peak_MiB']:5.3f} x none)"
                  f"   time {ms(b):8.2f} ms ({ms(b) / ms(base):5.2f} x none)")


if __name__ == "__main__":
    sys.exit(main())
