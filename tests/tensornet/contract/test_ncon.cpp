// ncon and tensordot against one-loop reference sums.
#include <gtest/gtest.h>

#include "naive_einsum.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/ncon.hpp"

using namespace tnad;
using testref::naive_einsum;
using testref::rel_diff;

namespace {

TEST(Ncon, MatrixProduct) {
  Tensor a = randn({3, 4}, 1), b = randn({4, 5}, 2);
  EXPECT_LT(rel_diff(ncon({a, b}, {{-1, 1}, {1, -2}}).value(),
                     naive_einsum("ij,jk->ik", {a.value(), b.value()})), 1e-13);
  // -1/-2 order the result, wherever they sit.
  EXPECT_LT(rel_diff(ncon({a, b}, {{-2, 1}, {1, -1}}).value(),
                     naive_einsum("ij,jk->ki", {a.value(), b.value()})), 1e-13);
}

TEST(Ncon, PartialTraceAndFullContraction) {
  Tensor a = randn({3, 2, 3}, 3), b = randn({2, 4, 4}, 4);
  EXPECT_LT(rel_diff(ncon({a, b}, {{1, 2, 1}, {2, 3, 3}}).value(),
                     naive_einsum("aba,bcc->", {a.value(), b.value()})), 1e-13);
  EXPECT_EQ(ncon({a, b}, {{1, 2, 1}, {2, 3, 3}}).ndim(), 0);
  EXPECT_LT(rel_diff(ncon({a}, {{1, -1, 1}}).value(), naive_einsum("aba->b", {a.value()})), 1e-13);
}

TEST(Ncon, MpsTransferNetworkWithLargeLabels) {
  // A 5-tensor network with label values > 9 and open legs in a scrambled order.
  Tensor l = randn({4, 4}, 5), m1 = randn({4, 2, 4}, 6), m2 = randn({4, 2, 4}, 7),
         w = randn({2, 2, 3}, 8), r = randn({4, 3, 4}, 9);
  Tensor got = ncon({l, m1, m2, w, r}, {{10, 20}, {10, 30, -3}, {20, 31, -1}, {30, 31, 40}, {-2, 40, -4}});
  NDArray want = naive_einsum("ab,acx,bdy,cde,zew->yzxw",
                              {l.value(), m1.value(), m2.value(), w.value(), r.value()});
  EXPECT_LT(rel_diff(got.value(), want), 1e-12);
  ContractPath p = ncon_path({{10, 20}, {10, 30, -3}, {20, 31, -1}, {30, 31, 40}, {-2, 40, -4}},
                             {{4, 4}, {4, 2, 4}, {4, 2, 4}, {2, 2, 3}, {4, 3, 4}});
  EXPECT_EQ(p.steps.size(), 4u);
  EXPECT_GT(p.flops, 0.0);
}

TEST(Ncon, OuterProductOfDisconnectedTensors) {
  Tensor a = randn({2, 3}, 10), b = randn({4}, 11);
  EXPECT_LT(rel_diff(ncon({a, b}, {{-3, -1}, {-2}}).value(),
                     naive_einsum("ca,b->abc", {a.value(), b.value()})), 1e-13);
}

TEST(Tensordot, IntegerAxes) {
  Tensor a = randn({2, 3, 4}, 12), b = randn({3, 4, 5}, 13);
  EXPECT_LT(rel_diff(tensordot(a, b, 2).value(), naive_einsum("ijk,jkl->il", {a.value(), b.value()})), 1e-13);
  EXPECT_LT(rel_diff(tensordot(a, randn({4, 5}, 14), 1).value(),
                     naive_einsum("ijk,kl->ijl", {a.value(), randn({4, 5}, 14).value()})), 1e-13);
  // axes = 0: outer product
  Tensor o = tensordot(randn({2}, 15), randn({3}, 16), 0);
  EXPECT_EQ(o.shape(), Shape({2, 3}));
}

TEST(Tensordot, ExplicitAndNegativeAxes) {
  Tensor a = randn({2, 3, 4}, 17), b = randn({4, 5, 2}, 18);
  EXPECT_LT(rel_diff(tensordot(a, b, {0, -1}, {-1, 0}).value(),
                     naive_einsum("ijk,kli->jl", {a.value(), b.value()})), 1e-13);
}

}  // namespace
