// Runs gradcheck (order 1) or gradgradcheck (order 2) on every case of an op-table row.
#pragma once
#include <gtest/gtest.h>

#include "tnad/ad/op_info.hpp"

namespace tnad::testing {

// Inputs for one case of a row: sample() if set, else uniform in [lo, hi].
std::vector<Tensor> make_inputs(const OpInfo& info, const std::vector<Shape>& shapes, uint64_t seed);

// order 1: gradcheck; order 2: gradgradcheck, or — for rows with max_order 1 — that the
// second derivative raises tnad::Error.
::testing::AssertionResult check_op_info(const OpInfo& info, int order);

// For INSTANTIATE_TEST_SUITE_P names.
std::string op_test_name(const std::string& op_name);

}  // namespace tnad::testing
