// Degeneracy regularisation shared by the SVD and eigh adjoints.
//
// The SVD and eigh adjoints contain F_ij = 1/(s_j - s_i) (and, for the SVD, 1/(s_i + s_j)
// and 1/s_i in the complement terms). Tensor-network spectra are degenerate (symmetries,
// C4v corners, identity-like environments), and at a degeneracy a gauge-invariant loss
// gives a zero numerator: 0 * inf becomes O(1) garbage or NaN in floating point
// (linalg-adjoints.md 1.3: unregularised error 3e-2 at an exact 2-fold degeneracy).
//
// Every reciprocal is therefore regularised, relative to the spectrum scale
// `scale` = max_i |s_i| of each matrix in a batch (1 for a zero matrix):
//
//   gaps  x = s_j - s_i          lorentzian: 1/x -> x / (x^2 + eps * scale^2)
//                                cutoff:     1/x -> 0 where |x| <= sqrt(eps) * scale
//   values x = s_i, s_i + s_j    lorentzian: 1/x -> x / (x^2 + (eps * scale)^2)
//                                cutoff:     1/x -> 0 where |x| <= eps * scale
//
// so gaps below ~1e-6 * scale are damped (default eps = 1e-12; Liao et al., PRX 9, 031041
// (2019), and peps-torch use the same constant), while singular values are only cut
// at 1e-12 * scale (rank deficiency). Both rules give 0 at x = 0, so identity, zero,
// rank-deficient and exactly degenerate inputs never produce NaN or Inf.
//
// Trap: the regularisation is a bias for a loss that genuinely depends on the individual
// vectors of a near-degenerate pair (its true gradient is ~1/gap). That is accepted for
// optimisation stability; for gauge-invariant losses it changes nothing beyond rounding.
#pragma once

namespace tnad {

enum class Broadening {
  lorentzian,  // 1/x -> x/(x^2 + eps_eff): smooth (second derivatives stay finite)
  cutoff,      // 1/x -> 0 below the tolerance, exact 1/x above (MatrixAlgebraKit-style)
};

struct DegeneracyOptions {
  Broadening rule = Broadening::lorentzian;
  double eps = 1e-12;  // relative: see the table above
};

}  // namespace tnad
