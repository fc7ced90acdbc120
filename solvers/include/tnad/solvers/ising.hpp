// The 2D classical Ising model on the square lattice as a tensor network, built
// differentiably from its parameters: H = -J sum_<ij> s_i s_j - h sum_i s_i, weight e^{-beta H}.
//
// Site tensor (one per site, legs u, l, d, r = up, left, down, right, each of dimension 2):
//   W = [[e^{bJ}, e^{-bJ}], [e^{-bJ}, e^{bJ}]]  (b = beta) is the weight of one bond. Its
//   eigen-split W = M M^T with M = Q diag(sqrt(2 cosh bJ), sqrt(2 sinh bJ)),
//   Q = [[1, 1], [1, -1]] / sqrt 2, puts one factor M on each end of every bond, and
//     T_uldr = sum_s e^{beta h s} M_su M_sl M_sd M_sr,   s = +1, -1.
//   At h = 0 this is the reference tensor of Liao et al., PRX 9, 031041 (2019):
//   T_uldr = sqrt(l_u l_l l_d l_r) / 2 for even u + l + d + r, else 0, with
//   l = (2 cosh bJ, 2 sinh bJ). Contracting one T per site of a torus gives Z exactly.
//
// Every entry is a smooth function of beta, J and h (exp, cosh, sinh, sqrt and one einsum),
// so d ln Z / d beta, d^2 ln Z / d beta^2 and d ln Z / d h are plain (nested) AD.
// Trap: sqrt(2 sinh bJ) is real only for bJ > 0 (ferromagnet) and has an infinite
// derivative at bJ = 0 (infinite temperature): ising_tensor raises unless beta J > 0.
// (The antiferromagnet on the bipartite square lattice maps to J > 0 by flipping one
// sublattice, with h -> staggered field.)
#pragma once
#include "tnad/ad/tensor.hpp"

namespace tnad {

// beta, J, h: 0-d tensors (any may require grad). Returns T with shape (2, 2, 2, 2),
// legs (u, l, d, r).
Tensor ising_tensor(const Tensor& beta, const Tensor& J, const Tensor& h);
// Constant convenience form.
Tensor ising_tensor(double beta, double J = 1.0, double h = 0.0);

// beta_c = ln(1 + sqrt 2) / 2 for J = 1 (Kramers-Wannier self-duality).
double ising_beta_c();

}  // namespace tnad
