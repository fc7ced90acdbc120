// The thin-SVD backward forms Gamma = F o (a_U + a_V) + G o (a_U - a_V) + diag(Sbar) in one
// fused pass when the backward is not recorded (first-order gradients), and from
// differentiable ops when it is (create_graph, for second derivatives). Both must give the
// same gradient to the last bit, for both broadening rules, (near-)degenerate and zero
// singular values, rectangular and batched inputs, and any subset of the cotangents.
#include <gtest/gtest.h>

#include <cstring>

#include "la_test_util.hpp"

using namespace tnad;
using namespace la_test;

namespace {

struct Which {
  bool u, s, vh;
};

// Abar of <Gu, U> + <Gs, S> + <Gvh, Vh> (the terms `which` selects) at A.
NDArray svd_grad(const NDArray& A, const Which& which, const DegeneracyOptions& deg, bool create_graph) {
  const Tensor x(A, true);
  const auto f = svd(x, SvdOptions{.full_matrices = false, .degeneracy = deg});
  Tensor loss;
  auto add = [&](const Tensor& t, uint64_t seed) {
    const Tensor term = vdot(Tensor(NDArray::randn(t.shape(), seed)), t);
    loss = loss.defined() ? loss + term : term;
  };
  if (which.u) add(f.U, 11);
  if (which.s) add(f.S, 12);
  if (which.vh) add(f.Vh, 13);
  GradOptions o;
  o.create_graph = create_graph;
  const Tensor g = grad({loss}, {x}, {}, o)[0];
  if (create_graph) {
    EXPECT_TRUE(g.requires_grad());  // the op-by-op path ran, recorded
  }
  return g.value();
}

void expect_same_bits(const NDArray& a, const NDArray& b, const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  EXPECT_EQ(std::memcmp(a.data(), b.data(), sizeof(double) * std::size_t(a.numel())), 0) << what;
  EXPECT_TRUE(std::isfinite(a.data()[0])) << what;
}

TEST(SvdBackwardPaths, FusedAndRecordedGammaAgreeBitForBit) {
  const std::vector<Which> subsets = {{true, true, true}, {true, false, false}, {false, true, false},
                                      {false, false, true}, {true, false, true}, {false, true, true}};
  DegeneracyOptions cutoff;
  cutoff.rule = Broadening::cutoff;
  std::vector<std::pair<std::string, NDArray>> inputs = {
      {"gaussian 7x7", NDArray::randn(Shape{7, 7}, 1)},
      {"gaussian 9x6", NDArray::randn(Shape{9, 6}, 2)},
      {"gaussian 5x8", NDArray::randn(Shape{5, 8}, 3)},
      {"batch 3x6x6", NDArray::randn(Shape{3, 6, 6}, 4)},
      {"near-degenerate", arr(with_singular_values(6, 6, {3.0, 2.0 + 1e-9, 2.0, 1.0, 0.5, 0.0}, 5))},
      {"degenerate 40x40", arr(with_singular_values(40, 40, std::vector<double>(40, 1.5), 6))},
  };
  for (const auto& [name, A] : inputs)
    for (const DegeneracyOptions& deg : {DegeneracyOptions{}, cutoff})
      for (const Which& w : subsets) {
        const std::string what = name + (deg.rule == Broadening::cutoff ? " cutoff" : " lorentzian") + " U" +
                                 std::to_string(w.u) + " S" + std::to_string(w.s) + " Vh" + std::to_string(w.vh);
        expect_same_bits(svd_grad(A, w, deg, false), svd_grad(A, w, deg, true), what);
      }
}

// Large enough for the parallel loops of the fused pass and of skew (K^2 >= 2^16).
TEST(SvdBackwardPaths, AgreeOnALargeMatrix) {
  const NDArray A = NDArray::randn(Shape{300, 300}, 7);
  expect_same_bits(svd_grad(A, {true, true, true}, {}, false), svd_grad(A, {true, true, true}, {}, true), "300x300");
}

}  // namespace
