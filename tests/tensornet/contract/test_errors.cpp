// Bad subscripts, labels and shapes: each raises tnad::Error naming the index and the shapes.
#include <gtest/gtest.h>

#include "tnad/tensornet/contract_path.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/tensornet/ncon.hpp"

using namespace tnad;

namespace {

template <class F>
void expect_error(F&& f, std::initializer_list<const char*> must_contain) {
  try {
    f();
    ADD_FAILURE() << "no tnad::Error thrown";
  } catch (const Error& e) {
    std::string m = e.what();
    for (const char* s : must_contain) EXPECT_NE(m.find(s), std::string::npos) << "'" << s << "' not in: " << m;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a tnad::Error: " << e.what();
  }
}

Tensor A() { return randn({2, 3}, 1); }
Tensor B() { return randn({3, 4}, 2); }
Tensor C() { return randn({4, 2}, 3); }

TEST(EinsumErrors, OutputIndexThatNoOperandHas) {
  expect_error([] { einsum("ij,jk->iz", A(), B()); }, {"einsum", "'z'", "[2, 3]", "[3, 4]"});
}

TEST(EinsumErrors, IndexWithTwoDimensions) {
  expect_error([] { einsum("ij,ik->jk", A(), B()); }, {"'i'", "2", "3", "[2, 3]", "[3, 4]"});
  expect_error([] { einsum("ii->i", A()); }, {"'i'", "[2, 3]"});
  expect_error([] { contract_path("ab,bc", {{2, 3}, {4, 5}}); }, {"'b'", "[2, 3]", "[4, 5]"});
}

TEST(EinsumErrors, WrongNumberOfOperands) {
  expect_error([] { einsum("ij,jk->ik", A()); }, {"2 operand", "1 tensor", "[2, 3]"});
  expect_error([] { einsum("ij->ij", A(), B()); }, {"1 operand", "2 tensor", "[3, 4]"});
  expect_error([] { einsum("ij->ij", std::vector<Tensor>{}); }, {"no operands"});
}

TEST(EinsumErrors, SubscriptCountDiffersFromRank) {
  expect_error([] { einsum("ijk,jk->i", A(), B()); }, {"operand 0", "'ijk'", "[2, 3]"});
}

TEST(EinsumErrors, BadCharacters) {
  expect_error([] { einsum("i1,jk->ik", A(), B()); }, {"'1'", "position 1", "[2, 3]"});
  expect_error([] { einsum("ij,jk->i_k", A(), B()); }, {"'_'", "output", "[3, 4]"});
  expect_error([] { einsum("...j,jk->ik", A(), B()); }, {"ellipsis"});
  expect_error([] { einsum("ij,jk->ik->i", A(), B()); }, {"'->'"});
  expect_error([] { einsum("ij,jk-ik", A(), B()); }, {"'-'"});
}

TEST(EinsumErrors, RepeatedOutputIndex) {
  expect_error([] { einsum("ij,jk->ii", A(), B()); }, {"'i'", "more than once", "[2, 3]"});
}

TEST(EinsumErrors, TensordotAxes) {
  expect_error([] { tensordot(A(), B(), {0}, {0}); }, {"tensordot", "[2, 3]", "[3, 4]", "2", "3"});
  expect_error([] { tensordot(A(), B(), {5}, {0}); }, {"axis 5", "[2, 3]"});
  expect_error([] { tensordot(A(), B(), 3); }, {"tensordot", "[2, 3]"});
}

TEST(NconErrors, UnpairedLabel) {
  expect_error([] { ncon({A(), B()}, {{-1, 1}, {2, -2}}); }, {"ncon", "label 1", "once", "[2, 3]", "[3, 4]"});
}

TEST(NconErrors, LabelOnThreeAxes) {
  expect_error([] { ncon({A(), B(), C()}, {{-1, 1}, {1, 2}, {1, 2}}); }, {"label 1", "more than twice", "[4, 2]"});
}

TEST(NconErrors, PairedAxesOfDifferentDimensions) {
  expect_error([] { ncon({A(), B()}, {{1, -1}, {1, -2}}); }, {"label 1", "2", "3", "[2, 3]", "[3, 4]"});
}

TEST(NconErrors, OpenLabels) {
  expect_error([] { ncon({A(), B()}, {{-1, 1}, {1, -3}}); }, {"-2", "missing"});
  expect_error([] { ncon({A(), B()}, {{-1, 1}, {1, -1}}); }, {"-1", "twice"});
  expect_error([] { ncon({A(), B()}, {{0, 1}, {1, -1}}); }, {"label 0"});
}

TEST(NconErrors, CountsAndRanks) {
  expect_error([] { ncon({A(), B()}, {{-1, 1}}); }, {"1 label list", "2 tensor"});
  expect_error([] { ncon({A()}, {{-1, 1, 2}}); }, {"3 label", "[2, 3]"});
}

TEST(PlannerErrors, MemoryLimitTooSmall) {
  PathOptions o;
  o.algorithm = PathAlgorithm::optimal;
  o.memory_limit = 10;
  expect_error([&] { contract_path("ab,bc,cd->ad", {{20, 30}, {30, 40}, {40, 50}}, o); },
               {"memory limit", "10"});
  o.algorithm = PathAlgorithm::greedy;
  expect_error([&] { contract_path("ab,bc,cd->ad", {{20, 30}, {30, 40}, {40, 50}}, o); },
               {"memory limit", "10"});
}

}  // namespace
