// Forward values against Eigen's own decompositions: reconstruction, orthogonality,
// ordering, the gauge conventions, on tall, square and wide inputs and batches.
#include <gtest/gtest.h>

#include "la_test_util.hpp"

using namespace tnad;
using namespace la_test;

namespace {
const std::vector<std::pair<int64_t, int64_t>> kShapes = {{7, 4}, {5, 5}, {3, 6}, {1, 4}, {4, 1}};

TEST(SvdForward, MatchesEigenOnTallSquareWide) {
  uint64_t seed = 1;
  for (auto [m, n] : kShapes) {
    const NDArray a = NDArray::randn(Shape{m, n}, seed++);
    const Mat A = mat(a);
    const auto f = svd(Tensor(a));
    const int64_t K = std::min(m, n);
    ASSERT_EQ(f.U.shape(), (Shape{m, K}));
    ASSERT_EQ(f.S.shape(), (Shape{K}));
    ASSERT_EQ(f.Vh.shape(), (Shape{K, n}));
    const Mat U = mat(f.U), Vh = mat(f.Vh);
    const Vec S = vec(f.S);
    Eigen::JacobiSVD<Mat> ref(A);
    EXPECT_LE((S - ref.singularValues()).norm(), 1e-13 * ref.singularValues()(0)) << m << "x" << n;
    for (int64_t i = 0; i + 1 < K; ++i) EXPECT_GE(S(i), S(i + 1));
    EXPECT_GE(S(K - 1), 0.0);
    EXPECT_LE((A - U * S.asDiagonal() * Vh).norm(), 1e-13 * A.norm());
    EXPECT_LE((U.transpose() * U - Mat::Identity(K, K)).norm(), 1e-13);
    EXPECT_LE((Vh * Vh.transpose() - Mat::Identity(K, K)).norm(), 1e-13);
    EXPECT_TRUE(columns_sign_fixed(U));
    // Same subspaces as Eigen, vector by vector up to the sign (distinct values here).
    Eigen::JacobiSVD<Mat> ref_v(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
    for (int64_t i = 0; i < K; ++i)
      EXPECT_NEAR(std::abs(U.col(i).dot(ref_v.matrixU().col(i))), 1.0, 1e-12);
    EXPECT_LE((vec(svdvals(Tensor(a))) - S).norm(), 1e-13 * S(0));
  }
}

TEST(SvdForward, FullMatricesAreSquareOrthogonal) {
  for (auto [m, n] : kShapes) {
    const NDArray a = NDArray::randn(Shape{m, n}, 40 + m);
    const auto f = svd(Tensor(a), {.full_matrices = true});
    const int64_t K = std::min(m, n);
    ASSERT_EQ(f.U.shape(), (Shape{m, m}));
    ASSERT_EQ(f.Vh.shape(), (Shape{n, n}));
    const Mat U = mat(f.U), Vh = mat(f.Vh);
    EXPECT_LE((U.transpose() * U - Mat::Identity(m, m)).norm(), 1e-13);
    EXPECT_LE((Vh * Vh.transpose() - Mat::Identity(n, n)).norm(), 1e-13);
    Mat Sigma = Mat::Zero(m, n);
    for (int64_t i = 0; i < K; ++i) Sigma(i, i) = f.S.value().data()[i];
    EXPECT_LE((mat(a) - U * Sigma * Vh).norm(), 1e-13 * mat(a).norm());
    const auto thin = svd(Tensor(a));
    EXPECT_LE((U.leftCols(K) - mat(thin.U)).norm(), 1e-12);  // same gauge as the thin SVD
  }
}

TEST(EighForward, MatchesEigenAndSymmetrizes) {
  for (int64_t n : {1, 2, 5, 8}) {
    const NDArray a = NDArray::randn(Shape{n, n}, 100 + n);  // not symmetric
    const Mat A = mat(a), Asym = 0.5 * (A + A.transpose());
    const auto f = eigh(Tensor(a));
    const Vec w = vec(f.w);
    const Mat Vm = mat(f.V);
    Eigen::SelfAdjointEigenSolver<Mat> ref(Asym);
    EXPECT_LE((w - ref.eigenvalues()).norm(), 1e-13 * (1 + ref.eigenvalues().cwiseAbs().maxCoeff()));
    for (int64_t i = 0; i + 1 < n; ++i) EXPECT_LE(w(i), w(i + 1));  // ascending
    EXPECT_LE((Vm.transpose() * Vm - Mat::Identity(n, n)).norm(), 1e-13);
    EXPECT_LE((Asym * Vm - Vm * w.asDiagonal()).norm(), 1e-12 * Asym.norm());
    EXPECT_TRUE(columns_sign_fixed(Vm));
    EXPECT_LE((vec(eigvalsh(Tensor(a))) - w).norm(), 1e-13 * (1 + w.cwiseAbs().maxCoeff()));
  }
}

TEST(EighForward, TruncatedKeepsLargestMagnitudes) {
  const std::vector<double> w = {0.3, -4.0, 2.5, -1.0, 3.0, 0.1};
  const Mat A = with_eigenvalues(w, 5);
  const auto f = eigh_truncated(Tensor(arr(A)), {.max_rank = 3});
  const Vec wk = vec(f.w);
  ASSERT_EQ(wk.size(), 3);
  EXPECT_NEAR(wk(0), -4.0, 1e-12);
  EXPECT_NEAR(wk(1), 3.0, 1e-12);
  EXPECT_NEAR(wk(2), 2.5, 1e-12);
  const Mat Vk = mat(f.V);
  EXPECT_LE((A * Vk - Vk * wk.asDiagonal()).norm(), 1e-12);
  EXPECT_LE((Vk.transpose() * Vk - Mat::Identity(3, 3)).norm(), 1e-13);
  // discarded: 0.3, -1, 0.1 of sum w^2 = 32.35
  EXPECT_NEAR(f.discarded_weight.item(), (0.09 + 1.0 + 0.01) / 32.35, 1e-14);
}

TEST(QrForward, MatchesEigenWithPositiveDiagonal) {
  for (auto [m, n] : kShapes) {
    const NDArray a = NDArray::randn(Shape{m, n}, 200 + 10 * m + n);
    const Mat A = mat(a);
    const int64_t K = std::min(m, n);
    const auto f = qr(Tensor(a));
    ASSERT_EQ(f.Q.shape(), (Shape{m, K}));
    ASSERT_EQ(f.R.shape(), (Shape{K, n}));
    const Mat Q = mat(f.Q), R = mat(f.R);
    EXPECT_LE((A - Q * R).norm(), 1e-13 * A.norm());
    EXPECT_LE((Q.transpose() * Q - Mat::Identity(K, K)).norm(), 1e-13);
    for (int64_t i = 0; i < K; ++i) {
      EXPECT_GE(R(i, i), 0.0);
      for (int64_t j = 0; j < std::min(i, n); ++j) EXPECT_EQ(R(i, j), 0.0);
    }
    // Eigen's Householder R, rows sign-normalised to a non-negative diagonal.
    Eigen::HouseholderQR<Mat> ref(A);
    Mat Rref = ref.matrixQR().topRows(K).triangularView<Eigen::Upper>();
    for (int64_t i = 0; i < K; ++i)
      if (Rref(i, i) < 0) Rref.row(i) *= -1.0;
    EXPECT_LE((R - Rref).norm(), 1e-12 * A.norm());
  }
}

TEST(LqForward, ReconstructsWithLowerL) {
  for (auto [m, n] : kShapes) {
    const NDArray a = NDArray::randn(Shape{m, n}, 300 + 10 * m + n);
    const Mat A = mat(a);
    const int64_t K = std::min(m, n);
    const auto f = lq(Tensor(a));
    ASSERT_EQ(f.L.shape(), (Shape{m, K}));
    ASSERT_EQ(f.Q.shape(), (Shape{K, n}));
    const Mat L = mat(f.L), Q = mat(f.Q);
    EXPECT_LE((A - L * Q).norm(), 1e-13 * A.norm());
    EXPECT_LE((Q * Q.transpose() - Mat::Identity(K, K)).norm(), 1e-13);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = i + 1; j < K; ++j) EXPECT_EQ(L(i, j), 0.0);
    for (int64_t i = 0; i < K; ++i) EXPECT_GE(L(i, i), 0.0);
  }
}

TEST(CholeskyForward, MatchesEigenLLT) {
  for (int64_t n : {1, 3, 6}) {
    const Mat B = mat(NDArray::randn(Shape{n, n}, 400 + n));
    const Mat A = B * B.transpose() + Mat::Identity(n, n);
    const Mat L = mat(cholesky(Tensor(arr(A))));
    Eigen::LLT<Mat> ref(A);
    EXPECT_LE((L - Mat(ref.matrixL())).norm(), 1e-13 * A.norm());
  }
}

TEST(SolveForward, MatchesEigenIncludingVectorsAndBroadcast) {
  const Mat A = mat(NDArray::randn(Shape{4, 4}, 500)) + 2 * Mat::Identity(4, 4);
  const Mat B = mat(NDArray::randn(Shape{4, 3}, 501));
  const Mat X = mat(solve(Tensor(arr(A)), Tensor(arr(B))));
  EXPECT_LE((X - A.partialPivLu().solve(B)).norm(), 1e-12 * X.norm());
  const NDArray b = NDArray::randn(Shape{4}, 502);
  const Vec x = vec(solve(Tensor(arr(A)), Tensor(b)));
  EXPECT_LE((x - A.partialPivLu().solve(vec(b))).norm(), 1e-12 * x.norm());
  // A batch of two matrices against one right-hand side.
  const NDArray As = nd::concatenate({arr(A).reshape(Shape{1, 4, 4}), arr(Mat(A.transpose())).reshape(Shape{1, 4, 4})}, 0);
  const Tensor Xs = solve(Tensor(As), Tensor(arr(B)));
  ASSERT_EQ(Xs.shape(), (Shape{2, 4, 3}));
  EXPECT_LE((mat(Xs, 1) - A.transpose().partialPivLu().solve(B)).norm(), 1e-12 * X.norm());
}

TEST(SolveTriangularForward, AllVariantsMatchEigen) {
  const Mat A = mat(NDArray::randn(Shape{4, 4}, 600)) + 3 * Mat::Identity(4, 4);
  const Mat B = mat(NDArray::randn(Shape{4, 2}, 601)), Bt = B.transpose();
  const Mat up = mat(solve_triangular(Tensor(arr(A)), Tensor(arr(B)), {.upper = true}));
  EXPECT_LE((up - A.triangularView<Eigen::Upper>().solve(B)).norm(), 1e-12);
  const Mat lo_unit = mat(solve_triangular(Tensor(arr(A)), Tensor(arr(B)), {.upper = false, .unit_diagonal = true}));
  EXPECT_LE((lo_unit - A.triangularView<Eigen::UnitLower>().solve(B)).norm(), 1e-12);
  // Right side: X A = Bt.
  const Mat right = mat(solve_triangular(Tensor(arr(A)), Tensor(arr(Bt)), {.upper = true, .left = false}));
  EXPECT_LE((right * Mat(A.triangularView<Eigen::Upper>()) - Bt).norm(), 1e-12);
}

TEST(InverseAndDeterminant, MatchEigen) {
  for (int64_t n : {1, 3, 5}) {
    const Mat A = mat(NDArray::randn(Shape{n, n}, 700 + n));
    EXPECT_LE((mat(inv(Tensor(arr(A)))) - A.inverse()).norm(), 1e-11 * A.inverse().norm());
    const double d = det(Tensor(arr(A))).item();
    EXPECT_NEAR(d, A.determinant(), 1e-12 * std::abs(A.determinant()));
    const auto sl = slogdet(Tensor(arr(A)));
    EXPECT_EQ(sl.sign.item(), A.determinant() > 0 ? 1.0 : -1.0);
    EXPECT_NEAR(sl.logabsdet.item(), std::log(std::abs(A.determinant())), 1e-12);
  }
  Mat S(2, 2);
  S << 1, 2, 2, 4;  // exactly singular
  EXPECT_EQ(det(Tensor(arr(S))).item(), 0.0);
  EXPECT_EQ(slogdet(Tensor(arr(S))).sign.item(), 0.0);
  EXPECT_TRUE(std::isinf(slogdet(Tensor(arr(S))).logabsdet.item()));
}

TEST(SvdTruncatedForward, RankRulesAndDiscardedWeight) {
  const std::vector<double> s = {4.0, 2.0, 1.0, 0.5, 0.25, 0.125};
  const Mat A = with_singular_values(8, 6, s, 9);
  const Tensor a(arr(A));
  double total = 0;
  for (double v : s) total += v * v;
  TruncationOptions o;
  o.max_rank = 2;
  auto f = svd_truncated(a, o);
  ASSERT_EQ(f.S.shape(), (Shape{2}));
  EXPECT_NEAR(f.S.value().data()[1], 2.0, 1e-13);
  EXPECT_NEAR(f.discarded_weight.item(), (total - 16.0 - 4.0) / total, 1e-14);
  o.max_rank = -1;
  o.rel_cutoff = 0.1;  // keeps s > 0.4
  EXPECT_EQ(svd_truncated(a, o).S.size(-1), 4);
  // Same numbers from the randomized route (k + oversampling >= K: exact range).
  TruncationOptions r;
  r.max_rank = 2;
  r.method = SvdMethod::randomized;
  r.oversampling = 10;
  auto g = svd_truncated(a, r);
  EXPECT_LE((vec(g.S) - vec(f.S).head(2)).norm(), 1e-13);
  EXPECT_NEAR(g.discarded_weight.item(), (total - 20.0) / total, 1e-13);
  EXPECT_LE((mat(g.U) * vec(g.S).asDiagonal() * mat(g.Vh) - mat(f.U) * vec(f.S).asDiagonal() * mat(f.Vh)).norm(), 1e-12);
}

TEST(SvdTruncatedForward, KeepMultipletsMovesTheCutToAGap) {
  TruncationOptions o;
  o.keep_multiplets = true;
  // Cut at 2 would split {2, 2}: lowered to 1.
  o.max_rank = 2;
  EXPECT_EQ(svd_truncated(Tensor(arr(with_singular_values(5, 5, {3, 2, 2, 1, 0.5}, 3))), o).S.size(-1), 1);
  // The first multiplet {2, 2, 2} reaches past max_rank = 2: it is kept whole.
  EXPECT_EQ(svd_truncated(Tensor(arr(with_singular_values(5, 5, {2, 2, 2, 1, 0.5}, 3))), o).S.size(-1), 3);
  // No multiplet at the cut: unchanged.
  EXPECT_EQ(svd_truncated(Tensor(arr(with_singular_values(5, 5, {3, 2, 1.5, 1, 0.5}, 3))), o).S.size(-1), 2);
  o.keep_multiplets = false;
  EXPECT_EQ(svd_truncated(Tensor(arr(with_singular_values(5, 5, {3, 2, 2, 1, 0.5}, 3))), o).S.size(-1), 2);
}

}  // namespace
