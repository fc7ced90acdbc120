// einsum against one-loop reference sums on randomly generated subscripts: 1 to 6 operands,
// repeated indices inside operands, hyperedges, outer products, random output subsets/orders.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "naive_einsum.hpp"
#include "tnad/tensornet/einsum.hpp"

using namespace tnad;

namespace {

struct Case {
  std::string spec;
  std::vector<NDArray> ops;
};

Case random_case(std::mt19937_64& rng) {
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int n_ops = uni(1, 6);
  const int n_labels = uni(1, 7);
  std::string pool = "abcdefg";
  std::map<char, int64_t> dim;
  for (int l = 0; l < n_labels; ++l) dim[pool[l]] = uni(1, 3);
  Case c;
  std::string lhs;
  std::map<char, int> used;
  for (int t = 0; t < n_ops; ++t) {
    const int rank = uni(0, 4);
    std::string term;
    for (int k = 0; k < rank; ++k) term += pool[uni(0, n_labels - 1)];
    lhs += (t ? "," : "") + term;
    Shape s;
    for (char ch : term) {
      s.push_back(dim[ch]);
      ++used[ch];
    }
    c.ops.push_back(NDArray::randn(s, rng()));
  }
  // Output: a random subset of the used labels, in random order (or implicit).
  std::string out;
  for (auto& [ch, n] : used)
    if (uni(0, 1)) out += ch;
  std::shuffle(out.begin(), out.end(), rng);
  c.spec = uni(0, 4) == 0 ? lhs : lhs + "->" + out;
  return c;
}

TEST(EinsumRandom, MatchesNaiveLoopsOn400RandomSpecs) {
  std::mt19937_64 rng(2024);
  for (int i = 0; i < 400; ++i) {
    Case c = random_case(rng);
    std::vector<Tensor> ts(c.ops.begin(), c.ops.end());
    NDArray want = testref::naive_einsum(c.spec, c.ops);
    NDArray got = einsum(c.spec, ts).value();
    ASSERT_LT(testref::rel_diff(got, want), 1e-12) << "case " << i << ": " << c.spec;
    // The greedy and left-to-right paths must give the same numbers.
    for (auto alg : {PathAlgorithm::greedy, PathAlgorithm::left_to_right}) {
      PathOptions o;
      o.algorithm = alg;
      ASSERT_LT(testref::rel_diff(einsum(c.spec, ts, o).value(), want), 1e-12)
          << "case " << i << ": " << c.spec << " algorithm " << int(alg);
    }
  }
}

}  // namespace
