// The contraction-order planner against an independent brute force over all pairwise orders.
#include <gtest/gtest.h>

#include <cmath>

#include "planner_ref.hpp"
#include "tnad/tensornet/contract_path.hpp"
#include "tnad/tensornet/einsum.hpp"

using namespace tnad;
using testref::Obj;

namespace {

PathOptions opts(PathAlgorithm a, PathObjective o = PathObjective::flops, double limit = 0) {
  PathOptions p;
  p.algorithm = a;
  p.objective = o;
  p.memory_limit = limit;
  p.use_cache = false;
  return p;
}

void expect_rel_eq(double got, double want, const std::string& what) {
  EXPECT_LE(std::abs(got - want), 1e-12 * std::max(1.0, std::abs(want))) << what << ": " << got
                                                                         << " vs " << want;
}

TEST(Planner, HandCountedThreeMatrixChain) {
  // A 2x3, B 3x100, C 100x4: (AB)C costs 2*(2*3*100) + 2*(2*100*4) = 2800 flops,
  // A(BC) costs 2*(3*100*4) + 2*(2*3*4) = 2448.
  ContractPath p = contract_path("ij,jk,kl->il", {{2, 3}, {3, 100}, {100, 4}},
                                 opts(PathAlgorithm::optimal));
  EXPECT_DOUBLE_EQ(p.flops, 2448.0);
  ASSERT_EQ(p.path.size(), 2u);
  EXPECT_EQ(p.path[0], std::make_pair(1, 2));
  EXPECT_EQ(p.path[1], std::make_pair(0, 1));
  EXPECT_DOUBLE_EQ(p.largest_intermediate, 12.0);  // the 3x4 of BC
  EXPECT_EQ(p.steps[0].subscripts, "jk,kl->jl");
  EXPECT_EQ(p.steps[1].subscripts, "ij,jl->il");
  // Naive: one loop over i,j,k,l with 3 operands: 2*3*100*4 * (2 + 1).
  EXPECT_DOUBLE_EQ(p.naive_flops, 2400.0 * 3);
  ContractPath l = contract_path("ij,jk,kl->il", {{2, 3}, {3, 100}, {100, 4}},
                                 opts(PathAlgorithm::left_to_right));
  EXPECT_DOUBLE_EQ(l.flops, 2800.0);
  EXPECT_NE(p.to_string().find("jk,kl->jl"), std::string::npos);
}

TEST(Planner, OptimalEqualsBruteForceMinimumOnRandomNetworks) {
  std::mt19937_64 rng(11);
  int checked = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const int n = 2 + trial % 5;  // 2..6 operands
    auto net = testref::random_net(rng, n, 3 + int(rng() % 6), 6);
    for (auto [obj, ref] : {std::pair{PathObjective::flops, Obj::flops},
                            std::pair{PathObjective::size, Obj::size},
                            std::pair{PathObjective::combo, Obj::combo}}) {
      ContractPath p = contract_path(net.spec(), net.shapes(), opts(PathAlgorithm::optimal, obj));
      double want = testref::brute_force_min(net, ref);
      double got = obj == PathObjective::size ? p.largest_intermediate
                   : obj == PathObjective::combo ? p.flops + 64.0 * p.write
                                                 : p.flops;
      if (n == 1) continue;
      expect_rel_eq(got, want, net.spec() + " objective " + p.objective);
      expect_rel_eq(p.cost, want, net.spec() + " cost " + p.objective);
      // The reported path, replayed independently, has the reported flops.
      double largest;
      bool valid;
      double replay = testref::replay_flops(net, p.path, &largest, &valid);
      EXPECT_TRUE(valid) << net.spec();
      expect_rel_eq(replay, p.flops, net.spec() + " replay");
      ++checked;
    }
  }
  EXPECT_GE(checked, 400);
}

TEST(Planner, MemoryLimitGivesTheBestOrderWithinTheCap) {
  std::mt19937_64 rng(5);
  int capped = 0, impossible = 0;
  for (int trial = 0; trial < 80; ++trial) {
    auto net = testref::random_net(rng, 3 + trial % 4, 6, 5);
    ContractPath free = contract_path(net.spec(), net.shapes(), opts(PathAlgorithm::optimal));
    // Cap just below the unconstrained optimum's largest non-final intermediate.
    double limit = 0;
    for (std::size_t k = 0; k + 1 < free.steps.size(); ++k)
      limit = std::max(limit, free.steps[k].size);
    limit -= 1;
    if (limit < 1) continue;
    double want = testref::brute_force_min(net, Obj::flops, limit);
    auto capped_opts = opts(PathAlgorithm::optimal, PathObjective::flops, limit);
    if (std::isinf(want)) {
      EXPECT_THROW(contract_path(net.spec(), net.shapes(), capped_opts), Error);
      ++impossible;
      continue;
    }
    ContractPath p = contract_path(net.spec(), net.shapes(), capped_opts);
    expect_rel_eq(p.flops, want, net.spec() + " capped");
    EXPECT_GE(p.flops, free.flops);
    for (std::size_t k = 0; k + 1 < p.steps.size(); ++k) EXPECT_LE(p.steps[k].size, limit);
    ++capped;
  }
  EXPECT_GT(capped, 10);
  EXPECT_GT(impossible, 0);
}

TEST(Planner, GreedyIsValidAndNeverWorseThanLeftToRight) {
  std::mt19937_64 rng(99);
  int strictly_better = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 3 + trial % 14;  // 3..16 operands
    auto net = testref::random_net(rng, n, n + 2 + int(rng() % n), 5);
    ContractPath g = contract_path(net.spec(), net.shapes(), opts(PathAlgorithm::greedy));
    ContractPath l = contract_path(net.spec(), net.shapes(), opts(PathAlgorithm::left_to_right));
    double largest;
    bool valid;
    double gf = testref::replay_flops(net, g.path, &largest, &valid);
    ASSERT_TRUE(valid) << net.spec();
    expect_rel_eq(gf, g.flops, net.spec() + " greedy replay");
    double lf = testref::replay_flops(net, l.path, &largest, &valid);
    ASSERT_TRUE(valid);
    EXPECT_LE(gf, lf * (1 + 1e-12)) << net.spec();
    // Greedy never beats the exact optimum where that is computable.
    if (n <= 8) {
      ContractPath o = contract_path(net.spec(), net.shapes(), opts(PathAlgorithm::optimal));
      EXPECT_GE(gf, o.flops * (1 - 1e-12)) << net.spec();
    }
    if (gf < lf) ++strictly_better;
  }
  EXPECT_GT(strictly_better, 150);
}

TEST(Planner, OptimalHandlesTwelveOperandsAndBeatsOrTiesGreedy) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 4; ++trial) {
    auto net = testref::random_net(rng, 12, 18, 4);
    ContractPath o = contract_path(net.spec(), net.shapes(), opts(PathAlgorithm::optimal));
    ContractPath g = contract_path(net.spec(), net.shapes(), opts(PathAlgorithm::greedy));
    EXPECT_EQ(o.algorithm, "optimal");
    EXPECT_LE(o.flops, g.flops * (1 + 1e-12));
    double largest;
    bool valid;
    expect_rel_eq(testref::replay_flops(net, o.path, &largest, &valid), o.flops, "replay");
    EXPECT_TRUE(valid);
  }
  // automatic: optimal up to optimal_max_operands, greedy beyond.
  auto big = testref::random_net(rng, 14, 20, 3);
  PathOptions a;
  a.use_cache = false;
  EXPECT_EQ(contract_path(big.spec(), big.shapes(), a).algorithm, "greedy");
  auto small = testref::random_net(rng, 10, 14, 3);
  EXPECT_EQ(contract_path(small.spec(), small.shapes(), a).algorithm, "optimal");
}

TEST(Planner, PreprocessingTakesTracesAndLoneIndicesFirst) {
  ContractPath p = contract_path("iij,jkl->i", {{3, 3, 4}, {4, 5, 6}}, opts(PathAlgorithm::optimal));
  ASSERT_EQ(p.preprocessing.size(), 2u);
  EXPECT_NE(p.preprocessing[0].find("iij->ij"), std::string::npos);
  EXPECT_NE(p.preprocessing[1].find("jkl->j"), std::string::npos);
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.steps[0].subscripts, "ij,j->i");
  EXPECT_DOUBLE_EQ(p.flops, 2.0 * 3 * 4);
}

TEST(Planner, PlansAreCachedBySubscriptsAndShapes) {
  clear_plan_cache();
  Tensor a = randn({3, 4}, 1), b = randn({4, 5}, 2), c = randn({4, 6}, 3);
  einsum("ij,jk->ik", a, b);
  EXPECT_EQ(plan_cache_stats().misses, 1);
  EXPECT_EQ(plan_cache_stats().hits, 0);
  for (int i = 0; i < 5; ++i) einsum("ij,jk->ik", a, b);
  EXPECT_EQ(plan_cache_stats().misses, 1);
  EXPECT_EQ(plan_cache_stats().hits, 5);
  einsum("ij,jk->ik", a, c);  // other shapes: a new plan
  EXPECT_EQ(plan_cache_stats().misses, 2);
  EXPECT_EQ(plan_cache_stats().entries, 2);
}

TEST(Planner, RecordedContractionsGetTheirOwnComboPlan) {
  EXPECT_EQ(contract_path("ij,jk->ik", {{2, 2}, {2, 2}}).objective, "flops");
  clear_plan_cache();
  Tensor a = randn({3, 4}, 1), b = randn({4, 5}, 2);
  einsum("ij,jk->ik", a, b);
  Tensor ag = randn({3, 4}, 1, true);
  einsum("ij,jk->ik", ag, b);  // recorded: planned with the combo objective, a second entry
  EXPECT_EQ(plan_cache_stats().misses, 2);
  {
    NoGradGuard ng;
    einsum("ij,jk->ik", ag, b);  // not recorded: reuses the flops plan
  }
  EXPECT_EQ(plan_cache_stats().misses, 2);
  EXPECT_EQ(plan_cache_stats().hits, 1);
}

}  // namespace
