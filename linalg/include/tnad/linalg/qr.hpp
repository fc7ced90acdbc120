// QR and LQ decompositions (reduced), differentiable.
//
// qr: A (..., m, n) = Q R with K = min(m, n), Q (..., m, K) orthonormal columns, R (..., K, n)
// upper triangular (upper trapezoidal when m < n). lq: A = L Q, L (..., m, K) lower,
// Q (..., K, n) orthonormal rows. The diagonal of R (of L) is made non-negative, which
// makes the factors unique for full-rank input (deterministic under recomputation).
// LAPACK dgelqf/dorglq on the row-major buffer (a row-major A is LAPACK's A^T, whose LQ is
// A's QR). lq(A) is qr(A^T) transposed. Batched (OpenMP).
//
// Adjoint (docs/adjoints.md, "QR"; Seeger et al. 2017, Liao et al. 2019, PyTorch):
//   m >= n: M = R triu(Rbar)^H - Qbar^H Q,  Abar = (Qbar + Q copyltu(M)) R^{-H}
//     copyltu(M) = tril(M,-1) + tril(M,-1)^H + diag(M); R^{-H} by a triangular solve.
//   m < n:  A = [X | Y], R = [R1 | R2]: Abar_Y = Q Rbar2,
//     Abar_X = (tall rule)(Q, R1, Qbar + Y Rbar2^H, Rbar1).
// Trap: at a (numerically) rank-deficient input, R_ii <= 1e-13 max_j R_jj, neither Q nor R
// is differentiable (R^{-T} blows up); backward raises tnad::Error instead of returning
// ~1/eps garbage. The forward is fine there.
#pragma once
#include "tnad/ad/tensor.hpp"

namespace tnad {

struct QR {
  Tensor Q, R;
};
struct LQ {
  Tensor L, Q;
};

QR qr(const Tensor& A);
LQ lq(const Tensor& A);

}  // namespace tnad
