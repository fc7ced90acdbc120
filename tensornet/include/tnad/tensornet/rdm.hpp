// Reduced density matrices of an iPEPS and closed networks around a CTMRG environment
// (ctmrg.hpp), differentiable w.r.t. the site tensor and the environment.
//
// rdm: the environment closed around one site, a pair or a 2x2 plaquette, the physical legs of
// the ket (s) and the bra (s') left open, divided by its trace (so Tr rho = 1 and
// <O> = Tr(rho O) needs no separate norm):
//   rdm1x1 (d, d)                          legs (s, s')
//   rdm2x1 (d, d, d, d)  horizontal pair   legs (s1, s2, s1', s2'), 1 left, 2 right
//   rdm1x2 (d, d, d, d)  vertical pair     legs (s1, s2, s1', s2'), 1 top, 2 bottom
//   rdm2x2 (d x 8)       plaquette         legs (s1, s2, s3, s4, s1', s2', s3', s4'),
//                                          1 top left, 2 top right, 3 bottom left, 4 bottom right
// As a (d^n x d^n) matrix (reshape) rho is symmetric for a real C4v state; for a
// general one only up to the environment's accuracy. Energy per site of a nearest-neighbour
// Hamiltonian h (d^2 x d^2): E = Tr(rho_2x1 h) + Tr(rho_1x2 h); for a C4v state 2 Tr(rho_2x1 h).
//
// Contraction orders: the ket and bra layers are kept apart (the environment's D^2 legs split
// into (ket, bra)), so no D^8 object is formed; the planner orders each half-system (at most 7
// tensors) by flops: 1x1 and 2x1 cost O(chi^3 D^4 d^2 + chi^2 D^6 d^2), the 2x2 plaquette
// O(chi^3 D^6 d^4) (the product of two quadrants with open physical legs).
//
// network_value_*: the same closed networks for 4-leg tensors (a classical weight tensor, or
// an impurity such as a spin inserted into it): the unnormalized value of the environment
// closed around a, or around the pair (a1, a2); ratios give expectation values, e.g.
// <sigma> = network_value_1x1(env, b) / network_value_1x1(env, a) with b the impurity.
// value_per_site: kappa = Z_1x1 Z_0x0 / (Z_1x0 Z_0x1), the partition function per site of the
// infinite network (Z_mxn: the environment closed around m columns and n rows of sites,
// Z_0x0 the four corners alone; Nishino & Okunishi, J. Phys. Soc. Jpn. 65, 891 (1996)):
// ln Z / N = ln kappa. The environment tensors' normalizations cancel in it.
#pragma once
#include "tnad/tensornet/ctmrg.hpp"

namespace tnad {

// C4v environment (the contract of the iPEPS solvers): A (d, D, D, D, D). For a C4v-symmetric
// A, rdm1x2 equals rdm2x1; A need not be symmetric (e.g. a sublattice-rotated state), the
// environment is then used as written out for four sides (to_ctm_env).
Tensor rdm1x1(const C4vEnv& env, const Tensor& A);
Tensor rdm2x1(const C4vEnv& env, const Tensor& A);
Tensor rdm1x2(const C4vEnv& env, const Tensor& A);
Tensor rdm2x2(const C4vEnv& env, const Tensor& A);

// rdm2x1 of a network with the left-right mirror symmetry: A[s,u,l,d,r] = A[s,u,r,d,l],
// C = C^T and T[x,s,y] = T[y,s,x] (c4v_symmetrize'd states and ctmrg_c4v environments have
// it). The right half of the pair is then the left half mirrored, so one half is contracted
// and used twice: half the work and half the tape (~15 MB at D = 4, chi = 32). Same value as
// rdm2x1 up to rounding; the same gradient along perturbations that keep the symmetry only
// (c4v_energy differentiates through c4v_symmetrize, which projects onto them; a leaf A's
// gradient from here is not rdm2x1's). tnad::Error if the symmetry is broken beyond 1e-12
// (relative), naming which tensor.
Tensor rdm2x1_mirror_symmetric(const C4vEnv& env, const Tensor& A);
// Whether rdm2x1_mirror_symmetric accepts (env, A) (shapes checked as by rdm2x1).
bool mirror_symmetric(const C4vEnv& env, const Tensor& A);

// General single-site environment.
Tensor rdm1x1(const CtmEnv& env, const Tensor& A);
Tensor rdm2x1(const CtmEnv& env, const Tensor& A);
Tensor rdm1x2(const CtmEnv& env, const Tensor& A);
Tensor rdm2x2(const CtmEnv& env, const Tensor& A);

// An Lx x Ly unit cell (ctmrg.hpp, "unit cells"; A row-major, Lx * Ly site tensors): each part
// of the network is taken from the environment of the site it surrounds. rdm1x1: the site
// (x, y); rdm2x1: (x, y) and its right neighbour (x + 1, y); rdm1x2: (x, y) and the one below,
// (x, y + 1); rdm2x2: the plaquette with top-left (x, y). Coordinates are periodic.
// A 1 x 1 cell gives the single-site RDMs above.
Tensor rdm1x1(const CtmCellEnv& env, const std::vector<Tensor>& A, int64_t x, int64_t y);
Tensor rdm2x1(const CtmCellEnv& env, const std::vector<Tensor>& A, int64_t x, int64_t y);
Tensor rdm1x2(const CtmCellEnv& env, const std::vector<Tensor>& A, int64_t x, int64_t y);
Tensor rdm2x2(const CtmCellEnv& env, const std::vector<Tensor>& A, int64_t x, int64_t y);

// 4-leg tensors (u, l, d, r). a1 left / top, a2 right / bottom.
Tensor network_value_1x1(const CtmEnv& env, const Tensor& a);
Tensor network_value_2x1(const CtmEnv& env, const Tensor& a1, const Tensor& a2);
Tensor network_value_1x2(const CtmEnv& env, const Tensor& a1, const Tensor& a2);
Tensor value_per_site(const CtmEnv& env, const Tensor& a);

}  // namespace tnad
