// Internal: contraction-order search on label sets (pure combinatorics, no values).
#pragma once
#include <bitset>
#include <cstdint>
#include <string>
#include <vector>

#include "contract/network.hpp"
#include "tnad/tensornet/contract_path.hpp"

namespace tnad::tn {

using Bits = std::bitset<kMaxLabels>;

// The problem the search sees: operands as sets of unique labels (traces and indices summed
// within one operand were removed beforehand), the output set, and the label extents.
struct PlanProblem {
  std::vector<Bits> operands;
  Bits output;
  std::vector<double> dims;
};

struct PlannedStep {
  int lhs, rhs;   // SSA ids
  Bits result;    // labels of the step's result
  double flops, size;
};

struct PlannedPath {
  std::vector<PlannedStep> steps;
  double flops = 0, write = 0, largest = 0, cost = 0;
  std::string algorithm;
};

// The objective per step and how steps combine (sum, or max for `size`).
struct Objective {
  PathObjective kind = PathObjective::flops;
  double alpha = 64;
  double step(double flops, double size) const;
  double combine(double a, double b) const;
};

double size_of(const Bits& s, const std::vector<double>& dims);
// flops of contracting two label sets into `result` (opt_einsum's op factor).
double pair_flops(const Bits& a, const Bits& b, const Bits& result, const std::vector<double>& dims);

PlannedPath plan_optimal(const PlanProblem& p, const Objective& obj, double memory_limit);
PlannedPath plan_greedy(const PlanProblem& p, const Objective& obj, double memory_limit);
PlannedPath plan_left_to_right(const PlanProblem& p, const Objective& obj);

// Subtree reconfiguration (as in cotengra): for every node of the contraction tree, the
// sub-tree over a frontier of up to frontier_max nodes below it is replaced by the exact
// optimum over that frontier (plan_optimal), repeated until nothing improves. The cost never
// increases; with n <= frontier_max operands the result is the global optimum.
std::vector<std::pair<int, int>> refine_subtrees(const PlanProblem& p, const Objective& obj,
                                                 double memory_limit,
                                                 const std::vector<std::pair<int, int>>& ssa,
                                                 int frontier_max = 8);

// Recomputes flops/sizes/totals of a path given as SSA pairs (also checks it is valid).
PlannedPath evaluate_path(const PlanProblem& p, const Objective& obj,
                          const std::vector<std::pair<int, int>>& ssa, const std::string& name);

}  // namespace tnad::tn
