// What a VJP saves (op.hpp's SaveSet): any number of inputs and outputs, for ops made by
// record(), for custom ops and for checkpoints. Each op here has 40 inputs, and the tests
// check that inputs far beyond the first 16 are saved (an in-place change of one raises)
// and that input 16 and output 0 are different slots.
#include <gtest/gtest.h>

#include <string>

#include "tnad/ad.hpp"
#include "tnad/ad/op.hpp"

using namespace tnad;

namespace {
constexpr int kN = 40;

// The inputs the op squares (and so saves); the others enter linearly.
bool squared(int i) { return i == 0 || i == 16 || i == 17 || i == 39; }

// y = exp(sum_{i squared} x_i^2 + sum_{others} x_i), elementwise over shape [3].
// dy/dx_i = y * 2 x_i (squared) or y (others): the VJP reads the output and the squared
// inputs.
Tensor forty(const std::vector<Tensor>& xs) {
  NDArray s = NDArray::zeros(Shape{3});
  SaveSet saved = save::out(0);
  for (int i = 0; i < kN; ++i) {
    const NDArray& x = xs[i].value();
    s = nd::add(s, squared(i) ? nd::mul(x, x) : x);
    if (squared(i)) saved |= save::in(i);
  }
  return record("forty", std::span<const Tensor>(xs), nd::exp(s), saved, [](OpContext& c, const Tensor& g) {
    Tensor gs = g * c.output(0);
    Grads r;
    for (int i = 0; i < kN; ++i)
      r.push_back(!c.needs_grad(i) ? Tensor() : squared(i) ? gs * (2.0 * c.input(i)) : gs);
    return r;
  });
}

std::vector<Tensor> inputs(uint64_t seed, double scale = 0.1) {
  std::vector<Tensor> xs;
  for (int i = 0; i < kN; ++i) xs.emplace_back(NDArray::randn(Shape{3}, seed + i, 0.0, scale), true);
  return xs;
}

// Expects `backward` to raise an error naming `what` and the in-place change.
template <class F>
void expect_in_place_error(F backward, const std::string& what) {
  try {
    backward();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(what), std::string::npos) << m;
    EXPECT_NE(m.find("modified in place"), std::string::npos) << m;
  }
}
}  // namespace

TEST(SaveSet, HoldsAnyIndex) {
  SaveSet s = save::in(3) | save::in(100) | save::out(0) | save::out(70);
  EXPECT_TRUE(s.has_input(3));
  EXPECT_TRUE(s.has_input(100));
  EXPECT_FALSE(s.has_input(0));
  EXPECT_FALSE(s.has_input(99));
  EXPECT_FALSE(s.has_input(164));
  EXPECT_TRUE(s.has_output(0));
  EXPECT_TRUE(s.has_output(70));
  EXPECT_FALSE(s.has_output(3));
  EXPECT_FALSE(s.has_output(100));  // inputs and outputs are separate sets
  EXPECT_EQ(s.input_end(), 101);
  EXPECT_EQ(s.output_end(), 71);
  EXPECT_TRUE(save::none.empty());
  EXPECT_FALSE(save::in(16).has_output(0));
  EXPECT_FALSE(save::out(0).has_input(16));
  EXPECT_TRUE(save::all_inputs.has_input(1000));
  EXPECT_FALSE(save::all_inputs.has_output(0));
  EXPECT_TRUE(save::all_outputs.has_output(1000));
  EXPECT_THROW(save::in(-1), Error);
}

TEST(SaveSet, FortyInputOpMatchesFiniteDifferences) {
  GradcheckOptions o;
  o.directions = 6;
  auto r = gradcheck(forty, inputs(10), o);
  EXPECT_TRUE(r.ok) << r.report;
  auto r2 = gradgradcheck(forty, inputs(60), o);
  EXPECT_TRUE(r2.ok) << r2.report;
}

TEST(SaveSet, FortyInputOpGradientIsExact) {
  std::vector<Tensor> xs = inputs(110);
  Tensor y = forty(xs);
  std::vector<Tensor> g = grad({y}, xs, {ones({3})});
  for (int i = 0; i < kN; ++i) {
    NDArray expect = squared(i) ? nd::mul(y.value(), nd::mul(xs[i].value(), 2.0)) : y.value();
    EXPECT_LT(nd::max_abs(nd::sub(g[i].value(), expect)), 1e-15) << "input " << i;
  }
}

TEST(SaveSet, InputsBeyondSixteenAreSavedAndVersionChecked) {
  for (int i : {17, 39}) {
    std::vector<Tensor> xs = inputs(200);
    Tensor y = forty(xs);
    {
      NoGradGuard no_grad;
      xs[i].add_(ones({3}));
    }
    expect_in_place_error([&] { grad({y}, xs, {ones({3})}); }, "forty");
  }
  // An input the op does not save may change.
  std::vector<Tensor> xs = inputs(300);
  Tensor y = forty(xs);
  {
    NoGradGuard no_grad;
    xs[20].add_(ones({3}));
  }
  EXPECT_NO_THROW(grad({y}, xs, {ones({3})}));
}

TEST(SaveSet, ReadingAnUnsavedInputRaises) {
  Tensor a = randn({2}, 1, true), b = randn({2}, 2, true);
  Tensor y = record("reads_unsaved", {a, b}, nd::add(a.value(), b.value()), save::in(0),
                    [](OpContext& c, const Tensor& g) { return grads(g * c.input(1), g); });
  EXPECT_THROW(grad(sum(y), a), Error);
  // Naming an input the op does not have is a bug in the op, raised when recording.
  EXPECT_THROW(record("saves_missing", {a}, a.value(), save::in(1), [](OpContext&, const Tensor& g) { return grads(g); }),
               Error);
}

TEST(SaveSet, FortyInputCustomOp) {
  // y = tanh(sum_j x_j * x_{39-j}); dy/dx_i = (1 - y^2) * 2 x_{39-i}.
  CustomOp op{"pairs40",
              [](const std::vector<NDArray>& x) {
                NDArray s = NDArray::zeros(Shape{3});
                for (int j = 0; j < kN; ++j) s = nd::add(s, nd::mul(x[j], x[kN - 1 - j]));
                return std::vector<NDArray>{nd::tanh(s)};
              },
              [](const std::vector<Tensor>& x, const std::vector<Tensor>& y, const std::vector<Tensor>& g) {
                Tensor d = g[0] * (1.0 - y[0] * y[0]) * 2.0;
                std::vector<Tensor> r;
                for (int i = 0; i < kN; ++i) r.push_back(d * x[kN - 1 - i]);
                return r;
              }};
  auto f = [&](const std::vector<Tensor>& xs) { return op(xs)[0]; };
  GradcheckOptions o;
  o.directions = 6;
  auto r = gradcheck(f, inputs(400, 0.3), o);
  EXPECT_TRUE(r.ok) << r.report;

  std::vector<Tensor> xs = inputs(500, 0.3);
  Tensor y = f(xs);
  {
    NoGradGuard no_grad;
    xs[30].add_(ones({3}));
  }
  expect_in_place_error([&] { grad({y}, xs, {ones({3})}); }, "pairs40");
}

TEST(SaveSet, FortyInputCheckpoint) {
  // f(x) = sum_j sin(x_j) * x_{39-j}, elementwise.
  MultiFn inner = [](const std::vector<Tensor>& x) {
    Tensor s = sin(x[0]) * x[kN - 1];
    for (int j = 1; j < kN; ++j) s = s + sin(x[j]) * x[kN - 1 - j];
    return std::vector<Tensor>{s};
  };
  for (bool checkpoint_backward : {false, true}) {
    SCOPED_TRACE(checkpoint_backward ? "checkpoint_backward" : "plain checkpoint");
    CheckpointOptions co;
    co.checkpoint_backward = checkpoint_backward;
    auto f = [&](const std::vector<Tensor>& xs) { return checkpoint(inner, xs, co)[0]; };
    GradcheckOptions o;
    o.directions = 4;
    auto r = gradcheck(f, inputs(600, 0.5), o);
    EXPECT_TRUE(r.ok) << r.report;
    auto r2 = gradgradcheck(f, inputs(700, 0.5), o);
    EXPECT_TRUE(r2.ok) << r2.report;

    std::vector<Tensor> xs = inputs(800, 0.5);
    Tensor y = f(xs);
    {
      NoGradGuard no_grad;
      xs[35].add_(ones({3}));
    }
    expect_in_place_error([&] { grad({y}, xs, {ones({3})}); }, "checkpoint");
  }
}
