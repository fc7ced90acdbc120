#!/usr/bin/python3
"""Every headline comparison of tnad against PyTorch in one go, with the commit it measures.

    bench/headline.sh [--build DIR] [--rounds N] [--min-time S] [--reps R] [--trg-pairs P]
                      [--trg-full] [--no-trg] [--record] [--note TEXT]

Cases (tnad side: the Google Benchmark programs under bench/, filtered; torch side: this
file run with --peer, the same workloads in float64 at the same thread count):
  tape overhead (ns per op), sum(tanh(A@B)@C) at 512 forward and forward+backward,
  einsum 'abcd,bcef->adef' at d = 24, the CTMRG-like 6-tensor network (chi 32, D^2 16),
  TRG's two pairwise layouts at chi 32 (the half-plaquette whose free labels interleave, and
  the chi^6 plaquette: the cases the pair kernel's loop over one label was made for),
  svd forward and backward at 256 and 512, raw dgemm at 512/576/1024 (the same run's peak),
  and the TRG pairs (bench/physics/pairs.sh: ln Z + u + C by AD against torch_trg.py; quick
  mode chi 24, 12 steps, one pair; --trg-full: chi 32, 20 steps).

Each round runs every tnad program and then the peer (the order alternates between rounds),
so both sides see the same machine state; per side and case the fastest of --reps
repetitions is kept. Printed per case: the median over rounds of tnad's and torch's time,
the speed ratio torch/tnad (> 1: tnad faster) from wall time and from process CPU time (all
threads; on a loaded machine the CPU ratio is the fairer one, the wall ratio on a quiet
one), with their range over rounds, and for contraction-bound cases their speed as a fraction
of the same round's dgemm of the same flop count ("x dgemm", wall and CPU). The speed goals
(the goal entries of CASES below) are printed beside each row. --record appends the table,
with the commit, the machine, its load and the thread settings, to bench/RESULTS.md.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# key: (program, benchmark name, flops or None, dgemm row of the same flop count or None, goal)
# goal: ("speed", x) torch/tnad >= x; ("dgemm", x) >= x of the dgemm row's speed.
CASES = [
    ("tape overhead (ns/op)", "libad/bench_core", "BM_TapeOverhead/min_time:2.000", None, None, ("speed", 1.0)),
    ("tanh chain 512 fwd", "libad/bench_core", "BM_TanhChainForward/512/real_time", 4 * 512 ** 3, None, ("speed", 1.0)),
    ("tanh chain 512 fwd+bwd", "libad/bench_core", "BM_TanhChainForwardBackward/512/real_time", 12 * 512 ** 3, None,
     ("speed", 1.0)),
    ("dgemm 512", "libad/bench_core", "BM_DgemmDirect/512/real_time", 2 * 512 ** 3, None, None),
    ("dgemm 576", "tensornet/bench_tn_einsum", "BM_dgemm_576/real_time", 2 * 576 ** 3, None, None),
    ("dgemm 1024", "tensornet/bench_tn_einsum", "BM_dgemm_1024/real_time", 2 * 1024 ** 3, None, None),
    ("einsum abcd,bcef->adef d=24 fwd", "tensornet/bench_tn_einsum", "BM_einsum4_forward/real_time", 2 * 24 ** 6,
     "dgemm 576", ("speed", 1.0), ("dgemm", 0.9)),
    ("einsum abcd,bcef->adef d=24 fwd+bwd", "tensornet/bench_tn_einsum", "BM_einsum4_forward_backward/real_time",
     6 * 24 ** 6, "dgemm 576", ("speed", 1.0), ("dgemm", 0.9)),
    ("CTMRG 6-tensor chi=32 D^2=16 fwd", "tensornet/bench_tn_einsum", "BM_ctmrg_forward/32/16/real_time", None, None,
     ("speed", 1.0)),
    ("CTMRG 6-tensor chi=32 D^2=16 fwd+bwd", "tensornet/bench_tn_einsum",
     "BM_ctmrg_forward_backward/32/16/real_time", None, None, ("speed", 1.0)),
    ("TRG half-plaquette xwa,xyb->bawy chi=32 fwd", "tensornet/bench_tn_einsum", "BM_trg_forward/0/32/real_time",
     2 * 32 ** 5, None, ("speed", 1.0)),
    ("TRG half-plaquette chi=32 fwd+bwd", "tensornet/bench_tn_einsum", "BM_trg_forward_backward/0/32/real_time",
     6 * 32 ** 5, None, ("speed", 1.0)),
    ("TRG plaquette bawy,wycd->bacd chi=32 fwd", "tensornet/bench_tn_einsum", "BM_trg_forward/1/32/real_time",
     2 * 32 ** 6, "dgemm 1024", ("speed", 1.0), ("dgemm", 0.9)),
    ("TRG plaquette chi=32 fwd+bwd", "tensornet/bench_tn_einsum", "BM_trg_forward_backward/1/32/real_time",
     6 * 32 ** 6, "dgemm 1024", ("speed", 1.0), ("dgemm", 0.9)),
    ("svd 256 fwd", "linalg/bench_linalg", "BM_svd_forward/256", None, None, None),
    ("svd 256 bwd", "linalg/bench_linalg", "BM_svd_backward/256", None, None, ("speed", 1.0)),
    ("svd 512 fwd", "linalg/bench_linalg", "BM_svd_forward/512", None, None, None),
    ("svd 512 bwd", "linalg/bench_linalg", "BM_svd_backward/512", None, None, ("speed", 1.0)),
]
PROGRAMS = {
    "libad/bench_core": "^BM_(TapeOverhead|TanhChainForward|TanhChainForwardBackward|DgemmDirect/512)",
    "tensornet/bench_tn_einsum": ".",
    "linalg/bench_linalg": "^BM_svd_(forward|backward)/(256|512)/",
}
TARGETS = ["bench_core", "bench_tn_einsum", "bench_linalg", "bench_ising"]


# ------------------------------------------------------------------------------ torch side
def peer(min_time, reps):
    import torch
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    sys.path.insert(0, os.path.join(HERE, "libad"))
    from torch_peer import tape

    def measure(f):
        """Fastest of `reps` batches lasting >= min_time: (wall ms, process CPU ms) per call."""
        f()
        best_w = best_c = float("inf")
        for _ in range(reps):
            n, w0, c0 = 0, time.perf_counter(), time.process_time()
            while True:
                f()
                n += 1
                if time.perf_counter() - w0 >= min_time:
                    break
            best_w = min(best_w, (time.perf_counter() - w0) / n * 1e3)
            best_c = min(best_c, (time.process_time() - c0) / n * 1e3)
        return best_w, best_c

    g = torch.Generator().manual_seed(0)
    rn = lambda *s, rg=False: torch.randn(*s, generator=g).requires_grad_(rg)
    res = {}
    res["tape overhead (ns/op)"] = measure(lambda: tape())

    n = 512
    A, B, C = rn(n, n, rg=True), rn(n, n, rg=True), rn(n, n, rg=True)
    s = 1.0 / n ** 0.5
    fwd = lambda: (torch.tanh(A @ B * s) @ C).sum()
    res["tanh chain 512 fwd"] = measure(lambda: fwd().item())
    res["tanh chain 512 fwd+bwd"] = measure(lambda: torch.autograd.grad(fwd(), (A, B, C)))

    for m in (512, 576, 1024):
        x, y = rn(m, m), rn(m, m)
        res[f"dgemm {m}"] = measure(lambda: x @ y)

    def einsum_pair(spec, shapes, name_fwd, name_fb):
        xs = [rn(*sh) for sh in shapes]
        with torch.no_grad():
            res[name_fwd] = measure(lambda: torch.einsum(spec, *xs))
        xg = [x.clone().requires_grad_(True) for x in xs]
        cot = rn(*torch.einsum(spec, *xs).shape)
        res[name_fb] = measure(lambda: torch.autograd.grad(torch.einsum(spec, *xg), xg, cot))

    d, c2 = 24, 32
    einsum_pair("abcd,bcef->adef", [(d,) * 4] * 2, "einsum abcd,bcef->adef d=24 fwd",
                "einsum abcd,bcef->adef d=24 fwd+bwd")
    einsum_pair("xwa,xyb->bawy", [(c2,) * 3] * 2, "TRG half-plaquette xwa,xyb->bawy chi=32 fwd",
                "TRG half-plaquette chi=32 fwd+bwd")
    einsum_pair("bawy,wycd->bacd", [(c2,) * 4] * 2, "TRG plaquette bawy,wycd->bacd chi=32 fwd",
                "TRG plaquette chi=32 fwd+bwd")

    chi, d2 = 32, 16
    ctm = "ab,apc,bqd,pqrs,crx,dsy->xy"
    xs = [rn(*sh) for sh in [(chi, chi), (chi, d2, chi), (chi, d2, chi), (d2,) * 4, (chi, d2, chi), (chi, d2, chi)]]
    with torch.no_grad():
        res["CTMRG 6-tensor chi=32 D^2=16 fwd"] = measure(lambda: torch.einsum(ctm, *xs))
    xg = [x.clone().requires_grad_(True) for x in xs]
    res["CTMRG 6-tensor chi=32 D^2=16 fwd+bwd"] = measure(lambda: torch.autograd.grad(torch.einsum(ctm, *xg).sum(), xg))

    for m in (256, 512):
        M = rn(m, m)
        res[f"svd {m} fwd"] = measure(lambda: torch.linalg.svd(M, full_matrices=False))
        Mg = M.clone().requires_grad_(True)
        outs = torch.linalg.svd(Mg, full_matrices=False)
        cots = [torch.randn_like(o) for o in outs]
        res[f"svd {m} bwd"] = measure(lambda: torch.autograd.grad(outs, [Mg], cots, retain_graph=True))
    # per op, as bench_core reports it: 2 ops per step, 10^5 steps
    w, c = res["tape overhead (ns/op)"]
    res["tape overhead (ns/op)"] = (w * 1e6 / 2e5, c * 1e6 / 2e5)
    res["_torch"] = torch.__version__
    json.dump(res, sys.stdout)


# ------------------------------------------------------------------------------ tnad side
def run_gbench(exe, filt, min_time, reps):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([exe, f"--benchmark_filter={filt}", f"--benchmark_min_time={min_time}",
                        f"--benchmark_repetitions={reps}", f"--benchmark_out={out.name}",
                        "--benchmark_out_format=json"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        data = json.load(open(out.name))
    unit = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    res = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        name = b.get("run_name", b["name"]).replace("/process_time", "")
        w, c = b["real_time"] * unit[b["time_unit"]], b["cpu_time"] * unit[b["time_unit"]]
        if name in res:
            w, c = min(w, res[name][0]), min(c, res[name][1])
        res[name] = (w, c)
    return res


def tnad_round(build, min_time, reps):
    raw = {}
    for prog, filt in PROGRAMS.items():
        raw.update(run_gbench(os.path.join(build, "bench", prog), filt, min_time, reps))
    res = {}
    for case in CASES:
        label, _, bname = case[:3]
        w, c = raw[bname]
        if label.startswith("tape"):
            w, c = w * 1e6 / 2e5, c * 1e6 / 2e5
        res[label] = (w, c)
    return res


def torch_round(min_time, reps):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--peer", "--min-time", str(min_time),
                          "--reps", str(reps)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def trg_pairs(build, pairs, chi, steps):
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, TNAD_BENCH_PAIRS=str(pairs), TNAD_BENCH_CHI=str(chi), TNAD_BENCH_STEPS=str(steps))
        env.pop("TNAD_BENCH_QUICK", None)
        subprocess.run(["bash", os.path.join(HERE, "physics", "pairs.sh"), build, out], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        rows = [l.split(" ", 1) for l in open(os.path.join(out, "pairs.jsonl")) if l.strip()]
    pt = [json.loads(r[1]) for r in rows if r[0] == "torch"]
    res = {}
    for cp in ("every_step", "none"):
        tn = [json.loads(r[1]) for r in rows if r[0] == "tnad_" + cp]
        res[f"TRG lnZ+u+C chi={chi} {steps} steps, checkpoint {cp}"] = [
            ((t["seconds"] * 1e3, t["cpu_seconds"] * 1e3), (p["seconds"] * 1e3, p["cpu_seconds"] * 1e3))
            for t, p in zip(tn, pt)]
    return res


def git(*args):
    return subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True).stdout.strip()


def commit_id():
    h = git("rev-parse", "--short=10", "HEAD")
    dirty = [l for l in git("status", "--porcelain", "--untracked-files=no").splitlines()
             if not l.endswith("bench/RESULTS.md")]
    return h + ("+dirty" if dirty else ""), git("log", "-1", "--format=%s")


def cpu_model():
    try:
        for l in open("/proc/cpuinfo"):
            if l.startswith("model name"):
                return l.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of tnad and torch (median kept)")
    ap.add_argument("--min-time", type=float, default=0.2, help="seconds per repetition")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per round and case (fastest kept)")
    ap.add_argument("--trg-pairs", type=int, default=1, help="TRG pairs (0: skip)")
    ap.add_argument("--trg-full", action="store_true", help="TRG pairs at chi 32, 20 steps (default chi 24, 12)")
    ap.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    ap.add_argument("--note", default="", help="one line recorded with the table")
    args = ap.parse_args()
    if args.peer:
        return peer(args.min_time, args.reps)

    commit, subject = commit_id()
    load0 = os.getloadavg()
    threads = os.environ.get("OMP_NUM_THREADS", "(unset)")
    header = [f"commit {commit} \"{subject}\"",
              f"{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, {cpu_model()}, {os.cpu_count()} cores, "
              f"OMP_NUM_THREADS={threads} OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}, "
              f"GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '(none)')}",
              f"{args.rounds} rounds x {args.reps} reps x {args.min_time} s"]
    print("# " + "\n# ".join(header), flush=True)

    per_case = {c[0]: [] for c in CASES}  # [(tnad (w, c), torch (w, c)), ...] per round
    torch_version = "?"
    for r in range(args.rounds):
        if r % 2 == 0:
            tn = tnad_round(args.build, args.min_time, args.reps)
            th = torch_round(args.min_time, args.reps)
        else:
            th = torch_round(args.min_time, args.reps)
            tn = tnad_round(args.build, args.min_time, args.reps)
        torch_version = th.pop("_torch")
        for label in per_case:
            per_case[label].append((tn[label], tuple(th[label])))
        print(f"# round {r + 1}/{args.rounds} done, load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    if args.trg_pairs > 0:
        chi, steps = (32, 20) if args.trg_full else (24, 12)
        per_case.update(trg_pairs(args.build, args.trg_pairs, chi, steps))
    load1 = os.getloadavg()

    med = lambda xs: statistics.median(xs)
    goal_of = {c[0]: tuple(g for g in c[5:] if g) for c in CASES}
    dgemm_of = {c[0]: c[4] for c in CASES}
    lines = []
    lines.append(f"| case | tnad ms | torch ms | torch/tnad wall (range) | torch/tnad CPU (range) | x dgemm wall / CPU | goal (wall) |")
    lines.append("|---|---:|---:|---:|---:|---:|---|")
    for label, rounds in per_case.items():
        tw = med([t[0] for t, _ in rounds])
        pw = med([p[0] for _, p in rounds])
        rw = [p[0] / t[0] for t, p in rounds]
        rc = [p[1] / t[1] for t, p in rounds]
        xd = ""
        goals = goal_of.get(label, (("speed", 1.0),))
        met = []
        xd_wall = None
        if dgemm_of.get(label):
            ref = per_case[dgemm_of[label]]
            # the same flop count: speed fraction = dgemm time / case time, per round (wall, CPU)
            f = 1.0 if "fwd+bwd" not in label else 3.0
            xd_wall = med([g[0][0] / t[0] * f for g, (t, _) in zip(ref, rounds)])
            xd_cpu = med([g[0][1] / t[1] * f for g, (t, _) in zip(ref, rounds)])
            xd = f"{xd_wall:.2f} / {xd_cpu:.2f}"
        for kind, x in goals:
            if kind == "speed":
                met.append(f"speed >= {x}: {'yes' if med(rw) >= x else 'NO'}")
            else:
                met.append(f"x dgemm >= {x}: {'yes' if xd_wall is not None and xd_wall >= x else 'NO'}")
        lines.append(f"| {label} | {tw:.3f} | {pw:.3f} | {med(rw):.2f} ({min(rw):.2f}-{max(rw):.2f}) | "
                     f"{med(rc):.2f} ({min(rc):.2f}-{max(rc):.2f}) | {xd} | {'; '.join(met)} |")
    loaded = max(load0[0], load1[0]) > 0.75 * os.cpu_count()
    footer = (f"load average {load0[0]:.1f} before, {load1[0]:.1f} after"
              + (" -- MEASURED UNDER LOAD: wall times and wall ratios are unreliable, read the CPU ratios"
                 if loaded else "")
              + f"; torch {torch_version}")
    print("\n".join(lines))
    print("# " + footer)
    if args.record:
        with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
            f.write(f"\n## {commit} — {subject}\n\n")
            for h in header[1:]:
                f.write(f"{h}  \n")
            f.write(footer + "  \n")
            if args.note:
                f.write(f"Note: {args.note}  \n")
            f.write("\n" + "\n".join(lines) + "\n")
        print(f"# appended to {os.path.join(HERE, 'RESULTS.md')}")


if __name__ == "__main__":
    sys.exit(main())
