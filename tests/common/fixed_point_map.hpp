// A small contraction map for the fixed-point tests: iterates X = {x (6, 1), z (2, 3)},
// params P = {W (6, 6), p (6, 1)},
//   x <- tanh(W x + p + 0.3 z_flat),   z <- 0.5 sin(x as 2 x 3),
// with |W|_2 = 0.5: a contraction (the Jacobian's blocks have norms <= 0.5, 0.3, 0.5, 0), so
// plain iteration converges linearly and the Neumann series of the adjoint too. The loss
// L = <c1, x*> + <c2, z* z*> depends on the params only through the fixed point.
#pragma once
#include <cmath>
#include <vector>

#include "tnad/ad.hpp"

namespace fp_test {
using namespace tnad;

inline TensorList step(const TensorList& X, const TensorList& P) {
  Tensor x = tanh(add(add(matmul(P[0], X[0]), P[1]), mul(reshape(X[1], {6, 1}), 0.3)));
  Tensor z = mul(sin(reshape(X[0], {2, 3})), 0.5);
  return {x, z};
}

// W with spectral norm `scale` (a random matrix over its Frobenius norm bounds it).
inline Tensor random_w(uint64_t seed, double scale) {
  NDArray w = NDArray::randn({6, 6}, seed);
  double s = 0;
  for (int64_t i = 0; i < w.numel(); ++i) s += w.data()[i] * w.data()[i];
  double* q = w.mutable_data();
  for (int64_t i = 0; i < w.numel(); ++i) q[i] *= scale / std::sqrt(s);
  return Tensor(w);
}

// The fixed point by plain iteration (unrecorded), to max change <= 1e-15.
inline TensorList solve(const TensorList& P, int* iterations = nullptr) {
  NoGradGuard ng;
  TensorList X = {zeros({6, 1}), zeros({2, 3})};
  int it = 0;
  for (; it < 1000; ++it) {
    TensorList Y = step(X, P);
    double d = 0;
    for (int k = 0; k < 2; ++k)
      for (int64_t i = 0; i < Y[k].numel(); ++i) d = std::max(d, std::abs(Y[k].data()[i] - X[k].data()[i]));
    X = Y;
    if (d <= 1e-15) break;
  }
  if (iterations) *iterations = it;
  return X;
}

struct Loss {
  Tensor c1 = Tensor(NDArray::randn({6, 1}, 101));
  Tensor c2 = Tensor(NDArray::randn({2, 3}, 102));
  Tensor operator()(const TensorList& X) const { return add(sum(mul(c1, X[0])), sum(mul(c2, mul(X[1], X[1])))); }
};

// Central finite difference of L(x*(P + h D)) along D.
inline double fd(const Loss& L, const TensorList& P, const TensorList& D, double h = 1e-5) {
  NoGradGuard ng;
  auto at = [&](double s) {
    TensorList Q;
    for (std::size_t i = 0; i < P.size(); ++i) Q.push_back(add(P[i].detach(), mul(D[i], s)));
    return L(solve(Q)).item();
  };
  return (at(h) - at(-h)) / (2 * h);
}

inline double dot(const TensorList& a, const TensorList& b) {
  double s = 0;
  for (std::size_t k = 0; k < a.size(); ++k) s += vdot(a[k].detach(), b[k].detach()).item();
  return s;
}
}  // namespace fp_test
