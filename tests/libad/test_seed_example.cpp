// The seed example of README.md: f(x1, x2) = ln(x1) + x1 x2 - sin(x2) at (2, 5).
#include <gtest/gtest.h>

#include <cmath>

#include "tnad/ad.hpp"

using namespace tnad;

TEST(SeedExample, ValueAndGradient) {
  Tensor x1 = scalar(2.0, true), x2 = scalar(5.0, true);
  Tensor f = log(x1) + x1 * x2 - sin(x2);
  // Expected values from the formula itself: f = ln 2 + 10 - sin 5; df/dx1 = 1/2 + 5; df/dx2 = 2 - cos 5.
  EXPECT_NEAR(f.item(), std::log(2.0) + 10.0 - std::sin(5.0), 1e-14);
  EXPECT_NEAR(f.item(), 11.652071455223084, 1e-12);
  f.backward();
  EXPECT_NEAR(x1.grad().item(), 5.5, 1e-14);
  EXPECT_NEAR(x2.grad().item(), 2.0 - std::cos(5.0), 1e-14);
  EXPECT_NEAR(x2.grad().item(), 1.7163378145367738, 1e-12);
}

TEST(SeedExample, FunctionalGradAndSecondOrder) {
  Tensor x1 = scalar(2.0, true), x2 = scalar(5.0, true);
  Tensor f = log(x1) + x1 * x2 - sin(x2);
  GradOptions o;
  o.create_graph = true;
  auto g = grad({f}, {x1, x2}, {}, o);
  // d2f/dx1^2 = -1/x1^2, d2f/dx1dx2 = 1, d2f/dx2^2 = sin(x2)
  auto h1 = grad({g[0]}, {x1, x2}, {}, {.create_graph = false, .retain_graph = true});
  EXPECT_NEAR(h1[0].item(), -0.25, 1e-14);
  EXPECT_NEAR(h1[1].item(), 1.0, 1e-14);
  auto h2 = grad({g[1]}, {x1, x2});
  EXPECT_NEAR(h2[0].item(), 1.0, 1e-14);
  EXPECT_NEAR(h2[1].item(), std::sin(5.0), 1e-14);
}

TEST(SeedExample, Gradcheck) {
  auto f = [](const std::vector<Tensor>& x) { return log(x[0]) + x[0] * x[1] - sin(x[1]); };
  auto r = gradcheck(f, {scalar(2.0, true), scalar(5.0, true)});
  EXPECT_TRUE(r.ok) << r.report;
  auto r2 = gradgradcheck(f, {scalar(2.0, true), scalar(5.0, true)});
  EXPECT_TRUE(r2.ok) << r2.report;
}
