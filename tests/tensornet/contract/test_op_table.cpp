// First and second derivatives of every row of tensornet_op_table() (einsum, ncon,
// tensordot, one TRG / HOTRG step) against central finite differences in random directions.
#include <gtest/gtest.h>

#include <algorithm>

#include "op_table_check.hpp"
#include "tnad/tensornet/op_table.hpp"

using namespace tnad;

namespace {

class TensornetOps : public ::testing::TestWithParam<std::size_t> {};

TEST_P(TensornetOps, Gradcheck) {
  EXPECT_TRUE(tnad::testing::check_op_info(tensornet_op_table()[GetParam()], 1));
}

TEST_P(TensornetOps, Gradgradcheck) {
  EXPECT_TRUE(tnad::testing::check_op_info(tensornet_op_table()[GetParam()], 2));
}

INSTANTIATE_TEST_SUITE_P(Table, TensornetOps,
                         ::testing::Range<std::size_t>(0, tensornet_op_table().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& i) {
                           std::string name = std::to_string(i.param);
                           name.append("_").append(
                               tnad::testing::op_test_name(tensornet_op_table()[i.param].name));
                           return name;
                         });

TEST(TensornetOps, TableCoversEinsumNconTensordot) {
  int e = 0, n = 0, t = 0;
  for (const auto& r : tensornet_op_table()) {
    e += r.name.rfind("einsum", 0) == 0;
    n += r.name.rfind("ncon", 0) == 0;
    t += r.name.rfind("tensordot", 0) == 0;
  }
  EXPECT_GE(e, 10);
  EXPECT_GE(n, 3);
  EXPECT_GE(t, 2);
  // One row per RG step, so that a wrong derivative of TRG / HOTRG is located to a step.
  for (const char* step : {"trg_step", "trg_step sylvester", "hotrg_step"})
    EXPECT_TRUE(std::any_of(tensornet_op_table().begin(), tensornet_op_table().end(),
                            [&](const OpInfo& r) { return r.name == step; }))
        << step;
}

}  // namespace
