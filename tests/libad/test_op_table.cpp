// Generated from the op table: first and second derivatives of every row against
// central finite differences, on several shapes (broadcasting, size-1 axes, 0-d).
#include <gtest/gtest.h>

#include "op_table_check.hpp"
#include "tnad/ad.hpp"
#include "tnad/ad/op_info.hpp"

using namespace tnad;

class AdOpTable : public ::testing::TestWithParam<size_t> {};

TEST_P(AdOpTable, FirstOrder) { EXPECT_TRUE(tnad::testing::check_op_info(ad_op_table()[GetParam()], 1)); }
TEST_P(AdOpTable, SecondOrder) { EXPECT_TRUE(tnad::testing::check_op_info(ad_op_table()[GetParam()], 2)); }

INSTANTIATE_TEST_SUITE_P(Ops, AdOpTable, ::testing::Range<size_t>(0, ad_op_table().size()),
                         [](const ::testing::TestParamInfo<size_t>& i) {
                           return tnad::testing::op_test_name(ad_op_table()[i.param].name);
                         });

// The required op list (the ops the project was specified with): every one must have a row.
TEST(AdOpTable, CoversTheSeedList) {
  const char* required[] = {"add", "sub", "mul", "div", "neg", "pow", "pow_scalar", "exp", "log", "sqrt", "abs",
                            "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid",
                            "relu", "gelu", "maximum", "minimum", "clamp", "where", "matmul", "permute",
                            "transpose", "reshape", "broadcast_to", "expand_dims", "squeeze", "slice", "index",
                            "concatenate", "stack", "sum", "mean", "max", "min", "logsumexp", "softmax",
                            "log_softmax", "trace", "diag", "norm"};
  for (const char* name : required) {
    bool found = false;
    for (const auto& row : ad_op_table()) found = found || row.name == name;
    EXPECT_TRUE(found) << "no op-table row for " << name;
  }
}

// The checker itself must be able to fail: a custom op with a deliberately wrong VJP.
TEST(Gradcheck, ReportsAWrongVjp) {
  CustomOp bad{"bad_square",
               [](const std::vector<NDArray>& x) { return std::vector<NDArray>{nd::mul(x[0], x[0])}; },
               [](const std::vector<Tensor>& x, const std::vector<Tensor>&, const std::vector<Tensor>& g) {
                 return std::vector<Tensor>{g[0] * x[0] * 3.0};  // should be 2 x
               }};
  auto f = [&](const std::vector<Tensor>& x) { return bad(x)[0]; };
  auto r = gradcheck(f, {randn(Shape{4}, 3, true)});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.report.find("analytic"), std::string::npos) << r.report;
  EXPECT_GT(r.max_rel_error, 0.1);
}

TEST(Gradcheck, ReportsAWrongSecondDerivative) {
  // First derivative right, second wrong: the VJP uses a constant where it should be x.
  CustomOp bad{"bad_cube",
               [](const std::vector<NDArray>& x) { return std::vector<NDArray>{nd::mul(nd::mul(x[0], x[0]), x[0])}; },
               [](const std::vector<Tensor>& x, const std::vector<Tensor>&, const std::vector<Tensor>& g) {
                 Tensor x2(nd::mul(x[0].value(), x[0].value()));  // detached: d/dx lost
                 return std::vector<Tensor>{g[0] * x2 * 3.0};
               }};
  auto f = [&](const std::vector<Tensor>& x) { return bad(x)[0]; };
  std::vector<Tensor> x{rand(Shape{3}, 5, 0.5, 1.5, true)};
  EXPECT_TRUE(gradcheck(f, x).ok);
  EXPECT_FALSE(gradgradcheck(f, x).ok);
}
