// The tensor-written test objectives: AD gradients against the analytic gradient and
// central finite differences; the conditioned matrix has exactly the requested spectrum.
#include <gtest/gtest.h>

#include <cmath>

#include "tnad/ad/error.hpp"
#include "tnad/ad/gradcheck.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/solvers/tensor_objective.hpp"
#include "optim/test_functions.hpp"  // solvers/src: internal
#include "util.hpp"

using namespace tnad;

TEST(TestFunctions, RosenbrockGradientByADMatchesTheAnalyticOne) {
  auto f = tensor_objective(testfn::rosenbrock);
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  for (int n : {2, 3, 17}) {
    optim::Vector x(static_cast<std::size_t>(n)), g, gref;
    for (auto& v : x) v = normal(rng);
    double value = f(x, g);
    double ref = solvers_test::rosenbrock(x, gref);
    EXPECT_NEAR(value, ref, 1e-12 * std::abs(ref));
    for (int i = 0; i < n; ++i) EXPECT_NEAR(g[std::size_t(i)], gref[std::size_t(i)], 1e-11 * (1 + std::abs(gref[std::size_t(i)])));
  }
}

TEST(TestFunctions, RosenbrockPassesGradcheck) {
  Tensor x = randn(Shape{6}, 3, true);
  auto r = gradcheck([](const std::vector<Tensor>& in) { return testfn::rosenbrock(in[0]); }, {x});
  EXPECT_TRUE(r.ok) << r.report;
  auto r2 = gradgradcheck([](const std::vector<Tensor>& in) { return testfn::rosenbrock(in[0]); }, {x});
  EXPECT_TRUE(r2.ok) << r2.report;
}

TEST(TestFunctions, ConditionedMatrixHasTheRequestedSpectrum) {
  // Symmetric, trace = sum l, ||A||_F^2 = sum l^2, A^-1-free check of the extremes:
  // Rayleigh quotients lie in [1, condition].
  for (int n : {1, 5, 40}) {
    const double cond = 1e3;
    std::mt19937_64 rng(9);
    NDArray A = testfn::conditioned_spd(n, cond, rng);
    double tr = 0, fro = 0, want_tr = 0, want_fro = 0;
    for (int i = 0; i < n; ++i) {
      double l = n == 1 ? 1.0 : std::pow(cond, double(i) / (n - 1));
      want_tr += l;
      want_fro += l * l;
      tr += A.at({i, i});
      for (int j = 0; j < n; ++j) {
        fro += A.at({i, j}) * A.at({i, j});
        EXPECT_EQ(A.at({i, j}), A.at({j, i}));
      }
    }
    EXPECT_NEAR(tr, want_tr, 1e-10 * want_tr);
    EXPECT_NEAR(fro, want_fro, 1e-10 * want_fro);
    for (int k = 0; k < 5; ++k) {
      NDArray v = NDArray::randn(Shape{n}, uint64_t(k));
      double q = nd::dot(v, nd::matmul(A, v)) / nd::dot(v, v);
      EXPECT_GE(q, 1.0 - 1e-9);
      EXPECT_LE(q, cond * (1 + 1e-9));
    }
  }
  std::mt19937_64 rng(1);
  EXPECT_THROW(testfn::conditioned_spd(0, 10, rng), Error);
  EXPECT_THROW(testfn::conditioned_spd(3, 0.5, rng), Error);
  EXPECT_THROW(testfn::rosenbrock(Tensor(NDArray::ones(Shape{1}))), Error);
}

TEST(TestFunctions, TensorObjectiveOfSeveralTensors) {
  // f(A, b) = sum(A^2) + 3 sum(b): gradient 2A and 3.
  std::vector<Shape> shapes = {Shape{2, 3}, Shape{4}};
  auto f = tensor_objective(shapes, [](const std::vector<Tensor>& p) { return sum(p[0] * p[0]) + 3.0 * sum(p[1]); });
  optim::Vector x(10), g;
  for (int i = 0; i < 10; ++i) x[std::size_t(i)] = 0.5 * i - 1;
  double v = f(x, g);
  double want = 0;
  for (int i = 0; i < 6; ++i) want += x[std::size_t(i)] * x[std::size_t(i)];
  for (int i = 6; i < 10; ++i) want += 3 * x[std::size_t(i)];
  EXPECT_NEAR(v, want, 1e-14);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(g[std::size_t(i)], 2 * x[std::size_t(i)]);
  for (int i = 6; i < 10; ++i) EXPECT_EQ(g[std::size_t(i)], 3.0);
  auto parts = unpack(x, shapes);
  EXPECT_EQ(pack(parts), x);
  EXPECT_THROW(unpack(optim::Vector(3), shapes), Error);
  auto nonscalar = tensor_objective([](const Tensor& t) { return t * 2.0; });
  EXPECT_THROW(nonscalar(x, g), Error);
  // an input the objective ignores gets a zero gradient
  auto partial = tensor_objective(shapes, [](const std::vector<Tensor>& p) { return sum(p[1]); });
  partial(x, g);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(g[std::size_t(i)], 0.0);
}

TEST(Readme, CppSnippetOfDocsRunsMd) {
  // The example of docs/runs.md "From C++", verbatim.
  // Rosenbrock's function sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, written with tensors
  auto rosenbrock = [](const tnad::Tensor& x) {
    const int64_t n = x.size(0);
    tnad::Tensor a = tnad::slice(x, 0, 0, n - 1), b = tnad::slice(x, 0, 1, n);
    return tnad::sum(100.0 * (b - a * a) * (b - a * a) + (1.0 - a) * (1.0 - a));
  };
  auto f = tnad::tensor_objective(rosenbrock);                 // or any Tensor -> scalar Tensor
  tnad::optim::Options o;                                      // method = lbfgs, history = 10
  auto opt = tnad::optim::make_optimizer(o);
  tnad::optim::StopCriteria stop{.max_steps = 1000, .grad_tol = 1e-10};
  auto r = tnad::optim::minimize(f, std::vector<double>(100, 0.0), *opt, stop);
  EXPECT_EQ(r.reason, tnad::optim::StopReason::grad_tol);
  EXPECT_LE(solvers_test::max_abs_diff(r.x, std::vector<double>(100, 1.0)), 1e-8);
}
