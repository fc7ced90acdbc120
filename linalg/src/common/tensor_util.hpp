// Internal: small Tensor-level helpers the adjoints are written with (all built from
// libad's differentiable ops, so every adjoint stays differentiable).
#pragma once
#include <cstdint>

#include "tnad/ad/ops.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad::linalg_detail {

// 1/0 mask of shape (rows, cols): keep where lo <= j - i <= hi.
NDArray band_mask(int64_t rows, int64_t cols, int64_t lo, int64_t hi);

inline Tensor mT(const Tensor& x) { return transpose(x); }
// op(a) op(b) with op = transpose when ta / tb: BLAS transpose flags instead of copies.
// Differentiable (its VJP is two more mm's), batched like matmul.
Tensor mm(const Tensor& a, const Tensor& b, bool ta = false, bool tb = false);
// (X - X^T)/2 of the last two (square) axes, as one op (self-adjoint up to sign).
Tensor skew(const Tensor& x);
// The differentiable triangular solve behind solve_triangular (solve.cpp), with op(A) = A^T
// when `transpose` (no copies): left: op(A) X = B; right: X op(A) = B. Batches must agree.
Tensor triangular_solve_op(const Tensor& A, const Tensor& B, bool upper, bool left, bool transpose,
                           bool unit_diagonal);
// numpy triu / tril of the last two axes.
Tensor triu(const Tensor& x, int64_t k = 0);
Tensor tril(const Tensor& x, int64_t k = 0);
// (..., K) -> (..., K, K) diagonal matrices, and back.
Tensor diag_embed(const Tensor& v);
Tensor diagonal(const Tensor& x);
// copyltu(M) = tril(M,-1) + tril(M,-1)^H + diag(M): the symmetric matrix whose lower
// triangle is M's (Seeger et al. 2017).
Tensor copyltu(const Tensor& m);
// X S (column j scaled by v_j) and S X (row i scaled by v_i).
inline Tensor scale_columns(const Tensor& x, const Tensor& v) { return x * expand_dims(v, -2); }
inline Tensor scale_rows(const Tensor& x, const Tensor& v) { return x * expand_dims(v, -1); }
// Sum of optional terms (an undefined Tensor is an absent, i.e. zero, term).
inline Tensor plus(const Tensor& a, const Tensor& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return a + b;
}
inline Tensor minus(const Tensor& a, const Tensor& b) {
  if (!b.defined()) return a;
  if (!a.defined()) return -b;
  return a - b;
}
// (...) -> (..., 1, 1), for per-matrix scalars multiplying matrices.
inline Tensor as_matrix_scalar(const Tensor& x) { return expand_dims(expand_dims(x, -1), -1); }

}  // namespace tnad::linalg_detail
