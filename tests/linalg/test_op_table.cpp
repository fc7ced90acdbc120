// Generated from linalg_op_table(): first and second derivatives of every row against
// central finite differences, on tall, square and wide shapes and on batches.
#include <gtest/gtest.h>

#include "op_table_check.hpp"
#include "tnad/linalg.hpp"

using namespace tnad;

class LinalgOpTable : public ::testing::TestWithParam<size_t> {};

TEST_P(LinalgOpTable, FirstOrder) { EXPECT_TRUE(tnad::testing::check_op_info(linalg_op_table()[GetParam()], 1)); }
TEST_P(LinalgOpTable, SecondOrder) { EXPECT_TRUE(tnad::testing::check_op_info(linalg_op_table()[GetParam()], 2)); }

INSTANTIATE_TEST_SUITE_P(Ops, LinalgOpTable, ::testing::Range<size_t>(0, linalg_op_table().size()),
                         [](const ::testing::TestParamInfo<size_t>& i) {
                           return tnad::testing::op_test_name(linalg_op_table()[i.param].name);
                         });

// The issue's function list: every one must have a row.
TEST(LinalgOpTable, CoversTheIssueList) {
  const char* required[] = {"svd", "svd_full_matrices", "svd_truncated", "svd_truncated_sylvester",
                            "svd_truncated_randomized", "eigh", "eigvalsh", "eigh_truncated", "eigh_truncated_cutoff", "qr", "lq",
                            "cholesky", "solve", "solve_triangular_upper_left",
                            "solve_triangular_lower_right_unit", "inv", "det", "slogdet"};
  for (const char* name : required) {
    bool found = false;
    for (const auto& row : linalg_op_table()) found = found || row.name == name;
    EXPECT_TRUE(found) << "no op-table row for " << name;
  }
}
