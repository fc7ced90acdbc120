// Forward mode (jvp) and Hessian-vector products, against finite differences and
// against the reverse mode.
#include <gtest/gtest.h>

#include <cmath>

#include "tnad/ad.hpp"

using namespace tnad;

namespace {
Tensor f_vec(const Tensor& x) {  // R^4 -> R^3, nonlinear
  Tensor A(NDArray::randn({3, 4}, 11));
  return tanh(matmul(A, x)) * exp(slice(x, 0, 0, 3) * 0.5);
}
double fd_dir(const std::function<NDArray(const NDArray&)>& f, const NDArray& x, const NDArray& v, int64_t i) {
  const double h = 1e-6;
  return (f(nd::axpby(1, x, h, v)).data()[i] - f(nd::axpby(1, x, -h, v)).data()[i]) / (2 * h);
}
}  // namespace

TEST(Jvp, MatchesFiniteDifferences) {
  NDArray x = NDArray::randn({4}, 1), v = NDArray::randn({4}, 2);
  auto [y, Jv] = jvp(f_vec, Tensor(x), Tensor(v));
  auto f = [](const NDArray& a) { NoGradGuard ng; return f_vec(Tensor(a)).value(); };
  ASSERT_EQ(Jv.shape(), Shape({3}));
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(Jv.value().data()[i], fd_dir(f, x, v, i), 1e-8);
  EXPECT_LT(nd::max_abs(nd::sub(y.value(), f(x))), 1e-15);
}

TEST(Jvp, DotProductTestAgainstReverseMode) {
  // <w, J v> == <J^T w, v> to machine precision.
  NDArray x = NDArray::randn({4}, 3), v = NDArray::randn({4}, 4), w = NDArray::randn({3}, 5);
  auto [y, Jv] = jvp(f_vec, Tensor(x), Tensor(v));
  Tensor xl(x, true);
  Tensor JTw = grad({f_vec(xl)}, {xl}, {Tensor(w)})[0];
  EXPECT_NEAR(nd::dot(w, Jv.value()), nd::dot(JTw.value(), v), 1e-13);
}

TEST(Jvp, MultipleInputs) {
  auto f = [](const std::vector<Tensor>& x) { return sum(x[0] * sin(x[1]), {0}); };
  std::vector<Tensor> x{randn({2, 3}, 6), randn({2, 3}, 7)};
  std::vector<Tensor> v{randn({2, 3}, 8), randn({2, 3}, 9)};
  auto [y, Jv] = jvp(f, x, v);
  // d(a sin b) = da sin b + a cos b db
  NDArray ref = nd::sum(nd::add(nd::mul(v[0].value(), nd::sin(x[1].value())),
                                nd::mul(nd::mul(x[0].value(), nd::cos(x[1].value())), v[1].value())), {0});
  EXPECT_LT(nd::max_abs(nd::sub(Jv.value(), ref)), 1e-14);
}

TEST(Hvp, MatchesFiniteDifferencesOfTheGradient) {
  auto f = [](const Tensor& x) { return sum(exp(x) * sin(x)) + pow(sum(x * x), 1.5); };
  NDArray x = NDArray::randn({5}, 10), v = NDArray::randn({5}, 11);
  auto [y, Hv] = hvp(f, Tensor(x), Tensor(v));
  auto gradf = [&](const NDArray& a) { Tensor t(a, true); return grad(f(t), t).value(); };
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(Hv.value().data()[i], fd_dir(gradf, x, v, i), 1e-7);
}

TEST(Hvp, EqualsJvpOfTheGradient) {
  auto f = [](const Tensor& x) { return sum(tanh(x) * x * x); };
  NDArray x = NDArray::randn({4}, 12), v = NDArray::randn({4}, 13);
  auto [y, Hv] = hvp(f, Tensor(x), Tensor(v));
  auto g = [&](const Tensor& t) {
    GradOptions o;
    o.create_graph = true;
    return grad(f(t), t, o);
  };
  auto [gx, Jg] = jvp(g, Tensor(x), Tensor(v));
  EXPECT_LT(nd::max_abs(nd::sub(Hv.value(), Jg.value())), 1e-13);
}

// ---------------------------------------------------------------- several tangent sets
namespace {
// f: (x1 [3], x2 [2, 3]) -> (y1 [2], y2 [2, 3]), nonlinear in both.
std::vector<Tensor> f_multi(const std::vector<Tensor>& x) {
  Tensor y1 = tanh(matmul(x[1], x[0]));
  Tensor y2 = sum(x[0] * x[0]) * exp(x[1] * 0.5) + sin(x[1]) * x[0];
  return {y1, y2};
}
std::vector<NDArray> f_multi_values(const std::vector<NDArray>& x) {
  NoGradGuard no_grad;
  std::vector<Tensor> xs;
  for (const NDArray& v : x) xs.emplace_back(v);
  std::vector<NDArray> out;
  for (const Tensor& y : f_multi(xs)) out.push_back(y.value());
  return out;
}
std::vector<NDArray> shifted(const std::vector<NDArray>& x, const std::vector<Tensor>& v, double h) {
  std::vector<NDArray> r;
  for (std::size_t i = 0; i < x.size(); ++i) r.push_back(nd::axpby(1.0, x[i], h, v[i].value()));
  return r;
}
}  // namespace

TEST(JvpTangentSets, MatchFiniteDifferencesAndSingleJvp) {
  std::vector<Tensor> x{randn({3}, 20), randn({2, 3}, 21)};
  std::vector<std::vector<Tensor>> v{{randn({3}, 22), randn({2, 3}, 23)},
                                     {randn({3}, 24), zeros({2, 3})},
                                     {zeros({3}), randn({2, 3}, 25)}};
  JvpResult r = jvp(f_multi, x, v);
  ASSERT_EQ(r.outputs.size(), 2u);
  ASSERT_EQ(r.tangents.size(), 3u);
  const std::vector<NDArray> xv{x[0].value(), x[1].value()};
  const std::vector<NDArray> y0 = f_multi_values(xv);
  for (int k = 0; k < 2; ++k) {
    EXPECT_FALSE(r.outputs[k].requires_grad());
    EXPECT_LT(nd::max_abs(nd::sub(r.outputs[k].value(), y0[k])), 1e-15);
  }
  const double h = 1e-6;
  for (std::size_t j = 0; j < v.size(); ++j) {
    const std::vector<NDArray> yp = f_multi_values(shifted(xv, v[j], h)), ym = f_multi_values(shifted(xv, v[j], -h));
    for (int k = 0; k < 2; ++k) {
      SCOPED_TRACE("tangent set " + std::to_string(j) + ", output " + std::to_string(k));
      const Tensor& t = r.tangents[j][k];
      ASSERT_EQ(t.shape(), y0[k].shape());
      EXPECT_FALSE(t.requires_grad());
      const NDArray fd = nd::mul(nd::sub(yp[k], ym[k]), 1.0 / (2 * h));
      EXPECT_LT(nd::max_abs(nd::sub(t.value(), fd)), 1e-8 * std::max(1.0, nd::max_abs(fd)));
      // The single-output jvp along the same tangent.
      auto fk = [k](const std::vector<Tensor>& xs) { return f_multi(xs)[k]; };
      auto [yk, Jv] = jvp(fk, x, v[j]);
      EXPECT_LT(nd::max_abs(nd::sub(t.value(), Jv.value())), 1e-13);
    }
  }
}

TEST(JvpTangentSets, OutputThatDoesNotDependOnTheInputsHasZeroTangent) {
  auto f = [](const std::vector<Tensor>& x) { return std::vector<Tensor>{x[0] * x[0], ones({2}) * 3.0, x[0]}; };
  std::vector<Tensor> x{randn({4}, 30)};
  std::vector<std::vector<Tensor>> v{{randn({4}, 31)}};
  JvpResult r = jvp(f, x, v);
  ASSERT_EQ(r.tangents[0].size(), 3u);
  EXPECT_LT(nd::max_abs(nd::sub(r.tangents[0][0].value(), nd::mul(nd::mul(x[0].value(), v[0][0].value()), 2.0))), 1e-15);
  EXPECT_EQ(r.tangents[0][1].shape(), Shape({2}));
  EXPECT_EQ(nd::max_abs(r.tangents[0][1].value()), 0.0);
  EXPECT_LT(nd::max_abs(nd::sub(r.tangents[0][2].value(), v[0][0].value())), 1e-15);
}

TEST(JvpTangentSets, ReverseOverForwardGivesTheHessianVectorProduct) {
  // For scalar f, d/dx <grad f, v> = H v: differentiate the recorded tangent.
  auto f = [](const std::vector<Tensor>& x) {
    return std::vector<Tensor>{sum(exp(x[0]) * sin(x[1])) + pow(sum(x[0] * x[0] * x[1]), 2.0)};
  };
  auto f1 = [&](const std::vector<Tensor>& x) { return f(x)[0]; };
  std::vector<Tensor> x{Tensor(NDArray::randn(Shape{3}, 40, 0.0, 0.5), true),
                        Tensor(NDArray::randn(Shape{3}, 41, 0.0, 0.5), true)};
  std::vector<Tensor> v{randn({3}, 42, true), randn({3}, 43, true)};
  JvpResult r = jvp(f, x, {v});
  const Tensor& t = r.tangents[0][0];
  ASSERT_TRUE(t.requires_grad());
  ASSERT_TRUE(r.outputs[0].requires_grad());
  GradOptions keep;
  keep.retain_graph = true;
  std::vector<Tensor> d_x = grad({t}, x, {}, keep);
  auto [y, Hv] = hvp(f1, x, v);
  for (int i = 0; i < 2; ++i)
    EXPECT_LT(nd::max_abs(nd::sub(d_x[i].value(), Hv[i].value())), 1e-12 * std::max(1.0, nd::max_abs(Hv[i].value())));
  // d/dv <grad f, v> = grad f.
  std::vector<Tensor> d_v = grad({t}, v);
  std::vector<Tensor> xl{Tensor(x[0].value(), true), Tensor(x[1].value(), true)};
  std::vector<Tensor> gf = grad({f1(xl)}, xl);
  for (int i = 0; i < 2; ++i) EXPECT_LT(nd::max_abs(nd::sub(d_v[i].value(), gf[i].value())), 1e-13);
  // The recorded outputs are f itself: their gradient is grad f as well.
  std::vector<Tensor> gy = grad({r.outputs[0]}, x);
  for (int i = 0; i < 2; ++i) EXPECT_LT(nd::max_abs(nd::sub(gy[i].value(), gf[i].value())), 1e-13);
}

TEST(JvpTangentSets, MismatchedTangentsRaise) {
  std::vector<Tensor> x{randn({3}, 1), randn({2, 3}, 2)};
  EXPECT_THROW(jvp(f_multi, x, {{randn({3}, 3)}}), Error);
  EXPECT_THROW(jvp(f_multi, x, {{randn({3}, 3), randn({3, 2}, 4)}}), Error);
}

// ---------------------------------------------------------------- hvp over several inputs
TEST(HvpSeveralInputs, MatchesFiniteDifferencesOfTheGradient) {
  auto f = [](const std::vector<Tensor>& x) {
    return sum(exp(x[0]) * sin(x[1])) + sum(x[0] * x[0]) * sum(x[1]) + sum(matmul(x[2], x[0]) * x[1]);
  };
  std::vector<NDArray> x{NDArray::randn(Shape{3}, 50), NDArray::randn(Shape{3}, 51), NDArray::randn(Shape{3, 3}, 52)};
  std::vector<Tensor> v{randn({3}, 53), randn({3}, 54), randn({3, 3}, 55)};
  std::vector<Tensor> xt{Tensor(x[0]), Tensor(x[1]), Tensor(x[2])};
  auto [y, Hv] = hvp(f, xt, v);
  ASSERT_EQ(Hv.size(), 3u);
  auto gradient = [&](const std::vector<NDArray>& at) {
    std::vector<Tensor> l{Tensor(at[0], true), Tensor(at[1], true), Tensor(at[2], true)};
    return grad({f(l)}, l);
  };
  const double h = 1e-5;
  std::vector<Tensor> gp = gradient(shifted(x, v, h)), gm = gradient(shifted(x, v, -h));
  for (int i = 0; i < 3; ++i) {
    const NDArray fd = nd::mul(nd::sub(gp[i].value(), gm[i].value()), 1.0 / (2 * h));
    ASSERT_EQ(Hv[i].shape(), x[i].shape());
    EXPECT_LT(nd::max_abs(nd::sub(Hv[i].value(), fd)), 1e-7 * std::max(1.0, nd::max_abs(fd))) << "block " << i;
  }
  EXPECT_NEAR(y.item(), [&] { NoGradGuard ng; return f(xt).item(); }(), 1e-15);
}

TEST(HvpSeveralInputs, ExactForACubic) {
  // f = sum(a^2 b) + sum(c): H = [[2 diag(b), 2 diag(a), 0], [2 diag(a), 0, 0], [0, 0, 0]].
  auto f = [](const std::vector<Tensor>& x) { return sum(x[0] * x[0] * x[1]) + sum(x[2]); };
  std::vector<Tensor> x{randn({4}, 60), randn({4}, 61), randn({2}, 62)};
  std::vector<Tensor> v{randn({4}, 63), randn({4}, 64), randn({2}, 65)};
  auto [y, Hv] = hvp(f, x, v);
  const NDArray &a = x[0].value(), &b = x[1].value(), &va = v[0].value(), &vb = v[1].value();
  NDArray h0 = nd::add(nd::mul(nd::mul(b, va), 2.0), nd::mul(nd::mul(a, vb), 2.0));
  NDArray h1 = nd::mul(nd::mul(a, va), 2.0);
  EXPECT_LT(nd::max_abs(nd::sub(Hv[0].value(), h0)), 1e-14);
  EXPECT_LT(nd::max_abs(nd::sub(Hv[1].value(), h1)), 1e-14);
  EXPECT_EQ(nd::max_abs(Hv[2].value()), 0.0);
}
