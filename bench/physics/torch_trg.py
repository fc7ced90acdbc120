#!/usr/bin/python3
"""PyTorch peer of bench_ising: the same Levin-Nave TRG of the 2D Ising model, with the
broadened SVD backward of Liao et al. (PRX 9, 031041 (2019); their tensorgrad code) as a
custom torch.autograd.Function, differentiated twice for u and C.

  /usr/bin/python3 bench/physics/torch_trg.py --chi 32 --steps 20 --order 2 --beta 0.4

Same network, conventions and truncation as tnad's trg (tensornet/include/tnad/tensornet/trg.hpp):
site tensor from the eigen-split bond weight, per-step Frobenius normalization accumulated
into ln Z / N, full SVD of the chi^2 x chi^2 matrices cut to chi (relative cutoff 1e-12,
multiplets kept whole), the torus trace at the end. One JSON line per beta: seconds, process
CPU seconds, ln Z, u, C, errors against Onsager, the process peak RSS (one configuration per
process, so the peak is its own). Threads: torch follows OMP_NUM_THREADS.
"""
import argparse
import json
import math
import resource
import time

import numpy as np
import torch
from scipy.special import ellipe, ellipkm1

torch.set_default_dtype(torch.float64)


def lorentzian_inverse(x, eps):
    return x / (x * x + eps)


class BroadenedSVD(torch.autograd.Function):
    """A = U diag(S) V^T with the F +- G backward (docs/adjoints.md, "SVD"), 1/(s_j - s_i)
    broadened as x / (x^2 + eps s_max^2). Written in torch ops, so it is differentiable
    again (second derivatives)."""

    @staticmethod
    def forward(ctx, A):
        U, S, Vh = torch.linalg.svd(A, full_matrices=False)
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, dU, dS, dVh):
        U, S, Vh = ctx.saved_tensors
        V, dV = Vh.t(), dVh.t()
        eps = 1e-12 * float(S[0]) ** 2
        K = S.shape[0]
        off = 1.0 - torch.eye(K)
        F = lorentzian_inverse(S[None, :] - S[:, None], eps) * off
        G = 1.0 / (S[None, :] + S[:, None]).clamp_min(1e-12 * float(S[0]))
        JU, JV = U.t() @ dU, V.t() @ dV
        aU, aV = 0.5 * (JU - JU.t()), 0.5 * (JV - JV.t())
        gamma = F * (aU + aV) + G * (aU - aV) + torch.diag(dS)
        Sinv = S / (S * S + (1e-12 * float(S[0])) ** 2)
        dA = U @ gamma @ Vh
        if U.shape[0] > K:
            dA = dA + ((dU - U @ JU) * Sinv[None, :]) @ Vh
        if V.shape[0] > K:
            dA = dA + (U * Sinv[None, :]) @ (dV - V @ JV).t()
        return dA


def kept_rank(s, chi, rel_cutoff=1e-12, multiplet_tol=1e-8):
    s = s.detach().numpy()
    k = int(np.sum(s > rel_cutoff * s[0]))
    k = max(1, min(k, chi))
    cuts = lambda kk: kk < len(s) and s[kk - 1] - s[kk] <= multiplet_tol * s[0]
    kk = k
    while kk >= 1 and cuts(kk):
        kk -= 1
    if kk >= 1:
        return kk
    kk = k
    while kk < len(s) and cuts(kk):
        kk += 1
    return kk


def split(M, chi):
    U, S, Vh = BroadenedSVD.apply(M)
    k = kept_rank(S, chi)
    sq = torch.sqrt(S[:k])
    return U[:, :k] * sq[None, :], Vh[:k, :].t() * sq[None, :]


def ising_tensor(beta):
    lam = torch.stack([torch.sqrt(2 * torch.cosh(beta)), torch.sqrt(2 * torch.sinh(beta))])
    r = 1.0 / math.sqrt(2.0)
    M = torch.tensor([[r, r], [r, -r]]) * lam[None, :]
    return torch.einsum("su,sl,sd,sr->uldr", M, M, M, M)


def trg_lnz(beta, chi, steps):
    T = ising_tensor(beta)
    lnz = torch.zeros(())
    for k in range(steps):
        c = torch.linalg.norm(T)
        T = T / c
        lnz = lnz + torch.log(c) / 2**k
        Du, Dl = T.shape[0], T.shape[1]
        A1, A3 = split(T.reshape(Du * Dl, Du * Dl), chi)
        B2, B4 = split(T.permute(1, 2, 3, 0).reshape(Dl * Du, Dl * Du), chi)
        ka, kb = A1.shape[1], B2.shape[1]
        F1, F3 = A1.reshape(Du, Dl, ka), A3.reshape(Du, Dl, ka)
        F2, F4 = B2.reshape(Dl, Du, kb), B4.reshape(Dl, Du, kb)
        # same contraction order as tnad's planner: (F3 F4)(F2 F1)
        X = torch.einsum("wxa,zwd->xazd", F3, F4)
        Y = torch.einsum("xyb,yzc->xbzc", F2, F1)
        T = torch.einsum("xazd,xbzc->badc", X, Y)
    c = torch.linalg.norm(T)
    tr = torch.einsum("ijij->", T / c)
    return lnz + (torch.log(c) + torch.log(tr)) / 2**steps


def onsager(beta):
    x = 2 * beta
    sh, ch, th = math.sinh(x), math.cosh(x), math.tanh(x)
    kp2 = ((sh * sh - 1) / (ch * ch)) ** 2
    K, E = float(ellipkm1(kp2)), float(ellipe(1 - kp2))
    t = np.linspace(0, math.pi / 2, 200001)
    f = np.log(0.5 * (1 + np.sqrt(np.cos(t) ** 2 + kp2 * np.sin(t) ** 2)))
    lnz = math.log(2 * ch) + np.trapz(f, t) / math.pi
    a = 2 * th * th - 1
    u = -(1 / th) * (1 + 2 / math.pi * a * K)
    c = 4 / math.pi * (beta / th) ** 2 * (K - E - (1 - th * th) * (math.pi / 2 + a * K))
    return lnz, u, c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chi", type=int, default=24)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--order", type=int, default=2)
    ap.add_argument("--beta", type=float, action="append")
    args = ap.parse_args()
    for b in args.beta or [0.40]:
        t0, c0 = time.perf_counter(), time.process_time()
        beta = torch.tensor(b, requires_grad=args.order >= 1)
        lnz = trg_lnz(beta, args.chi, args.steps)
        u = c = float("nan")
        if args.order >= 1:
            (g,) = torch.autograd.grad(lnz, beta, create_graph=args.order >= 2)
            u = -float(g)
            if args.order >= 2:
                (g2,) = torch.autograd.grad(g, beta)
                c = b * b * float(g2)
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
        ex = onsager(b)
        print(json.dumps({
            "peer": "torch", "torch": torch.__version__, "threads": torch.get_num_threads(),
            "chi": args.chi, "steps": args.steps, "order": args.order, "beta": b, "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "ln_z": float(lnz), "u": u, "c": c, "err_ln_z": float(lnz) - ex[0], "err_u": u - ex[1],
            "err_c": c - ex[2], "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}),
            flush=True)


if __name__ == "__main__":
    main()
