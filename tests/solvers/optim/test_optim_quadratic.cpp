// Optimizers on quadratics f = x.A x / 2 - b.x with diagonal A of known spectrum
// (L-BFGS is invariant under rotations, so diagonal loses no generality for it).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tnad/ad/error.hpp"
#include "tnad/solvers/optim.hpp"
#include "util.hpp"

using namespace tnad::optim;
using solvers_test::max_abs_diff;

namespace {

struct Quadratic {
  std::vector<double> lambda, xstar;
  double operator()(const Vector& x, Vector& g) const {
    double f = 0.0;
    g.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      double b = lambda[i] * xstar[i];
      g[i] = lambda[i] * x[i] - b;
      f += 0.5 * lambda[i] * x[i] * x[i] - b * x[i];
    }
    return f;
  }
};

// Eigenvalues log-spaced in [1, condition], random x*.
Quadratic make_quadratic(std::size_t n, double condition, uint64_t seed) {
  Quadratic q;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  for (std::size_t i = 0; i < n; ++i) {
    q.lambda.push_back(std::pow(condition, double(i) / double(n - 1)));
    q.xstar.push_back(normal(rng));
  }
  std::shuffle(q.lambda.begin(), q.lambda.end(), rng);
  return q;
}

}  // namespace

TEST(Quadratic, LBFGSIllConditionedIterationCounts) {
  const std::size_t n = 200;
  for (double condition : {1e2, 1e4, 1e6}) {
    for (int history : {5, 20}) {
      Quadratic q = make_quadratic(n, condition, 3);
      Options o;
      o.history = history;
      auto opt = make_optimizer(o);
      StopCriteria stop;
      stop.max_steps = 20000;
      // |x - x*| <= |g| / lambda_min = |g|: grad_tol 1e-8 puts x within 1e-8 of x*. (The
      // round-off floor of g is ~ lambda_max |x| 1e-16 sqrt(n) ~ 1e-9 at condition 1e6.)
      stop.grad_tol = 1e-8;
      Result r = minimize(std::ref(q), Vector(n, 0.0), *opt, stop);
      std::cout << "L-BFGS quadratic n = " << n << ", condition " << condition << ", history " << history << ": "
                << r.steps << " iterations, " << r.evaluations << " evaluations, |g| " << r.grad_norm << " (" << to_string(r.reason) << ")\n";
      RecordProperty("iterations_cond" + std::to_string(int(std::log10(condition))) + "_m" + std::to_string(history),
                     int(r.steps));
      EXPECT_EQ(r.reason, StopReason::grad_tol) << to_string(r.reason);
      EXPECT_LE(max_abs_diff(r.x, q.xstar), 1e-8);
    }
  }
}

TEST(Quadratic, GradientDescentMatchesTheClosedForm) {
  // Fixed-step GD on a diagonal quadratic: x_k - x* = (1 - lr l)^k (x_0 - x*), exactly.
  Quadratic q = make_quadratic(6, 10.0, 11);
  Options o;
  o.method = Method::gd;
  o.lr = 0.15;
  auto opt = make_optimizer(o);
  Vector x0(6, 0.5);
  opt->start(std::ref(q), x0);
  for (int k = 1; k <= 40; ++k) {
    opt->step(std::ref(q));
    for (std::size_t i = 0; i < 6; ++i) {
      double expect = q.xstar[i] + std::pow(1 - o.lr * q.lambda[i], k) * (x0[i] - q.xstar[i]);
      EXPECT_NEAR(opt->x()[i], expect, 1e-12) << "step " << k << " i " << i;
    }
  }
}

TEST(Quadratic, AdamMatchesKingmaBaAlgorithm1) {
  // An independent transcription of Kingma & Ba (2015), Algorithm 1.
  Quadratic q = make_quadratic(5, 100.0, 2);
  Options o;
  o.method = Method::adam;
  o.lr = 0.05;
  auto opt = make_optimizer(o);
  Vector x(5, 0.0), m(5, 0.0), v(5, 0.0), g;
  opt->start(std::ref(q), x);
  q(x, g);
  for (int t = 1; t <= 60; ++t) {
    for (std::size_t i = 0; i < 5; ++i) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      double mh = m[i] / (1 - std::pow(0.9, t)), vh = v[i] / (1 - std::pow(0.999, t));
      x[i] -= 0.05 * mh / (std::sqrt(vh) + 1e-8);
    }
    q(x, g);
    opt->step(std::ref(q));
    EXPECT_LE(max_abs_diff(opt->x(), x), 1e-13) << "step " << t;
  }
}

TEST(Quadratic, AdamConverges) {
  Quadratic q = make_quadratic(50, 100.0, 7);
  Options o;
  o.method = Method::adam;
  o.lr = 0.05;
  auto opt = make_optimizer(o);
  Result r = minimize(std::ref(q), Vector(50, 0.0), *opt, {20000, 1e-7, 0.0});
  EXPECT_EQ(r.reason, StopReason::grad_tol);
  EXPECT_LE(max_abs_diff(r.x, q.xstar), 1e-6);
}

TEST(Quadratic, DivergingFixedStepIsAnErrorAndLeavesTheStateUnchanged) {
  // lr > 2 / lambda_max diverges; the overflow is reported, and the last good iterate kept.
  Quadratic q = make_quadratic(4, 1e3, 1);
  Options o;
  o.method = Method::gd;
  o.lr = 1.0;
  auto opt = make_optimizer(o);
  opt->start(std::ref(q), Vector(4, 1.0));
  bool threw = false;
  for (int k = 0; k < 2000 && !threw; ++k) {
    Vector before = opt->x();
    int64_t steps = opt->steps();
    try {
      opt->step(std::ref(q));
    } catch (const tnad::Error& e) {
      threw = true;
      EXPECT_NE(std::string(e.what()).find("lower optimizer.lr"), std::string::npos) << e.what();
      EXPECT_EQ(opt->x(), before);
      EXPECT_EQ(opt->steps(), steps);
    }
  }
  EXPECT_TRUE(threw);
}

TEST(Quadratic, BadOptionsAreErrors) {
  Options o;
  o.lr = 0.0;
  EXPECT_THROW(make_optimizer(o), tnad::Error);
  o = {};
  o.history = 0;
  EXPECT_THROW(make_optimizer(o), tnad::Error);
  o = {};
  o.line.c1 = 0.95;
  EXPECT_THROW(make_optimizer(o), tnad::Error);
  EXPECT_THROW(method_from_string("bfgs"), tnad::Error);
  auto opt = make_optimizer(Options{});
  EXPECT_THROW(opt->step([](const Vector&, Vector&) { return 0.0; }), tnad::Error);  // before start
  EXPECT_THROW(opt->start([](const Vector&, Vector& g) { g.assign(1, 0.0); return std::nan(""); }, Vector{1.0}),
               tnad::Error);
}
