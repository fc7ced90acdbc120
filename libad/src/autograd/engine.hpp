// Internal: the backward engine's entry points.
#pragma once
#include <vector>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/node.hpp"

namespace tnad::detail {
// backward(): accumulates into the .grad() of every reachable leaf that requires grad.
void run_backward_accumulate(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                             GradOptions opt);
}  // namespace tnad::detail
