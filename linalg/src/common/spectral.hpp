// Internal: the degeneracy-regularised reciprocals of the SVD and eigh adjoints — the one
// place where F_ij = 1/(s_j - s_i), G_ij = 1/(s_i + s_j) and 1/s_i are formed (rules and
// widths documented in tnad/linalg/options.hpp). Built from Tensor ops, so the adjoints
// that use them are differentiable again (Lorentzian: smoothly; cutoff: piecewise).
#pragma once
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

}  // namespace tnad::linalg_detail
