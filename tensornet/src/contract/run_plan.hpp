// Internal: evaluating a plan on tensors (recorded step by step when grad is on).
#pragma once
#include <vector>

#include "contract/plan.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad::tn {

bool will_record(const std::vector<Tensor>& ops);
Tensor run_plan(const Plan& plan, const std::vector<Tensor>& ops);
std::vector<Shape> shapes_of(const std::vector<Tensor>& ops);

}  // namespace tnad::tn
