// Internal (not installed): differentiable test objectives written with tnad tensors, used
// by the `minimize` job and the optimizer tests (which include it from solvers/src).
//
//   rosenbrock(x) = sum_i 100 (x_(i+1) - x_i^2)^2 + (1 - x_i)^2    (chained, x 1-D, n >= 2)
//     Rosenbrock, Comput. J. 3, 175 (1960). Minimum 0 at x = (1, ..., 1); for n >= 4 there
//     is also a local minimum near x_1 = -1, which the classic start (-1.2, 1, ...) avoids.
//
//   conditioned_spd(n, condition, rng) = Q diag(l) Q^T, l_k = condition^(k / (n - 1)),
//     Q = H1 H2 H3 a product of random Householder reflections (orthogonal without
//     LAPACK). Exactly symmetric; eigenvalues exactly l, so the condition number is known.
#pragma once
#include <cstdint>
#include <random>

#include "tnad/ad/ndarray.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad::testfn {

Tensor rosenbrock(const Tensor& x);
NDArray conditioned_spd(int64_t n, double condition, std::mt19937_64& rng);

}  // namespace tnad::testfn
