#include <gtest/gtest.h>

#include <cmath>
#include <csignal>

#include "tnad/ad.hpp"

using namespace tnad;

TEST(Engine, PartialAdjointsAreSummed) {
  // y = x*x + x*x*x: dy/dx = 2x + 3x^2 (x used by several nodes).
  Tensor x = scalar(1.5, true);
  Tensor y = x * x + x * x * x;
  y.backward();
  EXPECT_NEAR(x.grad().item(), 2 * 1.5 + 3 * 1.5 * 1.5, 1e-14);
}

// Partial adjoints are summed in place when unrecorded; a buffer they share with another
// handle (the same cotangent handed to both inputs of x + x, a reshape's view of it, a
// value that is read again later) must not change under anyone else.
TEST(Engine, InPlaceSumsLeaveSharedBuffersAlone) {
  const NDArray w = NDArray::randn({3, 4}, 9);
  Tensor x(NDArray::randn({3, 4}, 8), true);
  const Tensor h = x + x;  // add's VJP gives its cotangent to both inputs
  const Tensor y = sum(Tensor(w) * (h + reshape(reshape(x, Shape{12}), Shape{3, 4})) + h * h);
  const std::vector<Tensor> g = grad({y}, {x, h});
  // dy/dx = 3 w + 2 (2 h),  dy/dh = w + 2 h (h's cotangent, handed to x twice and summed
  // into x's in place, is intact)
  const NDArray hv = h.value();
  for (int64_t i = 0; i < 12; ++i) {
    EXPECT_NEAR(g[0].data()[i], 3 * w.data()[i] + 4 * hv.data()[i], 1e-12);
    EXPECT_NEAR(g[1].data()[i], w.data()[i] + 2 * hv.data()[i], 1e-12);
  }
}

TEST(Engine, BackwardAccumulatesIntoLeaves) {
  Tensor x = scalar(2.0, true);
  (x * 3.0).backward();
  (x * 4.0).backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 7.0);
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Engine, NonLeafInputsOfGrad) {
  Tensor x = randn({3}, 1, true);
  Tensor z = exp(x);
  Tensor y = sum(z * z);
  auto g = grad({y}, {z, x});
  // dy/dz = 2z, dy/dx = 2 z^2
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(g[0].value().at({i}), 2 * z.value().at({i}), 1e-12);
    EXPECT_NEAR(g[1].value().at({i}), 2 * std::exp(2 * x.value().at({i})), 1e-12);
  }
}

TEST(Engine, MillionNodeChainDoesNotOverflowTheStack) {
  Tensor x = scalar(1.0, true);
  Tensor y = x;
  for (int i = 0; i < 1000000; ++i) y = y * 1.0000001 + 1e-9;
  y.backward();
  EXPECT_NEAR(x.grad().item(), std::pow(1.0000001, 1e6), 1e-9);
  // Freeing the chain (iterative teardown) happens when y goes out of scope here.
}

// Graphs dropped without a backward (an error or an interrupt mid-computation) are torn
// down iteratively too, also where a node is reached by two edges (y * y) or produced two
// outputs that both feed the next node (a checkpointed CTMRG step's C and T).
TEST(Engine, DeepGraphsDroppedWithoutBackwardDoNotOverflowTheStack) {
  {
    Tensor y = scalar(1.0, true);
    for (int i = 0; i < 1000000; ++i) y = y * y;
    EXPECT_EQ(y.item(), 1.0);
  }
  {
    std::vector<Tensor> s = {scalar(1.0, true), scalar(2.0, true)};
    const MultiFn step = [](const std::vector<Tensor>& x) { return std::vector<Tensor>{x[1] * 0.5, x[0] * 2.0}; };
    for (int i = 0; i < 200000; ++i) s = checkpoint(step, s);
    EXPECT_EQ(s[0].item(), 1.0);
    EXPECT_EQ(s[1].item(), 2.0);
  }
  // reaching here is the test: the recursive teardown overflowed the stack (SIGSEGV)
  Tensor x = scalar(3.0, true);
  Tensor z = x * x;
  z.backward();
  EXPECT_EQ(x.grad().item(), 6.0);
}

// interrupt.hpp: a requested signal stops a backward at its next node only while armed;
// unarmed (or after clear()) the same backward runs to the end.
TEST(Interrupt, ABackwardStopsAtTheNextNodeOnlyWhenArmed) {
  Tensor x = scalar(2.0, true);
  Tensor y = x * x * x;
  GradOptions keep;
  keep.retain_graph = true;
  interrupt::request(SIGTERM);
  EXPECT_EQ(interrupt::requested(), SIGTERM);
  EXPECT_NEAR(grad(y, x, keep).item(), 12.0, 1e-14);  // unarmed
  {
    interrupt::ArmGuard armed;
    try {
      grad(y, x, keep);
      ADD_FAILURE() << "no Interrupted";
    } catch (const Interrupted& e) {
      EXPECT_EQ(e.signal(), SIGTERM);
      EXPECT_NE(std::string(e.what()).find("interrupted by SIGTERM"), std::string::npos) << e.what();
    }
    interrupt::clear();
    EXPECT_NEAR(grad(y, x, keep).item(), 12.0, 1e-14);  // armed, nothing requested
  }
  interrupt::request(SIGINT);
  EXPECT_NEAR(grad(y, x).item(), 12.0, 1e-14);  // the guard is gone: unarmed again
  interrupt::clear();
}

TEST(Engine, CreateGraphGivesThirdOrder) {
  Tensor x = scalar(0.7, true);
  Tensor y = sin(x) * exp(x);
  GradOptions o;
  o.create_graph = true;
  Tensor d1 = grad(y, x, o);
  Tensor d2 = grad(d1, x, o);
  Tensor d3 = grad(d2, x);
  double v = 0.7, e = std::exp(v), s = std::sin(v), c = std::cos(v);
  EXPECT_NEAR(d1.item(), e * (s + c), 1e-13);
  EXPECT_NEAR(d2.item(), 2 * e * c, 1e-13);
  EXPECT_NEAR(d3.item(), 2 * e * (c - s), 1e-13);
}

TEST(Engine, MultiOutputNodeWithUnusedOutput) {
  // A two-output custom op where only the first output is used: the second gets an
  // absent gradient, which the vjp sees as undefined (never a materialized zero).
  bool saw_undefined = false;
  CustomOp split{"split2",
                 [](const std::vector<NDArray>& x) { return std::vector<NDArray>{nd::mul(x[0], 2.0), nd::mul(x[0], 3.0)}; },
                 [&](const std::vector<Tensor>&, const std::vector<Tensor>&, const std::vector<Tensor>& g) {
                   saw_undefined = !g[1].defined();
                   Tensor r = g[0] * 2.0;
                   if (g[1].defined()) r = r + g[1] * 3.0;
                   return std::vector<Tensor>{r};
                 }};
  Tensor x = randn({4}, 2, true);
  auto ys = split({x});
  sum(ys[0]).backward();
  EXPECT_TRUE(saw_undefined);
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(x.grad().value().at({i}), 2.0);
}

TEST(Engine, ConstantsBranchesAreSkipped) {
  Tensor x = randn({3}, 3, true);
  Tensor c = randn({3}, 4);  // constant
  Tensor y = sum(x * c + exp(c));
  auto g = grad(y, x);
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(g.value().at({i}), c.value().at({i}));
}

TEST(Engine, RetainGraphAllowsASecondBackward) {
  Tensor x = scalar(3.0, true);
  Tensor y = x * x;
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 12.0);
}

TEST(Engine, GradOptionsRetainGraph) {
  auto twice = [](GradOptions o) {
    Tensor x = scalar(3.0, true);
    Tensor y = exp(x) * x;  // the nodes save tensors
    grad(y, x, o);
    return grad(y, x).item();  // a second backward through the same graph
  };
  GradOptions o;
  EXPECT_FALSE(o.retain_graph.has_value());  // unset: follows create_graph
  EXPECT_THROW(twice(o), Error);
  o.retain_graph = true;
  EXPECT_NEAR(twice(o), 4.0 * std::exp(3.0), 1e-12);
  GradOptions cg;
  cg.create_graph = true;  // retains by default
  EXPECT_NEAR(twice(cg), 4.0 * std::exp(3.0), 1e-12);
  cg.retain_graph = false;  // an explicit false wins
  EXPECT_THROW(twice(cg), Error);
}

TEST(Engine, ToDotNamesOpsAndShapes) {
  Tensor a = randn({2, 3}, 1, true), b = randn({3, 4}, 2, true);
  Tensor y;
  {
    NameScope s("layer1");
    y = sum(tanh(matmul(a, b)));
  }
  std::string dot = to_dot(y);
  EXPECT_NE(dot.find("digraph"), std::string::npos);
  EXPECT_NE(dot.find("matmul"), std::string::npos);
  EXPECT_NE(dot.find("tanh"), std::string::npos);
  EXPECT_NE(dot.find("[2, 4]"), std::string::npos);
  EXPECT_NE(dot.find("layer1"), std::string::npos);
  EXPECT_NE(dot.find("leaf"), std::string::npos);
  EXPECT_NE(dot.find("->"), std::string::npos);
}
