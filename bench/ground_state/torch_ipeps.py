#!/usr/bin/python3
"""PyTorch peer of tnad's C4v iPEPS energy: the 2D Heisenberg antiferromagnet (sublattice-
rotated bond) with one C4v-symmetric real tensor, its environment by C4v CTMRG and the
gradient by backpropagation through the unrolled CTMRG, as in Liao et al., PRX 9, 031041
(2019) and peps-torch (ctm/one_site_c4v): eigh of the enlarged corner with a Lorentzian-
broadened backward, truncation to the chi largest |eigenvalues|.

  /usr/bin/python3 bench/ground_state/torch_ipeps.py grad --D 4 --chi 32 --steps 30 [--checkpoint]
  /usr/bin/python3 bench/ground_state/torch_ipeps.py lbfgs --D 2 --chi 20 --target -0.6602

Conventions follow tnad (tensornet/include/tnad/tensornet/peps.hpp, ctmrg.hpp, rdm.hpp):
A has legs (p, u, l, d, r); the double layer fuses ket and bra as x = k * D + b; T has legs
(left, in, right); A is C4v-symmetrized and normalized to unit Frobenius norm before the
double layer; the environment starts from the double layer with the open legs
summed (|+><+| on every cut leg); each step C' = P^T M P = diag(w_kept), T' = P^T (T a) P
symmetrized in left/right, both divided by their Frobenius norm; truncation to chi with
tnad's policy (relative cutoff 1e-12, multiplets kept whole); convergence by the L2 change
of the normalized singular values of C; E = 2 Tr(rho_2x1 h) / Tr rho_2x1.
The starting tensor is read from a raw float64 file (--tensor) so tnad and the peer start
from the same numbers. One JSON line per run: seconds (median of --repeat), energy, |grad|,
peak RSS (resource.getrusage; one configuration per process) and torch's own counters.
Threads: OMP_NUM_THREADS (torch uses 1 thread on this machine without it).
"""
import argparse
import json
import resource
import time

import numpy as np
import torch
import torch.utils.checkpoint

torch.set_default_dtype(torch.float64)


class BroadenedEigh(torch.autograd.Function):
    """A = U diag(w) U^T (A symmetric), backward Abar = U [diag(wbar) + F o (U^T Ubar)] U^T
    symmetrized, F_ij = 1/(w_j - w_i) broadened as x / (x^2 + eps max|w|^2) (peps-torch's
    SYMEIG; Liao et al. 2019, Eq. 5)."""

    @staticmethod
    def forward(ctx, A, eps):
        w, U = torch.linalg.eigh(A)
        ctx.save_for_backward(w, U)
        ctx.eps = eps
        return w, U

    @staticmethod
    def backward(ctx, dw, dU):
        w, U = ctx.saved_tensors
        scale = float(w.abs().max()) ** 2
        x = w[None, :] - w[:, None]
        F = x / (x * x + ctx.eps * scale)
        F.fill_diagonal_(0.0)
        inner = torch.zeros_like(U) if dU is None else F * (U.t() @ dU)
        if dw is not None:
            inner = inner + torch.diag(dw)
        dA = U @ inner @ U.t()
        return 0.5 * (dA + dA.t()), None


C4V_PERMS = [(0, 1, 2, 3, 4), (0, 2, 3, 4, 1), (0, 3, 4, 1, 2), (0, 4, 1, 2, 3),
             (0, 1, 4, 3, 2), (0, 3, 2, 1, 4), (0, 2, 1, 4, 3), (0, 4, 3, 2, 1)]


def c4v_symmetrize(A):
    return sum(A.permute(p) for p in C4V_PERMS) / 8.0


def double_layer(A):
    d, D = A.shape[0], A.shape[1]
    a = torch.einsum('puldr,pULDR->uUlLdDrR', A, A)
    return a.reshape(D * D, D * D, D * D, D * D)


def initial_env(a, chi):
    # the open boundary: every cut virtual leg summed (|+><+|), cut at once if chi < D^2
    C = a.sum(dim=(0, 1)).t()          # C_{r d} = sum_{u l} a_{u l d r}
    T = a.sum(dim=0)                   # T_{l d r} = sum_u a_{u l d r}
    if chi < C.shape[0]:
        w, V = BroadenedEigh.apply(0.5 * (C + C.t()), EPS)
        idx = torch.argsort(w.abs(), descending=True)[:chi]
        V = V[:, idx]
        C = torch.diag(w[idx])
        T = torch.einsum('xk,xsy,yK->ksK', V, T, V)
    return C / C.norm(), T / T.norm()


def kept_count(mag, chi, rel_cutoff=1e-12, multiplet_tol=1e-8):
    # tnad's truncation policy (ctmrg.hpp): drop |w| <= rel_cutoff |w_1|, keep <= chi, never cut
    # a multiplet (|w_k| - |w_k+1| <= multiplet_tol |w_k|): first try fewer, else more
    s = mag
    L = len(s)
    k = int(np.sum(s > rel_cutoff * s[0]))
    k = max(1, min(k, chi))
    floor = 100 * np.finfo(float).eps * s[0]
    cuts = lambda kk: kk < L and s[kk - 1] - s[kk] <= max(multiplet_tol * s[kk - 1], floor)
    kk = k
    while kk >= 1 and cuts(kk):
        kk -= 1
    if kk >= 1:
        return kk
    kk = k
    while kk < L and cuts(kk):
        kk += 1
    return kk


EPS = 1e-12


def ctm_step(C, T, a, chi):
    # enlarged corner M[(X, r), (Y, d)] = C(x, y) T(x, u, X) T(y, l, Y) a(u, l, d, r)
    chi0, D2 = C.shape[0], a.shape[0]
    n = chi0 * D2
    CT = torch.einsum('xy,xuX->yuX', C, T)
    CTT = torch.einsum('yuX,ylY->XuYl', CT, T)
    M = torch.einsum('XuYl,uldr->XrYd', CTT, a).reshape(n, n)
    w, V = BroadenedEigh.apply(M, EPS)
    order = torch.argsort(w.abs(), descending=True)
    k = kept_count(w.detach().abs()[order].numpy(), chi)
    idx = order[:k]
    P = V[:, idx].reshape(chi0, D2, k)
    Cn = torch.diag(w[idx])
    # T'(k, d, K) = P(x, l, k) T(x, u, X) a(u, l, d, r) P(X, r, K)
    PT = torch.einsum('xlk,xuX->kluX', P, T)
    PTa = torch.einsum('kluX,uldr->kXdr', PT, a)
    Tn = torch.einsum('kXdr,XrK->kdK', PTa, P)
    Tn = 0.5 * (Tn + Tn.permute(2, 1, 0))
    return Cn / Cn.norm(), Tn / Tn.norm()


def corner_spectrum(C):
    s = torch.linalg.svdvals(C.detach())
    return s / s[0]


def ctmrg(A, chi, steps, tol, checkpoint):
    a = double_layer(A)
    C, T = initial_env(a, chi)
    prev = corner_spectrum(C)
    it = 0
    for it in range(1, steps + 1):
        if checkpoint:
            C, T = torch.utils.checkpoint.checkpoint(ctm_step, C, T, a, chi, use_reentrant=False)
        else:
            C, T = ctm_step(C, T, a, chi)
        if tol > 0:
            s = corner_spectrum(C)
            n = max(len(s), len(prev))
            err = float((torch.nn.functional.pad(s, (0, n - len(s))) - torch.nn.functional.pad(prev, (0, n - len(prev)))).norm())
            prev = s
            if err < tol:
                break
    return C, T, it


def rdm2x1(C, T, A):
    # left half with open physical legs: LH(g1, r, g2; s, s') of the 1-row, 2-column patch
    d, D = A.shape[0], A.shape[1]
    ao = torch.einsum('puldr,qULDR->pquUlLdDrR', A, A).reshape(d, d, D * D, D * D, D * D, D * D)
    CT = torch.einsum('xy,yuh->xuh', C, T)          # top-left corner + top edge
    CTT = torch.einsum('xuh,xlg->gluh', CT, T)      # + left edge
    CTTC = torch.einsum('gluh,gz->zluh', CTT, C)    # + bottom-left corner
    L = torch.einsum('zluh,zdk->hkuld', CTTC, T)    # + bottom edge
    LH = torch.einsum('hkuld,pquldr->hkrpq', L, ao)
    rho = torch.einsum('hkrpq,hkrst->psqt', LH, LH)  # (s1, s2, s1', s2')
    return rho / torch.einsum('psps->', rho)


def heisenberg_rotated():
    sx = torch.tensor([[0.0, 0.5], [0.5, 0.0]])
    isy = torch.tensor([[0.0, 0.5], [-0.5, 0.0]])
    sz = torch.tensor([[0.5, 0.0], [0.0, -0.5]])
    h = torch.kron(sx, sx) - torch.kron(isy, isy) + torch.kron(sz, sz)
    U = torch.tensor([[0.0, -1.0], [1.0, 0.0]])
    W = torch.kron(torch.eye(2), U)
    return W.t() @ h @ W


def energy(A0, h, chi, steps, tol, checkpoint):
    A = c4v_symmetrize(A0)
    A = A / A.norm()
    C, T, it = ctmrg(A, chi, steps, tol, checkpoint)
    rho = rdm2x1(C, T, A).reshape(4, 4)
    return 2.0 * torch.sum(rho * h.t()), it


def load_tensor(path, D):
    x = np.fromfile(path, dtype=np.float64)
    if x.size != 2 * D ** 4:
        raise SystemExit(f'{path}: {x.size} numbers, a D = {D} tensor has {2 * D ** 4}')
    return torch.tensor(x.reshape(2, D, D, D, D))


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def cmd_grad(args):
    h = heisenberg_rotated()
    A0 = load_tensor(args.tensor, args.D)
    times, e, g = [], None, None
    for _ in range(args.repeat):
        A = A0.clone().requires_grad_(True)
        t0 = time.perf_counter()
        E, it = energy(A, h, args.chi, args.steps, 0.0, args.checkpoint)
        E.backward()
        times.append(time.perf_counter() - t0)
        e, g = float(E), float(A.grad.norm())
    print(json.dumps({'peer': 'torch', 'mode': 'grad', 'D': args.D, 'chi': args.chi, 'steps': args.steps,
                      'checkpoint': args.checkpoint, 'seconds': float(np.median(times)), 'all_seconds': times,
                      'first_seconds': times[0],
                      'warm_seconds': float(np.median(times[1:])) if len(times) > 1 else None,
                      'energy': e, 'grad_norm': g, 'peak_rss_bytes': peak_rss_bytes(),
                      'threads': torch.get_num_threads(), 'torch': torch.__version__}), flush=True)


def cmd_lbfgs(args):
    h = heisenberg_rotated()
    A = load_tensor(args.tensor, args.D).requires_grad_(True)
    opt = torch.optim.LBFGS([A], lr=1.0, max_iter=args.max_steps, tolerance_grad=1e-10, tolerance_change=1e-14,
                            history_size=args.history, line_search_fn='strong_wolfe')
    state = {'evals': 0, 'best': float('inf'), 'reached': None, 'iters': []}
    t0 = time.perf_counter()

    class Reached(Exception):
        pass

    def closure():
        opt.zero_grad()
        E, it = energy(A, h, args.chi, args.max_ctm, args.ctm_tol, False)
        E.backward()
        state['evals'] += 1
        state['iters'].append(it)
        state['best'] = min(state['best'], float(E))
        if float(E) <= args.target and state['reached'] is None:
            state['reached'] = time.perf_counter() - t0
            raise Reached()
        return E

    try:
        opt.step(closure)
    except Reached:
        pass
    print(json.dumps({'peer': 'torch', 'mode': 'lbfgs', 'D': args.D, 'chi': args.chi, 'target': args.target,
                      'seconds_to_target': state['reached'], 'seconds': time.perf_counter() - t0,
                      'evaluations': state['evals'], 'best_energy': state['best'],
                      'mean_ctm_iterations': float(np.mean(state['iters'])), 'peak_rss_bytes': peak_rss_bytes(),
                      'threads': torch.get_num_threads()}), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    g = sub.add_parser('grad', help='energy + gradient after a fixed number of CTMRG steps')
    g.add_argument('--D', type=int, default=2)
    g.add_argument('--chi', type=int, default=20)
    g.add_argument('--steps', type=int, default=30)
    g.add_argument('--checkpoint', action='store_true', help='torch.utils.checkpoint per CTMRG step')
    g.add_argument('--repeat', type=int, default=3)
    l = sub.add_parser('lbfgs', help='L-BFGS until the energy reaches --target')
    l.add_argument('--D', type=int, default=2)
    l.add_argument('--chi', type=int, default=20)
    l.add_argument('--target', type=float, default=-0.6602)
    l.add_argument('--max-steps', type=int, default=200)
    l.add_argument('--history', type=int, default=10)
    l.add_argument('--max-ctm', type=int, default=40)
    l.add_argument('--ctm-tol', type=float, default=1e-8)
    for q in (g, l):
        q.add_argument('--tensor', required=True, help='raw float64 starting tensor, 2 D^4 numbers')
    args = p.parse_args()
    {'grad': cmd_grad, 'lbfgs': cmd_lbfgs}[args.cmd](args)


if __name__ == '__main__':
    main()
