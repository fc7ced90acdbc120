// Fuzz target: einsum subscripts and ncon label lists — parser, planner and contraction.
//
// Input bytes:
//   [0]    flags: bits 0-1 path algorithm (automatic, optimal, greedy, left_to_right);
//          bit 2 record for AD and check the gradient; bit 3 ncon instead of einsum;
//          bit 4 give one operand an extra axis; bit 5 change one axis' extent;
//          bit 6 a tiny memory_limit (64 elements)
//   [1]    bits 0-2 path objective; bits 3-7 which operand the perturbations hit
//   [2..9] extent table: the extent of einsum letter c (ncon label l) is picked by c % 8
//   rest   einsum: the subscripts text, as is (any bytes);
//          ncon: one byte per tensor = its rank r (mod 7), then r signed label bytes (mod 9)
//
// Outcomes allowed: a result, or a tnad::Error. Checked besides (findings otherwise):
// the value equals a naive loop over all index assignments (tests/tensornet/contract,
// independent of the planner and the GEMM kernels), and when recording, each operand's
// gradient g_k of L = sum(W * C) satisfies <g_k, V> = sum(W * C(V in place of operand k))
// — einsum is linear in each operand — for random W and V.
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "naive_einsum.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/tensornet/contract_path.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/ncon.hpp"

using namespace tnad;

namespace {

constexpr int64_t kExtents[8] = {2, 3, 1, 2, 4, 1, 3, 0};  // 0: empty axes are legal too
constexpr int kMaxOperands = 10;
constexpr int64_t kMaxOperandElems = 4096;
constexpr double kMaxOutputElems = 1 << 16;
constexpr double kMaxNaiveIterations = 1 << 15;

struct Case {
  std::string spec;                // einsum subscripts (ncon: the equivalent, if expressible)
  std::vector<std::vector<int>> labels;  // ncon only
  std::vector<Shape> shapes;
  bool ncon = false;
  bool naive_ok = false;  // spec is plain letters: the reference can evaluate it
};

bool is_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// einsum: operands are the comma-separated parts before the first "->"; every non-blank
// byte counts as an axis (bad characters then meet the parser, not a rank error).
bool einsum_case(const std::string& spec, const uint8_t* table, Case& c) {
  c.spec = spec;
  const std::string lhs = spec.substr(0, spec.find("->"));
  std::vector<std::string> terms(1);
  for (char ch : lhs) {
    if (ch == ',') terms.emplace_back();
    else if (ch != ' ' && ch != '\t') terms.back() += ch;
  }
  if (terms.size() > 64) return false;
  for (const auto& t : terms) {
    if (t.size() > 16) return false;
    Shape s;
    for (unsigned char ch : t) s.push_back(kExtents[table[ch % 8] % 8]);
    c.shapes.push_back(s);
  }
  c.naive_ok = true;
  for (unsigned char ch : spec)
    if (!is_letter(ch) && ch != ',' && ch != '-' && ch != '>' && ch != ' ' && ch != '\t') c.naive_ok = false;
  return true;
}

// ncon: labels in [-4, 4]; the equivalent einsum spec maps label l to a letter, open labels
// -1, -2, ... to the output in that order.
bool ncon_case(const uint8_t* p, size_t n, const uint8_t* table, Case& c) {
  c.ncon = true;
  size_t i = 0;
  while (i < n) {
    int rank = p[i++] % 7;
    std::vector<int> ls;
    Shape s;
    for (int k = 0; k < rank && i < n; ++k) {
      int l = int(int8_t(p[i++])) % 5;  // -4 .. 4 (0 is an error the parser must report)
      ls.push_back(l);
      s.push_back(kExtents[table[(l + 8) % 8] % 8]);
    }
    c.labels.push_back(ls);
    c.shapes.push_back(s);
    if (c.labels.size() > 64) return false;
  }
  // einsum spelling: positive l -> 'a'+l, negative l -> 'A'+(-l); output A, B, ... in order
  std::string spec;
  int most_negative = 0;
  for (std::size_t t = 0; t < c.labels.size(); ++t) {
    if (t) spec += ',';
    for (int l : c.labels[t]) {
      spec += l > 0 ? char('a' + l) : char('A' - l);
      most_negative = std::min(most_negative, l);
    }
  }
  spec += "->";
  for (int k = 1; k <= -most_negative; ++k) spec += char('A' + k);
  c.spec = spec;
  c.naive_ok = true;
  return true;
}

double numel_of(const Shape& s) {
  double n = 1;
  for (int64_t i = 0; i < s.size(); ++i) n *= double(s[i]);
  return n;
}

// Product of the extents of every distinct letter of a plain-letter spec.
double naive_iterations(const std::string& spec, const std::vector<Shape>& shapes) {
  std::map<char, int64_t> dim;
  std::size_t t = 0, k = 0;
  for (char ch : spec.substr(0, spec.find("->"))) {
    if (ch == ',') { ++t; k = 0; continue; }
    if (ch == ' ' || ch == '\t') continue;
    dim[ch] = shapes[t][int64_t(k++)];
  }
  double n = 1;
  for (auto& [ch, d] : dim) n *= double(std::max<int64_t>(d, 1));
  return n;
}

std::string strip_blanks(const std::string& s) {
  std::string r;
  for (char ch : s)
    if (ch != ' ' && ch != '\t') r += ch;
  return r;
}

double dot(const NDArray& a, const NDArray& b) {
  double s = 0;
  for (int64_t i = 0; i < a.numel(); ++i) s += a.data()[i] * b.data()[i];
  return s;
}

NDArray abs_of(const NDArray& v) {
  NDArray a = v.clone();
  for (int64_t i = 0; i < a.numel(); ++i) a.mutable_data()[i] = std::abs(a.data()[i]);
  return a;
}

void check_close(double got, double want, double scale, const std::string& what, const Case& c) {
  if (!(std::abs(got - want) <= 1e-10 * std::max(1.0, scale)))
    fuzz::finding(what + ": " + std::to_string(got) + " vs reference " + std::to_string(want) +
                  " (spec '" + c.spec + "')");
}

void run_case(const Case& c, const PathOptions& opt, bool record, uint64_t seed) {
  // Planning alone never allocates operand-sized memory: always exercised.
  fuzz::expect_ok_or_error("contract_path", [&] {
    ContractPath p = c.ncon ? ncon_path(c.labels, c.shapes, opt) : contract_path(c.spec, c.shapes, opt);
    (void)p.to_string();
  });
  if (int(c.shapes.size()) > kMaxOperands) return;
  for (const auto& s : c.shapes)
    if (numel_of(s) > kMaxOperandElems) return;
  // Output size of a valid contraction, from the actual shapes (only a bound: if the spec
  // is invalid the call throws before allocating anything).
  if (c.naive_ok) {
    std::map<char, int64_t> dim;
    std::size_t t = 0, k = 0;
    const std::string plain = strip_blanks(c.spec);
    for (char ch : plain.substr(0, plain.find("->"))) {
      if (ch == ',') { ++t; k = 0; continue; }
      if (t < c.shapes.size() && int64_t(k) < c.shapes[t].size()) dim[ch] = c.shapes[t][int64_t(k)];
      ++k;
    }
    double out = 1;
    auto arrow = plain.find("->");
    for (auto& [ch, d] : dim)
      if (arrow == std::string::npos || plain.find(ch, arrow) != std::string::npos) out *= double(d);
    if (out > kMaxOutputElems) return;
  }

  std::vector<Tensor> ops;
  for (std::size_t t = 0; t < c.shapes.size(); ++t)
    ops.emplace_back(NDArray::randn(c.shapes[t], seed + t), record);
  Tensor result;
  fuzz::expect_ok_or_error(c.ncon ? "ncon" : "einsum", [&] {
    result = c.ncon ? ncon(ops, c.labels, opt) : einsum(c.spec, ops, opt);
  });
  if (!result.defined()) return;  // an accepted tnad::Error
  if (!c.naive_ok) fuzz::finding("einsum accepted a spec with characters other than letters: '" + c.spec + "'");

  const std::string plain = strip_blanks(c.spec);
  const double iters = naive_iterations(plain, c.shapes);
  if (iters > kMaxNaiveIterations) return;
  std::vector<NDArray> vals;
  for (const auto& t : ops) vals.push_back(t.value());
  NDArray want = testref::naive_einsum(plain, vals);
  if (want.shape() != result.shape())
    fuzz::finding("result shape " + to_string(result.shape()) + " vs reference " + to_string(want.shape()) +
                  " (spec '" + c.spec + "')");
  // Rounding bound: each entry is a sum of products; its error is at most a few ulps of the
  // same sum over absolute values (times the number of terms, here generously 1e-10).
  std::vector<NDArray> abs_vals;
  for (const auto& v : vals) abs_vals.push_back(abs_of(v));
  NDArray bound = testref::naive_einsum(plain, abs_vals);
  for (int64_t i = 0; i < want.numel(); ++i)
    if (!(std::abs(result.data()[i] - want.data()[i]) <= 1e-10 * std::max(1.0, bound.data()[i])))
      fuzz::finding("entry " + std::to_string(i) + " is " + std::to_string(result.data()[i]) + ", reference " +
                    std::to_string(want.data()[i]) + " (spec '" + c.spec + "')");

  if (!record || iters * double(c.shapes.size()) > kMaxNaiveIterations) return;
  // Gradient: L = sum(W * C); <dL/dA_k, V> = sum(W * C(..., V, ...)) for every operand k.
  NDArray w = NDArray::randn(result.shape(), seed + 1000);
  fuzz::expect_ok_or_error("einsum backward", [&] { sum(mul(result, Tensor(w))).backward(); });
  for (std::size_t k = 0; k < ops.size(); ++k) {
    Tensor g = ops[k].grad();
    NDArray v = NDArray::randn(c.shapes[k], seed + 2000 + k);
    std::vector<NDArray> with_v = vals;
    with_v[k] = v;
    double want_d = dot(w, testref::naive_einsum(plain, with_v));
    double got_d = g.defined() ? dot(g.value(), v) : 0.0;
    if (g.defined() && g.shape() != c.shapes[k])
      fuzz::finding("gradient of operand " + std::to_string(k) + " has shape " + to_string(g.shape()) +
                    " (spec '" + c.spec + "')");
    std::vector<NDArray> abs_with_v = abs_vals;
    abs_with_v[k] = abs_of(v);
    double scale = dot(abs_of(w), testref::naive_einsum(plain, abs_with_v));
    check_close(got_d, want_d, scale, "gradient of operand " + std::to_string(k), c);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 10) return 0;
  const uint8_t flags = data[0], sel = data[1];
  const uint8_t* table = data + 2;
  PathOptions opt;
  opt.algorithm = static_cast<PathAlgorithm>(flags & 3);
  opt.objective = static_cast<PathObjective>((sel & 7) % 5);
  opt.memory_limit = (flags & 64) ? 64 : 0;
  opt.use_cache = (sel & 8) == 0;
  const bool record = flags & 4;

  Case c;
  if (flags & 8) {
    if (!ncon_case(data + 10, size - 10, table, c)) return 0;
  } else {
    if (!einsum_case(std::string(reinterpret_cast<const char*>(data + 10), size - 10), table, c)) return 0;
  }
  if (c.shapes.empty()) c.naive_ok = false;
  // exact DP is O(3^n): keep the automatic switch to greedy for long lists
  if (opt.algorithm == PathAlgorithm::optimal && c.shapes.size() > 12) opt.algorithm = PathAlgorithm::automatic;
  if (!c.shapes.empty() && (flags & 48)) {
    Shape& s = c.shapes[(sel >> 3) % c.shapes.size()];
    if (flags & 16) s.push_back(2);
    if ((flags & 32) && s.size() > 0) s[s.size() - 1] = s[s.size() - 1] + 1;
    c.naive_ok = c.naive_ok && !(flags & 16);  // the reference reads ranks from the spec
  }
  run_case(c, opt, record, flags * 131u + sel);
  return 0;
}
