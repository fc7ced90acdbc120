#!/usr/bin/python3
"""PyTorch peer of bench_core: the same tape and tanh-chain workloads, float64.

Prints one JSON object; bench/libad/run.sh runs it beside bench_core and prints ratios.
"""
import json
import os
import time

import torch

torch.set_default_dtype(torch.float64)
# Same thread count as tnad (OMP_NUM_THREADS, else all cores); torch defaults to physical cores.
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))


def best_of(f, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def tape(steps=100000):
    x0 = torch.tensor(1.0, requires_grad=True)
    x = x0
    for _ in range(steps):
        x = x * 1.0001 + 0.0001
    x.backward()
    return x0.grad.item()


def tanh_chain(n=512):
    g = torch.Generator().manual_seed(0)
    A = torch.randn(n, n, generator=g, requires_grad=True)
    B = torch.randn(n, n, generator=g, requires_grad=True)
    C = torch.randn(n, n, generator=g, requires_grad=True)
    s = 1.0 / n ** 0.5

    def fwd():
        return (torch.tanh(A @ B * s) @ C).sum()

    def fwd_bwd():
        y = fwd()
        torch.autograd.grad(y, (A, B, C))

    fwd_bwd()
    tf = best_of(lambda: fwd().item(), 5)
    tfb = best_of(fwd_bwd, 5)
    return tf, tfb


def matmul(n):
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    a @ b
    t = best_of(lambda: a @ b, 5 if n <= 1024 else 3)
    return 2.0 * n ** 3 / t / 1e9


if __name__ == "__main__":
    t_tape = best_of(tape, 2)
    tf, tfb = tanh_chain()
    out = {
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "tape_ns_per_op": t_tape / 200000 * 1e9,
        "tanh_chain_forward_ms": tf * 1e3,
        "tanh_chain_forward_backward_ms": tfb * 1e3,
        "tanh_chain_fb_gflops": 12.0 * 512 ** 3 / tfb / 1e9,
        "matmul_gflops": {n: matmul(n) for n in (256, 512, 1024, 2048)},
    }
    print(json.dumps(out))
