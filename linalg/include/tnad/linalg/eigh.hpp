// Symmetric (Hermitian) eigendecomposition A = V diag(w) V^H, differentiable.
//
// A is (..., n, n); the op works on (A + A^H)/2, so it is defined for every square input
// and its gradient is the symmetric one (for a symmetric A nothing changes; a finite-
// difference check may perturb along any direction). LAPACK dsyevd. w ascending (as numpy
// and torch), V's columns the eigenvectors, each with its largest-|.| entry positive.
// Batched over leading axes (OpenMP). Errors: non-square input, NaN/Inf, LAPACK info != 0.
//
// Adjoint (docs/adjoints.md, "eigh"; Giles 2008, tensorgrad):
//   a = (V^H Vbar - Vbar^H V)/2,  F_ij = 1/(w_j - w_i),  Abar = V [diag(wbar) + F o a] V^H,
// Hermitian by construction. Trap: F diverges at degenerate eigenvalues; it is
// regularised by DegeneracyOptions with scale = max |w| (same helper as the SVD).
//
// eigh_truncated keeps the pairs of largest |w|, ordered by descending |w| (ties: larger w
// first), e.g. C4v corner projectors. How many: kept_rank (truncation.hpp) on the
// descending |w| — max_rank, rel_cutoff / abs_cutoff against |w|, keep_multiplets (a +-w
// pair counts as a multiplet: which of the two to keep would be an arbitrary choice); one k
// for a batch. Its adjoint is the full rule with the cotangents zero-padded into the
// discarded columns: the exact truncated adjoint (equal to the Sylvester form of
// docs/adjoints.md, "truncated SVD", not the "old rule"). It is computed from A's
// tridiagonal factors without forming the discarded vectors: dsytrd + dstedc, the kept
// vectors by dormtr, a first-order backward in O(n^2 k) (docs/adjoints.md, "eigh").
// Requires |w_discarded| < |w_kept| for a finite true gradient (keep_multiplets ensures it).
// discarded_weight: sum_{discarded} w_i^2 / sum_i w_i^2 per matrix (the squared Frobenius
// error of A ~ V_k diag(w_k) V_k^H relative to |A|_F^2, as svd_truncated's), differentiable,
// 0 for a zero matrix.
#pragma once
#include <cstdint>

#include "tnad/ad/tensor.hpp"
#include "tnad/linalg/options.hpp"
#include "tnad/linalg/truncation.hpp"

namespace tnad {

struct Eigh {
  Tensor w, V;
};

Eigh eigh(const Tensor& A, const DegeneracyOptions& degeneracy = {});
// Eigenvalues only (ascending). Without recording: dsyevd jobz='N'; with recording it is
// eigh(A).w, since its adjoint V diag(wbar) V^H needs the vectors.
Tensor eigvalsh(const Tensor& A);
struct TruncatedEigh {
  Tensor w, V, discarded_weight;  // w (..., k), V (..., n, k), discarded_weight (...)
};
// adjoint: automatic / full_spectrum (the exact rule above) or kept_only (the old rule, for
// comparisons only: eigh's adjoint on the k kept pairs as if the discarded eigenvalues were
// zero, Abar = V_k [diag(wbar) + F o a] V_k^T + sym(P Vbar W^-1 V_k^T), P = I - V_k V_k^T;
// truncation.hpp); sylvester throws. The values are the same bits in every mode; kept_only's
// discarded_weight is differentiated through the kept w only.
TruncatedEigh eigh_truncated(const Tensor& A, const Truncation& truncation,
                             const DegeneracyOptions& degeneracy = {},
                             TruncatedAdjoint adjoint = TruncatedAdjoint::automatic);

}  // namespace tnad
