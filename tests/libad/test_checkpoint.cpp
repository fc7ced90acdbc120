#include <gtest/gtest.h>

#include <cmath>
#include <set>

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
  // And the second derivative equals that of the plain (uncheckpointed) function.
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

// ---------------------------------------------------------------- checkpoint_backward
namespace {
enum class Mode { plain, checkpointed, checkpointed_backward };

Tensor chain_mode(const Tensor& x0, const Tensor& w, int n, Mode mode) {
  Tensor x = x0;
  CheckpointOptions o;
  o.checkpoint_backward = mode == Mode::checkpointed_backward;
  for (int i = 0; i < n; ++i) {
    if (mode == Mode::plain) {
      x = step(x, w);
    } else {
      x = checkpoint([](const std::vector<Tensor>& in) { return std::vector<Tensor>{step(in[0], in[1])}; },
                     std::vector<Tensor>{x, w}, o)[0];
    }
  }
  return sum(x * x);
}

struct Derivatives {
  NDArray g, hv;       // dL/dw, d<dL/dw, V>/dw
  int64_t held_first;  // bytes the recorded first backward holds
};

Derivatives derivatives(Mode mode, int n, int64_t size) {
  Tensor x0(NDArray::randn({size, size}, 11));
  Tensor w(NDArray::randn({size, size}, 12, 0.0, 0.1), true);
  Tensor V(NDArray::randn({size, size}, 13));
  Tensor loss = chain_mode(x0, w, n, mode);
  const int64_t before = memory::live_bytes();
  GradOptions o;
  o.create_graph = true;
  Tensor g = grad(loss, w, o);
  const int64_t held = memory::live_bytes() - before;
  Tensor hv = grad(vdot(g, V), w);
  return {g.value(), hv.value(), held};
}

double rel_diff(const NDArray& a, const NDArray& b) {
  return nd::max_abs(nd::sub(a, b)) / std::max(1e-300, nd::max_abs(b));
}
}  // namespace

TEST(CheckpointBackward, FirstAndSecondDerivativesEqualTheUncheckpointedOnes) {
  Derivatives plain = derivatives(Mode::plain, 6, 6);
  for (Mode m : {Mode::checkpointed, Mode::checkpointed_backward}) {
    Derivatives d = derivatives(m, 6, 6);
    EXPECT_LT(rel_diff(d.g, plain.g), 1e-13);
    EXPECT_LT(rel_diff(d.hv, plain.hv), 1e-13);
  }
}

TEST(CheckpointBackward, GradgradcheckThroughIt) {
  auto f = [](const std::vector<Tensor>& in) {
    CheckpointOptions o;
    o.checkpoint_backward = true;
    auto ys = checkpoint([](const std::vector<Tensor>& v) { return std::vector<Tensor>{step(v[0], v[1]), v[0] * v[1]}; },
                         in, o);
    return ys[0] + sin(ys[1]);
  };
  std::vector<Tensor> in{randn({3, 3}, 14, true), randn({3, 3}, 15, true)};
  auto r1 = gradcheck(f, in);
  EXPECT_TRUE(r1.ok) << r1.report;
  auto r2 = gradgradcheck(f, in);
  EXPECT_TRUE(r2.ok) << r2.report;
}

TEST(CheckpointBackward, AnUnusedOutputAndAConstantInput) {
  // Only output 0 is used; input 1 does not require grad.
  auto inner = [](const std::vector<Tensor>& v) { return std::vector<Tensor>{exp(v[0]) * v[1], v[1] * 2.0}; };
  auto f = [&](const std::vector<Tensor>& in) {
    CheckpointOptions o;
    o.checkpoint_backward = true;
    return checkpoint(inner, {in[0], in[1]}, o)[0];
  };
  std::vector<Tensor> in{randn({4}, 16, true), randn({4}, 17)};
  EXPECT_TRUE(gradcheck(f, in).ok);
  EXPECT_TRUE(gradgradcheck(f, in).ok);
}

TEST(CheckpointBackward, TheRecordedFirstBackwardHoldsLess) {
  // Per step, the recorded first backward of a plain checkpoint holds the step's re-run
  // forward tape and its recorded backward (~20 arrays); with checkpoint_backward only
  // the step's inputs and cotangent (a few arrays).
  const int64_t plain = derivatives(Mode::checkpointed, 40, 32).held_first;
  const int64_t bwd = derivatives(Mode::checkpointed_backward, 40, 32).held_first;
  std::cout << "bytes held by the recorded first backward: checkpoint " << plain << ", checkpoint_backward " << bwd
            << "\n";
  EXPECT_GT(bwd, 0);
  EXPECT_LT(bwd * 3, plain);
}

// ---------------------------------------------------------------- values_unused_on_rerun
namespace {
// Records rerun_values_unused() at every call.
struct FlagProbe {
  std::vector<bool>* seen;
  std::vector<Tensor> operator()(const std::vector<Tensor>& in) const {
    seen->push_back(rerun_values_unused());
    return {exp(in[0]) * in[0]};
  }
};
}  // namespace

TEST(CheckpointValuesUnused, SetOnlyWhileFIsReRun) {
  std::vector<bool> seen, seen_downstream;
  CheckpointOptions o;
  o.values_unused_on_rerun = true;
  Tensor x = randn({3}, 20, true);
  Tensor y = checkpoint(FlagProbe{&seen}, {x}, o)[0];
  EXPECT_EQ(seen, std::vector<bool>({false}));  // the first run reads the values
  // A node downstream of the checkpoint: its VJP runs in the same backward, outside f.
  CustomOp probe{"probe", [](const std::vector<NDArray>& v) { return std::vector<NDArray>{v[0]}; },
                 [&](const std::vector<Tensor>&, const std::vector<Tensor>&, const std::vector<Tensor>& g) {
                   seen_downstream.push_back(rerun_values_unused());
                   return std::vector<Tensor>{g[0]};
                 }};
  Tensor g = grad(sum(probe({y})[0]), x);
  EXPECT_EQ(seen, std::vector<bool>({false, true}));
  EXPECT_EQ(seen_downstream, std::vector<bool>({false}));
  EXPECT_FALSE(rerun_values_unused());
  NDArray e = nd::exp(x.value());
  EXPECT_LT(nd::max_abs(nd::sub(g.value(), nd::add(e, nd::mul(e, x.value())))), 1e-14);

  // Without the option the re-run is told nothing.
  std::vector<bool> seen_off;
  Tensor y2 = checkpoint(FlagProbe{&seen_off}, {x})[0];
  grad(sum(y2), x);
  EXPECT_EQ(seen_off, std::vector<bool>({false, false}));
}

TEST(CheckpointValuesUnused, WithCheckpointBackwardEveryReRunForTheVjpIsTold) {
  std::vector<bool> seen;
  CheckpointOptions o;
  o.values_unused_on_rerun = true;
  o.checkpoint_backward = true;
  Tensor x = randn({3}, 21, true);
  Tensor y = checkpoint(FlagProbe{&seen}, {x}, o)[0];
  GradOptions cg;
  cg.create_graph = true;
  Tensor g = grad(sum(y), x, cg);   // computes f's VJP: one run of f
  EXPECT_EQ(seen, std::vector<bool>({false, true}));
  EXPECT_FALSE(rerun_values_unused());
  Tensor h = grad(sum(g), x);       // re-runs f's VJP: one more
  EXPECT_EQ(seen, std::vector<bool>({false, true, true}));
  EXPECT_FALSE(rerun_values_unused());
  // d^2/dx^2 (x e^x) = (2 + x) e^x
  NDArray e = nd::exp(x.value());
  EXPECT_LT(nd::max_abs(nd::sub(h.value(), nd::mul(e, nd::add(x.value(), 2.0)))), 1e-13);
}

// ---------------------------------------------------------------- lifetime of f
namespace {
// A callable that knows which of its copies are alive: calling a destroyed copy is how a
// dangling reference to a temporary std::function would show.
struct LifetimeProbe {
  static std::set<const LifetimeProbe*>& alive() {
    static std::set<const LifetimeProbe*> s;
    return s;
  }
  static bool called_dead;
  LifetimeProbe() { alive().insert(this); }
  LifetimeProbe(const LifetimeProbe&) { alive().insert(this); }
  LifetimeProbe(LifetimeProbe&&) noexcept { alive().insert(this); }
  ~LifetimeProbe() { alive().erase(this); }
  Tensor operator()(const Tensor& t) const {
    if (!alive().count(this)) called_dead = true;
    return sin(t) * t;
  }
};
bool LifetimeProbe::called_dead = false;
}  // namespace

TEST(Checkpoint, KeepsItsOwnCopyOfASingleTensorFunction) {
  Tensor x = randn({3}, 22, true);
  Tensor y = checkpoint(LifetimeProbe{}, x);  // the std::function is a temporary
  Tensor g = grad(sum(y), x);
  EXPECT_FALSE(LifetimeProbe::called_dead);
  NDArray expect = nd::add(nd::sin(x.value()), nd::mul(nd::cos(x.value()), x.value()));
  EXPECT_LT(nd::max_abs(nd::sub(g.value(), expect)), 1e-15);
}
