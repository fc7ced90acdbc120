#include "contract/planner.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "tnad/ad/error.hpp"

namespace tnad::tn {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

double Objective::step(double flops, double size) const {
  switch (kind) {
    case PathObjective::size:
    case PathObjective::write: return size;
    case PathObjective::combo: return flops + alpha * size;
    default: return flops;
  }
}

double Objective::combine(double a, double b) const {
  return kind == PathObjective::size ? std::max(a, b) : a + b;
}

double size_of(const Bits& s, const std::vector<double>& dims) {
  double r = 1;
  for (std::size_t l = s._Find_first(); l < s.size(); l = s._Find_next(l)) r *= dims[l];
  return r;
}

double pair_flops(const Bits& a, const Bits& b, const Bits& result, const std::vector<double>& dims) {
  Bits all = a | b;
  bool inner = (all & ~result).any();
  return size_of(all, dims) * (inner ? 2.0 : 1.0);
}

PlannedPath evaluate_path(const PlanProblem& p, const Objective& obj,
                          const std::vector<std::pair<int, int>>& ssa, const std::string& name) {
  const int n = static_cast<int>(p.operands.size());
  std::vector<Bits> sets = p.operands;
  std::vector<bool> alive(n, true);
  PlannedPath out;
  out.algorithm = name;
  bool first = true;
  for (auto [a, b] : ssa) {
    const int cur = static_cast<int>(sets.size());
    if (a < 0 || b < 0 || a >= cur || b >= cur || a == b || !alive[a] || !alive[b])
      throw_error("contract_path: invalid pair (", a, ", ", b, ") in a path");
    Bits others;
    for (int i = 0; i < cur; ++i)
      if (alive[i] && i != a && i != b) others |= sets[i];
    Bits res = (sets[a] | sets[b]) & (p.output | others);
    double f = pair_flops(sets[a], sets[b], res, p.dims), s = size_of(res, p.dims);
    out.steps.push_back({a, b, res, f, s});
    out.flops += f;
    out.write += s;
    out.largest = std::max(out.largest, s);
    double c = obj.step(f, s);
    out.cost = first ? c : obj.combine(out.cost, c);
    first = false;
    alive[a] = alive[b] = false;
    sets.push_back(res);
    alive.push_back(true);
  }
  if (static_cast<int>(ssa.size()) != std::max(n - 1, 0))
    throw_error("contract_path: a path for ", n, " operands needs ", n - 1, " steps, got ",
                ssa.size());
  return out;
}

PlannedPath plan_left_to_right(const PlanProblem& p, const Objective& obj) {
  const int n = static_cast<int>(p.operands.size());
  std::vector<std::pair<int, int>> ssa;
  int acc = 0;
  for (int i = 1; i < n; ++i) {
    ssa.emplace_back(acc, i);
    acc = n + i - 1;
  }
  return evaluate_path(p, obj, ssa, "left_to_right");
}

PlannedPath plan_optimal(const PlanProblem& p, const Objective& obj, double memory_limit) {
  const int n = static_cast<int>(p.operands.size());
  if (n > 20)
    throw_error("contract_path: the optimal search is limited to 20 operands (got ", n,
                "); use the greedy algorithm");
  if (n <= 1) return evaluate_path(p, obj, {}, "optimal");
  const uint32_t full = (1u << n) - 1;
  const std::size_t N = std::size_t(1) << n;
  std::vector<Bits> uni(N);
  for (uint32_t S = 1; S < N; ++S) uni[S] = uni[S & (S - 1)] | p.operands[std::countr_zero(S)];
  // res[S]: the labels the contraction of subset S keeps (needed outside S or in the output),
  // independent of the order inside S.
  std::vector<Bits> res(N);
  std::vector<double> size(N), best(N, kInf);
  std::vector<uint32_t> split(N, 0);
  for (uint32_t S = 1; S < N; ++S) {
    res[S] = uni[S] & (p.output | uni[full ^ S]);
    size[S] = size_of(res[S], p.dims);
  }
  for (int i = 0; i < n; ++i) best[1u << i] = 0;
  // Subsets in increasing order: every proper subset of S is smaller than S.
  for (uint32_t S = 1; S < N; ++S) {
    if ((S & (S - 1)) == 0) continue;
    if (memory_limit > 0 && S != full && size[S] > memory_limit) continue;
    const uint32_t low = S & (~S + 1);
    const uint32_t rest = S ^ low;
    double b = kInf;
    uint32_t bs = 0;
    // S1 = low | (any subset of rest except all of rest), S2 = S ^ S1 (non-empty).
    for (uint32_t sub = rest;; sub = (sub - 1) & rest) {
      const uint32_t S1 = low | sub, S2 = S ^ S1;
      if (S2 != 0 && best[S1] < kInf && best[S2] < kInf) {
        double f = pair_flops(res[S1], res[S2], res[S], p.dims);
        double c = obj.combine(obj.combine(best[S1], best[S2]), obj.step(f, size[S]));
        if (c < b) { b = c; bs = S1; }
      }
      if (sub == 0) break;
    }
    best[S] = b;
    split[S] = bs;
  }
  if (!(best[full] < kInf)) {
    throw_error("contract_path: no contraction order keeps every intermediate within the memory "
                "limit of ", memory_limit, " elements");
  }
  // Post-order walk of the optimal tree gives the SSA path.
  std::vector<std::pair<int, int>> ssa;
  int next_id = n;
  auto walk = [&](auto&& self, uint32_t S) -> int {
    if ((S & (S - 1)) == 0) return std::countr_zero(S);
    int a = self(self, split[S]);
    int b = self(self, S ^ split[S]);
    ssa.emplace_back(a, b);
    return next_id++;
  };
  walk(walk, full);
  return evaluate_path(p, obj, ssa, "optimal");
}

PlannedPath plan_greedy(const PlanProblem& p, const Objective& obj, double memory_limit) {
  const int n = static_cast<int>(p.operands.size());
  std::vector<Bits> sets = p.operands;
  std::vector<int> alive_ids(n);
  for (int i = 0; i < n; ++i) alive_ids[i] = i;
  std::vector<int> count(kMaxLabels, 0);
  for (const Bits& s : sets)
    for (std::size_t l = s._Find_first(); l < s.size(); l = s._Find_next(l)) ++count[l];
  auto result_of = [&](const Bits& a, const Bits& b) {
    Bits r;
    Bits u = a | b;
    for (std::size_t l = u._Find_first(); l < u.size(); l = u._Find_next(l)) {
      int here = int(a[l]) + int(b[l]);
      if (p.output[l] || count[l] > here) r.set(l);
    }
    return r;
  };
  std::vector<std::pair<int, int>> ssa;
  while (alive_ids.size() > 1) {
    const bool last = alive_ids.size() == 2;
    int bi = -1, bj = -1;
    double bh = kInf, bf = kInf;
    bool connected = false;
    for (std::size_t x = 0; x < alive_ids.size(); ++x) {
      for (std::size_t y = x + 1; y < alive_ids.size(); ++y) {
        const Bits& a = sets[alive_ids[x]];
        const Bits& b = sets[alive_ids[y]];
        if (!(a & b).any()) continue;
        Bits r = result_of(a, b);
        double s = size_of(r, p.dims);
        if (memory_limit > 0 && !last && s > memory_limit) continue;
        double h = s - size_of(a, p.dims) - size_of(b, p.dims);
        double f = pair_flops(a, b, r, p.dims);
        if (h < bh || (h == bh && f < bf)) {
          bh = h; bf = f; bi = int(x); bj = int(y);
          connected = true;
        }
      }
    }
    if (!connected) {
      // Only outer products left (or none fits): the two smallest operands first.
      std::vector<std::pair<double, int>> by_size;
      for (std::size_t x = 0; x < alive_ids.size(); ++x)
        by_size.emplace_back(size_of(sets[alive_ids[x]], p.dims), int(x));
      std::sort(by_size.begin(), by_size.end());
      bi = std::min(by_size[0].second, by_size[1].second);
      bj = std::max(by_size[0].second, by_size[1].second);
      if (memory_limit > 0 && !last) {
        Bits r = result_of(sets[alive_ids[bi]], sets[alive_ids[bj]]);
        if (size_of(r, p.dims) > memory_limit)
          throw_error("contract_path: the greedy search finds no pairwise step within the memory "
                      "limit of ", memory_limit, " elements");
      }
    }
    const int ia = alive_ids[bi], ib = alive_ids[bj];
    Bits r = result_of(sets[ia], sets[ib]);
    for (const Bits* s : {&sets[ia], &sets[ib]})
      for (std::size_t l = s->_Find_first(); l < s->size(); l = s->_Find_next(l)) --count[l];
    for (std::size_t l = r._Find_first(); l < r.size(); l = r._Find_next(l)) ++count[l];
    ssa.emplace_back(ia, ib);
    sets.push_back(r);
    alive_ids.erase(alive_ids.begin() + bj);
    alive_ids.erase(alive_ids.begin() + bi);
    alive_ids.push_back(static_cast<int>(sets.size()) - 1);
  }
  return evaluate_path(p, obj, refine_subtrees(p, obj, memory_limit, ssa), "greedy");
}

std::vector<std::pair<int, int>> refine_subtrees(const PlanProblem& p, const Objective& obj,
                                                 double memory_limit,
                                                 const std::vector<std::pair<int, int>>& ssa,
                                                 int frontier_max) {
  const int n = static_cast<int>(p.operands.size());
  if (n < 3) return ssa;
  struct TreeNode {
    int left = -1, right = -1;  // -1: a leaf (an operand)
    Bits labels;                // labels of the node's result
    double cost = 0;            // objective value of the step that makes this node
  };
  // Build the tree from the SSA path (ids coincide: node k is SSA value k).
  std::vector<TreeNode> t(n);
  for (int i = 0; i < n; ++i) t[i].labels = p.operands[i];
  {
    PlannedPath e = evaluate_path(p, obj, ssa, "");
    for (const auto& s : e.steps) {
      TreeNode nd;
      nd.left = s.lhs;
      nd.right = s.rhs;
      nd.labels = s.result;
      nd.cost = obj.step(s.flops, s.size);
      t.push_back(nd);
    }
  }
  const int root = static_cast<int>(t.size()) - 1;
  auto post_order = [&]() {
    std::vector<int> order, stack{root};
    while (!stack.empty()) {
      int v = stack.back();
      stack.pop_back();
      if (t[v].left < 0) continue;
      order.push_back(v);
      stack.push_back(t[v].left);
      stack.push_back(t[v].right);
    }
    std::reverse(order.begin(), order.end());
    return order;
  };
  for (int pass = 0; pass < 8; ++pass) {
    bool improved = false;
    for (int v : post_order()) {
      // Frontier: expand the most expensive internal node until frontier_max nodes.
      std::vector<int> frontier{t[v].left, t[v].right}, inner{v};
      while (static_cast<int>(frontier.size()) < frontier_max) {
        int pick = -1;
        for (std::size_t i = 0; i < frontier.size(); ++i) {
          int f = frontier[i];
          if (t[f].left >= 0 && (pick < 0 || t[f].cost > t[frontier[pick]].cost)) pick = int(i);
        }
        if (pick < 0) break;
        int f = frontier[pick];
        frontier.erase(frontier.begin() + pick);
        frontier.push_back(t[f].left);
        frontier.push_back(t[f].right);
        inner.push_back(f);
      }
      if (frontier.size() < 3) continue;
      double current = 0;
      bool first = true;
      for (int u : inner) {
        current = first ? t[u].cost : obj.combine(current, t[u].cost);
        first = false;
      }
      // The exact optimum over the frontier: its "output" is what v must deliver.
      PlanProblem sub;
      sub.dims = p.dims;
      sub.output = t[v].labels;
      for (int f : frontier) sub.operands.push_back(t[f].labels);
      PlannedPath best;
      try {
        best = plan_optimal(sub, obj, memory_limit);
      } catch (const Error&) {
        continue;
      }
      if (!(best.cost < current * (1 - 1e-12))) continue;
      // Splice the new subtree in; v keeps its id so its parent is unchanged.
      std::vector<int> id(frontier.begin(), frontier.end());
      for (std::size_t k = 0; k < best.steps.size(); ++k) {
        const auto& s = best.steps[k];
        TreeNode nd;
        nd.left = id[s.lhs];
        nd.right = id[s.rhs];
        nd.labels = s.result;
        nd.cost = obj.step(s.flops, s.size);
        if (k + 1 == best.steps.size()) {
          t[v] = nd;
          id.push_back(v);
        } else {
          t.push_back(nd);
          id.push_back(static_cast<int>(t.size()) - 1);
        }
      }
      improved = true;
    }
    if (!improved) break;
  }
  // Back to an SSA path: post-order, children before parents.
  std::vector<std::pair<int, int>> out;
  std::vector<int> ssa_id(t.size(), -1);
  for (int i = 0; i < n; ++i) ssa_id[i] = i;
  int next = n;
  for (int v : post_order()) {
    out.emplace_back(ssa_id[t[v].left], ssa_id[t[v].right]);
    ssa_id[v] = next++;
  }
  return out;
}

}  // namespace tnad::tn
