// nd::permute (the blocked kernel in libad/src/ndarray/nd_permute.cpp) against direct index mapping:
// every permutation of ranks 1..5 on random shapes (with size-1 axes), and large shapes that
// go through the tiled, fused, fast-path and parallel branches with ragged tile edges.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "tnad/ad/nd.hpp"

using namespace tnad;

namespace {

// out[j] with j in output order = a at the input index whose axis perm[k] is j_k.
NDArray reference_permute(const NDArray& a, const std::vector<int64_t>& perm) {
  const int64_t n = a.ndim();
  Shape os;
  for (int64_t k = 0; k < n; ++k) os.push_back(a.shape()[perm[k]]);
  NDArray out = NDArray::zeros(os);
  std::vector<int64_t> in_idx(n);
  for (int64_t lin = 0; lin < out.numel(); ++lin) {
    int64_t rem = lin;
    for (int64_t k = n - 1; k >= 0; --k) {
      in_idx[perm[k]] = rem % os[k];
      rem /= os[k];
    }
    int64_t off = 0;
    for (int64_t i = 0; i < n; ++i) off = off * a.shape()[i] + in_idx[i];
    out.mutable_data()[lin] = a.data()[off];
  }
  return out;
}

void expect_permute_ok(const Shape& s, const std::vector<int64_t>& perm, uint64_t seed) {
  NDArray a = NDArray::arange(double(numel(s))).reshape(s);
  if (seed) a = NDArray::randn(s, seed);
  NDArray got = nd::permute(a, perm);
  NDArray want = reference_permute(a, perm);
  ASSERT_EQ(got.shape(), want.shape());
  std::string ps;
  for (auto p : perm) ps += std::to_string(p) + " ";
  for (int64_t i = 0; i < want.numel(); ++i)
    ASSERT_EQ(got.data()[i], want.data()[i]) << "shape " << s << " perm " << ps << " at " << i;
}

TEST(Permute, EveryPermutationOfSmallRanks) {
  std::mt19937_64 rng(1);
  for (int n = 1; n <= 5; ++n) {
    std::vector<int64_t> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    do {
      for (int rep = 0; rep < 3; ++rep) {
        Shape s;
        for (int i = 0; i < n; ++i) s.push_back(std::uniform_int_distribution<int>(1, 5)(rng));
        expect_permute_ok(s, perm, 0);
      }
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST(Permute, LargeShapesThroughEveryBranch) {
  struct C { Shape s; std::vector<int64_t> p; };
  const C cases[] = {
      {{517, 389}, {1, 0}},                   // 2-D transpose, ragged tiles, parallel
      {{64, 64, 64}, {2, 1, 0}},
      {{24, 24, 24, 24}, {0, 3, 1, 2}},       // the abcd -> adbc of 'abcd,bcef->adef'
      {{24, 24, 24, 24}, {1, 2, 0, 3}},       // innermost kept: row-copy fast path
      {{300, 200, 2}, {1, 0, 2}},             // innermost kept but short: tiles of 2-double elements
      {{150, 170, 3}, {1, 0, 2}},             // ... 3-double elements
      {{90, 80, 4}, {1, 0, 2}},               // ... 4-double elements
      {{33, 1, 47, 5, 7}, {4, 2, 1, 0, 3}},   // size-1 axis, fused runs
      {{16, 16, 16, 16, 4}, {3, 4, 0, 1, 2}}, // fusion of (0,1,2) and (3,4)
      {{2, 3, 2, 3, 2, 3, 2, 3}, {7, 0, 6, 1, 5, 2, 4, 3}},
      {{1000, 3}, {1, 0}},
      {{3, 1000}, {1, 0}},
      {{1, 7, 1}, {2, 1, 0}},                 // only size-1 axes move: a reshape
  };
  uint64_t seed = 10;
  for (const auto& c : cases) expect_permute_ok(c.s, c.p, seed++);
}

TEST(Permute, ResultsAboveTheStreamingThreshold) {
  // >= 16 MiB results take the streaming-store path (whole cache lines, a separate tile for
  // the columns before the first line-aligned one); odd extents keep the cached path.
  expect_permute_ok({1024, 2056}, {1, 0}, 21);
  expect_permute_ok({16, 1024, 136}, {0, 2, 1}, 22);
  expect_permute_ok({1023, 2057}, {1, 0}, 23);
}

TEST(Permute, RandomPermutationsOfRandomLargerShapes) {
  std::mt19937_64 rng(2);
  for (int t = 0; t < 60; ++t) {
    const int n = std::uniform_int_distribution<int>(2, 6)(rng);
    Shape s;
    int64_t total = 1;
    for (int i = 0; i < n; ++i) {
      int64_t d = std::uniform_int_distribution<int>(1, 40)(rng);
      if (total * d > 400000) d = 1;
      total *= d;
      s.push_back(d);
    }
    std::vector<int64_t> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    expect_permute_ok(s, perm, 100 + t);
  }
}

TEST(Permute, IdentityAndSizeOneMovesShareTheBuffer) {
  NDArray a = NDArray::randn({3, 1, 4}, 5);
  EXPECT_TRUE(nd::permute(a, {0, 1, 2}).shares_buffer_with(a));
  NDArray b = nd::permute(a, {1, 0, 2});
  EXPECT_EQ(b.shape(), Shape({1, 3, 4}));
  EXPECT_TRUE(b.shares_buffer_with(a));
}

TEST(Permute, BadPermutationsRaise) {
  NDArray a = NDArray::zeros({2, 3});
  EXPECT_THROW(nd::permute(a, {0}), Error);
  EXPECT_THROW(nd::permute(a, {0, 0}), Error);
  EXPECT_THROW(nd::permute(a, {0, 2}), Error);
}

}  // namespace
