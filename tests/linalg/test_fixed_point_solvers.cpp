// fixed_point_solvers.hpp: GMRES and the eigen (augmented-Arnoldi) form of the fixed-point
// adjoint solve agree with libad's Neumann series and with central finite differences on a
// contraction map; on a map whose Jacobian has spectral radius > 1 (an unstable fixed
// point, solved directly) the series fails with an error, GMRES and the Arnoldi fallback
// give the exact gradient (I - A)^{-T} c.
#include <gtest/gtest.h>

#include <cstdio>

#include "fixed_point_map.hpp"
#include "la_test_util.hpp"
#include "tnad/linalg/fixed_point_solvers.hpp"

using namespace tnad;
using namespace fp_test;

namespace {

TEST(FixedPointSolvers, AllModesAgreeWithEachOtherAndFiniteDifferences) {
  const Loss L;
  const TensorList P = {Tensor(random_w(3, 0.5).value(), true), Tensor(NDArray::randn({6, 1}, 4), true)};
  const TensorList X = solve(P);
  std::vector<TensorList> grads;
  for (const std::string method : {"neumann", "gmres", "arnoldi"}) {
    FixedPointOptions opt;
    opt.solve.tol = 1e-12;
    opt.solver = adjoint_solver(method);
    auto info = std::make_shared<FixedPointInfo>();
    grads.push_back(grad({L(fixed_point(step, X, P, opt, info))}, P));
    EXPECT_EQ(info->method, method);
    EXPECT_TRUE(info->converged);
    EXPECT_LE(info->residual, 1e-12);
    EXPECT_GT(info->iterations, 2);
    EXPECT_EQ(info->nodes_during_solve, 0);  // every J^T a sweep through the one recording
    std::printf("%-8s %3d J^T applications, relative residual %.2e\n", method.c_str(), info->iterations, info->residual);
  }
  for (std::size_t m = 1; m < grads.size(); ++m)
    for (int i = 0; i < 2; ++i)
      for (int64_t j = 0; j < grads[0][i].numel(); ++j)
        EXPECT_NEAR(grads[m][i].data()[j], grads[0][i].data()[j], 1e-10) << "mode " << m;
  for (uint64_t seed : {5, 6}) {
    const TensorList D = {Tensor(NDArray::randn({6, 6}, seed)), Tensor(NDArray::randn({6, 1}, seed + 10))};
    const double numeric = fd(L, P, D);
    for (const TensorList& g : grads) EXPECT_NEAR(dot(g, D), numeric, 1e-8 * std::max(1.0, std::abs(numeric)));
  }
}

TEST(FixedPointSolvers, UnstableFixedPointNeedsKrylov) {
  // x = A x + p with eigenvalues of A in (-0.9, 1.5): the iteration diverges, the fixed
  // point x* = (I - A)^{-1} p exists. L = <c, x*>, dL/dp = (I - A)^{-T} c.
  const int64_t n = 8;
  std::vector<double> w(n);
  for (int64_t i = 0; i < n; ++i) w[i] = -0.9 + 2.4 * double(i) / double(n - 1);
  w[n - 2] = 0.4;  // keep away from 1
  const la_test::Mat A = la_test::with_eigenvalues(w, 9);
  const la_test::Vec p = la_test::vec(NDArray::randn({n}, 10)), c = la_test::vec(NDArray::randn({n}, 11));
  const la_test::Mat I = la_test::Mat::Identity(n, n);
  const la_test::Vec xstar = (I - A).lu().solve(p), ref = (I - A).transpose().lu().solve(c);
  const Tensor At(NDArray::from({n, n}, A.data())), ct(NDArray::from({n, 1}, c.data()));
  const Tensor pt(NDArray::from({n, 1}, p.data()), true);
  auto step_lin = [At](const TensorList& x, const TensorList& q) { return TensorList{add(matmul(At, x[0]), q[0])}; };
  const TensorList X = {Tensor(NDArray::from({n, 1}, xstar.data()))};
  for (const std::string method : {"neumann", "gmres", "arnoldi"}) {
    FixedPointOptions opt;
    opt.solve.tol = 1e-12;
    opt.defect_tol = 1e-10;
    opt.solver = adjoint_solver(method);
    auto info = std::make_shared<FixedPointInfo>();
    const Tensor loss = sum(mul(ct, fixed_point(step_lin, X, {pt}, opt, info)[0]));
    if (method == "neumann") {
      EXPECT_THROW(grad(loss, pt), Error);
      EXPECT_FALSE(info->converged);
      continue;
    }
    const Tensor g = grad(loss, pt);
    EXPECT_TRUE(info->converged) << info->note;
    if (method == "arnoldi") {
      EXPECT_EQ(info->method, "arnoldi->gmres");
      EXPECT_NE(info->note.find("not 1"), std::string::npos) << info->note;
    }
    for (int64_t j = 0; j < n; ++j) EXPECT_NEAR(g.data()[j], ref[j], 1e-9 * ref.norm());
  }
  EXPECT_THROW(adjoint_solver("bicgstab"), Error);
}

}  // namespace
