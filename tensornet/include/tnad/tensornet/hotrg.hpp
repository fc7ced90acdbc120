// Higher-order tensor renormalization group (HOTRG), differentiable.
// Xie, Chen, Qin, Zhu, Yang, Xiang, PRB 86, 045139 (2012), section II.
//
// One step merges two vertical neighbours, T_top (u l1 m r1) over T_bottom (m l2 d r2):
//   M_{u (l1 l2) d (r1 r2)} = sum_m T_{u l1 m r1} T_{m l2 d r2},
// then squeezes the doubled horizontal legs back to chi with an isometry U_{(l1 l2) x}:
//   T'_{u x d y} = sum U_{l1 l2 x} M_{u l1 l2 d r1 r2} U_{r1 r2 y}.
// U is the leading-eigenvector block of a Gram matrix (the HOSVD of M along a leg):
//   left:  G_L = M_(l) M_(l)^T,  right: G_R = M_(r) M_(r)^T  (chi^2 x chi^2, built in O(chi^6)
//   from two T T pairs, never forming M), U = the eigenvectors of the largest eigenvalues,
//   as many as kept_rank (truncation.hpp) allows on the eigenvalues with
//   RgOptions::truncation (at most chi = truncation.max_rank);
//   of U_L and U_R the one with the smaller discarded eigenvalue weight is used on both
//   sides (eq. 8-9 of the paper). The tensor is then mirrored (u <-> l, d <-> r) so the next
//   step merges along the other axis; a mirror image of the whole torus has the same Z.
// Cost per step: O(chi^7) for T' (the dominant term), O(chi^6) for the Gram matrices,
// eigh of chi^2 x chi^2. HOTRG is more accurate than TRG at the same chi, and slower.
//
// Derivative: eigh with its exact adjoint; the kept columns are a slice of the full
// decomposition, so the cotangent is zero-padded into the full rule (eigh.hpp) — the exact
// truncated adjoint. Which side is chosen, and where keep_multiplets cuts, are discrete
// choices taken on values (piecewise-constant, not differentiated).
// Trap: the Gram matrix squares the spectrum (eigenvalues ~ s^2), so the kept space is only
// resolved above ~1e-16 of the largest eigenvalue, and truncation.rel_cutoff applies to the
// eigenvalues (s^2), not to s; degenerate eigenvalues (Z2) are regularised in the adjoint
// and not cut with keep_multiplets. hotrg_step has a row in tensornet's op table.
#pragma once
#include "tnad/tensornet/rg.hpp"

namespace tnad {

RgResult hotrg(const Tensor& T, const RgOptions& options = {});
// Also the directional derivatives of ln Z / N along tangents T_dot of T (forward mode,
// differentiable again; see rg.hpp and ising_thermo.hpp).
RgResult hotrg(const Tensor& T, const std::vector<Tensor>& tangents, const RgOptions& options);

struct HotrgStep {
  Tensor T;  // already mirrored for the next step
  double discarded_weight = 0;
};
HotrgStep hotrg_step(const Tensor& T, const RgOptions& options);

}  // namespace tnad
