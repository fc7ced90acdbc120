// libad's op table: one row per differentiable op, with the shapes (including
// broadcasting and size-1 axes) and input domain its generated gradient tests use.
#include "tnad/ad/nd.hpp"
#include "tnad/ad/op_info.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {
namespace {
using V = std::vector<Tensor>;
using Cases = std::vector<std::vector<Shape>>;

const Cases kUnary = {{Shape{}}, {Shape{5}}, {Shape{3, 4}}, {Shape{2, 1, 3}}};
const Cases kBinary = {{Shape{3, 4}, Shape{3, 4}}, {Shape{3, 4}, Shape{4}},     {Shape{2, 1, 3}, Shape{4, 1}},
                       {Shape{}, Shape{2, 3}},     {Shape{3, 1}, Shape{1, 4}}, {Shape{5}, Shape{}}};

OpInfo unary(const std::string& name, Tensor (*f)(const Tensor&), double lo = -2.0, double hi = 2.0) {
  OpInfo o;
  o.name = name;
  o.fn = [f](const V& x) { return f(x[0]); };
  o.cases = kUnary;
  o.lo = lo;
  o.hi = hi;
  return o;
}
OpInfo binary(const std::string& name, std::function<Tensor(const Tensor&, const Tensor&)> f, double lo = -2.0,
              double hi = 2.0) {
  OpInfo o;
  o.name = name;
  o.fn = [f](const V& x) { return f(x[0], x[1]); };
  o.cases = kBinary;
  o.lo = lo;
  o.hi = hi;
  return o;
}
OpInfo row(const std::string& name, std::function<Tensor(const V&)> f, Cases cases, double lo = -2.0, double hi = 2.0) {
  OpInfo o;
  o.name = name;
  o.fn = std::move(f);
  o.cases = std::move(cases);
  o.lo = lo;
  o.hi = hi;
  return o;
}

std::vector<OpInfo> build() {
  std::vector<OpInfo> t;
  // arithmetic
  t.push_back(binary("add", [](const Tensor& a, const Tensor& b) { return a + b; }));
  t.push_back(binary("sub", [](const Tensor& a, const Tensor& b) { return a - b; }));
  t.push_back(binary("mul", [](const Tensor& a, const Tensor& b) { return a * b; }));
  t.push_back(binary("div", [](const Tensor& a, const Tensor& b) { return a / b; }, 0.5, 2.0));
  t.push_back(binary("pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }, 0.5, 2.0));
  t.push_back(binary("maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }));
  t.push_back(binary("minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }));
  t.push_back(row("add_scalar", [](const V& x) { return x[0] + 1.5; }, kUnary));
  t.push_back(row("scalar_sub", [](const V& x) { return 1.5 - x[0]; }, kUnary));
  t.push_back(row("mul_scalar", [](const V& x) { return 2.5 * x[0]; }, kUnary));
  t.push_back(row("scalar_div", [](const V& x) { return 2.0 / x[0]; }, kUnary, 0.5, 2.0));
  t.push_back(unary("neg", [](const Tensor& x) { return -x; }));
  t.push_back(row("pow_scalar", [](const V& x) { return pow(x[0], 2.5); }, kUnary, 0.5, 2.0));
  t.push_back(row("pow_square", [](const V& x) { return pow(x[0], 2.0); }, kUnary));
  // elementwise math
  t.push_back(unary("exp", exp));
  t.push_back(unary("log", log, 0.3, 2.0));
  t.push_back(unary("sqrt", sqrt, 0.3, 2.0));
  t.push_back(unary("abs", abs));
  t.push_back(unary("sign", sign));  // derivative 0 (inputs in [-2, 2] stay off 0)
  t.push_back(row("sign_times_square", [](const V& x) { return sign(x[0]) * x[0] * x[0]; }, kUnary));
  t.push_back(unary("sin", sin));
  t.push_back(unary("cos", cos));
  t.push_back(unary("tan", tan, -1.2, 1.2));
  t.push_back(unary("asin", asin, -0.8, 0.8));
  t.push_back(unary("acos", acos, -0.8, 0.8));
  t.push_back(unary("atan", atan));
  t.push_back(unary("sinh", sinh));
  t.push_back(unary("cosh", cosh));
  t.push_back(unary("tanh", tanh));
  t.push_back(unary("sigmoid", sigmoid));
  t.push_back(unary("relu", relu));
  t.push_back(unary("erf", erf));
  t.push_back(unary("gelu", gelu));
  t.push_back(row("clamp", [](const V& x) { return clamp(x[0], -0.7, 0.9); }, kUnary));
  {
    OpInfo w = row("where", [](const V& x) { return where(x[0], x[1], x[2]); },
                   {{Shape{3, 4}, Shape{3, 4}, Shape{3, 4}}, {Shape{3, 4}, Shape{4}, Shape{3, 1}}});
    w.sample = [](const std::vector<Shape>& s, uint64_t seed) {
      NDArray m = nd::step(NDArray::randn(s[0], seed));
      return std::vector<NDArray>{m, NDArray::randn(s[1], seed + 1), NDArray::randn(s[2], seed + 2)};
    };
    w.differentiable_inputs = {false, true, true};
    t.push_back(w);
  }
  // linear algebra basics
  t.push_back(row("matmul", [](const V& x) { return matmul(x[0], x[1]); },
                  {{Shape{3, 4}, Shape{4, 2}}, {Shape{4}, Shape{4, 3}}, {Shape{3, 4}, Shape{4}}, {Shape{4}, Shape{4}},
                   {Shape{2, 3, 4}, Shape{4, 2}}, {Shape{2, 1, 3, 4}, Shape{3, 4, 2}}}));
  t.push_back(row("matmul_trans", [](const V& x) { return matmul(x[0], x[1], true, true); },
                  {{Shape{4, 3}, Shape{2, 4}}, {Shape{2, 4, 3}, Shape{2, 4}}}));
  t.push_back(row("trace", [](const V& x) { return trace(x[0]); }, {{Shape{3, 3}}, {Shape{2, 3, 4}}}));
  t.push_back(row("diag", [](const V& x) { return diag(x[0]); }, {{Shape{4}}, {Shape{3, 3}}, {Shape{2, 4}}}));
  t.push_back(row("norm", [](const V& x) { return norm(x[0]); }, {{Shape{5}}, {Shape{2, 3}}}));
  t.push_back(row("vdot", [](const V& x) { return vdot(x[0], x[1]); }, {{Shape{2, 3}, Shape{2, 3}}}));
  // shape
  t.push_back(row("permute", [](const V& x) { return permute(x[0], {2, 0, 1}); }, {{Shape{2, 3, 4}}}));
  t.push_back(row("transpose", [](const V& x) { return transpose(x[0]); }, {{Shape{3, 4}}, {Shape{2, 3, 4}}}));
  t.push_back(row("reshape", [](const V& x) { return reshape(x[0], Shape{-1, 2}); }, {{Shape{3, 4}}, {Shape{2, 3, 2}}}));
  t.push_back(row("broadcast_to", [](const V& x) { return broadcast_to(x[0], Shape{2, 3, 4}); },
                  {{Shape{3, 1}}, {Shape{4}}, {Shape{}}}));
  t.push_back(row("sum_to", [](const V& x) { return sum_to(x[0], Shape{3, 1}); }, {{Shape{2, 3, 4}}}));
  t.push_back(row("expand_dims", [](const V& x) { return expand_dims(x[0], 1); }, {{Shape{3, 4}}}));
  t.push_back(row("squeeze", [](const V& x) { return squeeze(x[0], 1); }, {{Shape{3, 1, 4}}}));
  t.push_back(row("slice", [](const V& x) { return slice(x[0], 1, 1, 6, 2); }, {{Shape{3, 7}}, {Shape{2, 6, 2}}}));
  t.push_back(row("index", [](const V& x) { return index(x[0], 0, -1); }, {{Shape{3, 4}}, {Shape{2}}}));
  t.push_back(row("concatenate", [](const V& x) { return concatenate({x[0], x[1]}, 1); },
                  {{Shape{2, 3}, Shape{2, 2}}, {Shape{1, 1}, Shape{1, 4}}}));
  t.push_back(row("stack", [](const V& x) { return stack({x[0], x[1]}, 0); }, {{Shape{2, 3}, Shape{2, 3}}}));
  // reductions
  t.push_back(row("sum", [](const V& x) { return sum(x[0]); }, kUnary));
  t.push_back(row("sum_axes", [](const V& x) { return sum(x[0], {0, 2}, true); }, {{Shape{2, 3, 4}}, {Shape{3, 1, 2}}}));
  t.push_back(row("sum_middle", [](const V& x) { return sum(x[0], {1}); }, {{Shape{2, 3, 4}}}));
  t.push_back(row("mean", [](const V& x) { return mean(x[0], {-1}); }, {{Shape{3, 4}}, {Shape{2, 1, 5}}}));
  t.push_back(row("max", [](const V& x) { return max(x[0], {1}); }, {{Shape{3, 4}}, {Shape{2, 5, 3}}}));
  t.push_back(row("max_all", [](const V& x) { return max(x[0]); }, {{Shape{3, 4}}}));
  t.push_back(row("min", [](const V& x) { return min(x[0], {0}, true); }, {{Shape{3, 4}}, {Shape{4, 1}}}));
  t.push_back(row("logsumexp", [](const V& x) { return logsumexp(x[0], {-1}); }, {{Shape{3, 4}}, {Shape{5}}}));
  t.push_back(row("logsumexp_all", [](const V& x) { return logsumexp(x[0]); }, {{Shape{2, 3}}}));
  t.push_back(row("softmax", [](const V& x) { return softmax(x[0], -1); }, {{Shape{3, 4}}, {Shape{2, 1, 3}}}));
  t.push_back(row("log_softmax", [](const V& x) { return log_softmax(x[0], 0); }, {{Shape{3, 4}}, {Shape{5}}}));
  t.push_back(row("identity", [](const V& x) { return identity(x[0]); }, kUnary));
  return t;
}
}  // namespace

const std::vector<OpInfo>& ad_op_table() {
  static const std::vector<OpInfo> table = build();
  return table;
}

}  // namespace tnad
