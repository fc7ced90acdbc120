#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tnad/ad.hpp"
#include "tnad/ad/memory.hpp"

using namespace tnad;

TEST(NDArray, CreationAndShape) {
  NDArray z = NDArray::zeros({2, 3});
  EXPECT_EQ(z.numel(), 6);
  EXPECT_EQ(z.ndim(), 2);
  EXPECT_EQ(z.size(-1), 3);
  for (double v : z.to_vector()) EXPECT_EQ(v, 0.0);
  NDArray e = NDArray::eye(3, 4);
  EXPECT_EQ(e.at({1, 1}), 1.0);
  EXPECT_EQ(e.at({1, 2}), 0.0);
  NDArray a = NDArray::arange(0.0, 1.0, 0.25);
  EXPECT_EQ(a.numel(), 4);
  EXPECT_DOUBLE_EQ(a.at({3}), 0.75);
  EXPECT_EQ(NDArray::full({2}, 7.0).at({1}), 7.0);
  EXPECT_EQ(NDArray::scalar(3.0).ndim(), 0);
  EXPECT_EQ(NDArray::scalar(3.0).item(), 3.0);
}

TEST(NDArray, RandomIsSeeded) {
  NDArray a = NDArray::randn({100}, 42), b = NDArray::randn({100}, 42), c = NDArray::randn({100}, 43);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  EXPECT_NE(a.to_vector(), c.to_vector());
  double mean = nd::sum(a).item() / 100;
  EXPECT_LT(std::fabs(mean), 0.5);
  NDArray u = NDArray::rand({1000}, 7, 2.0, 3.0);
  EXPECT_GE(nd::min(u).item(), 2.0);
  EXPECT_LT(nd::max(u).item(), 3.0);
}

TEST(NDArray, CopyOnWrite) {
  NDArray a = NDArray::ones({4});
  NDArray b = a;
  EXPECT_TRUE(a.shares_buffer_with(b));
  b.mutable_data()[0] = 5.0;
  EXPECT_FALSE(a.shares_buffer_with(b));
  EXPECT_EQ(a.at({0}), 1.0);
  EXPECT_EQ(b.at({0}), 5.0);
  NDArray r = a.reshape({2, 2});
  EXPECT_TRUE(r.shares_buffer_with(a));
  EXPECT_EQ(a.reshape({-1, 1}).shape(), Shape({4, 1}));
}

TEST(NDArray, MemoryIsCounted) {
  int64_t before = memory::live_bytes();
  {
    NDArray a = NDArray::zeros({1000});
    EXPECT_GE(memory::live_bytes() - before, 8000);
  }
  EXPECT_EQ(memory::live_bytes(), before);
}

TEST(NDArray, LargeBuffersAreAlignedAndReusedFromTheCache) {
  const int64_t limit = memory::buffer_cache_limit();
  memory::set_buffer_cache_limit(int64_t(64) << 20);
  const int64_t live = memory::live_bytes();
  const double* first = nullptr;
  {
    const NDArray a = NDArray::empty({1 << 17});  // 1 MiB
    first = a.data();
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(first) % 64, 0u);
    EXPECT_EQ(memory::live_bytes() - live, int64_t(1) << 20);
  }
  // Freed: no longer live, but kept mapped and handed out again for the same size.
  EXPECT_EQ(memory::live_bytes(), live);
  EXPECT_GE(memory::cached_bytes(), int64_t(1) << 20);
  {
    const NDArray b = NDArray::empty({(1 << 17) - 3});  // same size class
    EXPECT_EQ(b.data(), first);
  }
  for (int64_t n : {65, 100, 1000, 5000})  // above the small-object pool: 64-byte aligned
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(NDArray::zeros({n}).data()) % 64, 0u) << n;
  memory::set_buffer_cache_limit(0);  // disabled: the cache is emptied and stays empty
  EXPECT_EQ(memory::cached_bytes(), 0);
  { const NDArray c = NDArray::ones({1 << 17}); EXPECT_EQ(c.data()[12345], 1.0); }
  EXPECT_EQ(memory::cached_bytes(), 0);
  memory::set_buffer_cache_limit(limit);
}

TEST(NDArray, Printing) {
  std::string s = NDArray::from({2, 2}, {1, 2, 3, 4}).to_string();
  EXPECT_NE(s.find("[[1, 2],"), std::string::npos) << s;
  EXPECT_NE(s.find("shape=[2, 2]"), std::string::npos) << s;
  std::string l = NDArray::arange(100).to_string();
  EXPECT_NE(l.find("..."), std::string::npos) << l;
}

TEST(Kernels, BroadcastingAgainstLoops) {
  NDArray a = NDArray::randn({2, 1, 3}, 1), b = NDArray::randn({4, 1}, 2);
  NDArray c = nd::add(a, b);
  ASSERT_EQ(c.shape(), Shape({2, 4, 3}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k) EXPECT_DOUBLE_EQ(c.at({i, j, k}), a.at({i, 0, k}) + b.at({j, 0}));
}

TEST(Kernels, LargeElementwiseUsesAllElements) {
  // Above the OpenMP threshold the parallel path must give the same result.
  NDArray a = NDArray::randn({300, 300}, 3);
  NDArray e = nd::exp(a);
  for (int64_t i = 0; i < a.numel(); i += 997) EXPECT_DOUBLE_EQ(e.data()[i], std::exp(a.data()[i]));
  NDArray s = nd::sum(nd::broadcast_to(NDArray::ones({300, 1}), {300, 300}));
  EXPECT_DOUBLE_EQ(s.item(), 90000.0);
}

TEST(Kernels, ReductionsOverAxes) {
  NDArray a = NDArray::randn({3, 4, 5}, 4);
  NDArray s = nd::sum(a, {0, 2});
  ASSERT_EQ(s.shape(), Shape({4}));
  for (int j = 0; j < 4; ++j) {
    double ref = 0;
    for (int i = 0; i < 3; ++i)
      for (int k = 0; k < 5; ++k) ref += a.at({i, j, k});
    EXPECT_NEAR(s.at({j}), ref, 1e-12);
  }
  NDArray m = nd::max(a, {1}, true);
  ASSERT_EQ(m.shape(), Shape({3, 1, 5}));
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 5; ++k) {
      double ref = -1e300;
      for (int j = 0; j < 4; ++j) ref = std::max(ref, a.at({i, j, k}));
      EXPECT_EQ(m.at({i, 0, k}), ref);
    }
  NDArray lead = nd::sum(a, {0});
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(lead.at({j, 1}), a.at({0, j, 1}) + a.at({1, j, 1}) + a.at({2, j, 1}), 1e-12);
}

TEST(Kernels, MatmulNumpySemantics) {
  NDArray A = NDArray::randn({2, 3, 4}, 5), B = NDArray::randn({4, 5}, 6);
  NDArray C = nd::matmul(A, B);
  ASSERT_EQ(C.shape(), Shape({2, 3, 5}));
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 5; ++j) {
        double ref = 0;
        for (int k = 0; k < 4; ++k) ref += A.at({b, i, k}) * B.at({k, j});
        EXPECT_NEAR(C.at({b, i, j}), ref, 1e-12);
      }
  NDArray v = NDArray::randn({4}, 7);
  EXPECT_EQ(nd::matmul(v, B).shape(), Shape({5}));
  EXPECT_EQ(nd::matmul(A, v).shape(), Shape({2, 3}));
  EXPECT_EQ(nd::matmul(v, v).shape(), Shape({}));
  EXPECT_NEAR(nd::matmul(v, v).item(), nd::dot(v, v), 1e-12);
  // transpose flags equal explicit transposes
  NDArray D = nd::matmul(B, A, true, true);  // B^T A^T: (5x4)(2, 4x3) -> (2, 5, 3)
  NDArray Dref = nd::matmul(nd::transpose(B), nd::transpose(A));
  ASSERT_EQ(D.shape(), Dref.shape());
  EXPECT_LT(nd::max_abs(nd::sub(D, Dref)), 1e-12);
}

TEST(Kernels, PermuteAgainstLoops) {
  NDArray a = NDArray::randn({2, 3, 4, 5}, 8);
  NDArray p = nd::permute(a, {3, 1, 0, 2});
  ASSERT_EQ(p.shape(), Shape({5, 3, 2, 4}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        for (int l = 0; l < 5; ++l) EXPECT_EQ(p.at({l, j, i, k}), a.at({i, j, k, l}));
}

TEST(Kernels, SliceConcatDiag) {
  NDArray a = NDArray::arange(12).reshape({3, 4});
  NDArray s = nd::slice(a, 1, 1, 4, 2);
  ASSERT_EQ(s.shape(), Shape({3, 2}));
  EXPECT_EQ(s.at({2, 1}), 11.0);
  NDArray c = nd::concatenate({a, s}, 1);
  ASSERT_EQ(c.shape(), Shape({3, 6}));
  EXPECT_EQ(c.at({1, 5}), 7.0);
  NDArray d = nd::diagonal(a);
  EXPECT_EQ(d.to_vector(), std::vector<double>({0, 5, 10}));
  NDArray back = nd::slice_scatter(s, a.shape(), 1, 1, 4, 2);
  EXPECT_EQ(back.at({2, 3}), 11.0);
  EXPECT_EQ(back.at({2, 2}), 0.0);
}

// The cache key of recomputation caches (SvdCache): equal bytes and shape hash equal; one
// ULP anywhere, or the same bytes under another shape, give another hash.
TEST(Kernels, ContentHashSeesEveryBitAndTheShape) {
  const NDArray a = NDArray::randn(Shape{37, 29}, 5);
  EXPECT_EQ(nd::content_hash(a), nd::content_hash(a.clone()));
  for (int64_t i : {int64_t(0), int64_t(500), a.numel() - 1}) {  // a lane, the middle, the tail
    NDArray b = a.clone();
    b.mutable_data()[i] = std::nextafter(b.data()[i], 1e300);
    EXPECT_NE(nd::content_hash(a), nd::content_hash(b)) << "entry " << i;
  }
  EXPECT_NE(nd::content_hash(a), nd::content_hash(a.reshape({29, 37})));
}

// Tall-skinny products go through BLAS as their transpose (nd_matmul.cpp): every flag
// combination, with a broadcast batch, against the plain triple loop.
TEST(Kernels, TallSkinnyMatmulMatchesTheDefinition) {
  const int64_t m = 400, n = 8, k = 300;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      const NDArray a = NDArray::randn(ta ? Shape{2, k, m} : Shape{2, m, k}, 11 + ta);
      const NDArray b = NDArray::randn(tb ? Shape{n, k} : Shape{k, n}, 13 + tb);  // broadcast over the batch
      const NDArray c = nd::matmul(a, b, ta != 0, tb != 0);
      ASSERT_EQ(c.shape(), Shape({2, m, n}));
      double err = 0.0, ref_norm = 0.0;
      for (int64_t bi = 0; bi < 2; ++bi)
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double ref = 0.0;
            for (int64_t l = 0; l < k; ++l)
              ref += (ta ? a.at({bi, l, i}) : a.at({bi, i, l})) * (tb ? b.at({j, l}) : b.at({l, j}));
            err = std::max(err, std::abs(c.at({bi, i, j}) - ref));
            ref_norm = std::max(ref_norm, std::abs(ref));
          }
      EXPECT_LT(err, 1e-13 * ref_norm * double(k)) << "trans_a " << ta << " trans_b " << tb;
    }
}

// nd::gemm on strided (padded) operands and output, in the tall-skinny regime where it
// runs the transposed product: the padding of C is left untouched.
TEST(Kernels, GemmWithLeadingDimensionsMatchesTheDefinition) {
  const int64_t m = 300, n = 5, k = 260, pad = 3;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      const int64_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
      const NDArray a = NDArray::randn(Shape{ar, ac + pad}, 21), b = NDArray::randn(Shape{br, bc + pad}, 22);
      std::vector<double> c(std::size_t(m * (n + pad)), 7.0);
      nd::gemm(ta != 0, tb != 0, m, n, k, a.data(), ac + pad, b.data(), bc + pad, c.data(), n + pad);
      double err = 0.0;
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          double ref = 0.0;
          for (int64_t l = 0; l < k; ++l)
            ref += (ta ? a.at({l, i}) : a.at({i, l})) * (tb ? b.at({j, l}) : b.at({l, j}));
          err = std::max(err, std::abs(c[std::size_t(i * (n + pad) + j)] - ref));
        }
        for (int64_t j = n; j < n + pad; ++j) EXPECT_EQ(c[std::size_t(i * (n + pad) + j)], 7.0);
      }
      EXPECT_LT(err, 1e-11) << "trans_a " << ta << " trans_b " << tb;
    }
}

// nd::tanh runs through glibc's vector math where available (src/ndarray/vector_math.hpp):
// within a few ulp of std::tanh everywhere, exact at the special values, odd, and the same
// bits for an element wherever it sits (vector body or padded tail, any thread split).
TEST(Kernels, VectorTanhIsAccurateAndPositionIndependent) {
  std::vector<double> xs;
  for (int e = -40; e <= 6; ++e)
    for (double m : {1.0, 1.37, 2.5, 7.9}) {
      xs.push_back(m * std::ldexp(1.0, e));
      xs.push_back(-m * std::ldexp(1.0, e));
    }
  for (double x = -25.0; x <= 25.0; x += 0.0137) xs.push_back(x);
  const NDArray a = NDArray::from(Shape{int64_t(xs.size())}, xs.data());
  const NDArray y = nd::tanh(a);
  double worst = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double ref = std::tanh(xs[i]);
    const double ulp = std::nextafter(std::fabs(ref), 2.0) - std::fabs(ref);
    worst = std::max(worst, std::fabs(y.data()[i] - ref) / ulp);
    EXPECT_EQ(std::signbit(y.data()[i]), std::signbit(xs[i])) << xs[i];
    EXPECT_LE(std::fabs(y.data()[i]), 1.0) << xs[i];
  }
  EXPECT_LE(worst, 4.0);  // libmvec's documented bound
  // odd: tanh(-x) = -tanh(x) to the bit
  const NDArray yn = nd::tanh(nd::neg(a));
  for (std::size_t i = 0; i < xs.size(); ++i) EXPECT_EQ(yn.data()[i], -y.data()[i]) << xs[i];
  // special values
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> sp = {0.0, -0.0, inf, -inf, 1e-310, -1e-310, 800.0, -800.0};
  const NDArray ys = nd::tanh(NDArray::from(Shape{int64_t(sp.size())}, sp.data()));
  const std::vector<double> want = {0.0, -0.0, 1.0, -1.0, 1e-310, -1e-310, 1.0, -1.0};
  for (std::size_t i = 0; i < sp.size(); ++i) {
    EXPECT_EQ(ys.data()[i], want[i]) << sp[i];
    EXPECT_EQ(std::signbit(ys.data()[i]), std::signbit(want[i])) << sp[i];
  }
  EXPECT_TRUE(std::isnan(nd::tanh(NDArray::from(Shape{1}, std::vector<double>{NAN}.data())).data()[0]));
  // position independence: every prefix length (tails of 1..7) and offsets into a large,
  // threaded array give each element the bits it gets alone
  for (int64_t len = 1; len <= 17; ++len) {
    const NDArray p = nd::tanh(NDArray::from(Shape{len}, xs.data()));
    for (int64_t i = 0; i < len; ++i) EXPECT_EQ(p.data()[i], y.data()[i]) << len << " " << i;
  }
  const NDArray big = NDArray::randn({257, 301}, 9);
  const NDArray yb = nd::tanh(big);
  for (int64_t i = 0; i < big.numel(); i += 1231) {
    const NDArray one = nd::tanh(NDArray::from(Shape{1}, big.data() + i));
    EXPECT_EQ(one.data()[0], yb.data()[i]) << i;
  }
}

// The tanh VJP: one fused pass for a backward that is not recorded, the ops for a recorded
// one (create_graph); both the same bits, and both (1 - tanh^2) g.
TEST(Kernels, TanhBackwardFusedAndRecordedAgree) {
  const Tensor x(NDArray::randn({123, 45}, 21), true);
  const Tensor g(NDArray::randn({123, 45}, 22));
  auto dx = [&](bool create_graph) {
    GradOptions o;
    o.create_graph = create_graph;
    return grad({tanh(x)}, {x}, {g}, o)[0];
  };
  const Tensor plain = dx(false), recorded = dx(true);
  EXPECT_FALSE(plain.requires_grad());
  EXPECT_TRUE(recorded.requires_grad());
  for (int64_t i = 0; i < x.numel(); ++i) {
    EXPECT_EQ(plain.value().data()[i], recorded.value().data()[i]) << i;
    const double t = std::tanh(x.value().data()[i]);
    EXPECT_NEAR(plain.value().data()[i], g.value().data()[i] * (1.0 - t * t), 1e-14) << i;
  }
}
