// Test reference for the planner: random networks and an independent brute force over all
// pairwise contraction orders (opt_einsum's cost model written out again, on std::set).
#pragma once
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tnad/ad/shape.hpp"

namespace tnad::testref {

struct Net {
  std::vector<std::string> terms;
  std::string output;
  std::map<char, int64_t> dim;
  std::string spec() const;
  std::vector<Shape> shapes() const;
};

// n operands; every index joins 2 or 3 operands, or 1 operand and the output; no index is
// repeated inside an operand (so no per-operand preprocessing is involved).
Net random_net(std::mt19937_64& rng, int n, int n_labels, int max_dim);

enum class Obj { flops, size, combo };

struct Step {
  std::set<char> result;
  double flops, size;
};

// One pairwise step on label sets: which labels survive, its flops and size.
Step pair_step(const std::set<char>& a, const std::set<char>& b, const std::set<char>& keep_outside,
               const std::map<char, int64_t>& dim);

// The minimum of the objective over every pairwise order (intermediates other than the final
// result capped at memory_limit elements if > 0); +inf if none fits.
double brute_force_min(const Net& net, Obj obj, double memory_limit = 0);

// Replays an opt_einsum-format path; returns total flops and fills largest/valid.
double replay_flops(const Net& net, const std::vector<std::pair<int, int>>& path, double* largest,
                    bool* valid);

}  // namespace tnad::testref
