// Optimizers on the Rosenbrock function (analytic gradient written in the test): the
// minimum x = (1, ..., 1) must be reached to 1e-8 in the max-norm.
#include <gtest/gtest.h>

#include "tnad/solvers/optim.hpp"
#include "util.hpp"

using namespace tnad::optim;
using solvers_test::max_abs_diff;
using solvers_test::rosenbrock;
using solvers_test::rosenbrock_start;

namespace {
Result solve(Options o, std::size_t n, int64_t max_steps, double grad_tol) {
  auto opt = make_optimizer(o);
  StopCriteria stop;
  stop.max_steps = max_steps;
  stop.grad_tol = grad_tol;
  return minimize(rosenbrock, rosenbrock_start(n), *opt, stop);
}
}  // namespace

TEST(Rosenbrock, LBFGS2D) {
  Options o;
  o.method = Method::lbfgs;
  Result r = solve(o, 2, 1000, 1e-11);
  std::cout << "L-BFGS Rosenbrock 2-D: " << r.steps << " iterations, " << r.evaluations << " evaluations\n";
  EXPECT_EQ(r.reason, StopReason::grad_tol);
  EXPECT_LE(max_abs_diff(r.x, std::vector<double>(2, 1.0)), 1e-8);
  EXPECT_LE(r.value, 1e-16);
}

TEST(Rosenbrock, LBFGS100D) {
  for (int history : {5, 10, 20}) {
    Options o;
    o.method = Method::lbfgs;
    o.history = history;
    Result r = solve(o, 100, 5000, 1e-11);
    std::cout << "L-BFGS Rosenbrock 100-D, history " << history << ": " << r.steps << " iterations, "
              << r.evaluations << " evaluations\n";
    EXPECT_EQ(r.reason, StopReason::grad_tol) << history;
    EXPECT_LE(max_abs_diff(r.x, std::vector<double>(100, 1.0)), 1e-8) << history;
  }
}

TEST(Rosenbrock, SteepestDescentWithLineSearch2D) {
  // Linear convergence with rate ~ (k - 1) / (k + 1), k ~ 2500 at the minimum: slow but sure.
  Options o;
  o.method = Method::gd;
  o.line_search = true;
  o.lr = 1e-3;
  o.line.c2 = 0.1;  // the usual choice for steepest descent
  Result r = solve(o, 2, 200000, 1e-11);
  std::cout << "steepest descent Rosenbrock 2-D: " << r.steps << " iterations\n";
  EXPECT_EQ(r.reason, StopReason::grad_tol);
  EXPECT_LE(max_abs_diff(r.x, std::vector<double>(2, 1.0)), 1e-8);
}

TEST(Rosenbrock, AdamGetsCloseWithASmallStep) {
  // Adam with a constant step converges only approximately on the curved valley; it must
  // at least descend to the minimum's neighbourhood.
  Options o;
  o.method = Method::adam;
  o.lr = 1e-3;
  Result r = solve(o, 2, 20000, 1e-6);
  EXPECT_LT(r.value, 1e-6);
  EXPECT_LE(max_abs_diff(r.x, std::vector<double>(2, 1.0)), 2e-3);
}

TEST(Rosenbrock, StopsOnEnergyChangeAndMaxSteps) {
  Options o;
  o.method = Method::lbfgs;
  auto opt = make_optimizer(o);
  StopCriteria stop;
  stop.max_steps = 7;
  stop.grad_tol = 0.0;
  Result r = minimize(rosenbrock, rosenbrock_start(2), *opt, stop);
  EXPECT_EQ(r.reason, StopReason::max_steps);
  EXPECT_EQ(r.steps, 7);

  auto opt2 = make_optimizer(o);
  stop.max_steps = 1000;
  stop.energy_tol = 1e-3;
  std::vector<double> values;
  r = minimize(rosenbrock, rosenbrock_start(2), *opt2, stop, [&](const StepInfo& s) { values.push_back(s.value); });
  EXPECT_EQ(r.reason, StopReason::energy_tol);
  ASSERT_GE(values.size(), 2u);
  EXPECT_LE(std::abs(values[values.size() - 1] - values[values.size() - 2]), 1e-3);
  for (std::size_t k = 1; k + 1 < values.size(); ++k) EXPECT_GT(std::abs(values[k] - values[k - 1]), 1e-3) << k;
}

TEST(Rosenbrock, LBFGSDecreasesMonotonically) {
  Options o;
  auto opt = make_optimizer(o);
  StopCriteria stop;
  stop.grad_tol = 1e-10;
  double last = 1e300;
  minimize(rosenbrock, rosenbrock_start(10), *opt, stop, [&](const StepInfo& s) {
    EXPECT_LE(s.value, last);
    last = s.value;
  });
}
