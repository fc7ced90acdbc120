// The README's C++ snippets, compiled and checked, so the docs cannot drift from the code.
#include <gtest/gtest.h>

#include <cmath>

#include "tnad/ad.hpp"

using namespace tnad;

TEST(Readme, FunctionalApiSnippet) {
  Tensor x = randn({3, 3}, /*seed=*/1, /*requires_grad=*/true);
  Tensor y = sum(tanh(matmul(x, x)));
  Tensor g = grad(y, x, {.create_graph = true});
  Tensor h = grad(sum(g * g), x);
  auto [fx, Jv] = jvp([](const Tensor& t) { return exp(t); }, x, ones({3, 3}));
  auto [fy, Hv] = hvp([](const Tensor& t) { return sum(t * t * t); }, x, ones({3, 3}));
  auto check = gradcheck([](const std::vector<Tensor>& v) { return sum(sin(v[0])); }, {x});
  EXPECT_TRUE(check.ok) << check.report;
  EXPECT_EQ(h.shape(), Shape({3, 3}));
  // jvp of exp along ones is exp(x); hvp of sum(t^3) along ones is 6 t.
  EXPECT_LT(nd::max_abs(nd::sub(Jv.value(), nd::exp(x.value()))), 1e-14);
  EXPECT_LT(nd::max_abs(nd::sub(Hv.value(), nd::mul(x.value(), 6.0))), 1e-13);
  EXPECT_NEAR(fy.item(), nd::sum(nd::pow(x.value(), 3.0)).item(), 1e-13);
  EXPECT_TRUE(g.requires_grad());
  (void)fx;
}
