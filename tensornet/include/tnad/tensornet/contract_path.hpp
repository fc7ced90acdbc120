// contract_path: the pairwise order in which a multi-operand contraction is evaluated,
// its flop count and its largest intermediate (like opt_einsum.contract_path).
//
// Cost model (opt_einsum's): a pairwise step over the index set I costs prod_{i in I} d_i
// multiply-adds, counted as 2 prod d_i flops when some index is summed, prod d_i when the step
// is a pure outer/Hadamard product. The size of a step is the element count of its result.
//
// Search:
//   optimal — dynamic programming over subsets of operands, best[S] = min over splits
//             S = S1 + S2 of best[S1] + best[S2] + cost(S1, S2). The result of contracting a
//             subset does not depend on the order inside it, so this is the exact minimum over
//             all contraction trees (every pairwise order), including outer products.
//             O(3^n): the default uses it up to 12 operands.
//   greedy  — opt_einsum's heuristic: repeatedly the pair that shrinks the total size the
//             most (size(C) - size(A) - size(B)), outer products last; O(n^3). Used beyond.
// Objectives: flops; size (the largest intermediate); write (sum of intermediate sizes);
// combo = flops + alpha * write (cotengra, alpha = 64): when the contraction is recorded for
// AD every intermediate is kept for the backward, so bytes written matter as well.
// memory_limit caps the element count of every intermediate (error if no order fits).
//
// Plans are cached by (subscripts, shapes, options): a CTMRG step plans once, and the
// backward reuses the forward's pairwise structure (it runs each step's adjoint).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tnad/ad/shape.hpp"

namespace tnad {

enum class PathAlgorithm {
  automatic,      // optimal for <= optimal_max_operands operands, greedy beyond
  optimal,        // exact dynamic programming (refuses more than 20 operands)
  greedy,
  left_to_right,  // ((0 1) 2) 3 ... : the naive order, for comparison
};

enum class PathObjective {
  automatic,  // flops, or combo when einsum records the contraction for AD
  flops,
  size,
  write,
  combo,
};

struct PathOptions {
  PathAlgorithm algorithm = PathAlgorithm::automatic;
  PathObjective objective = PathObjective::automatic;
  int optimal_max_operands = 12;
  double memory_limit = 0;    // max elements of any intermediate; 0 = no limit
  double combo_factor = 64;   // alpha of the combo objective
  bool use_cache = true;
};

// One pairwise step. lhs/rhs are SSA ids: operands are 0..n-1, step k's result is n+k.
struct ContractStep {
  int lhs = 0, rhs = 0;
  std::string subscripts;  // e.g. "abcd,bcef->adef" for this step
  double flops = 0;
  double size = 0;         // elements of the result
};

struct ContractPath {
  // opt_einsum's format: each pair indexes the current operand list, from which both are
  // removed and the result appended.
  std::vector<std::pair<int, int>> path;
  std::vector<std::pair<int, int>> ssa_path;
  std::vector<ContractStep> steps;
  std::string subscripts;            // the whole contraction, output made explicit
  std::string algorithm;             // "optimal", "greedy", "left_to_right", "single"
  std::string objective;
  std::vector<std::string> preprocessing;  // per-operand traces/sums done before the steps
  double flops = 0;                  // sum over the pairwise steps
  double naive_flops = 0;            // one loop over all indices at once
  double largest_intermediate = 0;   // elements, over the pairwise steps (0 if none)
  double write = 0;                  // sum of step result sizes
  double cost = 0;                   // the objective's value
  std::string to_string() const;     // a table like opt_einsum's PathInfo
};

// `spec` as for einsum (einsum.hpp). Throws tnad::Error on bad subscripts/shapes.
ContractPath contract_path(const std::string& spec, const std::vector<Shape>& shapes,
                           const PathOptions& options = {});

// Plan-cache statistics (all threads).
struct PlanCacheStats {
  int64_t hits = 0, misses = 0, entries = 0;
};
PlanCacheStats plan_cache_stats();
void clear_plan_cache();

}  // namespace tnad
