// rematerialize(): a saved tensor kept as its recipe and recomputed by the VJPs that read
// it — same values and derivatives (first and second order), less memory held by the tape.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tnad/ad.hpp"

using namespace tnad;

namespace {
// Each step makes a large tensor y (n x n) cheaply from small ones (an outer product of
// two n-vectors) and feeds it to an op that saves it (matmul, whose VJP reads y): the
// shape of the TRG half-plaquettes, which the chi^6 product saves.
Tensor step(const Tensor& x, const Tensor& v, bool remat, int* calls) {
  auto outer = [calls](const std::vector<Tensor>& in) {
    if (calls) ++*calls;
    return matmul(reshape(in[0], Shape{in[0].size(0), 1}), reshape(tanh(in[1]), Shape{1, in[1].size(0)}));
  };
  const Tensor y = remat ? rematerialize(outer, {x, v}) : outer({x, v});
  return tanh(matmul(y, x));  // saves y (for the gradient of x) and x
}

Tensor chain(const Tensor& x0, const Tensor& v, int n, bool remat, int* calls = nullptr) {
  Tensor x = x0;
  for (int i = 0; i < n; ++i) x = step(x, v, remat, calls) * 0.5;
  return sum(x * x);
}

struct Measured {
  double loss;
  NDArray grad_v, hvp_v;
  int64_t tape;  // bytes held by the graph after the forward
};

// loss, d loss / dv, and d/dv <d loss/dv, u> (second order through the recomputation)
Measured run(bool remat) {
  const int64_t n = 256;
  Tensor x0(NDArray::randn({n}, 1));
  Tensor v(NDArray::randn({n}, 2), true);
  const Tensor u(NDArray::randn({n}, 3));
  const int64_t base = memory::live_bytes();
  Tensor loss = chain(x0, v, 20, remat);
  const int64_t tape = memory::live_bytes() - base;
  GradOptions o;
  o.create_graph = true;
  const Tensor g = grad(loss, v, o);
  const Tensor h = grad(vdot(g, u), v);
  return {loss.item(), g.value(), h.value(), tape};
}
}  // namespace

TEST(Remat, SameDerivativesSmallerTape) {
  const Measured plain = run(false), remat = run(true);
  EXPECT_DOUBLE_EQ(plain.loss, remat.loss);
  const double gs = std::max(1.0, nd::max_abs(plain.grad_v)), hs = std::max(1.0, nd::max_abs(plain.hvp_v));
  EXPECT_LT(nd::max_abs(nd::sub(plain.grad_v, remat.grad_v)), 1e-12 * gs);
  EXPECT_LT(nd::max_abs(nd::sub(plain.hvp_v, remat.hvp_v)), 1e-12 * hs);
  // 20 saved 256 x 256 arrays (512 KiB each) without remat; only vectors with it.
  const int64_t y_bytes = 256 * 256 * 8;
  EXPECT_GE(plain.tape, 20 * y_bytes);
  EXPECT_LT(remat.tape, 2 * y_bytes);
}

TEST(Remat, RecomputedOncePerReadingVjp) {
  Tensor x0(NDArray::randn({16}, 4), true);
  Tensor v(NDArray::randn({16}, 5), true);
  int calls = 0;
  Tensor loss = chain(x0, v, 3, true, &calls);
  EXPECT_EQ(calls, 3);  // the forward
  (void)grad({loss}, {x0, v});
  EXPECT_EQ(calls, 6);  // + one for each matmul's VJP (it reads y for x's gradient)
}

TEST(Remat, GradcheckAndGradgradcheck) {
  auto f = [](const std::vector<Tensor>& in) {
    const Tensor y = rematerialize([](const std::vector<Tensor>& a) { return sin(a[0]) * a[1]; }, in);
    return sum(y * y * in[0]);  // mul saves y: its VJPs recompute it
  };
  std::vector<Tensor> in{randn({3, 4}, 7, true), randn({3, 4}, 8, true)};
  auto r1 = gradcheck(f, in);
  EXPECT_TRUE(r1.ok) << r1.report;
  auto r2 = gradgradcheck(f, in);
  EXPECT_TRUE(r2.ok) << r2.report;
}

TEST(Remat, NoRecipeWithoutRecordingOrOnAnInput) {
  int calls = 0;
  auto id = [&calls](const std::vector<Tensor>& a) {
    ++calls;
    return a[0];
  };
  Tensor x = randn({4}, 9, true);
  // f returning its input: x must not become a recipe of itself.
  const Tensor y = rematerialize(id, {x});
  const Tensor g = grad(sum(y * y), x);
  EXPECT_EQ(calls, 1);
  EXPECT_LT(nd::max_abs(nd::sub(g.value(), nd::mul(x.value(), 2.0))), 1e-15);
  {
    NoGradGuard off;
    (void)rematerialize([&calls](const std::vector<Tensor>& a) { ++calls; return a[0] * 2.0; }, {x});
  }
  EXPECT_EQ(calls, 2);
}

TEST(Remat, InputModifiedInPlaceBeforeRecomputationIsAnError) {
  Tensor a = randn({5}, 10);
  Tensor w = randn({5}, 11, true);
  const Tensor y = rematerialize([](const std::vector<Tensor>& in) { return exp(in[0]); }, {a});
  const Tensor loss = sum(y * w);  // mul saves y (for w's gradient)
  a.mul_(2.0);
  try {
    (void)grad(loss, w);
    FAIL() << "expected a tnad::Error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("rematerialized"), std::string::npos) << m;
    EXPECT_NE(m.find("modified in place"), std::string::npos) << m;
  }
}

TEST(Remat, ATensorModifiedInPlaceIsSavedAsItsValue) {
  // Once y is changed in place, the recipe no longer makes it: a consumer saves the value.
  Tensor a = randn({5}, 12);
  Tensor w = randn({5}, 13, true);
  Tensor y = rematerialize([](const std::vector<Tensor>& in) { return exp(in[0]); }, {a});
  y.mul_(3.0);
  const Tensor g = grad(sum(y * w), w);  // = y, as modified
  EXPECT_LT(nd::max_abs(nd::sub(g.value(), nd::mul(nd::exp(a.value()), 3.0))), 1e-14);
}
