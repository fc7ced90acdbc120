// iPEPS site tensors: the C4v average and the double layers, against element-wise loops.
#include <gtest/gtest.h>

#include <array>

#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/tensornet/peps.hpp"

using namespace tnad;

namespace {

double max_diff(const Tensor& a, const Tensor& b) { return nd::max_abs(nd::sub(a.value(), b.value())); }

TEST(Peps, C4vSymmetrizeAveragesTheOrbitOfOneEntry) {
  // One nonzero entry at (p, u, l, d, r) = (1, 0, 1, 2, 0): its 8 images under the rotations
  // (cyclic shifts of (u, l, d, r)) and reflections (reversed order, shifted) are distinct,
  // so each gets 1/8.
  std::vector<double> v(2 * 81, 0.0);
  v[81 + ((0 * 3 + 1) * 3 + 2) * 3 + 0] = 1.0;
  const Tensor A = c4v_symmetrize(from({2, 3, 3, 3, 3}, v));
  const std::array<std::array<int, 4>, 8> orbit = {{{0, 1, 2, 0}, {1, 2, 0, 0}, {2, 0, 0, 1}, {0, 0, 1, 2},
                                                    {0, 2, 1, 0}, {2, 1, 0, 0}, {1, 0, 0, 2}, {0, 0, 2, 1}}};
  double total = 0.0;
  for (const auto& o : orbit) {
    EXPECT_DOUBLE_EQ(A.value().at({1, o[0], o[1], o[2], o[3]}), 0.125);
    total += A.value().at({1, o[0], o[1], o[2], o[3]});
  }
  EXPECT_DOUBLE_EQ(nd::sum(A.value()).item(), total);  // nothing anywhere else
}

TEST(Peps, C4vSymmetrizeIsAProjectorOntoInvariantTensors) {
  const Tensor B = rand({2, 3, 3, 3, 3}, 7, -1.0, 1.0);
  EXPECT_GT(c4v_asymmetry(B), 0.1);
  const Tensor A = c4v_symmetrize(B);
  EXPECT_LT(c4v_asymmetry(A), 1e-15);
  EXPECT_LT(max_diff(c4v_symmetrize(A), A), 1e-15);
  // A rotation (u, l, d, r) -> (l, d, r, u) and the reflection l <-> r, element by element.
  for (int64_t p = 0; p < 2; ++p)
    for (int64_t u = 0; u < 3; ++u)
      for (int64_t l = 0; l < 3; ++l)
        for (int64_t d = 0; d < 3; ++d)
          for (int64_t r = 0; r < 3; ++r) {
            const double x = A.value().at({p, u, l, d, r});
            ASSERT_NEAR(x, A.value().at({p, l, d, r, u}), 1e-15);
            ASSERT_NEAR(x, A.value().at({p, u, r, d, l}), 1e-15);
          }
  // 4-leg tensors: the same group on all legs.
  const Tensor a = c4v_symmetrize(rand({4, 4, 4, 4}, 8));
  EXPECT_LT(c4v_asymmetry(a), 1e-15);
}

TEST(Peps, DoubleLayerAgainstLoops) {
  const int64_t d = 2, D = 3;
  const Tensor A = rand({d, D, D, D, D}, 3, -1.0, 1.0);
  const Tensor a = double_layer(A), ao = double_layer_open(A);
  ASSERT_EQ(a.shape(), (Shape{D * D, D * D, D * D, D * D}));
  ASSERT_EQ(ao.shape(), (Shape{d, d, D * D, D * D, D * D, D * D}));
  double worst = 0.0, worst_open = 0.0;
  for (int64_t u = 0; u < D; ++u)
    for (int64_t U = 0; U < D; ++U)
      for (int64_t l = 0; l < D; ++l)
        for (int64_t L = 0; L < D; ++L)
          for (int64_t e = 0; e < D; ++e)
            for (int64_t E = 0; E < D; ++E)
              for (int64_t r = 0; r < D; ++r)
                for (int64_t R = 0; R < D; ++R) {
                  double want = 0.0;
                  for (int64_t s = 0; s < d; ++s) {
                    want += A.value().at({s, u, l, e, r}) * A.value().at({s, U, L, E, R});
                    for (int64_t t = 0; t < d; ++t) {
                      const double o = A.value().at({s, u, l, e, r}) * A.value().at({t, U, L, E, R});
                      worst_open = std::max(
                          worst_open,
                          std::abs(ao.value().at({s, t, u * D + U, l * D + L, e * D + E, r * D + R}) - o));
                    }
                  }
                  worst = std::max(worst, std::abs(a.value().at({u * D + U, l * D + L, e * D + E, r * D + R}) - want));
                }
  EXPECT_LT(worst, 1e-14);
  EXPECT_LT(worst_open, 1e-14);
}

TEST(Peps, ErrorsNameTheOpAndShape) {
  for (const Shape& s : {Shape{2, 3, 3, 3}, Shape{2, 3, 3, 2, 3}, Shape{3, 3}}) {
    const Tensor x = zeros(s);
    EXPECT_THROW(double_layer(x), Error);
    EXPECT_THROW(double_layer_open(x), Error);
  }
  EXPECT_THROW(c4v_symmetrize(zeros({2, 3, 3})), Error);
  EXPECT_THROW(c4v_asymmetry(zeros({2, 2, 3, 2})), Error);
  try {
    double_layer(zeros({2, 3, 3, 3}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("double_layer"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[2, 3, 3, 3]"), std::string::npos) << e.what();
  }
}

}  // namespace
