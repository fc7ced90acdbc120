#include "planner_ref.hpp"

#include <algorithm>
#include <limits>

namespace tnad::testref {

std::string Net::spec() const {
  std::string s;
  for (std::size_t i = 0; i < terms.size(); ++i) s += (i ? "," : "") + terms[i];
  return s + "->" + output;
}

std::vector<Shape> Net::shapes() const {
  std::vector<Shape> r;
  for (const auto& t : terms) {
    Shape s;
    for (char c : t) s.push_back(dim.at(c));
    r.push_back(s);
  }
  return r;
}

Net random_net(std::mt19937_64& rng, int n, int n_labels, int max_dim) {
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Net net;
  net.terms.assign(n, "");
  const std::string pool = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (int l = 0; l < n_labels; ++l) {
    char c = pool[l];
    net.dim[c] = uni(2, max_dim);
    int kind = uni(0, 9);  // 0: open (1 operand + output), 1: hyperedge (3), else a bond (2)
    int holders = kind == 0 ? 1 : (kind == 1 && n >= 3 ? 3 : 2);
    holders = std::min(holders, n);
    std::vector<int> ops(n);
    for (int i = 0; i < n; ++i) ops[i] = i;
    std::shuffle(ops.begin(), ops.end(), rng);
    for (int h = 0; h < holders; ++h) net.terms[ops[h]] += c;
    if (holders == 1 || uni(0, 7) == 0) net.output += c;
  }
  return net;
}

Step pair_step(const std::set<char>& a, const std::set<char>& b, const std::set<char>& keep_outside,
               const std::map<char, int64_t>& dim) {
  Step s;
  std::set<char> all = a;
  all.insert(b.begin(), b.end());
  double prod = 1;
  for (char c : all) {
    prod *= double(dim.at(c));
    if (keep_outside.count(c)) s.result.insert(c);
  }
  s.flops = prod * (s.result.size() < all.size() ? 2.0 : 1.0);
  s.size = 1;
  for (char c : s.result) s.size *= double(dim.at(c));
  return s;
}

namespace {

double search(std::vector<std::set<char>> ops, const std::set<char>& out,
              const std::map<char, int64_t>& dim, Obj obj, double limit) {
  if (ops.size() <= 1) return 0.0;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < ops.size(); ++i)
    for (std::size_t j = i + 1; j < ops.size(); ++j) {
      std::set<char> keep = out;
      for (std::size_t k = 0; k < ops.size(); ++k)
        if (k != i && k != j) keep.insert(ops[k].begin(), ops[k].end());
      Step s = pair_step(ops[i], ops[j], keep, dim);
      const bool final_step = ops.size() == 2;
      if (limit > 0 && !final_step && s.size > limit) continue;
      std::vector<std::set<char>> rest;
      for (std::size_t k = 0; k < ops.size(); ++k)
        if (k != i && k != j) rest.push_back(ops[k]);
      rest.push_back(s.result);
      double sub = search(rest, out, dim, obj, limit);
      double c = obj == Obj::size    ? std::max(sub, s.size)
                 : obj == Obj::combo ? sub + s.flops + 64.0 * s.size
                                     : sub + s.flops;
      best = std::min(best, c);
    }
  return best;
}

}  // namespace

double brute_force_min(const Net& net, Obj obj, double memory_limit) {
  std::vector<std::set<char>> ops;
  for (const auto& t : net.terms) ops.emplace_back(t.begin(), t.end());
  std::set<char> out(net.output.begin(), net.output.end());
  return search(ops, out, net.dim, obj, memory_limit);
}

double replay_flops(const Net& net, const std::vector<std::pair<int, int>>& path, double* largest,
                    bool* valid) {
  std::vector<std::set<char>> ops;
  for (const auto& t : net.terms) ops.emplace_back(t.begin(), t.end());
  std::set<char> out(net.output.begin(), net.output.end());
  double total = 0;
  *largest = 0;
  *valid = true;
  for (auto [i, j] : path) {
    if (i < 0 || j < 0 || i == j || i >= int(ops.size()) || j >= int(ops.size())) {
      *valid = false;
      return total;
    }
    std::set<char> keep = out;
    for (int k = 0; k < int(ops.size()); ++k)
      if (k != i && k != j) keep.insert(ops[k].begin(), ops[k].end());
    Step s = pair_step(ops[i], ops[j], keep, net.dim);
    total += s.flops;
    *largest = std::max(*largest, s.size);
    ops.erase(ops.begin() + std::max(i, j));
    ops.erase(ops.begin() + std::min(i, j));
    ops.push_back(s.result);
  }
  if (ops.size() != 1 || ops[0] != out) *valid = false;
  return total;
}

}  // namespace tnad::testref
