#!/usr/bin/python3
"""Whole-job benchmark of the solvers layer: `tnad run` (the minimize job: objective and
gradient through tnad tensors + AD, L-BFGS with a strong-Wolfe line search, HDF5
checkpoints) against PyTorch's torch.optim.LBFGS(line_search_fn="strong_wolfe") on the
same problems from the same starting point, in the same script.

  /usr/bin/python3 bench/solvers/bench_lbfgs.py --tnad build/bin/tnad [--repeat 3]

Reports wall time of the whole job (process start, config, every step, checkpoints),
iterations and evaluations, the final gradient norm, and the tnad / torch time ratio.
A second table measures what checkpointing costs: the same run with a checkpoint every
step against one checkpoint at the end.

Stopping: tnad stops at ||g||_2 <= tol; torch at max|g_i| <= tol (its only gradient test)
and on tolerance_change = 0 (disabled) -- so torch may stop a little earlier; compare
the iterations together with the final gradient norms.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np


def run_tnad(tnad, dim, history, tol, every, tmp, threads):
    cfg = os.path.join(tmp, f"b{dim}_{history}_{every}.toml")
    out = cfg[:-5] + ".h5"
    with open(cfg, "w") as f:
        f.write(f'[job]\ntype = "minimize"\nobjective = "rosenbrock"\ndim = {dim}\n'
                f'[optimizer]\nmethod = "lbfgs"\nhistory = {history}\nmax_steps = 100000\ngrad_tol = {tol}\n'
                f'[output]\ncheckpoint_every = {every}\ncheckpoint_seconds = 0.0\n')
    t0 = time.perf_counter()
    subprocess.run([tnad, "run", cfg, "-o", out, "--overwrite", "-q", "--threads", str(threads)], check=True)
    wall = time.perf_counter() - t0
    with h5py.File(out, "r") as f:
        r = f["results"]
        return wall, int(r["steps"][()]), int(r["evaluations"][()]), float(r["grad_norm"][()]), \
            float(r["distance_to_minimum"][()]), os.path.getsize(out)


def run_torch(dim, history, tol):
    import torch
    torch.set_num_threads(1)
    x0 = np.array([-1.2 if i % 2 == 0 else 1.0 for i in range(dim)])
    t0 = time.perf_counter()
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=1, max_iter=100000, max_eval=200000, history_size=history,
                            tolerance_grad=tol, tolerance_change=0.0, line_search_fn="strong_wolfe")
    evals = [0]

    def closure():
        opt.zero_grad()
        a, b = x[:-1], x[1:]
        f = (100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2).sum()
        f.backward()
        evals[0] += 1
        return f

    opt.step(closure)
    wall = time.perf_counter() - t0
    closure()
    g = float(x.grad.norm())
    dist = float((x.detach() - 1.0).abs().max())
    return wall, int(opt.state[opt._params[0]]["n_iter"]), evals[0] - 1, g, dist


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tnad", required=True, help="path of the tnad binary")
    p.add_argument("--repeat", type=int, default=3, help="best of N wall times")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("(python3-torch not installed: no peer column)", file=sys.stderr)

    print(f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}, tnad --threads {a.threads}, "
          f"torch threads 1, best of {a.repeat}")
    tol = 1e-8
    print(f"\nRosenbrock (chained), start (-1.2, 1, ...), L-BFGS, tol {tol}")
    print(f"{'dim':>5} {'m':>3} | {'tnad s':>8} {'iters':>6} {'evals':>6} {'|g|':>9} {'|x-1|':>9} |"
          f" {'torch s':>8} {'iters':>6} {'evals':>6} {'|g|':>9} {'|x-1|':>9} | {'time ratio':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for dim, m in [(2, 10), (100, 10), (1000, 10), (10000, 10)]:
            tn = min((run_tnad(a.tnad, dim, m, tol, 1000000, tmp, a.threads) for _ in range(a.repeat)),
                     key=lambda r: r[0])
            line = f"{dim:>5} {m:>3} | {tn[0]:>8.3f} {tn[1]:>6} {tn[2]:>6} {tn[3]:>9.2e} {tn[4]:>9.2e} |"
            if have_torch:
                tr = min((run_torch(dim, m, tol) for _ in range(a.repeat)), key=lambda r: r[0])
                line += f" {tr[0]:>8.3f} {tr[1]:>6} {tr[2]:>6} {tr[3]:>9.2e} {tr[4]:>9.2e} | {tn[0] / tr[0]:>10.2f}"
            print(line, flush=True)

        print("\nCheckpoint cost: the same run with a checkpoint every step vs. once at the end")
        print(f"{'dim':>5} | {'every step s':>12} {'at end s':>9} {'file KiB':>9} {'ms/checkpoint':>13}")
        for dim in (100, 1000):
            each = min((run_tnad(a.tnad, dim, 10, tol, 1, tmp, a.threads) for _ in range(a.repeat)), key=lambda r: r[0])
            end = min((run_tnad(a.tnad, dim, 10, tol, 1000000, tmp, a.threads) for _ in range(a.repeat)),
                      key=lambda r: r[0])
            per = (each[0] - end[0]) / max(1, each[1]) * 1e3
            print(f"{dim:>5} | {each[0]:>12.3f} {end[0]:>9.3f} {each[5] / 1024:>9.1f} {per:>13.3f}")


if __name__ == "__main__":
    main()
