// The README's tensornet snippet, compiled and checked (keep the two in sync).
#include <gtest/gtest.h>

#include <sstream>

#include "naive_einsum.hpp"
// --- README snippet begins
#include <tnad/ad/autograd.hpp>
#include <tnad/tensornet/chain.hpp>
#include <tnad/tensornet/contract_path.hpp>
#include <tnad/tensornet/einsum.hpp>
#include <tnad/tensornet/ncon.hpp>
#include <tnad/ad/ops.hpp>

using namespace tnad;

std::string readme_snippet(Tensor& C, Tensor& s, Tensor& E, std::vector<Tensor>& g) {
  Tensor A = randn({8, 4, 8}, 1, /*requires_grad=*/true), B = randn({8, 4, 8}, 2, true);
  C = einsum("iaj,jbk->iabk", A, B);          // explicit output
  s = einsum("iaj,iaj", A, B);                 // implicit output: here a scalar
  E = ncon({A, B}, {{-1, 1, 2}, {2, 1, -2}});  // positive labels summed, -1, -2 open
  g = grad({s}, {A, B});                       // dA = B, dB = A
  std::ostringstream plan;                     // inspect an order before running it
  plan << contract_path("ab,bc,cd->ad", {{2, 300}, {300, 4}, {4, 50}}).to_string();
  return plan.str();
}
// --- README snippet ends

namespace {

TEST(Readme, SnippetRunsAndItsNumbersAreRight) {
  Tensor C, s, E;
  std::vector<Tensor> g;
  std::string plan = readme_snippet(C, s, E, g);
  Tensor A = randn({8, 4, 8}, 1), B = randn({8, 4, 8}, 2);
  EXPECT_LT(testref::rel_diff(C.value(), testref::naive_einsum("iaj,jbk->iabk", {A.value(), B.value()})), 1e-12);
  EXPECT_LT(testref::rel_diff(s.value(), testref::naive_einsum("iaj,iaj->", {A.value(), B.value()})), 1e-12);
  EXPECT_LT(testref::rel_diff(E.value(), testref::naive_einsum("xab,bay->xy", {A.value(), B.value()})), 1e-12);
  EXPECT_LT(testref::rel_diff(g[0].value(), B.value()), 1e-15);
  EXPECT_LT(testref::rel_diff(g[1].value(), A.value()), 1e-15);
  EXPECT_NE(plan.find("ab,bc->ac"), std::string::npos) << plan;  // 2 x 300 x 4 first
}

}  // namespace
