// qr and lq: forward kernel and adjoint side by side (docs/adjoints.md, "QR").
// Real case written; each ^T is ^H for complex.
#include "tnad/linalg/qr.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "lapack/kernels.hpp"
#include "common/tensor_util.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {
namespace linalg_detail {
namespace {

// m >= n: M = R Rbar^T - Qbar^T Q,  Abar = (Qbar + Q copyltu(M)) R^{-T}, the R^{-T} by a
// right-side triangular solve with op(R) = R^T (BLAS flags, no inverse, no copy).
Tensor qr_tall_backward(const Tensor& Q, const Tensor& R, const Tensor& gQ, const Tensor& gR) {
  if (!gQ.defined() && !gR.defined()) return Tensor();
  const Tensor M = minus(gR.defined() ? mm(R, gR, false, true) : Tensor(),
                         gQ.defined() ? mm(gQ, Q, true, false) : Tensor());
  const Tensor B = plus(gQ, mm(Q, copyltu(M)));
  return triangular_solve_op(R, B, /*upper=*/true, /*left=*/false, /*transpose=*/true, false);  // B R^{-T}
}

// R^{-T} in the rule: at a numerically rank-deficient input Q's derivative does not
// exist; raise instead of returning ~1/eps garbage. Threshold R_ii <= 1e-13 max_j R_jj:
// beyond a condition number of 1e13 the gradient has no correct digit left anyway
// (relative accuracy ~ cond * eps), and rounding puts an exact rank deficiency at
// R_ii ~ eps max_j R_jj, a few multiples either side.
void require_full_rank(const NDArray& R, const char* op, const Shape& input_shape) {
  const int64_t K = R.size(-2), n = R.size(-1), count = R.numel() / (K * n);
  const double* r = R.data();
  for (int64_t b = 0; b < count; ++b) {
    double rmax = 0.0;
    for (int64_t i = 0; i < K; ++i) rmax = std::max(rmax, std::abs(r[b * K * n + i * n + i]));
    for (int64_t i = 0; i < K; ++i) {
      const double rii = std::abs(r[b * K * n + i * n + i]);
      if (!(rii > 1e-13 * rmax))
        throw_error(op, ": backward at a rank-deficient input ", input_shape, " (matrix ", b, ": R[", i, ",", i,
                    "] = ", rii, " vs max ", rmax, "); the derivatives of Q and R do not exist there");
    }
  }
}

// m < n: A = [X | Y], R = [R1 | R2]: Abar_Y = Q Rbar2,
// Abar_X = tall rule with (Q, R1, Qbar + Y Rbar2^T, Rbar1).
Tensor qr_backward(const Tensor& A, const Tensor& Q, const Tensor& R, const Tensor& gQ, Tensor gR) {
  const int64_t m = Q.size(-2), n = R.size(-1);
  if (gR.defined()) gR = triu(gR);  // only the upper triangle of R is an output
  if (m >= n) return qr_tall_backward(Q, R, gQ, gR);
  const Tensor R1 = slice(R, -1, 0, m);
  const Tensor Y = slice(A, -1, m, n);
  Tensor gR1, gR2, gQx = gQ;
  if (gR.defined()) {
    gR1 = slice(gR, -1, 0, m);
    gR2 = slice(gR, -1, m, n);
    gQx = plus(gQ, mm(Y, gR2, false, true));
  }
  Tensor gX = qr_tall_backward(Q, R1, gQx, gR1);
  if (!gX.defined() && !gR2.defined()) return Tensor();
  if (!gX.defined()) gX = zeros(slice(A, -1, 0, m).shape());
  const Tensor gY = gR2.defined() ? mm(Q, gR2) : zeros(Y.shape());
  return concatenate({gX, gY}, -1);
}

// `shape` is the caller's input shape (lq passes A^T here), for error messages.
QR qr_impl(const Tensor& A, const char* name, const Shape& shape) {
  QrFactors f = qr_factors(A.value(), name);
  const bool wide = A.size(-2) < A.size(-1);
  const std::array<Tensor, 1> in{A};
  auto out = record_multi(name, in, {std::move(f.Q), std::move(f.R)},
                          (wide ? save::in(0) : save::none) | save::out(0) | save::out(1),
                          [wide, name, shape](OpContext& c, const std::vector<Tensor>& g) {
                            require_full_rank(c.output(1).value(), name, shape);
                            return Grads{qr_backward(wide ? c.input(0) : Tensor(), c.output(0),
                                                     c.output(1), g[0], g[1])};
                          });
  return {out[0], out[1]};
}

}  // namespace
}  // namespace linalg_detail

QR qr(const Tensor& A) { return linalg_detail::qr_impl(A, "qr", A.shape()); }

// A = L Q  <=>  A^T = Q^T L^T, a QR of A^T: the composition carries the LQ adjoint
// (docs/adjoints.md, "QR": LQ via the transposed QR rule) for both shapes.
LQ lq(const Tensor& A) {
  linalg_detail::matrix_batch(A.value(), "lq");  // errors name lq and the caller's shape
  linalg_detail::require_finite(A.value(), "lq");
  const QR f = linalg_detail::qr_impl(transpose(A), "lq", A.shape());
  return {transpose(f.R), transpose(f.Q)};
}

}  // namespace tnad
