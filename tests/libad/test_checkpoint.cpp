#include <gtest/gtest.h>

#include <cmath>

#include "tnad/ad.hpp"

using namespace tnad;

namespace {
// One step of a chain whose tape (~8 saved arrays) is much larger than the state it
// carries (1 array), as in TRG/CTMRG steps.
Tensor step(const Tensor& x, const Tensor& w) {
  Tensor h1 = tanh(matmul(x, w));
  Tensor h2 = sigmoid(h1 * 2.0) * h1;
  Tensor h3 = sin(h2) * cos(h1);
  Tensor h4 = exp(-(h3 * h3));
  return x * 0.5 + h4 * h2 * 0.5;
}

Tensor chain(const Tensor& x0, const Tensor& w, int n, bool use_checkpoint) {
  Tensor x = x0;
  for (int i = 0; i < n; ++i) {
    if (use_checkpoint) {
      x = checkpoint([](const std::vector<Tensor>& in) { return std::vector<Tensor>{step(in[0], in[1])}; },
                     std::vector<Tensor>{x, w})[0];
    } else {
      x = step(x, w);
    }
  }
  return sum(x * x);
}

struct Measured {
  double loss;
  NDArray grad_w;
  int64_t peak;
};

Measured run(bool use_checkpoint) {
  Tensor x0(NDArray::randn({64, 64}, 1));
  Tensor w(NDArray::randn({64, 64}, 2, 0.0, 0.1), true);
  int64_t base = memory::live_bytes();
  memory::reset_peak();
  Tensor loss = chain(x0, w, 100, use_checkpoint);
  Tensor g = grad(loss, w);
  return {loss.item(), g.value(), memory::peak_bytes() - base};
}
}  // namespace

TEST(Checkpoint, SameGradientLessPeakMemoryOn100Steps) {
  Measured plain = run(false), ckpt = run(true);
  EXPECT_DOUBLE_EQ(plain.loss, ckpt.loss);
  EXPECT_LT(nd::max_abs(nd::sub(plain.grad_w, ckpt.grad_w)), 1e-12 * std::max(1.0, nd::max_abs(plain.grad_w)));
  // Each step records ~8 arrays of 32 KiB without checkpointing; with it only the step
  // inputs (1 array per step) plus one step's tape are alive at the peak.
  std::cout << "peak bytes: plain " << plain.peak << ", checkpointed " << ckpt.peak << "\n";
  EXPECT_LT(ckpt.peak * 3, plain.peak);
}

TEST(Checkpoint, GradcheckThroughCheckpoint) {
  auto f = [](const std::vector<Tensor>& in) {
    return checkpoint([](const std::vector<Tensor>& v) { return std::vector<Tensor>{step(v[0], v[1])}; }, in)[0];
  };
  std::vector<Tensor> in{randn({3, 3}, 5, true), randn({3, 3}, 6, true)};
  auto r = gradcheck(f, in);
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(Checkpoint, SecondOrderThroughCheckpoint) {
  auto f = [](const std::vector<Tensor>& in) {
    return checkpoint([](const std::vector<Tensor>& v) { return std::vector<Tensor>{step(v[0], v[1])}; }, in)[0];
  };
  std::vector<Tensor> in{randn({3, 3}, 7, true), randn({3, 3}, 8, true)};
  auto r = gradgradcheck(f, in);
  EXPECT_TRUE(r.ok) << r.report;
  // And the second derivative equals that of the plain (unchekpointed) function.
  Tensor x = scalar(0.3, true);
  GradOptions o;
  o.create_graph = true;
  Tensor y1 = checkpoint([](const Tensor& t) { return sin(t) * exp(t); }, x);
  Tensor d2c = grad(grad(y1, x, o), x);
  double e = std::exp(0.3), c = std::cos(0.3);
  EXPECT_NEAR(d2c.item(), 2 * e * c, 1e-13);
}

TEST(Checkpoint, NestedCheckpointsAndMultipleOutputs) {
  auto inner = [](const std::vector<Tensor>& v) { return std::vector<Tensor>{exp(v[0]) * v[1], v[0] + v[1]}; };
  auto f = [&](const std::vector<Tensor>& in) {
    auto ys = checkpoint([&](const std::vector<Tensor>& v) { return checkpoint(inner, v); }, in);
    return ys[0] * ys[1];
  };
  std::vector<Tensor> in{randn({4}, 9, true), randn({4}, 10, true)};
  EXPECT_TRUE(gradcheck(f, in).ok);
  EXPECT_TRUE(gradgradcheck(f, in).ok);
}
