#include "optim/test_functions.hpp"

#include <cmath>
#include <vector>

#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad::testfn {

Tensor rosenbrock(const Tensor& x) {
  if (x.ndim() != 1 || x.size(0) < 2)
    throw_error("rosenbrock: needs a 1-D tensor of at least 2 entries, got shape ", x.shape());
  const int64_t n = x.size(0);
  Tensor a = slice(x, 0, 0, n - 1), b = slice(x, 0, 1, n);
  Tensor r = b - a * a, s = 1.0 - a;
  return sum(100.0 * r * r + s * s);
}

// A = Q diag(l) Q^T with Q = H1 H2 H3, H = I - 2 v v^T / v.v (orthogonal without LAPACK).
NDArray conditioned_spd(int64_t n, double condition, std::mt19937_64& rng) {
  if (n < 1) throw_error("conditioned_spd: n must be >= 1, got ", n);
  if (!(condition >= 1.0)) throw_error("conditioned_spd: condition must be >= 1, got ", condition);
  std::normal_distribution<double> normal;
  std::vector<double> q(std::size_t(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) q[std::size_t(i * n + i)] = 1.0;
  for (int r = 0; r < 3; ++r) {
    std::vector<double> v(static_cast<std::size_t>(n));
    double vv = 0.0;
    for (auto& vi : v) { vi = normal(rng); vv += vi * vi; }
    // Q <- Q H: each row q_i -> q_i - 2 (q_i.v / v.v) v
    for (int64_t i = 0; i < n; ++i) {
      double dotp = 0.0;
      for (int64_t k = 0; k < n; ++k) dotp += q[std::size_t(i * n + k)] * v[std::size_t(k)];
      double c = 2.0 * dotp / vv;
      for (int64_t k = 0; k < n; ++k) q[std::size_t(i * n + k)] -= c * v[std::size_t(k)];
    }
  }
  std::vector<double> ql(q);  // Q diag(l)
  for (int64_t k = 0; k < n; ++k) {
    double l = n == 1 ? 1.0 : std::pow(condition, double(k) / double(n - 1));
    for (int64_t i = 0; i < n; ++i) ql[std::size_t(i * n + k)] *= l;
  }
  NDArray Q = NDArray::from(Shape{n, n}, q), QL = NDArray::from(Shape{n, n}, ql);
  NDArray A = nd::matmul(QL, Q, false, true);
  // exact symmetry (round-off in the product would make A.x and A^T.x differ)
  NDArray At = nd::transpose(A);
  return nd::mul(nd::add(A, At), 0.5);
}

}  // namespace tnad::testfn
