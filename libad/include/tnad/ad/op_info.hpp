// The op table: every differentiable op of a layer listed once, with how to test it
// (input shapes including broadcasting and size-1 axes, the input domain, the order of
// derivatives it supports, tolerances). One generated test runs gradcheck and
// gradgradcheck on every row, so adding an op means one definition plus one row here.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "tnad/ad/gradcheck.hpp"
#include "tnad/ad/ndarray.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad {

struct OpInfo {
  std::string name;
  std::function<Tensor(const std::vector<Tensor>&)> fn;
  // Test cases: each a list of input shapes.
  std::vector<std::vector<Shape>> cases;
  // Input k is drawn uniformly from [lo, hi) (NDArray::rand, seed + 17 k), the same range
  // for every input; a domain such as x > 0 is a positive lo. If sample is set, it builds
  // the inputs itself from the shapes and a seed instead.
  double lo = -2.0, hi = 2.0;
  std::function<std::vector<NDArray>(const std::vector<Shape>&, uint64_t seed)> sample;
  int max_order = 2;          // 1: second derivative not supported (the test checks it raises)
  std::vector<bool> differentiable_inputs;  // empty: all
  GradcheckOptions tolerances;
};

// libad's rows; linalg and tensornet have their own tables of the same type.
const std::vector<OpInfo>& ad_op_table();

}  // namespace tnad
