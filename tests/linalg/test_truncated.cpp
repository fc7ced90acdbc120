// Truncated SVD adjoints (docs/adjoints.md, "truncated SVD"): option A (full factors,
// zero-padded) and option B (Sylvester system) against central finite differences at a
// discarded/kept ratio of 0.6, and the old rule (the thin adjoint on the kept triplets alone) shown
// to be wrong there. Also the randomized route in its approximate regime.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "lapack/kernels.hpp"  // linalg/src: the Sylvester CG, tested directly below
#include "la_test_util.hpp"
#include "tnad/ad/forward.hpp"

using namespace tnad;
using namespace la_test;

namespace {

std::vector<double> geometric(int64_t K, double ratio) {
  std::vector<double> s(K);
  for (int64_t i = 0; i < K; ++i) s[i] = 2.0 * std::pow(ratio, double(i));
  return s;
}

// A gauge-invariant loss with generic cotangents for U, S and V:
// <G1, U diag(c) Vh> + <G2, U U^T> + <G3, V V^T> + sum c_i s_i.
struct Loss {
  Tensor G1, G2, G3, c;
  Loss(int64_t m, int64_t n, int64_t k, uint64_t seed)
      : G1(NDArray::randn(Shape{m, n}, seed)), G2(NDArray::randn(Shape{m, m}, seed + 1)),
        G3(NDArray::randn(Shape{n, n}, seed + 2)), c(NDArray::arange(1.0, 1.0 + 0.5 * double(k), 0.5)) {}
  Tensor operator()(const Tensor& U, const Tensor& S, const Tensor& Vh) const {
    const Tensor Uc = U * expand_dims(c, -2);
    return vdot(G1, matmul(Uc, Vh)) + vdot(G2, matmul(U, transpose(U))) +
           vdot(G3, matmul(transpose(Vh), Vh)) + sum(S * c);
  }
  // The old rule's gradient of this loss (Eigen, from the kept triplets only).
  Mat old_rule(const Mat& A, int64_t k) const {
    Eigen::JacobiSVD<Mat> svd(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const Mat U = svd.matrixU().leftCols(k), Vm = svd.matrixV().leftCols(k);
    const Vec s = svd.singularValues().head(k), cv = vec(c.value());
    const Mat g1 = mat(G1), g2 = mat(G2), g3 = mat(G3);
    const Mat gU = g1 * Vm * cv.asDiagonal() + (g2 + g2.transpose()) * U;
    const Mat gV = g1.transpose() * U * cv.asDiagonal() + (g3 + g3.transpose()) * Vm;
    const Mat JU = U.transpose() * gU, JV = Vm.transpose() * gV;
    const Mat aU = 0.5 * (JU - JU.transpose()), aV = 0.5 * (JV - JV.transpose());
    Mat Gamma = cv.asDiagonal();
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j)
        if (i != j) Gamma(i, j) += (aU(i, j) + aV(i, j)) / (s(j) - s(i)) + (aU(i, j) - aV(i, j)) / (s(j) + s(i));
    const Vec sinv = s.cwiseInverse();
    return U * Gamma * Vm.transpose() + (gU - U * JU) * sinv.asDiagonal() * Vm.transpose() +
           U * sinv.asDiagonal() * (gV - Vm * JV).transpose();
  }
};

TruncationOptions options(int64_t k, SvdMethod method, SvdAdjoint adjoint) {
  TruncationOptions o;
  o.max_rank = k;
  o.method = method;
  o.adjoint = adjoint;
  return o;
}

struct TruncCase {
  int64_t m, n, k;
};
const TruncCase kCases[] = {{10, 8, 4}, {8, 8, 4}, {7, 10, 3}};

Tensor truncated_loss(const Tensor& A, const Loss& L, const TruncationOptions& o) {
  const auto f = svd_truncated(A, o);
  return L(f.U, f.S, f.Vh);
}

TEST(TruncatedSvd, OptionAMatchesFiniteDifferences) {
  for (const auto& tc : kCases) {
    const Mat A = with_singular_values(tc.m, tc.n, geometric(std::min(tc.m, tc.n), 0.6), 11);
    const Loss L(tc.m, tc.n, tc.k, 3);
    const auto o = options(tc.k, SvdMethod::full, SvdAdjoint::automatic);
    const auto r = directional_check([&](const Tensor& a) { return truncated_loss(a, L, o); }, arr(A));
    EXPECT_TRUE(r.finite);
    EXPECT_LT(r.max_rel, 1e-7) << tc.m << "x" << tc.n << " k=" << tc.k;
    std::printf("[ measure ] option A %ldx%ld k=%ld: rel FD error %.1e\n", long(tc.m), long(tc.n), long(tc.k), r.max_rel);
  }
}

TEST(TruncatedSvd, OptionBMatchesFiniteDifferencesAndOptionA) {
  for (const auto& tc : kCases) {
    const Mat A = with_singular_values(tc.m, tc.n, geometric(std::min(tc.m, tc.n), 0.6), 12);
    const Loss L(tc.m, tc.n, tc.k, 4);
    const auto ob = options(tc.k, SvdMethod::full, SvdAdjoint::sylvester);
    const auto r = directional_check([&](const Tensor& a) { return truncated_loss(a, L, ob); }, arr(A));
    EXPECT_TRUE(r.finite);
    EXPECT_LT(r.max_rel, 1e-7) << tc.m << "x" << tc.n << " k=" << tc.k;
    std::printf("[ measure ] option B %ldx%ld k=%ld: rel FD error %.1e\n", long(tc.m), long(tc.n), long(tc.k), r.max_rel);
    // Same gradient as option A, entry by entry.
    const Tensor X(arr(A), true);
    const Mat gA = mat(grad(truncated_loss(X, L, options(tc.k, SvdMethod::full, SvdAdjoint::automatic)), X));
    const Mat gB = mat(grad(truncated_loss(X, L, ob), X));
    EXPECT_LT((gA - gB).norm(), 1e-10 * gA.norm());
  }
}

TEST(TruncatedSvd, OldRuleIsWrongAtRatio06) {
  for (const auto& tc : kCases) {
    const Mat A = with_singular_values(tc.m, tc.n, geometric(std::min(tc.m, tc.n), 0.6), 13);
    const Loss L(tc.m, tc.n, tc.k, 5);
    const auto o = options(tc.k, SvdMethod::full, SvdAdjoint::automatic);
    const Tensor X(arr(A), true);
    const Mat exact = mat(grad(truncated_loss(X, L, o), X));
    const Mat old = L.old_rule(A, tc.k);
    // The old rule misses the discarded-subspace term: a relative error of order 1
    // (15-100% in docs/adjoints.md, "truncated SVD"), while the exact rules agree with FD to 1e-7.
    EXPECT_GT((old - exact).norm() / exact.norm(), 0.1) << tc.m << "x" << tc.n;
    // The library's kept_only rule is this reference.
    const Mat kept = mat(grad(truncated_loss(X, L, options(tc.k, SvdMethod::full, SvdAdjoint::kept_only)), X));
    EXPECT_LT((kept - old).norm(), 1e-10 * old.norm()) << tc.m << "x" << tc.n;
    std::printf("[ measure ] old rule %ldx%ld k=%ld: |old - exact| / |exact| = %.2f\n", long(tc.m), long(tc.n),
                long(tc.k), (old - exact).norm() / exact.norm());
    // ... and at discarded singular values of zero the old rule is exact (a sanity
    // check of the reference implementation above).
    std::vector<double> s = geometric(std::min(tc.m, tc.n), 0.6);
    std::fill(s.begin() + tc.k, s.end(), 0.0);
    const Mat Ak = with_singular_values(tc.m, tc.n, s, 13);
    const Tensor Xk(arr(Ak), true);
    const Mat exact_k = mat(grad(truncated_loss(Xk, L, o), Xk));
    EXPECT_LT((L.old_rule(Ak, tc.k) - exact_k).norm(), 1e-9 * exact_k.norm());
  }
}

TEST(TruncatedSvd, BatchedOptionsAAndBMatchFiniteDifferences) {
  // Batch of two 9 x 7 matrices, k = 3.
  const Mat A0 = with_singular_values(9, 7, geometric(7, 0.6), 21), A1 = with_singular_values(9, 7, geometric(7, 0.65), 22);
  NDArray a = nd::concatenate({arr(A0).reshape(Shape{1, 9, 7}), arr(A1).reshape(Shape{1, 9, 7})}, 0);
  const Tensor G(NDArray::randn(Shape{2, 9, 7}, 23));
  for (auto adj : {SvdAdjoint::automatic, SvdAdjoint::sylvester}) {
    const auto o = options(3, SvdMethod::full, adj);
    auto loss = [&](const Tensor& x) {
      const auto f = svd_truncated(x, o);
      const Tensor P = matmul(f.U * expand_dims(f.S, -2), f.Vh);  // the rank-3 approximation
      return vdot(G, P) + sum(f.discarded_weight);
    };
    const auto r = directional_check(loss, a);
    EXPECT_TRUE(r.finite);
    EXPECT_LT(r.max_rel, 1e-7);
  }
}

TEST(TruncatedSvd, SlowSylvesterConvergenceStillExact) {
  // s_{k+1}/s_k = 0.95: the fixed-point sweep would need ~700 sweeps; CG converges and
  // option B still equals option A.
  const Mat A = with_singular_values(12, 10, geometric(10, 0.95), 31);
  const Loss L(12, 10, 4, 6);
  const Tensor X(arr(A), true);
  const Mat gA = mat(grad(truncated_loss(X, L, options(4, SvdMethod::full, SvdAdjoint::automatic)), X));
  const Mat gB = mat(grad(truncated_loss(X, L, options(4, SvdMethod::full, SvdAdjoint::sylvester)), X));
  EXPECT_LT((gA - gB).norm(), 1e-9 * gA.norm());
}

TEST(TruncatedSvd, RandomizedApproximateRegimeMatchesFullRoute) {
  // l = k + oversampling = 8 < K = 40: the sketch only approximates the range, with error
  // ~ (s_{l+1}/s_k)^(2q+1) = 0.6^45 ~ 1e-10 after q = 4 power iterations.
  const int64_t m = 60, n = 40, k = 4;
  const Mat A = with_singular_values(m, n, geometric(n, 0.6), 41);
  auto ro = options(k, SvdMethod::randomized, SvdAdjoint::automatic);
  ro.oversampling = 4;
  ro.power_iterations = 4;
  const auto fo = options(k, SvdMethod::full, SvdAdjoint::automatic);
  const auto fr = svd_truncated(Tensor(arr(A)), ro), ff = svd_truncated(Tensor(arr(A)), fo);
  EXPECT_LT((vec(fr.S) - vec(ff.S)).norm() / vec(ff.S).norm(), 1e-9);
  EXPECT_NEAR(fr.discarded_weight.item(), ff.discarded_weight.item(), 1e-9);
  const Loss L(m, n, k, 7);
  const Tensor X(arr(A), true);
  const Mat g_rand = mat(grad(truncated_loss(X, L, ro), X));
  const Mat g_full = mat(grad(truncated_loss(X, L, fo), X));
  EXPECT_LT((g_rand - g_full).norm() / g_full.norm(), 1e-7);
  std::printf("[ measure ] randomized 60x40 k=4 l=8 q=4: S rel err %.1e, gradient rel err %.1e\n",
              (vec(fr.S) - vec(ff.S)).norm() / vec(ff.S).norm(), (g_rand - g_full).norm() / g_full.norm());
  // Without power iterations the same sketch is visibly worse: the test can tell.
  ro.power_iterations = 0;
  const auto f0 = svd_truncated(Tensor(arr(A)), ro);
  EXPECT_GT((vec(f0.S) - vec(ff.S)).norm() / vec(ff.S).norm(), 1e-6);
}

// The range finder re-orthonormalizes its sketches by CholeskyQR2, which squares their
// condition number; sketches of a spectrum falling over 30 decades (and a rank-deficient
// matrix) are far beyond what it can take, so these exercise the Householder fallback:
// U and V orthonormal to rounding, the leading values those of the full SVD.
TEST(TruncatedSvd, RandomizedRangeFinderSurvivesIllConditionedSketches) {
  const int64_t m = 70, n = 50, k = 6;
  std::vector<double> steep = geometric(n, 0.25);
  std::vector<double> low_rank(n, 0.0);
  for (int64_t i = 0; i < 9; ++i) low_rank[std::size_t(i)] = 2.0 * std::pow(0.7, double(i));
  for (const auto& spectrum : {steep, low_rank}) {
    const Mat A = with_singular_values(m, n, spectrum, 71);
    auto ro = options(k, SvdMethod::randomized, SvdAdjoint::automatic);
    ro.oversampling = 10;
    ro.power_iterations = 3;
    const auto fr = svd_truncated(Tensor(arr(A)), ro);
    const auto ff = svd_truncated(Tensor(arr(A)), options(k, SvdMethod::full, SvdAdjoint::automatic));
    const Mat U = mat(fr.U), V = mat(fr.Vh).transpose();
    ASSERT_EQ(U.cols(), k);
    EXPECT_LT((U.transpose() * U - Mat::Identity(k, k)).norm(), 1e-13);
    EXPECT_LT((V.transpose() * V - Mat::Identity(k, k)).norm(), 1e-13);
    EXPECT_LT((vec(fr.S) - vec(ff.S)).norm() / vec(ff.S).norm(), 1e-12);
    EXPECT_LT((U * vec(fr.S).asDiagonal() * V.transpose() - A).norm(),
              1.0001 * (mat(ff.U) * vec(ff.S).asDiagonal() * mat(ff.Vh) - A).norm() + 1e-13);
  }
}

TEST(TruncatedSvd, CacheReturnsTheSameFactorsForTheSameMatrix) {
  auto o = options(4, SvdMethod::randomized, SvdAdjoint::automatic);
  o.oversampling = 4;
  o.cache = std::make_shared<SvdCache>(2);
  const Mat A1 = with_singular_values(30, 20, geometric(20, 0.7), 51);
  const auto f = svd_truncated(Tensor(arr(A1)), o);
  EXPECT_EQ(o.cache->size(), 1u);
  EXPECT_EQ(o.cache->hits(), 0u);
  const auto g = svd_truncated(Tensor(arr(A1)), o);  // a recomputation: a hit, bit-identical
  EXPECT_EQ(o.cache->hits(), 1u);
  EXPECT_EQ(mat(f.U), mat(g.U));
  EXPECT_EQ(mat(f.Vh), mat(g.Vh));
  EXPECT_EQ(vec(f.S), vec(g.S));
  // ... and the same gradient as without the cache.
  const Loss L(30, 20, 4, 9);
  const Tensor X(arr(A1), true);
  auto plain = o;
  plain.cache = nullptr;
  EXPECT_EQ(mat(grad(truncated_loss(X, L, o), X)), mat(grad(truncated_loss(X, L, plain), X)));
  EXPECT_EQ(o.cache->hits(), 2u);
  // One changed entry is another matrix: a miss; capacity 2 evicts the oldest.
  Mat A2 = A1;
  A2(3, 4) += 1e-13;
  svd_truncated(Tensor(arr(A2)), o);
  EXPECT_EQ(o.cache->hits(), 2u);
  svd_truncated(Tensor(arr(with_singular_values(30, 20, geometric(20, 0.7), 52))), o);
  EXPECT_EQ(o.cache->size(), 2u);
  svd_truncated(Tensor(arr(A1)), o);  // evicted: recomputed, still the same factors
  EXPECT_EQ(o.cache->hits(), 2u);
  EXPECT_EQ(vec(svd_truncated(Tensor(arr(A1)), o).S), vec(f.S));
  EXPECT_EQ(o.cache->hits(), 3u);
}

// The CG of option B (kernels.hpp) with and without a preconditioner: exact singular
// vectors, and a random orthonormal W with wrong values (a bad but SPD preconditioner).
// Each solution must satisfy x_j s_j^2 - M M^T x_j = r_j to rounding.
TEST(TruncatedSvd, SylvesterSolveIsExactWithAnyPreconditioner) {
  const int64_t m = 40, n = 30, k = 3, p = 4;
  std::vector<double> sm = geometric(n, 0.8);
  for (double& v : sm) v *= 0.35;  // |M|_2 = 0.7 < s_k
  const Mat M = with_singular_values(m, n, sm, 61);
  const Vec s = (Vec(k) << 1.0, 0.9, 0.72).finished();
  Mat R = mat(NDArray::randn(Shape{m, k}, 62));
  R.col(1).setZero();  // a zero right-hand side: done before the first iteration
  Eigen::JacobiSVD<Mat> svd(M, Eigen::ComputeThinU);
  const Mat W_exact = svd.matrixU().leftCols(p);
  const Vec sw_exact = svd.singularValues().head(p);
  const Mat W_bad = Eigen::HouseholderQR<Mat>(mat(NDArray::randn(Shape{m, p}, 63))).householderQ() *
                    Mat::Identity(m, p);
  const Vec sw_bad = Vec::Constant(p, 0.7);
  auto vec_arr = [](const Vec& v) { return NDArray::from(Shape{v.size()}, v.data()); };
  auto solve = [&](const Mat* W, const Vec* sw) {
    linalg_detail::GramDeflation d;
    if (W) d = {arr(*W), vec_arr(*sw)};
    return mat(linalg_detail::shifted_gram_solve(arr(M), vec_arr(s), arr(R), "test", d));
  };
  for (int c = 0; c < 3; ++c) {
    const Mat X = c == 0 ? solve(nullptr, nullptr) : c == 1 ? solve(&W_exact, &sw_exact) : solve(&W_bad, &sw_bad);
    const Mat LX = X * s.array().square().matrix().asDiagonal() - M * (M.transpose() * X);
    EXPECT_LT((LX - R).norm(), 1e-12 * R.norm()) << "case " << c;
    EXPECT_EQ(X.col(1).norm(), 0.0) << "case " << c;
  }
}

// The same solve with M = P_U A P_V given implicitly (A, U, Vh; what svd_truncated's
// adjoint passes) must solve the system of the dense P_U A P_V.
TEST(TruncatedSvd, SylvesterSolveWithImplicitProjectorsMatchesDenseAperp) {
  const int64_t m = 40, n = 30, k = 3, q = 5;
  std::vector<double> sa = geometric(n, 0.8);
  for (double& v : sa) v *= 0.35;  // |A|_2 = 0.7 < s_k, so also |P_U A P_V|_2 < s_k
  const Mat A = with_singular_values(m, n, sa, 71);
  const Mat U = Eigen::HouseholderQR<Mat>(mat(NDArray::randn(Shape{m, q}, 72))).householderQ() * Mat::Identity(m, q);
  const Mat V = Eigen::HouseholderQR<Mat>(mat(NDArray::randn(Shape{n, q}, 73))).householderQ() * Mat::Identity(n, q);
  const Mat M = (Mat::Identity(m, m) - U * U.transpose()) * A * (Mat::Identity(n, n) - V * V.transpose());
  const Vec s = (Vec(k) << 1.0, 0.9, 0.72).finished();
  const Mat R = mat(NDArray::randn(Shape{m, k}, 74));
  const NDArray sv = NDArray::from(Shape{k}, s.data());
  const Mat X = mat(linalg_detail::shifted_gram_solve(arr(A), sv, arr(R), "test", {},
                                                      {arr(U), arr(Mat(V.transpose()))}));
  const Mat LX = X * s.array().square().matrix().asDiagonal() - M * (M.transpose() * X);
  EXPECT_LT((LX - R).norm(), 1e-12 * R.norm());
  const Mat Xd = mat(linalg_detail::shifted_gram_solve(arr(M), sv, arr(R), "test"));
  EXPECT_LT((X - Xd).norm(), 1e-12 * Xd.norm());
}

TEST(TruncatedSvd, KeepMultipletsGivesFiniteExactGradient) {
  // s = 3, 2, 2, 1, 0.5: max_rank 2 would cut the {2, 2} pair; the cut moves to k = 1.
  const Mat A = with_singular_values(6, 5, {3, 2, 2, 1, 0.5}, 51);
  for (auto adj : {SvdAdjoint::automatic, SvdAdjoint::sylvester}) {
    auto o = options(2, SvdMethod::full, adj);
    o.keep_multiplets = true;
    // The finite-difference steps split the pair by ~1e-6; a tolerance above that keeps
    // k = 1 at every evaluation point (with the default 1e-8 the cut would jump to 2).
    o.multiplet_tol = 1e-4;
    ASSERT_EQ(svd_truncated(Tensor(arr(A)), o).S.size(-1), 1);
    const Loss L(6, 5, 1, 8);
    const auto r = directional_check([&](const Tensor& a) { return truncated_loss(a, L, o); }, arr(A));
    EXPECT_TRUE(r.finite);
    EXPECT_LT(r.max_rel, 1e-7);
  }
}

}  // namespace

// Second derivatives through option B (the Sylvester op's own adjoint, and the concatenated
// rank-k products of svd_truncated_backward): the Hessian-vector product d/de grad L(A + e D)
// by nested AD against the central difference of the gradient, and against option A's HVP
// (same function, different adjoint) entry by entry.
TEST(TruncatedSvd, OptionBSecondDerivativeMatchesFiniteDifferencesAndOptionA) {
  for (const auto& tc : kCases) {
    const Mat A = with_singular_values(tc.m, tc.n, geometric(std::min(tc.m, tc.n), 0.6), 21);
    const Mat D = Mat::Random(tc.m, tc.n).normalized();
    const Loss L(tc.m, tc.n, tc.k, 5);
    auto grad_at = [&](const Mat& a, const TruncationOptions& o, bool create_graph) {
      const Tensor X(arr(a), true);
      GradOptions go;
      go.create_graph = create_graph;
      return std::make_pair(X, grad({truncated_loss(X, L, o)}, {X}, {}, go)[0]);
    };
    auto hvp = [&](const TruncationOptions& o) {
      auto [X, g] = grad_at(A, o, true);
      return mat(grad(vdot(g, Tensor(arr(D))), X));
    };
    const auto ob = options(tc.k, SvdMethod::full, SvdAdjoint::sylvester);
    const double h = 1e-5;
    const Mat fd = (mat(grad_at(A + h * D, ob, false).second) - mat(grad_at(A - h * D, ob, false).second)) / (2 * h);
    const Mat hb = hvp(ob), ha = hvp(options(tc.k, SvdMethod::full, SvdAdjoint::automatic));
    ASSERT_TRUE(hb.allFinite());
    EXPECT_LT((hb - fd).norm(), 1e-6 * fd.norm()) << tc.m << "x" << tc.n << " k=" << tc.k;
    EXPECT_LT((hb - ha).norm(), 1e-9 * ha.norm()) << tc.m << "x" << tc.n << " k=" << tc.k;
    std::printf("[ measure ] option B HVP %ldx%ld k=%ld: rel FD error %.1e, vs option A %.1e\n", long(tc.m),
                long(tc.n), long(tc.k), (hb - fd).norm() / fd.norm(), (hb - ha).norm() / ha.norm());
  }
}
