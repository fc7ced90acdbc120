// Comparisons (constant masks), where, sign, and reductions over one plain-int axis.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tnad/ad.hpp"

using namespace tnad;

namespace {
std::vector<double> values(const Tensor& t) { return t.value().to_vector(); }
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST(Comparisons, ElementwiseMasksWithTensorsAndScalars) {
  Tensor a = from({4}, {1.0, 2.0, 3.0, kNaN});
  Tensor b = from({4}, {2.0, 2.0, 2.0, 2.0});
  using V = std::vector<double>;
  EXPECT_EQ(values(greater(a, b)), V({0, 0, 1, 0}));
  EXPECT_EQ(values(greater_equal(a, b)), V({0, 1, 1, 0}));
  EXPECT_EQ(values(less(a, b)), V({1, 0, 0, 0}));
  EXPECT_EQ(values(less_equal(a, b)), V({1, 1, 0, 0}));
  EXPECT_EQ(values(equal(a, b)), V({0, 1, 0, 0}));
  EXPECT_EQ(values(not_equal(a, b)), V({1, 0, 1, 1}));  // NaN != anything
  // The same with a scalar operand, on either side of the operators.
  EXPECT_EQ(values(a > 2.0), V({0, 0, 1, 0}));
  EXPECT_EQ(values(a >= 2), V({0, 1, 1, 0}));
  EXPECT_EQ(values(a < 2.0), V({1, 0, 0, 0}));
  EXPECT_EQ(values(a <= 2.0), V({1, 1, 0, 0}));
  EXPECT_EQ(values(a == 2.0), V({0, 1, 0, 0}));
  EXPECT_EQ(values(a != 2.0), V({1, 0, 1, 1}));
  EXPECT_EQ(values(2.0 < a), V({0, 0, 1, 0}));
  EXPECT_EQ(values(2.0 <= a), V({0, 1, 1, 0}));
  EXPECT_EQ(values(2.0 > a), V({1, 0, 0, 0}));
  EXPECT_EQ(values(2.0 >= a), V({1, 1, 0, 0}));
  EXPECT_EQ(values(2.0 == a), V({0, 1, 0, 0}));
  EXPECT_EQ(values(2.0 != a), V({1, 0, 1, 1}));
  EXPECT_EQ(values(greater(a, 2.0)), values(a > b));
  EXPECT_EQ(values(a > b), values(greater(a, b)));
  EXPECT_EQ(values(a != b), values(not_equal(a, b)));
}

TEST(Comparisons, Broadcast) {
  Tensor col = from({3, 1}, {0.0, 1.0, 2.0}), row = from({2}, {0.5, 1.5});
  Tensor m = col > row;
  ASSERT_EQ(m.shape(), Shape({3, 2}));
  EXPECT_EQ(values(m), std::vector<double>({0, 0, 1, 0, 1, 1}));
  EXPECT_THROW(from({3}, {1, 2, 3}) < from({2}, {1, 2}), Error);
}

TEST(Comparisons, AreConstants) {
  Tensor x = randn({5}, 1, true);
  for (const Tensor& m : {x > 0.0, x >= x, x < x * 2.0, x <= 0.0, x == x, x != 1.0, 0.0 < x}) {
    EXPECT_FALSE(m.requires_grad());
    EXPECT_EQ(m.grad_fn(), nullptr);
  }
  // A loss made only of a mask does not depend on x differentiably.
  EXPECT_THROW(grad(sum(x > 0.0), x), Error);
  // Counting: sum of a mask.
  Tensor c = from({5}, {-1.0, 2.0, 0.0, 3.0, -4.0});
  EXPECT_EQ(sum(c > 0.0).item(), 2.0);
}

TEST(Where, MaskFromAComparisonGradientGoesToTheChosenSide) {
  // Leaky relu: where(x > 0, x, 0.1 x); gradient 1 or 0.1.
  auto leaky = [](const std::vector<Tensor>& x) { return where(x[0] > 0.0, x[0], 0.1 * x[0]); };
  std::vector<Tensor> x{from({4}, {-1.5, -0.3, 0.4, 2.0}, true)};
  Tensor g = grad(sum(leaky(x)), x[0]);
  EXPECT_EQ(values(g), std::vector<double>({0.1, 0.1, 1.0, 1.0}));
  auto r = gradcheck(leaky, x);
  EXPECT_TRUE(r.ok) << r.report;

  // Both branches differentiable, broadcast against the mask, with a scalar branch.
  auto f = [](const std::vector<Tensor>& v) { return where(v[0] < v[1], exp(v[0]), v[1] * v[1]) + where(v[0] > 0.0, v[0], 0.0); };
  std::vector<Tensor> in{randn({3, 4}, 2, true), randn({4}, 3, true)};
  auto r1 = gradcheck(f, in);
  EXPECT_TRUE(r1.ok) << r1.report;
  auto r2 = gradgradcheck(f, in);
  EXPECT_TRUE(r2.ok) << r2.report;
  // A mask that requires grad is a mistake.
  EXPECT_THROW(where(randn({2}, 4, true), in[1], in[1]), Error);
}

TEST(Sign, ValuesAndZeroDerivative) {
  Tensor x = from({4}, {-2.0, 0.0, 3.0, -0.5}, true);
  Tensor s = sign(x);
  EXPECT_EQ(values(s), std::vector<double>({-1, 0, 1, -1}));
  EXPECT_TRUE(s.requires_grad());
  // d sign / dx = 0: an explicit zero gradient, not an "unused input" error.
  Tensor g = grad(sum(sign(x)), x);
  EXPECT_EQ(values(g), std::vector<double>({0, 0, 0, 0}));
  // As a factor: d(sign(x) x^2)/dx = 2 |x| (x != 0).
  Tensor y = from({3}, {-2.0, 0.5, 3.0}, true);
  Tensor gy = grad(sum(sign(y) * y * y), y);
  EXPECT_EQ(values(gy), std::vector<double>({4.0, 1.0, 6.0}));
  GradOptions cg;
  cg.create_graph = true;
  Tensor h = grad(sum(grad(sum(sign(y) * y * y), y, cg)), y);  // d^2 = 2 sign(y)
  EXPECT_EQ(values(h), std::vector<double>({-2.0, 2.0, 2.0}));
}

TEST(SingleAxis, PlainIntAxisEqualsTheListForm) {
  Tensor X = randn({3, 4, 5}, 5);
  auto same = [](const Tensor& a, const Tensor& b) {
    EXPECT_EQ(a.shape(), b.shape());
    EXPECT_EQ(nd::max_abs(nd::sub(a.value(), b.value())), 0.0);
  };
  same(sum(X, 1), sum(X, {1}));
  same(sum(X, 1, true), sum(X, {1}, true));
  same(sum(X, -1), sum(X, {2}));
  same(mean(X, 1), mean(X, {1}));
  same(mean(X, 0, true), mean(X, {0}, true));
  same(max(X, 2), max(X, {2}));
  same(min(X, 0), min(X, {0}));
  same(logsumexp(X, 1), logsumexp(X, {1}));
  same(sum(X, int64_t(2)), sum(X, {2}));
  EXPECT_EQ(sum(X, 1).shape(), Shape({3, 5}));
  // An empty list still means all axes.
  EXPECT_EQ(sum(X, {}).shape(), Shape({}));
  EXPECT_EQ(sum(X, {}, true).shape(), Shape({1, 1, 1}));
  EXPECT_NEAR(mean(X, {}).item(), sum(X).item() / 60.0, 1e-14);
  // The same on values.
  EXPECT_EQ(nd::sum(X.value(), 1).shape(), Shape({3, 5}));
  EXPECT_EQ(nd::max(X.value(), -1).shape(), Shape({3, 4}));
  EXPECT_THROW(sum(X, 3), Error);
}
