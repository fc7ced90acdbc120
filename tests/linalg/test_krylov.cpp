// Krylov solvers (krylov.hpp) against dense results from Eigen: CG on SPD matrices (one
// system, preconditioned, a batch of shifted rows), GMRES on nonsymmetric ones, Lanczos
// on symmetric and Arnoldi on general spectra (complex eigenvalues), each also on a map of
// 3-index tensors; non-convergence reported, shape errors raised.
#include <gtest/gtest.h>

#include <algorithm>
#include <complex>

#include "la_test_util.hpp"

using namespace tnad;
using namespace la_test;

namespace {

// x -> A x on tensors of `shape` (numel = A's size): the matrix is never seen by the solver.
LinearMap dense_map(const Mat& A, const Shape& shape) {
  return [A, shape](const Tensor& x) {
    EXPECT_EQ(x.shape(), shape);
    const Vec y = A * Eigen::Map<const Vec>(x.data(), A.cols());
    return Tensor(NDArray::from(shape, y.data()));
  };
}
Vec flat(const Tensor& t) { return Eigen::Map<const Vec>(t.data(), t.numel()); }
Tensor tensor(const Vec& v, const Shape& shape) { return Tensor(NDArray::from(shape, v.data())); }

Mat spd(int64_t n, double cond, uint64_t seed) {
  std::vector<double> w(n);
  for (int64_t i = 0; i < n; ++i) w[i] = std::pow(cond, -double(i) / double(n - 1));
  return with_eigenvalues(w, seed);
}

TEST(KrylovCg, SolvesSpdSystemsAsLapackDoes) {
  const int64_t n = 60;
  const Mat A = spd(n, 1e3, 1);
  const Vec b = vec(NDArray::randn(Shape{n}, 2));
  const Vec ref = A.llt().solve(b);
  for (const Shape& shape : {Shape{n}, Shape{3, 4, 5}}) {
    const SolveResult r = cg(dense_map(A, shape), tensor(b, shape), {.tol = 1e-12});
    EXPECT_TRUE(r.converged);
    EXPECT_EQ(r.x.shape(), shape);
    EXPECT_LE(r.residual, 1e-12);
    EXPECT_LE((A * flat(r.x) - b).norm(), 1e-11 * b.norm());  // the true residual too
    EXPECT_LE((flat(r.x) - ref).norm(), 1e-8 * ref.norm());
    EXPECT_GT(r.iterations, 5);
    EXPECT_LE(r.iterations, 3 * n);
  }
  // From a start close to the answer: fewer iterations, the same solution.
  const Vec near = ref + 1e-6 * vec(NDArray::randn(Shape{n}, 3));
  const SolveResult w = cg(dense_map(A, Shape{n}), tensor(b, Shape{n}), {.tol = 1e-12}, tensor(near, Shape{n}));
  EXPECT_TRUE(w.converged);
  EXPECT_LE((flat(w.x) - ref).norm(), 1e-8 * ref.norm());
  // A zero right-hand side: x = 0 at once.
  const SolveResult z = cg(dense_map(A, Shape{n}), Tensor(NDArray::zeros(Shape{n})));
  EXPECT_TRUE(z.converged);
  EXPECT_EQ(z.iterations, 0);
  EXPECT_EQ(flat(z.x).norm(), 0.0);
}

TEST(KrylovCg, PreconditionerKeepsTheSolutionAndSavesIterations) {
  // A badly scaled SPD matrix: D K D with D spanning 1e-2..1e2; Jacobi undoes the scaling.
  const int64_t n = 50;
  Vec d(n);
  for (int64_t i = 0; i < n; ++i) d(i) = std::pow(10.0, -2.0 + 4.0 * double(i) / double(n - 1));
  const Mat A = d.asDiagonal() * spd(n, 10.0, 4) * d.asDiagonal();
  const Vec b = vec(NDArray::randn(Shape{n}, 5));
  const Vec diag = A.diagonal();
  const LinearMap jacobi = [diag](const Tensor& r) {
    const Vec z = flat(r).cwiseQuotient(diag);
    return tensor(z, r.shape());
  };
  const SolveResult plain = cg(dense_map(A, Shape{n}), tensor(b, Shape{n}), {.tol = 1e-10, .max_iter = 5000});
  const SolveResult pre = cg(dense_map(A, Shape{n}), tensor(b, Shape{n}), {.tol = 1e-10}, {}, jacobi);
  const Vec ref = A.llt().solve(b);
  EXPECT_TRUE(pre.converged);
  EXPECT_LE((flat(pre.x) - ref).norm(), 1e-7 * ref.norm());
  EXPECT_LT(pre.iterations, plain.iterations / 2) << plain.iterations << " vs " << pre.iterations;
}

TEST(KrylovCg, ReportsNonConvergenceAndIndefiniteMaps) {
  const int64_t n = 60;
  const Mat A = spd(n, 1e4, 6);
  const Vec b = vec(NDArray::randn(Shape{n}, 7));
  const SolveResult r = cg(dense_map(A, Shape{n}), tensor(b, Shape{n}), {.tol = 1e-12, .max_iter = 3});
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.iterations, 3);
  EXPECT_GT(r.residual, 1e-6);
  EXPECT_TRUE(flat(r.x).allFinite());
  // Indefinite: stops at non-positive curvature, not converged, finite.
  const Mat S = with_eigenvalues({2.0, 1.0, -1.0, -2.0, 0.5}, 8);
  const Vec c = vec(NDArray::randn(Shape{5}, 9));
  const SolveResult s = cg(dense_map(S, Shape{5}), tensor(c, Shape{5}));
  EXPECT_FALSE(s.converged);
  EXPECT_TRUE(flat(s.x).allFinite());
}

TEST(KrylovCg, BatchedRowsAreIndependentShiftedSystems) {
  // Row j solves (sigma_j I + K) x_j = b_j, one map call per iteration on the active rows.
  const int64_t n = 40, k = 5;
  const Mat K = spd(n, 100.0, 10);
  const std::vector<double> sigma = {10.0, 1.0, 0.1, 0.01, 3.0};
  Mat B = mat(NDArray::randn(Shape{k, n}, 11));
  B.row(3).setZero();  // a zero right-hand side: converged with x = 0, no iteration
  int calls = 0;
  const RowsMap A = [&](const Tensor& rows, std::span<const int64_t> systems) {
    ++calls;
    EXPECT_EQ(rows.size(0), int64_t(systems.size()));
    Mat X = mat(rows.value().reshape(Shape{rows.size(0), n}));
    Mat Y = X * K;  // K symmetric: rows of (K x)^T
    for (std::size_t i = 0; i < systems.size(); ++i) Y.row(int64_t(i)) += sigma[std::size_t(systems[i])] * X.row(int64_t(i));
    return Tensor(NDArray::from(rows.shape(), Y.data()));
  };
  const BatchedSolveResult r = batched_cg(A, reshape(Tensor(arr(B)), Shape{k, 4, 10}), {.tol = 1e-12});
  EXPECT_TRUE(r.all_converged);
  ASSERT_EQ(r.x.shape(), (Shape{k, 4, 10}));
  const Mat X = mat(r.x.value().reshape(Shape{k, n}));
  for (int64_t j = 0; j < k; ++j) {
    const Mat Aj = K + sigma[std::size_t(j)] * Mat::Identity(n, n);
    const Vec ref = Aj.llt().solve(Vec(B.row(j).transpose()));
    EXPECT_LE((Vec(X.row(j).transpose()) - ref).norm(), 1e-9 * std::max(1.0, ref.norm())) << "row " << j;
    EXPECT_TRUE(r.converged[std::size_t(j)]);
    EXPECT_LE(r.residual[std::size_t(j)], 1e-12);
  }
  EXPECT_EQ(r.iterations[3], 0);
  // The well-shifted row needs fewer iterations than the nearly singular one, and the map
  // was called once per iteration of the slowest row, not once per row.
  EXPECT_LT(r.iterations[0], r.iterations[2]);
  EXPECT_EQ(calls, *std::max_element(r.iterations.begin(), r.iterations.end()));
}

TEST(KrylovGmres, SolvesNonsymmetricSystemsAsLapackDoes) {
  const int64_t n = 60;
  Mat A = 0.3 * mat(NDArray::randn(Shape{n, n}, 12)) / std::sqrt(double(n));
  A += Mat::Identity(n, n);
  A(0, n - 1) += 2.0;  // clearly nonsymmetric
  const Vec b = vec(NDArray::randn(Shape{n}, 13));
  const Vec ref = A.partialPivLu().solve(b);
  for (const Shape& shape : {Shape{n}, Shape{3, 4, 5}}) {
    for (int restart : {8, 60}) {
      const SolveResult r = gmres(dense_map(A, shape), tensor(b, shape), {.tol = 1e-12, .restart = restart});
      EXPECT_TRUE(r.converged) << "restart " << restart;
      EXPECT_LE(r.residual, 1e-12);
      EXPECT_LE((A * flat(r.x) - b).norm(), 1e-11 * b.norm());
      EXPECT_LE((flat(r.x) - ref).norm(), 1e-10 * ref.norm());
    }
  }
  // Start from x0; the residual reported is the true one.
  const Vec x0 = vec(NDArray::randn(Shape{n}, 14));
  const SolveResult s = gmres(dense_map(A, Shape{n}), tensor(b, Shape{n}), {.tol = 1e-12}, tensor(x0, Shape{n}));
  EXPECT_TRUE(s.converged);
  EXPECT_LE((flat(s.x) - ref).norm(), 1e-10 * ref.norm());
  EXPECT_NEAR(s.residual, (A * flat(s.x) - b).norm() / b.norm(), 1e-15);
}

TEST(KrylovGmres, ReportsNonConvergence) {
  const int64_t n = 60;
  const Mat A = spd(n, 1e6, 15);
  const Vec b = vec(NDArray::randn(Shape{n}, 16));
  const SolveResult r = gmres(dense_map(A, Shape{n}), tensor(b, Shape{n}), {.tol = 1e-12, .max_iter = 5, .restart = 3});
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.iterations, 5);
  EXPECT_GT(r.residual, 1e-6);
  EXPECT_NEAR(r.residual, (A * flat(r.x) - b).norm() / b.norm(), 1e-14);
}

// Eigen's eigenvalues of a symmetric matrix, ordered as `which` asks.
std::vector<double> sorted_spectrum(const Mat& A, Which which) {
  Eigen::SelfAdjointEigenSolver<Mat> es(A);
  std::vector<double> w(es.eigenvalues().data(), es.eigenvalues().data() + A.rows());
  std::stable_sort(w.begin(), w.end(), [which](double a, double b) {
    if (which == Which::largest_magnitude) return std::abs(a) > std::abs(b);
    if (which == Which::largest_algebraic) return a > b;
    return a < b;
  });
  return w;
}

TEST(KrylovLanczos, ExtremalEigenpairsMatchLapack) {
  const int64_t n = 60;
  std::vector<double> w(n);
  for (int64_t i = 0; i < n; ++i) w[i] = -3.0 + 5.5 * double(i) / double(n - 1) + 0.01 * std::sin(double(i));
  const Mat A = with_eigenvalues(w, 17);  // |w| largest at the top end (2.5), most negative -3
  for (const Shape& shape : {Shape{n}, Shape{3, 4, 5}}) {
    for (Which which : {Which::largest_magnitude, Which::largest_algebraic, Which::smallest_algebraic}) {
      const auto ref = sorted_spectrum(A, which);
      const auto r = lanczos(dense_map(A, shape), Tensor(NDArray::randn(shape, 18)),
                             {.nev = 3, .which = which, .tol = 1e-12, .krylov_dim = 12});
      ASSERT_TRUE(r.converged);
      ASSERT_EQ(r.values.size(), 3u);
      for (int i = 0; i < 3; ++i) {
        EXPECT_NEAR(r.values[i], ref[i], 1e-10) << "which " << int(which) << " i " << i;
        const Vec v = flat(r.vectors[i]);
        EXPECT_EQ(r.vectors[i].shape(), shape);
        EXPECT_NEAR(v.norm(), 1.0, 1e-12);
        EXPECT_LE((A * v - r.values[i] * v).norm(), 1e-9);
        EXPECT_LE(r.residuals[i], 1e-11 * 3.0);
      }
      EXPECT_GT(r.restarts, 0);  // krylov_dim 12 of 60: it had to restart
    }
  }
  // A degenerate top: two equal eigenvalues are both found.
  const Mat D = with_eigenvalues({5.0, 5.0, 1.0, 0.5, 0.2, 0.1, -0.3, 0.05}, 19);
  const auto d = lanczos(dense_map(D, Shape{8}), Tensor(NDArray::randn(Shape{8}, 20)), {.nev = 2});
  EXPECT_TRUE(d.converged);
  EXPECT_NEAR(d.values[0], 5.0, 1e-10);
  EXPECT_NEAR(d.values[1], 5.0, 1e-10);
}

TEST(KrylovLanczos, ReportsNonConvergence) {
  const int64_t n = 200;
  std::vector<double> w(n);
  for (int64_t i = 0; i < n; ++i) w[i] = 1.0 + 1e-3 * double(i);  // a flat, clustered top
  const Mat A = with_eigenvalues(w, 21);
  const auto r = lanczos(dense_map(A, Shape{n}), Tensor(NDArray::randn(Shape{n}, 22)),
                         {.nev = 2, .tol = 1e-12, .max_restarts = 0, .krylov_dim = 6});
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.restarts, 0);
  EXPECT_EQ(r.iterations, 6);
  EXPECT_GT(*std::max_element(r.residuals.begin(), r.residuals.end()), 1e-10);
}

TEST(KrylovArnoldi, LargestMagnitudeEigenvaluesMatchLapack) {
  const int64_t n = 60;
  Mat A = mat(NDArray::randn(Shape{n, n}, 23)) / std::sqrt(double(n));
  // Outliers: a real 1.8, a complex pair 0.3 +- 1.6i.
  const Mat Q = random_orthogonal(n, 24);
  A += 1.8 * Q.col(0) * Q.col(0).transpose() + 1.6 * (Q.col(1) * Q.col(2).transpose() - Q.col(2) * Q.col(1).transpose()) +
       0.3 * (Q.col(1) * Q.col(1).transpose() + Q.col(2) * Q.col(2).transpose());
  Eigen::EigenSolver<Mat> es(A);
  std::vector<std::complex<double>> ref(es.eigenvalues().data(), es.eigenvalues().data() + n);
  std::stable_sort(ref.begin(), ref.end(), [](auto a, auto b) { return std::abs(a) > std::abs(b); });
  for (const Shape& shape : {Shape{n}, Shape{3, 4, 5}}) {
    const auto r = arnoldi(dense_map(A, shape), Tensor(NDArray::randn(shape, 25)), {.nev = 4, .tol = 1e-12, .krylov_dim = 20});
    ASSERT_TRUE(r.converged);
    ASSERT_EQ(r.values.size(), 4u);
    int real_count = 0;
    for (int i = 0; i < 4; ++i) {
      // A conjugate pair comes out in either order within its |lambda|: match by value.
      double best = 1e9;
      for (int j = 0; j < 5; ++j) best = std::min(best, std::abs(r.values[i] - ref[j]));
      EXPECT_LE(best, 1e-9) << r.values[i];
      EXPECT_NEAR(std::abs(r.values[i]), std::abs(ref[i]), 1e-9);
      if (r.values[i].imag() == 0.0) {
        ++real_count;
        ASSERT_TRUE(r.vectors[i].defined());
        const Vec v = flat(r.vectors[i]);
        EXPECT_LE((A * v - r.values[i].real() * v).norm(), 1e-9);
      } else {
        EXPECT_FALSE(r.vectors[i].defined());
      }
    }
    EXPECT_GE(real_count, 1);  // the real outlier 1.8
    EXPECT_GT(r.restarts, 0);  // krylov_dim 20 of 60: the Krylov-Schur restart was used
  }
}

TEST(KrylovArnoldi, ReportsNonConvergenceAndWorksWhenTheSpaceIsSmall) {
  const int64_t n = 120;
  const Mat A = mat(NDArray::randn(Shape{n, n}, 26)) / std::sqrt(double(n));  // a disk of eigenvalues
  const auto r = arnoldi(dense_map(A, Shape{n}), Tensor(NDArray::randn(Shape{n}, 27)),
                         {.nev = 3, .tol = 1e-12, .max_restarts = 1, .krylov_dim = 8});
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.restarts, 1);
  // The Krylov space is the whole space (n = 5): exact at once.
  const Mat S = mat(NDArray::randn(Shape{5, 5}, 28));
  const auto s = arnoldi(dense_map(S, Shape{5}), Tensor(NDArray::randn(Shape{5}, 29)), {.nev = 5});
  EXPECT_TRUE(s.converged);
  Eigen::EigenSolver<Mat> es(S);
  for (const auto& z : s.values) {
    double best = 1e9;
    for (int j = 0; j < 5; ++j) best = std::min(best, std::abs(z - es.eigenvalues()(j)));
    EXPECT_LE(best, 1e-12);
  }
}

TEST(KrylovErrors, ShapesAndOptions) {
  auto expect_error = [](auto&& f, std::vector<std::string> parts) {
    try {
      f();
    } catch (const Error& e) {
      const std::string msg = e.what();
      for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << msg << " lacks " << p;
      return;
    }
    ADD_FAILURE() << "no tnad::Error";
  };
  const Mat A = spd(6, 10.0, 30);
  const Tensor b(NDArray::randn(Shape{2, 3}, 31));
  const LinearMap good = dense_map(A, Shape{2, 3});
  const LinearMap flattens = [&](const Tensor& x) { return reshape(good(x), Shape{6}); };
  expect_error([&] { cg(flattens, b); }, {"cg", "shape [6]", "[2, 3]"});
  expect_error([&] { gmres(flattens, b); }, {"gmres", "shape [6]"});
  expect_error([&] { lanczos(flattens, b); }, {"lanczos", "shape [6]"});
  expect_error([&] { arnoldi(flattens, b); }, {"arnoldi", "shape [6]"});
  expect_error([&] { cg(good, b, {}, Tensor(NDArray::zeros(Shape{6}))); }, {"cg", "x0", "[6]", "[2, 3]"});
  expect_error([&] { gmres(good, b, {}, Tensor(NDArray::zeros(Shape{3, 2}))); }, {"gmres", "x0"});
  expect_error([&] { cg(good, b, {.tol = 0.0}); }, {"cg", "tol"});
  expect_error([&] { gmres(good, b, {.restart = 0}); }, {"gmres", "restart"});
  expect_error([&] { cg(good, b, {.max_iter = 0}); }, {"cg", "max_iter"});
  expect_error([&] { lanczos(good, b, {.nev = 7}); }, {"lanczos", "nev", "[1, 6]"});
  expect_error([&] { arnoldi(good, Tensor(NDArray::zeros(Shape{2, 3}))); }, {"arnoldi", "zero"});
  expect_error([&] { cg(good, Tensor()); }, {"cg", "undefined"});
  const LinearMap nan_map = [](const Tensor& x) { return x * NAN; };
  expect_error([&] { gmres(nan_map, b); }, {"gmres", "NaN"});
  const RowsMap rows_nan = [](const Tensor& x, std::span<const int64_t>) { return x * NAN; };
  expect_error([&] { batched_cg(rows_nan, Tensor(NDArray::randn(Shape{2, 3}, 32))); }, {"batched_cg", "NaN"});
  expect_error([&] { cg(nan_map, b); }, {"cg", "NaN"});
  const RowsMap rows_bad = [](const Tensor& x, std::span<const int64_t>) { return reshape(x, Shape{-1}); };
  expect_error([&] { batched_cg(rows_bad, Tensor(NDArray::randn(Shape{2, 3}, 32))); }, {"batched_cg", "shape"});
  expect_error([&] { batched_cg(rows_bad, Tensor(NDArray::scalar(1.0))); }, {"batched_cg", "leading axis"});
}

}  // namespace
