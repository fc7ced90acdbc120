#include "contract/plan.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "contract/planner.hpp"
#include "tnad/ad/error.hpp"

namespace tnad {

namespace {

struct PlanCache {
  std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<const tn::Plan>> map;
  std::atomic<int64_t> hits{0}, misses{0};
  static constexpr std::size_t kMaxEntries = 4096;
};

PlanCache& cache() {
  static PlanCache c;
  return c;
}

const char* objective_name(PathObjective o) {
  switch (o) {
    case PathObjective::flops: return "flops";
    case PathObjective::size: return "size";
    case PathObjective::write: return "write";
    case PathObjective::combo: return "combo";
    default: return "automatic";
  }
}

std::string fmt_num(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

}  // namespace

std::string ContractPath::to_string() const {
  std::ostringstream os;
  os << "  Complete contraction:  " << subscripts << "\n"
     << "             Algorithm:  " << algorithm << " (objective " << objective << ")\n"
     << "      Naive FLOP count:  " << fmt_num(naive_flops) << "\n"
     << "  Optimized FLOP count:  " << fmt_num(flops) << "\n"
     << "   Theoretical speedup:  " << fmt_num(flops > 0 ? naive_flops / flops : 1.0) << "\n"
     << "  Largest intermediate:  " << fmt_num(largest_intermediate) << " elements\n";
  for (const auto& p : preprocessing) os << "         Preprocessing:  " << p << "\n";
  os << "--------------------------------------------------------------\n"
     << "  step   pair(ssa)          flops        size   contraction\n";
  for (std::size_t k = 0; k < steps.size(); ++k) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "  %4zu   (%3d,%3d)    %12.4g %11.4g   ", k, steps[k].lhs,
                  steps[k].rhs, steps[k].flops, steps[k].size);
    os << buf << steps[k].subscripts << "\n";
  }
  return os.str();
}

PlanCacheStats plan_cache_stats() {
  PlanCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return {c.hits.load(), c.misses.load(), static_cast<int64_t>(c.map.size())};
}

void clear_plan_cache() {
  PlanCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.map.clear();
  c.hits = 0;
  c.misses = 0;
}

namespace tn {

namespace {

std::shared_ptr<const Plan> build_plan(Network net, const PathOptions& opt, PathObjective obj_kind) {
  auto plan = std::make_shared<Plan>();
  const int n = net.num_operands();
  const int L = net.num_labels();
  // How many operands hold each label (a trace inside one operand counts once).
  std::vector<int> holders(L, 0);
  std::vector<bool> in_output(L, false);
  for (int l : net.output) in_output[l] = true;
  for (const auto& in : net.inputs) {
    std::vector<int> u = in;
    std::sort(u.begin(), u.end());
    u.erase(std::unique(u.begin(), u.end()), u.end());
    for (int l : u) ++holders[l];
  }
  tn::PlanProblem prob;
  prob.dims.assign(net.dims.begin(), net.dims.end());
  for (int l : net.output) prob.output.set(l);
  for (int i = 0; i < n; ++i) {
    std::vector<int> keep;
    for (int l : net.inputs[i]) {
      bool needed = (n == 1) ? in_output[l] : (in_output[l] || holders[l] > 1);
      if (needed && std::find(keep.begin(), keep.end(), l) == keep.end()) keep.push_back(l);
    }
    if (n == 1) keep = net.output;  // a single operand goes straight to the output order
    plan->needs_pre.push_back(keep != net.inputs[i]);
    Bits b;
    for (int l : keep) b.set(l);
    prob.operands.push_back(b);
    plan->pre.push_back(std::move(keep));
  }

  Objective obj{obj_kind, opt.combo_factor};
  PathAlgorithm alg = opt.algorithm;
  if (alg == PathAlgorithm::automatic)
    alg = (n <= opt.optimal_max_operands) ? PathAlgorithm::optimal : PathAlgorithm::greedy;
  PlannedPath path;
  if (n == 1) {
    path = evaluate_path(prob, obj, {}, "single");
  } else if (alg == PathAlgorithm::optimal) {
    path = plan_optimal(prob, obj, opt.memory_limit);
  } else if (alg == PathAlgorithm::greedy) {
    path = plan_greedy(prob, obj, opt.memory_limit);
  } else {
    path = plan_left_to_right(prob, obj);
  }

  // Labels of every SSA value, for the step strings and the executor.
  std::vector<std::vector<int>> labels = plan->pre;
  ContractPath& info = plan->info;
  for (std::size_t k = 0; k < path.steps.size(); ++k) {
    const auto& s = path.steps[k];
    std::vector<int> r;
    if (k + 1 == path.steps.size()) {
      r = net.output;
    } else {
      for (std::size_t l = s.result._Find_first(); l < s.result.size(); l = s.result._Find_next(l))
        r.push_back(static_cast<int>(l));
    }
    plan->steps.push_back({s.lhs, s.rhs, r});
    info.steps.push_back({s.lhs, s.rhs,
                          net.subscript(labels[s.lhs]) + "," + net.subscript(labels[s.rhs]) +
                              "->" + net.subscript(r),
                          s.flops, s.size});
    labels.push_back(std::move(r));
  }
  // opt_einsum's linear path from the SSA one.
  std::vector<int> current(n);
  for (int i = 0; i < n; ++i) current[i] = i;
  for (std::size_t k = 0; k < path.steps.size(); ++k) {
    const auto& s = path.steps[k];
    int pa = int(std::find(current.begin(), current.end(), s.lhs) - current.begin());
    int pb = int(std::find(current.begin(), current.end(), s.rhs) - current.begin());
    info.ssa_path.emplace_back(s.lhs, s.rhs);
    info.path.emplace_back(std::min(pa, pb), std::max(pa, pb));
    current.erase(current.begin() + std::max(pa, pb));
    current.erase(current.begin() + std::min(pa, pb));
    current.push_back(n + int(k));
  }
  for (int i = 0; i < n; ++i)
    if (plan->needs_pre[i])
      info.preprocessing.push_back("operand " + std::to_string(i) + ": " +
                                   net.subscript(net.inputs[i]) + "->" + net.subscript(plan->pre[i]));
  info.subscripts = net.spec();
  info.algorithm = path.algorithm;
  info.objective = objective_name(obj_kind);
  info.flops = path.flops;
  info.write = path.write;
  info.largest_intermediate = path.largest;
  info.cost = path.cost;
  double all = 1;
  bool inner = false;
  for (int l = 0; l < L; ++l) {
    all *= double(net.dims[l]);
    if (!in_output[l]) inner = true;
  }
  info.naive_flops = all * (std::max(1, n - 1) + (inner ? 1 : 0));
  plan->net = std::move(net);
  return plan;
}

}  // namespace

std::shared_ptr<const Plan> make_plan(Network net, const PathOptions& opt, bool recording) {
  PathObjective obj = opt.objective;
  if (obj == PathObjective::automatic)
    obj = recording ? PathObjective::combo : PathObjective::flops;
  if (!opt.use_cache) return build_plan(std::move(net), opt, obj);

  std::ostringstream key;
  key << net.op << '|' << net.spec() << '|';
  for (const auto& s : net.shapes) {
    for (int64_t d : s) key << d << ',';
    key << ';';
  }
  key << '|' << int(opt.algorithm) << ',' << int(obj) << ',' << opt.optimal_max_operands << ','
      << opt.memory_limit << ',' << opt.combo_factor;
  const std::string k = key.str();
  PlanCache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.map.find(k);
    if (it != c.map.end()) {
      ++c.hits;
      return it->second;
    }
  }
  auto plan = build_plan(std::move(net), opt, obj);
  std::lock_guard<std::mutex> lock(c.mu);
  ++c.misses;
  if (c.map.size() >= PlanCache::kMaxEntries) c.map.clear();
  c.map.emplace(k, plan);
  return plan;
}

}  // namespace tn

ContractPath contract_path(const std::string& spec, const std::vector<Shape>& shapes,
                           const PathOptions& options) {
  return tn::make_plan(tn::parse_einsum(spec, shapes), options, false)->info;
}

}  // namespace tnad
