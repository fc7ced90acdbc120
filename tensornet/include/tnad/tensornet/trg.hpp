// Levin-Nave tensor renormalization group (TRG), differentiable.
// Levin & Nave, PRL 99, 120601 (2007); used with AD in Liao et al., PRX 9, 031041 (2019).
//
// One step, on a torus of identical tensors T_uldr (legs up, left, down, right):
//   sublattice A: T as the matrix (u l) x (d r) = U S V^T,
//                 F1_ulk = U sqrt(S) (north-west half), F3_drk = V sqrt(S) (south-east half)
//   sublattice B: T as the matrix (l d) x (r u) = U' S' V'^T,
//                 F2_ldk = U' sqrt(S') (south-west half), F4_ruk = V' sqrt(S') (north-east half)
//   each keeping the triplets RgOptions::truncation asks for (svd_truncated: at most chi =
//   truncation.max_rank, by the one rank rule of truncation.hpp). Around every second plaquette
//   the four halves pointing into it form the new tensor, on a lattice rotated by 45 deg
//   with half as many sites:
//     T'_{b a d c} = sum_{w x y z} F3_{w x a} F2_{x y b} F1_{y z c} F4_{z w d}
//   (a: towards the north-west, b: north-east, c: south-east, d: south-west; the new
//   up, left, down, right are b, a, d, c — a rotation, so no mirror image creeps in).
// Cost per step: two SVDs of chi^2 x chi^2 matrices, O(chi^6) with dgesdd, O(chi^4 (chi + p))
// with the randomized method, and the contraction O(chi^6). Memory O(chi^4).
// After n steps one tensor stands for 2^n sites (an L x L torus for even n, L = 2^(n/2)).
// Inside trg() the chain keeps T as (u l r d), the layout in which the plaquette's two
// halves and its chi^6 product need no chi^4 transposition (trg.cpp); trg_step and the
// results use T_uldr.
//
// Traps: (1) exact degeneracies from the Z2 symmetry — truncation.keep_multiplets avoids
// cutting one; the adjoint's 1/(s_i - s_j) is regularised (linalg/options.hpp); (2) zero
// singular values (the first step's matrix has rank 2) give d sqrt(s) = inf: they are
// dropped by truncation.rel_cutoff; (3) the truncated-SVD adjoint must include the
// discarded subspace (option A or B, svd.hpp) — the "old" rule is 15-100% wrong here.
// trg_step has rows in tensornet's op table (first and second derivatives against finite
// differences, both adjoints), so a wrong derivative of the chain is located to a step.
#pragma once
#include "tnad/tensornet/rg.hpp"

namespace tnad {

RgResult trg(const Tensor& T, const RgOptions& options = {});
// Also the directional derivatives of ln Z / N along tangents T_dot of T (forward mode,
// differentiable again; see rg.hpp and ising_thermo.hpp).
RgResult trg(const Tensor& T, const std::vector<Tensor>& tangents, const RgOptions& options);

// One TRG step on a (normalized) tensor: the new tensor, and the step's discarded weight.
struct TrgStep {
  Tensor T;
  double discarded_weight = 0;
};
TrgStep trg_step(const Tensor& T, const RgOptions& options);

}  // namespace tnad
