// fixed_point.hpp: the reusable pullback (one recording, many backward sweeps, nothing
// re-recorded) and the implicit fixed-point gradient with the built-in Neumann solver,
// against central finite differences and against backprop through the unrolled iteration;
// errors for an unconverged solve, a non-fixed point and second derivatives.
#include <gtest/gtest.h>

#include "fixed_point_map.hpp"

using namespace tnad;
using namespace fp_test;

namespace {

TensorList params(uint64_t seed) {
  return {Tensor(random_w(seed, 0.5).value(), true), Tensor(NDArray::randn({6, 1}, seed + 1), true)};
}
TensorList direction(uint64_t seed) {
  return {Tensor(NDArray::randn({6, 6}, seed)), Tensor(NDArray::randn({6, 1}, seed + 1))};
}

TEST(Pullback, RecordsOnceAndIsLinearInTheCotangent) {
  const TensorList P = params(1);
  const TensorList X = solve(P);
  TensorList in = {X[0], X[1], P[0], P[1]};
  auto f = [](const TensorList& a) { return step({a[0], a[1]}, {a[2], a[3]}); };
  Pullback pb(f, in);
  EXPECT_GT(pb.nodes_recorded(), 5);
  const TensorList v = {Tensor(NDArray::randn({6, 1}, 7)), Tensor(NDArray::randn({2, 3}, 8))};
  const int64_t before = nodes_created();
  TensorList g1;
  for (int k = 0; k < 10; ++k) g1 = pb(v);
  const TensorList g2 = pb({mul(v[0], 2.0), mul(v[1], 2.0)});
  EXPECT_EQ(nodes_created() - before, 0) << "a backward sweep through the retained tape must record nothing";
  EXPECT_EQ(pb.calls(), 11);
  // The same VJP from a fresh recording with grad().
  TensorList leaves;
  for (const Tensor& t : in) leaves.emplace_back(t.value(), true);
  const TensorList y = f(leaves);
  const TensorList ref = grad(y, leaves, v, {.allow_unused = true});
  ASSERT_EQ(g1.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(g1[i].shape(), leaves[i].shape());
    for (int64_t j = 0; j < g1[i].numel(); ++j) {
      EXPECT_DOUBLE_EQ(g1[i].data()[j], ref[i].data()[j]);
      EXPECT_NEAR(g2[i].data()[j], 2 * g1[i].data()[j], 1e-14);
    }
  }
  // Only some inputs; an undefined cotangent is zero.
  const TensorList gp = pb({Tensor(), v[1]}, {3});
  ASSERT_EQ(gp.size(), 1u);
  EXPECT_EQ(gp[0].shape(), (Shape{6, 1}));
  pb.release();
  EXPECT_THROW(pb(v), Error);
}

TEST(FixedPoint, NeumannGradientMatchesFiniteDifferences) {
  const Loss L;
  const TensorList P = params(11);
  auto info = std::make_shared<FixedPointInfo>();
  FixedPointOptions opt;
  opt.solve.tol = 1e-13;
  opt.defect_tol = 1e-13;
  const TensorList X = fixed_point(step, solve(P), P, opt, info);
  const TensorList g = grad({L(X)}, P);
  EXPECT_EQ(info->method, "neumann");
  EXPECT_TRUE(info->converged);
  EXPECT_LE(info->residual, 1e-13);
  EXPECT_GT(info->iterations, 5);
  EXPECT_LT(info->iterations, 200);
  EXPECT_LE(info->defect, 1e-13);
  // One recording of the step, one backward sweep per J^T plus the final f_p^T y.
  EXPECT_EQ(info->nodes_during_solve, 0);
  EXPECT_EQ(info->backward_calls, info->iterations + 1);
  for (uint64_t seed : {21, 22, 23}) {
    const TensorList D = direction(seed);
    const double exact = dot(g, D), numeric = fd(L, P, D);
    EXPECT_NEAR(exact, numeric, 1e-8 * std::max(1.0, std::abs(exact))) << "direction " << seed;
  }
}

TEST(FixedPoint, AgreesWithBackpropThroughTheUnrolledIteration) {
  const Loss L;
  const TensorList P = params(31);
  int n = 0;
  solve(P, &n);
  TensorList X = {zeros({6, 1}), zeros({2, 3})};
  for (int k = 0; k < n + 5; ++k) X = step(X, P);  // recorded: the whole chain
  const TensorList g_unrolled = grad({L(X)}, P);
  FixedPointOptions opt;
  opt.solve.tol = 1e-14;
  const TensorList g_fixed = grad({L(fixed_point(step, solve(P), P, opt))}, P);
  for (int i = 0; i < 2; ++i)
    for (int64_t j = 0; j < g_fixed[i].numel(); ++j)
      EXPECT_NEAR(g_fixed[i].data()[j], g_unrolled[i].data()[j], 1e-11);
}

TEST(FixedPoint, OnlyParamsThatRequireGradGetGradients) {
  const Loss L;
  TensorList P = params(41);
  P[0] = P[0].detach();  // W constant
  const TensorList X = fixed_point(step, solve(P), P);
  const Tensor gp = grad(L(X), P[1]);
  const TensorList D = {zeros({6, 6}), Tensor(NDArray::randn({6, 1}, 42))};
  EXPECT_NEAR(vdot(gp, D[1]).item(), fd(L, P, D), 1e-8);
  // No param requires grad: plain values, no node.
  const TensorList c = fixed_point(step, solve(P), {P[0], P[1].detach()});
  EXPECT_FALSE(c[0].requires_grad());
}

TEST(FixedPoint, ErrorsNameTheCause) {
  const Loss L;
  const TensorList P = params(51);
  const TensorList X = solve(P);
  {  // the adjoint series capped below what it needs
    FixedPointOptions opt;
    opt.solve.max_iter = 3;
    auto info = std::make_shared<FixedPointInfo>();
    const TensorList Y = fixed_point(step, X, P, opt, info);
    try {
      grad({L(Y)}, P);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("did not converge"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("neumann"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(info->converged);
    EXPECT_EQ(info->iterations, 3);
  }
  {  // not a fixed point
    FixedPointOptions opt;
    opt.defect_tol = 1e-10;
    const TensorList Y = fixed_point(step, {add(X[0], 1e-3), X[1]}, P, opt);
    try {
      grad({L(Y)}, P);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("not a fixed point"), std::string::npos) << e.what();
    }
  }
  {  // second derivatives
    const TensorList Y = fixed_point(step, X, P);
    EXPECT_THROW(grad({L(Y)}, P, {}, {.create_graph = true}), Error);
  }
  {  // a step of the wrong shape
    auto bad = [](const TensorList& x, const TensorList& p) { return TensorList{step(x, p)[0]}; };
    const TensorList Y = fixed_point(bad, X, P);
    EXPECT_THROW(grad({L(Y)}, P), Error);
  }
  EXPECT_THROW(fixed_point(step, {}, P), Error);
}

}  // namespace
