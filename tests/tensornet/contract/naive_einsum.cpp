#include "naive_einsum.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

namespace tnad::testref {

std::vector<NDArray> random_operands(const std::string& spec, std::mt19937_64& rng,
                                     const std::function<int64_t(char, std::size_t)>& extent) {
  std::map<char, int64_t> dim;
  std::vector<std::string> terms(1);
  for (char c : spec.substr(0, spec.find("->"))) {
    if (c == ',') terms.emplace_back();
    else terms.back() += c;
  }
  std::vector<NDArray> ops;
  for (const auto& t : terms) {
    Shape s;
    for (char c : t) {
      if (!dim.count(c)) dim[c] = extent(c, dim.size());
      s.push_back(dim[c]);
    }
    ops.push_back(NDArray::randn(s, rng()));
  }
  return ops;
}

NDArray naive_einsum(const std::string& spec, const std::vector<NDArray>& ops) {
  std::string lhs = spec, out;
  bool explicit_out = false;
  auto arrow = spec.find("->");
  if (arrow != std::string::npos) {
    lhs = spec.substr(0, arrow);
    out = spec.substr(arrow + 2);
    explicit_out = true;
  }
  std::vector<std::string> terms(1);
  for (char c : lhs) {
    if (c == ',') terms.emplace_back();
    else if (c != ' ') terms.back() += c;
  }
  if (terms.size() != ops.size()) throw std::runtime_error("naive_einsum: operand count");
  std::map<char, int64_t> dim;
  std::map<char, int> count;
  for (std::size_t t = 0; t < terms.size(); ++t)
    for (std::size_t k = 0; k < terms[t].size(); ++k) {
      dim[terms[t][k]] = ops[t].shape()[k];
      ++count[terms[t][k]];
    }
  if (!explicit_out)
    for (auto& [c, n] : count)
      if (n == 1) out += c;
  std::string all;
  for (auto& [c, d] : dim) all += c;
  Shape os;
  for (char c : out) os.push_back(dim[c]);
  NDArray res = NDArray::zeros(os);
  double* r = res.mutable_data();
  std::map<char, int64_t> idx;
  for (char c : all) idx[c] = 0;
  int64_t total = 1;
  for (char c : all) total *= dim[c];
  for (int64_t it = 0; it < total; ++it) {
    int64_t rem = it;
    for (auto c = all.rbegin(); c != all.rend(); ++c) {
      idx[*c] = rem % dim[*c];
      rem /= dim[*c];
    }
    double p = 1.0;
    for (std::size_t t = 0; t < terms.size(); ++t) {
      int64_t off = 0;
      for (std::size_t k = 0; k < terms[t].size(); ++k) off = off * ops[t].shape()[k] + idx[terms[t][k]];
      p *= ops[t].data()[off];
    }
    int64_t o = 0;
    for (char c : out) o = o * dim[c] + idx[c];
    r[o] += p;
  }
  return res;
}

double rel_diff(const NDArray& a, const NDArray& b) {
  if (!(a.shape() == b.shape())) return std::numeric_limits<double>::infinity();
  double m = 1.0, d = 0.0;
  for (int64_t i = 0; i < b.numel(); ++i) m = std::max(m, std::abs(b.data()[i]));
  for (int64_t i = 0; i < b.numel(); ++i) d = std::max(d, std::abs(a.data()[i] - b.data()[i]));
  return d / m;
}

}  // namespace tnad::testref
