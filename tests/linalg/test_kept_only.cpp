// The kept_only adjoint of svd_truncated and eigh_truncated (truncation.hpp's TruncatedAdjoint;
// docs/adjoints.md, "truncated SVD"): the old rule, kept for comparisons. It must
//   (a) equal the exact rule when the discarded singular values / eigenvalues are exactly zero,
//   (b) miss central finite differences on a generic input, where the exact rule matches them,
//   (c) leave the forward values bit for bit as the exact rule's.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "la_test_util.hpp"

using namespace tnad;
using namespace la_test;

namespace {

std::vector<double> geometric(int64_t K, double ratio) {
  std::vector<double> s(static_cast<std::size_t>(K));
  for (int64_t i = 0; i < K; ++i) s[std::size_t(i)] = 2.0 * std::pow(ratio, double(i));
  return s;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.value().shape() == b.value().shape() &&
         std::memcmp(a.value().data(), b.value().data(), sizeof(double) * std::size_t(a.numel())) == 0;
}

double rel_diff(const Tensor& a, const Tensor& b) { return (mat(a) - mat(b)).norm() / mat(b).norm(); }

// ---- SVD
// Gauge-invariant, with generic cotangents of U, S and V:
// <G1, U diag(c) Vh> + <G2, U U^T> + <G3, V V^T> + sum c_i s_i.
struct SvdLoss {
  Tensor G1, G2, G3, c;
  SvdLoss(int64_t m, int64_t n, int64_t k, uint64_t seed)
      : G1(NDArray::randn(Shape{m, n}, seed)), G2(NDArray::randn(Shape{m, m}, seed + 1)),
        G3(NDArray::randn(Shape{n, n}, seed + 2)), c(NDArray::arange(1.0, 1.0 + 0.5 * double(k), 0.5)) {}
  Tensor operator()(const Tensor& A, const TruncationOptions& o) const {
    const auto f = svd_truncated(A, o);
    return vdot(G1, matmul(f.U * expand_dims(c, -2), f.Vh)) + vdot(G2, matmul(f.U, transpose(f.U))) +
           vdot(G3, matmul(transpose(f.Vh), f.Vh)) + sum(f.S * c);
  }
};

TruncationOptions svd_options(int64_t k, TruncatedAdjoint adjoint, SvdMethod method = SvdMethod::full) {
  TruncationOptions o;
  o.max_rank = k;
  o.method = method;
  o.adjoint = adjoint;
  return o;
}

struct Case {
  int64_t m, n, k;
};
const Case kCases[] = {{10, 8, 4}, {8, 8, 4}, {7, 10, 3}};

Tensor svd_grad(const Mat& A, const SvdLoss& L, const TruncationOptions& o) {
  const Tensor X(arr(A), true);
  return grad(L(X, o), X);
}

TEST(KeptOnlySvd, EqualsExactRuleWhenDiscardedValuesAreZero) {
  for (const auto& tc : kCases) {
    std::vector<double> s = geometric(std::min(tc.m, tc.n), 0.6);
    std::fill(s.begin() + tc.k, s.end(), 0.0);
    const Mat A = with_singular_values(tc.m, tc.n, s, 31);
    const SvdLoss L(tc.m, tc.n, tc.k, 7);
    const Tensor exact = svd_grad(A, L, svd_options(tc.k, TruncatedAdjoint::automatic));
    const Tensor kept = svd_grad(A, L, svd_options(tc.k, TruncatedAdjoint::kept_only));
    EXPECT_LT(rel_diff(kept, exact), 1e-12) << tc.m << "x" << tc.n << " k=" << tc.k;
    std::printf("[ measure ] rank-k svd %ldx%ld k=%ld: |kept_only - exact| / |exact| = %.1e\n", long(tc.m),
                long(tc.n), long(tc.k), rel_diff(kept, exact));
  }
}

TEST(KeptOnlySvd, MissesFiniteDifferencesWhereTheExactRuleMatches) {
  for (const auto& tc : kCases) {
    const Mat A = with_singular_values(tc.m, tc.n, geometric(std::min(tc.m, tc.n), 0.6), 32);
    const SvdLoss L(tc.m, tc.n, tc.k, 8);
    const auto oe = svd_options(tc.k, TruncatedAdjoint::automatic), ok = svd_options(tc.k, TruncatedAdjoint::kept_only);
    const auto re = directional_check([&](const Tensor& a) { return L(a, oe); }, arr(A));
    const auto rk = directional_check([&](const Tensor& a) { return L(a, ok); }, arr(A));
    EXPECT_TRUE(re.finite && rk.finite);
    EXPECT_LT(re.max_rel, 1e-7) << tc.m << "x" << tc.n << " k=" << tc.k;
    // Measured: 0.07-0.94 against FD, 0.24-0.42 against the exact gradient (discarded/kept
    // ratio 0.6 at the cut); the exact rule: < 4e-9.
    EXPECT_GT(rk.max_rel, 0.05) << tc.m << "x" << tc.n << " k=" << tc.k;
    const double d = rel_diff(svd_grad(A, L, ok), svd_grad(A, L, oe));
    EXPECT_GT(d, 0.1);
    std::printf("[ measure ] svd %ldx%ld k=%ld: rel FD error exact %.1e, kept_only %.2f; |kept - exact|/|exact| %.2f\n",
                long(tc.m), long(tc.n), long(tc.k), re.max_rel, rk.max_rel, d);
  }
}

TEST(KeptOnlySvd, ForwardIsBitIdentical) {
  const Mat A = with_singular_values(9, 7, geometric(7, 0.6), 33);
  const Tensor X(arr(A), true);
  for (SvdMethod method : {SvdMethod::full, SvdMethod::randomized}) {
    const auto e = svd_truncated(X, svd_options(3, TruncatedAdjoint::automatic, method));
    const auto k = svd_truncated(X, svd_options(3, TruncatedAdjoint::kept_only, method));
    EXPECT_TRUE(same_bits(e.U, k.U) && same_bits(e.S, k.S) && same_bits(e.Vh, k.Vh));
    EXPECT_TRUE(same_bits(e.discarded_weight, k.discarded_weight));
    EXPECT_GT(e.discarded_weight.item(), 0.01);
  }
  // Nothing cut (k = K): kept_only is the thin rule itself.
  const SvdLoss L(9, 7, 7, 9);
  EXPECT_LT(rel_diff(svd_grad(A, L, svd_options(7, TruncatedAdjoint::kept_only)),
                     svd_grad(A, L, svd_options(7, TruncatedAdjoint::automatic))),
            1e-13);
}

// ---- eigh
// Invariant under the signs of the vectors: <G1, V diag(c) V^T> + <G2, V V^T> + sum c_i w_i
// (the vector terms dominate: w_kept's gradient is the same in both rules).
struct EighLoss {
  Tensor G1, G2, c;
  EighLoss(int64_t n, int64_t k, uint64_t seed)
      : G1(NDArray::randn(Shape{n, n}, seed)), G2(NDArray::randn(Shape{n, n}, seed + 1)),
        c(NDArray::arange(1.0, 1.0 + 0.5 * double(k), 0.5)) {}
  Tensor operator()(const Tensor& A, int64_t k, TruncatedAdjoint adjoint) const {
    const auto f = eigh_truncated(A, {.max_rank = k}, {}, adjoint);
    return vdot(G1, matmul(f.V * expand_dims(c, -2), transpose(f.V))) + vdot(G2, matmul(f.V, transpose(f.V))) +
           sum(c * f.w);
  }
};

Tensor eigh_grad(const Mat& A, const EighLoss& L, int64_t k, TruncatedAdjoint adjoint) {
  const Tensor X(arr(A), true);
  return grad(L(X, k, adjoint), X);
}

// Both signs, |w| descending by factors ~0.7: the cut at k = 4 keeps 3, -2.1, 1.5, -1.05.
const std::vector<double> kEigenvalues = {3.0, -2.1, 1.5, -1.05, 0.75, -0.5, 0.35, -0.25, 0.18};

TEST(KeptOnlyEigh, EqualsExactRuleWhenDiscardedEigenvaluesAreZero) {
  for (int64_t k : {2, 4}) {
    std::vector<double> w = kEigenvalues;
    std::fill(w.begin() + k, w.end(), 0.0);
    const Mat A = with_eigenvalues(w, 41 + uint64_t(k));
    const EighLoss L(int64_t(w.size()), k, 5);
    const Tensor exact = eigh_grad(A, L, k, TruncatedAdjoint::automatic);
    const Tensor kept = eigh_grad(A, L, k, TruncatedAdjoint::kept_only);
    EXPECT_LT(rel_diff(kept, exact), 1e-12) << "k=" << k;
    std::printf("[ measure ] rank-k eigh k=%ld: |kept_only - exact| / |exact| = %.1e\n", long(k),
                rel_diff(kept, exact));
  }
}

TEST(KeptOnlyEigh, MissesFiniteDifferencesWhereTheExactRuleMatches) {
  for (int64_t k : {2, 4}) {
    const Mat A = with_eigenvalues(kEigenvalues, 51 + uint64_t(k));
    const EighLoss L(int64_t(kEigenvalues.size()), k, 6);
    auto check = [&](TruncatedAdjoint adj) {
      return directional_check([&](const Tensor& a) { return L(a, k, adj); }, arr(A), 1e-4, 4, 71,
                               /*five_point=*/true);
    };
    const auto re = check(TruncatedAdjoint::automatic), rk = check(TruncatedAdjoint::kept_only);
    EXPECT_TRUE(re.finite && rk.finite);
    EXPECT_LT(re.max_rel, 1e-7) << "k=" << k;
    // Measured: 1.26-1.31 against FD, 0.22-0.35 against the exact gradient (discarded/kept
    // |w| ratio 0.7 at the cut); the exact rule: < 5e-10.
    EXPECT_GT(rk.max_rel, 0.5) << "k=" << k;
    const double d =
        rel_diff(eigh_grad(A, L, k, TruncatedAdjoint::kept_only), eigh_grad(A, L, k, TruncatedAdjoint::automatic));
    EXPECT_GT(d, 0.1);
    std::printf("[ measure ] eigh k=%ld: rel FD error exact %.1e, kept_only %.2f; |kept - exact|/|exact| %.2f\n",
                long(k), re.max_rel, rk.max_rel, d);
  }
}

TEST(KeptOnlyEigh, ForwardIsBitIdentical) {
  const Tensor X(arr(with_eigenvalues(kEigenvalues, 61)), true);
  const auto e = eigh_truncated(X, {.max_rank = 4}, {}, TruncatedAdjoint::automatic);
  const auto f = eigh_truncated(X, {.max_rank = 4}, {}, TruncatedAdjoint::full_spectrum);
  const auto k = eigh_truncated(X, {.max_rank = 4}, {}, TruncatedAdjoint::kept_only);
  EXPECT_TRUE(same_bits(e.w, k.w) && same_bits(e.V, k.V) && same_bits(e.discarded_weight, k.discarded_weight));
  EXPECT_TRUE(same_bits(e.w, f.w) && same_bits(e.V, f.V) && same_bits(e.discarded_weight, f.discarded_weight));
  EXPECT_GT(e.discarded_weight.item(), 0.01);
  // A batch of two selects per matrix in both modes.
  const NDArray b = NDArray::randn(Shape{2, 9, 9}, 62);  // eigh works on (B + B^T)/2
  const auto eb = eigh_truncated(Tensor(b), {.max_rank = 3}, {}, TruncatedAdjoint::automatic);
  const auto kb = eigh_truncated(Tensor(b), {.max_rank = 3}, {}, TruncatedAdjoint::kept_only);
  EXPECT_TRUE(same_bits(eb.w, kb.w) && same_bits(eb.V, kb.V) &&
              same_bits(eb.discarded_weight, kb.discarded_weight));
}

TEST(KeptOnlyEigh, SylvesterIsRejected) {
  const Tensor X(arr(with_eigenvalues(kEigenvalues, 64)));
  try {
    eigh_truncated(X, {.max_rank = 4}, {}, TruncatedAdjoint::sylvester);
    ADD_FAILURE() << "no tnad::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("eigh_truncated"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sylvester"), std::string::npos) << e.what();
  }
}

}  // namespace
