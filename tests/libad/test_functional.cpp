// Forward mode (jvp) and Hessian-vector products, against finite differences and
// against the reverse mode.
#include <gtest/gtest.h>

#include <cmath>

#include "tnad/ad.hpp"

using namespace tnad;

namespace {
Tensor f_vec(const Tensor& x) {  // R^4 -> R^3, nonlinear
  Tensor A(NDArray::randn({3, 4}, 11));
  return tanh(matmul(A, x)) * exp(slice(x, 0, 0, 3) * 0.5);
}
double fd_dir(const std::function<NDArray(const NDArray&)>& f, const NDArray& x, const NDArray& v, int64_t i) {
  const double h = 1e-6;
  return (f(nd::axpby(1, x, h, v)).data()[i] - f(nd::axpby(1, x, -h, v)).data()[i]) / (2 * h);
}
}  // namespace

TEST(Jvp, MatchesFiniteDifferences) {
  NDArray x = NDArray::randn({4}, 1), v = NDArray::randn({4}, 2);
  auto [y, Jv] = jvp(f_vec, Tensor(x), Tensor(v));
  auto f = [](const NDArray& a) { NoGradGuard ng; return f_vec(Tensor(a)).value(); };
  ASSERT_EQ(Jv.shape(), Shape({3}));
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(Jv.value().data()[i], fd_dir(f, x, v, i), 1e-8);
  EXPECT_LT(nd::max_abs(nd::sub(y.value(), f(x))), 1e-15);
}

TEST(Jvp, DotProductTestAgainstReverseMode) {
  // <w, J v> == <J^T w, v> to machine precision.
  NDArray x = NDArray::randn({4}, 3), v = NDArray::randn({4}, 4), w = NDArray::randn({3}, 5);
  auto [y, Jv] = jvp(f_vec, Tensor(x), Tensor(v));
  Tensor xl(x, true);
  Tensor JTw = grad({f_vec(xl)}, {xl}, {Tensor(w)})[0];
  EXPECT_NEAR(nd::dot(w, Jv.value()), nd::dot(JTw.value(), v), 1e-13);
}

TEST(Jvp, MultipleInputs) {
  auto f = [](const std::vector<Tensor>& x) { return sum(x[0] * sin(x[1]), {0}); };
  std::vector<Tensor> x{randn({2, 3}, 6), randn({2, 3}, 7)};
  std::vector<Tensor> v{randn({2, 3}, 8), randn({2, 3}, 9)};
  auto [y, Jv] = jvp(f, x, v);
  // d(a sin b) = da sin b + a cos b db
  NDArray ref = nd::sum(nd::add(nd::mul(v[0].value(), nd::sin(x[1].value())),
                                nd::mul(nd::mul(x[0].value(), nd::cos(x[1].value())), v[1].value())), {0});
  EXPECT_LT(nd::max_abs(nd::sub(Jv.value(), ref)), 1e-14);
}

TEST(Hvp, MatchesFiniteDifferencesOfTheGradient) {
  auto f = [](const Tensor& x) { return sum(exp(x) * sin(x)) + pow(sum(x * x), 1.5); };
  NDArray x = NDArray::randn({5}, 10), v = NDArray::randn({5}, 11);
  auto [y, Hv] = hvp(f, Tensor(x), Tensor(v));
  auto gradf = [&](const NDArray& a) { Tensor t(a, true); return grad(f(t), t).value(); };
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(Hv.value().data()[i], fd_dir(gradf, x, v, i), 1e-7);
}

TEST(Hvp, EqualsJvpOfTheGradient) {
  auto f = [](const Tensor& x) { return sum(tanh(x) * x * x); };
  NDArray x = NDArray::randn({4}, 12), v = NDArray::randn({4}, 13);
  auto [y, Hv] = hvp(f, Tensor(x), Tensor(v));
  auto g = [&](const Tensor& t) {
    GradOptions o;
    o.create_graph = true;
    return grad(f(t), t, o);
  };
  auto [gx, Jg] = jvp(g, Tensor(x), Tensor(v));
  EXPECT_LT(nd::max_abs(nd::sub(Hv.value(), Jg.value())), 1e-13);
}
