// Internal: an execution plan for a network (per-operand preprocessing + pairwise steps),
// built once per (subscripts, shapes, options) and cached.
#pragma once
#include <memory>
#include <vector>

#include "contract/network.hpp"
#include "tnad/tensornet/contract_path.hpp"

namespace tnad::tn {

struct Plan {
  Network net;
  // Labels of operand i after its unary step (traces taken, indices that no other operand
  // and not the output has summed). Equal to net.inputs[i] when no unary step is needed.
  std::vector<std::vector<int>> pre;
  std::vector<bool> needs_pre;
  struct Step {
    int lhs, rhs;             // SSA ids: operands 0..n-1, step k's result n+k
    std::vector<int> result;  // labels kept (ascending id; the last step uses net.output)
  };
  std::vector<Step> steps;
  ContractPath info;
};

// `recording`: the contraction will be recorded for AD (the automatic objective becomes combo).
std::shared_ptr<const Plan> make_plan(Network net, const PathOptions& opt, bool recording);

}  // namespace tnad::tn
