// The strong-Wolfe line search: on the test functions of More & Thuente (ACM TOMS 20, 286,
// 1994, Table 1-3) from small and large first trials, the accepted step must satisfy both
// conditions, checked here by evaluating the function independently.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "tnad/ad/error.hpp"
#include "tnad/solvers/line_search.hpp"

using tnad::optim::LineSearchOptions;
using tnad::optim::strong_wolfe;
using tnad::optim::Vector;

namespace {

struct Phi {
  const char* name;
  std::function<double(double)> f;
  std::function<double(double)> df;
  double c1, c2;
};

std::vector<Phi> more_thuente() {
  const double b1 = 2.0, b2 = 0.004;
  auto p = [](double a, double b) { return (a + b); };
  return {
      {"MT1 -a/(a^2+2)", [=](double a) { return -a / (a * a + b1); },
       [=](double a) { return (a * a - b1) / ((a * a + b1) * (a * a + b1)); }, 1e-3, 0.1},
      {"MT2 (a+b)^5-2(a+b)^4", [=](double a) { return std::pow(p(a, b2), 5) - 2 * std::pow(p(a, b2), 4); },
       [=](double a) { return 5 * std::pow(p(a, b2), 4) - 8 * std::pow(p(a, b2), 3); }, 0.1, 0.1 + 1e-9},
      {"MT3 phi0 + 2(1-l)/(39 pi) sin(39 pi a/2)",
       [](double a) {
         const double l = 0.01, beta = 0.01;
         double phi0 = a <= 1 - beta ? 1 - a : (a >= 1 + beta ? a - 1 : (a - 1) * (a - 1) / (2 * beta) + beta / 2);
         return phi0 + 2 * (1 - l) / (39 * M_PI) * std::sin(39 * M_PI * a / 2);
       },
       [](double a) {
         const double l = 0.01, beta = 0.01;
         double d0 = a <= 1 - beta ? -1 : (a >= 1 + beta ? 1 : (a - 1) / beta);
         return d0 + (1 - l) * std::cos(39 * M_PI * a / 2);
       },
       0.1, 0.1 + 1e-9},
  };
}

// x in R^1, d = +1: the line search sees phi directly.
tnad::optim::Objective as_objective(const Phi& p) {
  return [p](const Vector& x, Vector& g) {
    g.assign(1, p.df(x[0]));
    return p.f(x[0]);
  };
}

}  // namespace

TEST(LineSearch, MoreThuenteFunctionsSatisfyStrongWolfe) {
  for (const Phi& p : more_thuente()) {
    for (double a0 : {1e-3, 1e-1, 1e1, 1e3}) {
      SCOPED_TRACE(std::string(p.name) + " a0 = " + std::to_string(a0));
      LineSearchOptions o;
      o.c1 = p.c1;
      o.c2 = p.c2;
      o.max_evaluations = 40;
      Vector x{0.0}, g0{p.df(0.0)}, d{1.0};
      ASSERT_LT(g0[0], 0.0);
      auto r = strong_wolfe(as_objective(p), x, p.f(0.0), g0, d, a0, o);
      ASSERT_TRUE(r.wolfe);
      ASSERT_TRUE(r.decreased);
      const double a = r.alpha;
      EXPECT_LE(p.f(a), p.f(0.0) + o.c1 * a * p.df(0.0));           // sufficient decrease
      EXPECT_LE(std::abs(p.df(a)), o.c2 * std::abs(p.df(0.0)));      // strong curvature
      EXPECT_DOUBLE_EQ(r.value, p.f(a));
      EXPECT_DOUBLE_EQ(r.grad[0], p.df(a));
    }
  }
}

TEST(LineSearch, QuadraticAlongTheGradientFindsTheExactMinimizerRegion) {
  // f(x) = (x - 3)^2 from 0: the cubic interpolation is exact for a quadratic, so the
  // accepted step is 3 (up to round-off) from any first trial that brackets it.
  Phi p{"quad", [](double a) { return (a - 3) * (a - 3); }, [](double a) { return 2 * (a - 3); }, 1e-4, 0.1};
  for (double a0 : {0.5, 10.0, 1e4}) {
    Vector x{0.0}, g0{p.df(0.0)}, d{1.0};
    auto r = strong_wolfe(as_objective(p), x, p.f(0.0), g0, d, a0, {1e-4, 0.1, 25});
    ASSERT_TRUE(r.wolfe) << a0;
    EXPECT_LE(std::abs(p.df(r.alpha)), 0.1 * 6.0);
  }
}

TEST(LineSearch, NonFiniteValuesFarAlongDAreTreatedAsTooFar) {
  // f = x^2 - 4x, but +inf (overflow) for x > 5: a first trial of 100 must shrink back.
  auto f = [](const Vector& x, Vector& g) {
    g.assign(1, 2 * x[0] - 4);
    return x[0] > 5 ? std::numeric_limits<double>::infinity() : x[0] * x[0] - 4 * x[0];
  };
  Vector x{0.0}, g0{-4.0}, d{1.0};
  auto r = strong_wolfe(f, x, 0.0, g0, d, 100.0);
  ASSERT_TRUE(r.decreased);
  EXPECT_TRUE(std::isfinite(r.value));
  EXPECT_LE(r.alpha, 5.0);
  EXPECT_LE(std::abs(2 * r.alpha - 4), 0.9 * 4.0);
}

TEST(LineSearch, RejectsAscentDirection) {
  auto f = [](const Vector& x, Vector& g) { g.assign(1, 2 * x[0]); return x[0] * x[0]; };
  Vector x{1.0}, g0{2.0}, d{1.0};
  EXPECT_THROW(strong_wolfe(f, x, 1.0, g0, d, 1.0), tnad::Error);
  EXPECT_THROW(strong_wolfe(f, x, 1.0, g0, Vector{-1.0}, 0.0), tnad::Error);
}

TEST(LineSearch, StaysWithinItsEvaluationBudget) {
  // MT3 oscillates: with a tiny budget the search stops early but never evaluates more
  // than allowed, and returns a point with sufficient decrease or none.
  Phi p = more_thuente()[2];
  for (int budget : {2, 3, 5}) {
    int calls = 0;
    auto f = [&](const Vector& x, Vector& g) { ++calls; g.assign(1, p.df(x[0])); return p.f(x[0]); };
    Vector x{0.0}, g0{p.df(0.0)}, d{1.0};
    auto r = strong_wolfe(f, x, p.f(0.0), g0, d, 1e3, {0.1, 0.1 + 1e-9, budget});
    EXPECT_LE(calls, budget);
    EXPECT_EQ(r.evaluations, calls);
    if (r.decreased) EXPECT_LE(p.f(r.alpha), p.f(0.0) + 0.1 * r.alpha * p.df(0.0));
    else EXPECT_EQ(r.alpha, 0.0);
  }
}
