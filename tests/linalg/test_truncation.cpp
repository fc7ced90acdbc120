// The one rank rule (truncation.hpp): kept_rank's edge cases, and eigh_truncated with
// cutoffs, multiplets and the discarded weight, values and gradients against central
// differences of gauge-invariant losses.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "la_test_util.hpp"

using namespace tnad;
using namespace la_test;

namespace {

int64_t rank_of(std::vector<double> s, Truncation t, int64_t count = 1) { return kept_rank(s, t, count); }

TEST(KeptRank, MaxRank) {
  const std::vector<double> s = {4, 3, 2, 1};
  EXPECT_EQ(rank_of(s, {}), 4);
  EXPECT_EQ(rank_of(s, {.max_rank = 3}), 3);
  EXPECT_EQ(rank_of(s, {.max_rank = 1}), 1);
  EXPECT_EQ(rank_of(s, {.max_rank = 10}), 4);  // more than there are: all
  EXPECT_EQ(rank_of({}, {.max_rank = 3}), 0);  // nothing to keep
}

TEST(KeptRank, Cutoffs) {
  const std::vector<double> s = {10, 2, 1, 0.5};
  EXPECT_EQ(rank_of(s, {.rel_cutoff = 0.1}), 2);   // 1 <= 0.1 * 10 is dropped
  EXPECT_EQ(rank_of(s, {.rel_cutoff = 0.09}), 3);
  EXPECT_EQ(rank_of(s, {.abs_cutoff = 0.5}), 3);   // 0.5 <= 0.5 is dropped
  EXPECT_EQ(rank_of(s, {.abs_cutoff = 0.49}), 4);
  // The stricter of the two wins, and max_rank below both.
  EXPECT_EQ(rank_of(s, {.rel_cutoff = 0.01, .abs_cutoff = 1.5}), 2);
  EXPECT_EQ(rank_of(s, {.rel_cutoff = 0.15, .abs_cutoff = 0.1}), 2);
  EXPECT_EQ(rank_of(s, {.max_rank = 1, .rel_cutoff = 0.01}), 1);
  // Everything below the cutoff: one value is still kept.
  EXPECT_EQ(rank_of(s, {.abs_cutoff = 100}), 1);
}

TEST(KeptRank, Zeros) {
  EXPECT_EQ(rank_of({3, 1, 0, 0}, {}), 4);                      // no cutoff: zeros are kept
  EXPECT_EQ(rank_of({3, 1, 0, 0}, {.rel_cutoff = 1e-12}), 2);
  EXPECT_EQ(rank_of({3, 1, 0, 0}, {.abs_cutoff = 1e-300}), 2);
  EXPECT_EQ(rank_of({0, 0, 0}, {.rel_cutoff = 1e-12}), 1);      // a zero matrix: one value
  EXPECT_EQ(rank_of({0, 0, 0}, {.max_rank = 2}), 2);
  // A cut between two zeros is a cut inside a multiplet.
  EXPECT_EQ(rank_of({3, 1, 0, 0}, {.max_rank = 3, .keep_multiplets = true}), 2);
  EXPECT_EQ(rank_of({0, 0, 0}, {.max_rank = 2, .keep_multiplets = true}), 3);
}

TEST(KeptRank, AllEqualValues) {
  const std::vector<double> s = {2, 2, 2, 2};
  EXPECT_EQ(rank_of(s, {.max_rank = 2}), 2);
  // Every cut below 4 is inside the one multiplet: it is kept whole.
  EXPECT_EQ(rank_of(s, {.max_rank = 2, .keep_multiplets = true}), 4);
  EXPECT_EQ(rank_of(s, {.max_rank = 1, .keep_multiplets = true}), 4);
  EXPECT_EQ(rank_of(s, {.rel_cutoff = 0.5, .keep_multiplets = true}), 4);
}

TEST(KeptRank, MultipletAtTheCutMovesDown) {
  const std::vector<double> s = {5, 3, 2, 2, 1};
  EXPECT_EQ(rank_of(s, {.max_rank = 3}), 3);
  EXPECT_EQ(rank_of(s, {.max_rank = 3, .keep_multiplets = true}), 2);
  EXPECT_EQ(rank_of(s, {.max_rank = 4, .keep_multiplets = true}), 4);  // cut at a gap: unchanged
  // A triplet 3, 3, 3 under the cut moves it past all three.
  EXPECT_EQ(rank_of({5, 3, 3, 3, 1}, {.max_rank = 3, .keep_multiplets = true}), 1);
  // The tolerance is relative to s_0 = 5: a split of 1e-9 is a multiplet at tol 1e-8
  // (5e-8), not at tol 1e-10 (5e-10).
  const std::vector<double> near = {5, 3, 2 + 1e-9, 2, 1};
  EXPECT_EQ(rank_of(near, {.max_rank = 3, .keep_multiplets = true}), 2);
  EXPECT_EQ(rank_of(near, {.max_rank = 3, .keep_multiplets = true, .multiplet_tol = 1e-10}), 3);
  // A cut set by a cutoff is checked the same way: abs_cutoff keeps 5, 3, 2 + 1e-9.
  EXPECT_EQ(rank_of(near, {.abs_cutoff = 2 + 5e-10}), 3);
  EXPECT_EQ(rank_of(near, {.abs_cutoff = 2 + 5e-10, .keep_multiplets = true}), 2);
}

TEST(KeptRank, MultipletAtTheCutMovesUpWhenTheFirstReachesPastIt) {
  EXPECT_EQ(rank_of({2, 2, 2, 1}, {.max_rank = 2, .keep_multiplets = true}), 3);
  EXPECT_EQ(rank_of({2, 2, 1, 1}, {.max_rank = 1, .keep_multiplets = true}), 2);
}

TEST(KeptRank, BatchKeepsOneRankForAll) {
  // Spectrum 0 asks for 3 (> 1e-3 * 4), spectrum 1 for 2: the batch keeps 3.
  const std::vector<double> s = {4, 3, 2, 1e-9, 4, 1, 1e-5, 1e-6};
  EXPECT_EQ(rank_of(s, {.rel_cutoff = 1e-3}, 2), 3);
  EXPECT_EQ(rank_of(s, {.max_rank = 2, .rel_cutoff = 1e-3}, 2), 2);
  // A multiplet of spectrum 1 at the cut moves the cut of both.
  const std::vector<double> m = {4, 3, 2, 1, 4, 1, 1, 0.5};
  EXPECT_EQ(rank_of(m, {.max_rank = 2}, 2), 2);
  EXPECT_EQ(rank_of(m, {.max_rank = 2, .keep_multiplets = true}, 2), 1);
  EXPECT_EQ(rank_of(m, {.max_rank = 3, .keep_multiplets = true}, 2), 3);
}

TEST(KeptRank, RejectsBadSettingsAndValues) {
  auto fails = [](std::vector<double> s, Truncation t, const char* what, int64_t count = 1) {
    try {
      kept_rank(s, t, count, "mycaller");
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("mycaller"), std::string::npos) << msg;
      EXPECT_NE(msg.find(what), std::string::npos) << msg;
      return;
    }
    ADD_FAILURE() << "no error for " << what;
  };
  fails({2, 1}, {.max_rank = 0}, "max_rank");
  fails({2, 1}, {.max_rank = -2}, "max_rank");
  fails({2, 1}, {.rel_cutoff = 1.0}, "rel_cutoff");
  fails({2, 1}, {.rel_cutoff = -0.1}, "rel_cutoff");
  fails({2, 1}, {.abs_cutoff = NAN}, "abs_cutoff");
  fails({2, 1}, {.multiplet_tol = -1e-8}, "multiplet_tol");
  fails({1, 2}, {}, "descending");
  fails({2, -1}, {}, "non-negative");
  fails({2, NAN}, {}, "non-negative");
  fails({3, 2, 1}, {}, "equal length", 2);
}

// ---- eigh_truncated

TEST(EighTruncated, CutoffsAndMultipletsChooseTheRank) {
  // |w| descending: 5, 4, 3, 3 (a +-3 pair), 2, 1e-9.
  const Mat A = with_eigenvalues({2.0, -3.0, 1e-9, 5.0, 3.0, -4.0}, 41);
  const Tensor X(arr(A));
  EXPECT_EQ(eigh_truncated(X, {.rel_cutoff = 1e-6}).w.size(-1), 5);
  EXPECT_EQ(eigh_truncated(X, {.abs_cutoff = 2.5}).w.size(-1), 4);
  EXPECT_EQ(eigh_truncated(X, {.max_rank = 3}).w.size(-1), 3);                          // cuts the pair
  EXPECT_EQ(eigh_truncated(X, {.max_rank = 3, .keep_multiplets = true}).w.size(-1), 2);  // moves down
  const auto f = eigh_truncated(X, {.max_rank = 4, .keep_multiplets = true});
  ASSERT_EQ(f.w.size(-1), 4);
  // Descending |w| (the +-3 pair in the order its computed |w| give).
  const Vec w = vec(f.w);
  EXPECT_NEAR(w(0), 5.0, 1e-13);
  EXPECT_NEAR(w(1), -4.0, 1e-13);
  EXPECT_NEAR(std::min(w(2), w(3)), -3.0, 1e-13);
  EXPECT_NEAR(std::max(w(2), w(3)), 3.0, 1e-13);
  EXPECT_GE(std::abs(w(2)), std::abs(w(3)));
  const Mat V = mat(f.V);
  EXPECT_LE((A * V - V * w.asDiagonal()).norm(), 1e-12);
  EXPECT_NEAR(f.discarded_weight.item(), (4.0 + 1e-18) / (25 + 16 + 9 + 9 + 4 + 1e-18), 1e-15);
  // The first multiplet reaching past max_rank: |w| = 2, 2, 2, 1 with max_rank 1 keeps 3.
  const Tensor Y(arr(with_eigenvalues({2.0, -2.0, 2.0, 1.0}, 42)));
  EXPECT_EQ(eigh_truncated(Y, {.max_rank = 1, .keep_multiplets = true}).w.size(-1), 3);
}

TEST(EighTruncated, BatchKeepsOneRank) {
  // Matrix 0: |w| 4, 3, 1e-8, ...; matrix 1: 4, 2, 1, ...: rel_cutoff 1e-4 asks 2 and 4.
  const Mat A0 = with_eigenvalues({4.0, -3.0, 1e-8, 0.0}, 43), A1 = with_eigenvalues({4.0, 2.0, -1.0, 0.5}, 44);
  NDArray b = NDArray::empty(Shape{2, 4, 4});
  std::copy(A0.data(), A0.data() + 16, b.mutable_data());
  std::copy(A1.data(), A1.data() + 16, b.mutable_data() + 16);
  const auto f = eigh_truncated(Tensor(b), {.rel_cutoff = 1e-4});
  ASSERT_EQ(f.w.shape(), (Shape{2, 4}));
  ASSERT_EQ(f.discarded_weight.shape(), (Shape{2}));
  EXPECT_NEAR(f.discarded_weight.value().data()[0], 0.0, 1e-15);
  EXPECT_NEAR(f.w.value().data()[4 + 3], 0.5, 1e-13);
}

// Loss invariant under the signs of the vectors and the order inside a |w| multiplet:
// sum w_i^3 + <G1, V diag(w) V^T> + <G2, V V^T> + 10 * discarded weight.
double eigh_truncated_fd_error(const std::vector<double>& w, const Truncation& t, int64_t expect_k, uint64_t seed) {
  const Mat A = with_eigenvalues(w, seed);
  const int64_t n = int64_t(w.size());
  const Tensor G1(NDArray::randn(Shape{n, n}, seed + 1)), G2(NDArray::randn(Shape{n, n}, seed + 3));
  EXPECT_EQ(eigh_truncated(Tensor(arr(A)), t).w.size(-1), expect_k);
  auto loss = [&](const Tensor& x) {
    const auto f = eigh_truncated(x, t);
    return sum(f.w * f.w * f.w) + vdot(G1, matmul(f.V * expand_dims(f.w, -2), transpose(f.V))) +
           vdot(G2, matmul(f.V, transpose(f.V))) + 10.0 * f.discarded_weight;
  };
  const auto r = directional_check(loss, arr(A), 1e-4, 4, seed + 2, /*five_point=*/true);
  EXPECT_TRUE(r.finite);
  return r.max_rel;
}

TEST(EighTruncated, GradientWithMultipletsAndCutoffsMatchesFiniteDifferences) {
  // The finite-difference steps split the +-3 pair by ~1e-4; multiplet_tol 1e-3 (5e-3 here)
  // keeps it one multiplet at every evaluation point.
  const std::vector<double> w = {2.0, -3.0, 1e-9, 5.0, 3.0, -4.0};
  EXPECT_LT(eigh_truncated_fd_error(w, {.max_rank = 3, .keep_multiplets = true, .multiplet_tol = 1e-3}, 2, 51), 1e-8);
  // rel_cutoff 0.5: |w| > 2.5 -> 5, -4, 3, -3 (the pair whole).
  EXPECT_LT(eigh_truncated_fd_error(w, {.rel_cutoff = 0.5}, 4, 52), 1e-8);
  // abs_cutoff with the first multiplet reaching past max_rank: |w| 4, 4, 1, ... keeps 2.
  EXPECT_LT(eigh_truncated_fd_error({4.0, -4.0, 1.0, 0.5, -0.25}, {.max_rank = 1, .abs_cutoff = 0.3,
                                                                    .keep_multiplets = true, .multiplet_tol = 1e-3},
                                    2, 53),
            1e-8);
}

}  // namespace
