// ncon: contraction of a tensor network in the tensor-network convention
// (Pfeifer, Evenbly, Singh, Vidal, arXiv:1402.0939):
//
//   C = ncon({A, B, C}, {{-1, 1, 2}, {2, 1, 3}, {3, -2}});
//
// one label list per tensor, one label per axis. A positive label joins exactly two axes
// (of two tensors, or of one tensor: a partial trace) and is summed; negative labels are the
// open axes of the result, each once, and -1, -2, ... give their order. The contraction
// order is chosen by the planner (contract_path.hpp), not by the label values; the result is
// differentiable like einsum (einsum.hpp).
#pragma once
#include <vector>

#include "tnad/tensornet/contract_path.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad {

Tensor ncon(const std::vector<Tensor>& tensors, const std::vector<std::vector<int>>& labels,
            const PathOptions& options = {});

// The plan ncon would use for these labels and shapes.
ContractPath ncon_path(const std::vector<std::vector<int>>& labels, const std::vector<Shape>& shapes,
                       const PathOptions& options = {});

}  // namespace tnad
