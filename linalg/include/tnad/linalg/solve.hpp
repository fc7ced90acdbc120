// Linear solves and determinants, differentiable: cholesky, solve, solve_triangular, inv,
// det, slogdet. All take leading batch axes (OpenMP over the batch). Errors (tnad::Error
// naming the function, shape and reason): non-square A, NaN/Inf input, a matrix that is
// not positive definite (cholesky) or singular (solve, inv), LAPACK info != 0.
//
// Adjoints (docs/adjoints.md, "solve"; Giles, "Collected matrix derivative results", 2008):
//   cholesky  A = L L^H (A used as (A + A^H)/2):  P = Phi(L^H tril(Lbar)) (tril, diagonal
//             halved),  Abar = L^{-H} (P + P^H) L^{-1} / 2: two triangular solves.
//   solve     X = A^{-1} B:  Bbar = A^{-H} Xbar (reusing A's LU factors), Abar = -Bbar X^H.
//   solve_triangular: as solve, Abar projected onto A's triangle (diagonal dropped when
//             unit_diagonal). left = false solves X A = B.
//   inv       Y = A^{-1}:  Abar = -Y^H Ybar Y^H.
//   det       d = det A:  Abar = dbar d A^{-H}; near a singular A (smallest LU pivot below
//             1e-12 of the largest) the adjugate is formed from the SVD instead, so the
//             gradient stays finite there (first order only: its second derivative
//             raises tnad::Error).
//   slogdet   (sign, log|det A|):  Abar = logabsdet_bar A^{-H}; for a singular A the
//             forward gives (0, -inf) like numpy, and the gradient raises tnad::Error.
// Trap: never form inverses for solves; LU/Cholesky factors are computed once per call.
#pragma once
#include "tnad/ad/tensor.hpp"

namespace tnad {

Tensor cholesky(const Tensor& A);  // lower triangular L

// A (..., n, n); B (..., n, k), or a vector: B 1-D, or B.shape == A.shape[:-1] (torch rule).
// The batch axes of A and B broadcast.
Tensor solve(const Tensor& A, const Tensor& B);

// solve_triangular(A, B, {.upper = false, .left = false, .unit_diagonal = true}) solves
// X L = B with L the lower triangle of A and ones on its diagonal.
struct TriangularOptions {
  bool upper = true;           // read A's upper triangle (false: its lower triangle)
  bool left = true;            // solve A X = B, B (..., n, k) (false: X A = B, B (..., k, n))
  bool unit_diagonal = false;  // take A's diagonal as ones (it is not read)
};
// Only the chosen triangle of A is read. The batch axes of A and B broadcast.
Tensor solve_triangular(const Tensor& A, const Tensor& B, const TriangularOptions& options);

Tensor inv(const Tensor& A);
Tensor det(const Tensor& A);

struct Slogdet {
  Tensor sign, logabsdet;
};
Slogdet slogdet(const Tensor& A);

}  // namespace tnad
