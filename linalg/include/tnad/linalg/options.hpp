// Degeneracy regularisation shared by the SVD and eigh adjoints.
//
// The SVD and eigh adjoints contain F_ij = 1/(s_j - s_i) (and, for the SVD, 1/(s_i + s_j)
// and 1/s_i in the complement terms). Tensor-network spectra are degenerate (symmetries,
// C4v corners, identity-like environments), and at a degeneracy a gauge-invariant loss
// gives a zero numerator: 0 * inf becomes O(1) garbage or NaN in floating point (an
// unregularised 1/gap at a split of 1e-13 gives errors of 1e-4..1e-2; docs/adjoints.md,
// "SVD" and "eigh").
//
// Every reciprocal is therefore regularised. Gaps are measured against the pair itself,
// m_ij = max(|s_i|, |s_j|, sqrt(eps) * scale), values against the spectrum scale
// `scale` = max_i |s_i| of each matrix in a batch (1 for a zero matrix):
//
//   gaps  x = s_j - s_i          cutoff:     1/x -> 0 where |x| <= sqrt(eps) * m_ij
//                                lorentzian: 1/x -> x / (x^2 + eps * m_ij^2)
//   values x = s_i, s_i + s_j    cutoff:     1/x -> 0 where |x| <= eps * scale
//                                lorentzian: 1/x -> x / (x^2 + (eps * scale)^2)
//
// Default: cutoff with eps = 1e-12, i.e. the exact 1/x for gaps above 1e-6 of the pair's
// own size and singular values above 1e-12 * scale (MatrixAlgebraKit's rule for the
// values): on a well-separated spectrum the adjoint is the unregularised one to rounding.
// The pair-relative width matters for spectra spanning many decades (CTMRG corners and
// their projectors, whose values go like the corners' squared or to the fourth power;
// TRG): two small values 1e-8 * scale apart by 10% are a genuine gap whose 1/x must stay
// exact, while a width relative to the largest value would drop it. Values below
// sqrt(eps) * scale share the floor eps * scale: their gaps are rounding noise.
// The Lorentzian (Liao et al., PRX 9, 031041 (2019); peps-torch) is smooth across the
// threshold but biases every entry by a relative eps * m_ij^2 / x^2 — 6e-11 at gaps of
// 0.4 between values of size 3.
// Both rules give 0 at x = 0, so identity, zero, rank-deficient and exactly degenerate
// inputs never produce NaN or Inf, and both are differentiable again (cutoff: piecewise).
//
// Trap: below the threshold the term is dropped, which is a bias for a loss that depends
// on the individual vectors of a near-degenerate pair (its true gradient is ~1/gap), and,
// for a gauge-invariant loss, drops an O(1) term of a pair split by less than 1e-6 of its size
// (a jump in the gradient where a gap crosses the threshold). Exact degeneracies are the
// case the rule is for: there a gauge-invariant loss has a zero numerator and loses nothing.
#pragma once

namespace tnad {

enum class Broadening {
  cutoff,      // 1/x -> 0 below the tolerance, exact 1/x above (the default)
  lorentzian,  // 1/x -> x/(x^2 + eps_eff): smooth, biased by eps_eff/x^2 everywhere
};

struct DegeneracyOptions {
  Broadening rule = Broadening::cutoff;
  double eps = 1e-12;  // relative: see the table above
};

}  // namespace tnad
