// Internal: the degeneracy-regularised reciprocals of the SVD and eigh adjoints — the one
// place where F_ij = 1/(s_j - s_i), G_ij = 1/(s_i + s_j) and 1/s_i are formed (rules and
// widths documented in tnad/linalg/options.hpp). Built from Tensor ops, so the adjoints
// that use them are differentiable again (Lorentzian: smoothly; cutoff: piecewise).
#pragma once
#include <algorithm>
#include <cmath>

#include "tnad/linalg/options.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad::linalg_detail {

// max_i |v_i| over the last axis, keepdims (..., 1); 1 where it is 0 (zero matrix).
// A constant: the regularisation width is not differentiated.
NDArray spectrum_scale(const NDArray& values);
// F_ij = 1/(w_j - w_i), regularised with width sqrt(eps) * max(|w_i|, |w_j|, sqrt(eps) scale);
// 0 on the diagonal.
Tensor inverse_gaps(const Tensor& w, const NDArray& scale, const DegeneracyOptions& o);
// G_ij = 1/(s_i + s_j), regularised with width eps * scale.
Tensor inverse_sums(const Tensor& s, const NDArray& scale, const DegeneracyOptions& o);
// 1/s_i, regularised with width eps * scale.
Tensor inverse_values(const Tensor& s, const NDArray& scale, const DegeneracyOptions& o);

// The same reciprocals one element at a time, for kernels that fuse them into one pass over
// a matrix (first-order backwards, which are not recorded): bit-identical to the Tensor
// forms above. Gaps: the floor per matrix (scale's shape) is gap_floors = sqrt(eps) * scale,
// the width of pair (i, j) gap_width(|w_i|, |w_j|, floor, sqrt(eps)); sums and values: per
// matrix, eps * scale. r(x, w, w * w) is the regularised 1/x.
inline constexpr double kMinWidth = 1e-150;  // width^2 stays normal: x/(x^2 + w^2) is 0 at x = 0
NDArray gap_floors(const NDArray& scale, const DegeneracyOptions& o);
inline double gap_width(double abs_i, double abs_j, double floor, double r) {
  return std::max(std::max(std::max(abs_i, abs_j), floor) * r, kMinWidth);
}
NDArray sum_widths(const NDArray& scale, const DegeneracyOptions& o);
inline double regularized_reciprocal(double x, double width, double width2, Broadening rule) {
  if (rule == Broadening::lorentzian) return x / (x * x + width2);
  return std::fabs(x) > width ? 1.0 / x : 0.0;
}

}  // namespace tnad::linalg_detail
