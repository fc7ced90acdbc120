// Symmetric (Hermitian) eigendecomposition A = V diag(w) V^H, differentiable.
//
// A is (..., n, n); the op works on (A + A^H)/2, so it is defined for every square input
// and its gradient is the symmetric one (for a symmetric A nothing changes; a finite-
// difference check may perturb along any direction). LAPACK dsyevd. w ascending (as numpy
// and torch), V's columns the eigenvectors, each with its largest-|.| entry positive.
// Batched over leading axes (OpenMP). Errors: non-square input, NaN/Inf, LAPACK info != 0.
//
// Adjoint (linalg-adjoints.md 2; Giles 2008, tensorgrad):
//   a = (V^H Vbar - Vbar^H V)/2,  F_ij = 1/(w_j - w_i),  Abar = V [diag(wbar) + F o a] V^H,
// Hermitian by construction. Trap: F diverges at degenerate eigenvalues; it is
// regularised by DegeneracyOptions with scale = max |w| (same helper as the SVD).
//
// eigh_truncated keeps the k pairs of largest |w| (ordered by descending |w|, e.g. C4v
// corner projectors). It records the full decomposition and selects columns, so the
// cotangents are zero-padded into the full rule: this is the exact truncated adjoint
// (equal to the Sylvester form of linalg-adjoints.md 2, not the "old rule").
// Requires |w_discarded| < |w_kept| for a finite true gradient.
#pragma once
#include <cstdint>

#include "tnad/linalg/options.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad {

struct Eigh {
  Tensor w, V;
};

Eigh eigh(const Tensor& A, const DegeneracyOptions& degeneracy = {});
// Eigenvalues only (ascending). Without recording: dsyevd jobz='N'; with recording it is
// eigh(A).w, since its adjoint V diag(wbar) V^H needs the vectors.
Tensor eigvalsh(const Tensor& A);
Eigh eigh_truncated(const Tensor& A, int64_t k, const DegeneracyOptions& degeneracy = {});

}  // namespace tnad
