// cholesky, solve, solve_triangular, inv, det, slogdet: forward kernels and adjoints side
// by side (docs/adjoints.md, "solve"; Giles 2008). Real case written; ^T is ^H for complex.
#include "tnad/linalg/solve.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "lapack/kernels.hpp"
#include "common/tensor_util.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {
namespace linalg_detail {
namespace {

// Broadcasts the batch axes of A (..., n, n) and B (..., n, k) against each other.
void broadcast_batches(Tensor& A, Tensor& B, const char* op) {
  if (A.ndim() < 2) throw_error(op, ": A of shape ", A.shape(), " is not a matrix");
  if (B.ndim() < 2) throw_error(op, ": B of shape ", B.shape(), " is not a matrix or vector");
  const Shape ba(A.shape().begin(), A.shape().end() - 2), bb(B.shape().begin(), B.shape().end() - 2);
  if (ba == bb) return;
  const Shape batch = broadcast_shapes(ba, bb, op);
  A = broadcast_to(A, with_matrix(batch, A.size(-2), A.size(-1)));
  B = broadcast_to(B, with_matrix(batch, B.size(-2), B.size(-1)));
}

// X = A^{-1} B (transpose: A^{-T} B) with A's LU computed once and reused by the adjoint:
//   Bbar = A^{-T} Xbar (the other solve, same factors),  Abar = -Bbar X^T
//   (transpose: Abar = -X Bbar^T).
Tensor lu_solve_op(const Tensor& A, const Tensor& B, const std::shared_ptr<const LuFactors>& lu,
                   bool transpose) {
  NDArray X = lu_solve(*lu, B.value(), transpose, "solve");
  return record("solve", {A, B}, std::move(X), save::in(0) | save::out(0),
                [lu, transpose](OpContext& c, const Tensor& gX) {
                  const Tensor A = c.input(0), X = c.output(0);
                  const Tensor gB = lu_solve_op(A, gX, lu, !transpose);
                  Tensor gA;
                  if (c.needs_grad(0)) gA = transpose ? -mm(X, gB, false, true) : -mm(gB, X, false, true);
                  return grads(gA, gB);
                });
}

// det(A) A^{-T} = adj(A)^T from the SVD: det(U) det(V) U diag(prod_{j != i} s_j) V^T,
// finite for singular A (value only).
NDArray cofactor_matrix(const NDArray& A) {
  const SvdFactors f = svd_factors(A, false, "det");
  const MatrixBatch b = matrix_batch(A, "det");
  const int64_t n = b.n;
  const DetParts du = det_parts(f.U, "det"), dv = det_parts(f.Vh, "det");
  NDArray scaled = f.U.clone();  // U diag(prod_{j != i} s_j)
  double* u = scaled.mutable_data();
  const double* s = f.S.data();
  for (int64_t i = 0; i < b.count; ++i) {
    std::vector<double> prefix(n + 1, 1.0), suffix(n + 1, 1.0);
    for (int64_t j = 0; j < n; ++j) prefix[j + 1] = prefix[j] * s[i * n + j];
    for (int64_t j = n; j > 0; --j) suffix[j - 1] = suffix[j] * s[i * n + j - 1];
    const double sg = du.sign.data()[i] * dv.sign.data()[i];
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < n; ++c) u[i * n * n + r * n + c] *= sg * prefix[c] * suffix[c + 1];
  }
  return nd::matmul(scaled, f.Vh);
}

// The cofactor matrix as an op of its own: first order only; differentiating it again
// raises (rather than silently treating it as a constant).
Tensor singular_cofactor_op(const Tensor& A) {
  return record("det_cofactor", {A}, cofactor_matrix(A.value()), save::none,
                [](OpContext& c, const Tensor&) -> Grads {
                  throw_error("det: the second derivative at a (near-)singular matrix ", c.input_shape(0),
                              " is not implemented");
                });
}

}  // namespace

// op(A) = A or A^T (transpose). left: op(A) X = B, Bbar = op(A)^{-T} Xbar, op(A)bar = -Bbar X^T;
// right: X op(A) = B, Bbar = Xbar op(A)^{-T}, op(A)bar = -X^T Bbar. Abar is op(A)bar (or its
// transpose) restricted to the triangle that was read (diagonal dropped when unit).
Tensor triangular_solve_op(const Tensor& A, const Tensor& B, bool upper, bool left, bool transpose,
                           bool unit) {
  NDArray X = triangular_solve(A.value(), B.value(), upper, left, transpose, unit, "solve_triangular");
  return record("solve_triangular", {A, B}, std::move(X), save::in(0) | save::out(0),
                [upper, left, transpose, unit](OpContext& c, const Tensor& gX) {
                  const Tensor A = c.input(0), X = c.output(0);
                  const Tensor gB = triangular_solve_op(A, gX, upper, left, !transpose, unit);
                  Tensor gA;
                  if (c.needs_grad(0)) {
                    Tensor full;
                    if (left) full = transpose ? -mm(X, gB, false, true) : -mm(gB, X, false, true);
                    else full = transpose ? -mm(gB, X, true, false) : -mm(X, gB, true, false);
                    const int64_t off = unit ? 1 : 0;
                    gA = upper ? triu(full, off) : tril(full, -off);
                  }
                  return grads(gA, gB);
                });
}

}  // namespace linalg_detail

namespace ld = linalg_detail;

// A = L L^T:  P = Phi(L^T tril(Lbar)),  Abar = L^{-T} (P + P^T) L^{-1} / 2.
Tensor cholesky(const Tensor& A) {
  NDArray L = ld::cholesky_factor(A.value(), "cholesky");
  return record("cholesky", {A}, std::move(L), save::out(0), [](OpContext& c, const Tensor& gL) {
    const Tensor L = c.output(0);
    const Tensor X = ld::mm(L, ld::tril(gL), true, false);
    const Tensor P = ld::tril(X, -1) + 0.5 * ld::diag_embed(ld::diagonal(X));  // Phi(X)
    // L^{-T} (P + P^T), then Z L^{-1}: two triangular solves with L, no copies of it.
    const Tensor Z = ld::triangular_solve_op(L, P + ld::mT(P), false, /*left=*/true, /*transpose=*/true, false);
    return grads(0.5 * ld::triangular_solve_op(L, Z, false, /*left=*/false, /*transpose=*/false, false));
  });
}

Tensor solve(const Tensor& A_in, const Tensor& B_in) {
  if (A_in.ndim() < 2) throw_error("solve: A of shape ", A_in.shape(), " is not a matrix");
  // B is a vector (torch's rule) if it is 1-D or has exactly A's shape without the last axis.
  const bool vector_rhs =
      B_in.ndim() == 1 ||
      (B_in.ndim() == A_in.ndim() - 1 &&
       std::equal(B_in.shape().begin(), B_in.shape().end(), A_in.shape().begin()));
  Tensor A = A_in, B = vector_rhs ? expand_dims(B_in, -1) : B_in;
  ld::broadcast_batches(A, B, "solve");
  ld::require_square(ld::matrix_batch(A.value(), "solve"), A.value(), "solve");
  if (B.size(-2) != A.size(-1))
    throw_error("solve: A ", A_in.shape(), " and B ", B_in.shape(), " do not match (", A.size(-1),
                " unknowns, ", B.size(-2), " equations in B)");
  const auto lu = ld::lu_factor(A.value(), "solve");
  const Tensor X = ld::lu_solve_op(A, B, lu, false);
  return vector_rhs ? squeeze(X, -1) : X;
}

Tensor solve_triangular(const Tensor& A_in, const Tensor& B_in, const TriangularOptions& options) {
  const bool upper = options.upper, left = options.left, unit_diagonal = options.unit_diagonal;
  Tensor A = A_in, B = B_in;
  ld::broadcast_batches(A, B, "solve_triangular");
  if ((left ? B.size(-2) : B.size(-1)) != A.size(-1))
    throw_error("solve_triangular: A ", A_in.shape(), " and B ", B_in.shape(), " do not match (",
                left ? "A X = B" : "X A = B", ")");
  return ld::triangular_solve_op(A, B, upper, left, false, unit_diagonal);
}

// Y = A^{-1}:  Abar = -Y^T Ybar Y^T.
Tensor inv(const Tensor& A) {
  NDArray Y = ld::inverse(A.value(), "inv");
  return record("inv", {A}, std::move(Y), save::out(0), [](OpContext& c, const Tensor& gY) {
    const Tensor Y = c.output(0);
    return grads(-ld::mm(Y, ld::mm(gY, Y, false, true), true, false));  // -Y^T (Ybar Y^T)
  });
}

// d = det A:  Abar = dbar d A^{-T}; the adjugate from the SVD near singular A.
Tensor det(const Tensor& A) {
  ld::DetParts p = ld::det_parts(A.value(), "det");
  NDArray d = nd::mul(p.sign, nd::exp(p.logabs));
  const bool near_singular = p.near_singular;
  return record("det", {A}, std::move(d), save::in(0) | save::out(0),
                [near_singular](OpContext& c, const Tensor& gd) {
                  const Tensor A = c.input(0);
                  if (!near_singular)
                    return grads(ld::as_matrix_scalar(gd * c.output(0)) * ld::mT(inv(A)));
                  return grads(ld::as_matrix_scalar(gd) * ld::singular_cofactor_op(A));
                });
}

// (sign, log|det A|):  Abar = logabsdet_bar A^{-T}; sign is piecewise constant.
Slogdet slogdet(const Tensor& A) {
  ld::DetParts p = ld::det_parts(A.value(), "slogdet");
  const std::array<Tensor, 1> in{A};
  auto out = record_multi("slogdet", in, {std::move(p.sign), std::move(p.logabs)},
                          save::in(0) | save::out(0), [](OpContext& c, const std::vector<Tensor>& g) {
                            if (!g[1].defined()) return Grads{Tensor()};
                            const Tensor A = c.input(0);
                            if (!nd::all_finite(nd::log(nd::abs(c.output(0).value()))))
                              throw_error("slogdet: the gradient of log|det| at a singular matrix ",
                                          A.shape(), " is infinite");
                            return Grads{ld::as_matrix_scalar(g[1]) * ld::mT(inv(A))};
                          });
  return {out[0], out[1]};
}

}  // namespace tnad
