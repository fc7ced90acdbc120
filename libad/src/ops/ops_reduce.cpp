// Reductions. Gradients are broadcast back over the reduced axes (keepdims shape).
#include <cmath>

#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {
namespace {
// g has the reduced shape (with or without kept dims); bring it to x's shape.
Tensor expand_back(const Tensor& g, const Shape& in_shape, const std::vector<int64_t>& axes) {
  return broadcast_to(reshape(g, nd::reduced_shape(in_shape, axes, true)), in_shape);
}
}  // namespace

Tensor sum(const Tensor& a, const std::vector<int64_t>& axes_in, bool keepdims) {
  auto axes = nd::normalize_axes(axes_in, a.ndim(), "sum");
  return record("sum", {a}, nd::sum(a.value(), axes, keepdims), save::none, [axes](OpContext& c, const Tensor& g) {
    return grads(expand_back(g, c.input_shape(0), axes));
  });
}

Tensor mean(const Tensor& a, const std::vector<int64_t>& axes_in, bool keepdims) {
  auto axes = nd::normalize_axes(axes_in, a.ndim(), "mean");
  int64_t n = 1;
  for (int64_t ax : axes) n *= a.shape()[ax];
  if (n == 0) throw_error("mean: reduction over an empty axis of shape ", a.shape());
  return sum(a, axes, keepdims) * (1.0 / double(n));
}

// d max = g on the argmax entries (ties share the gradient equally).
namespace {
Tensor extremum(const char* name, const Tensor& a, const std::vector<int64_t>& axes_in, bool keepdims, bool is_max) {
  auto axes = nd::normalize_axes(axes_in, a.ndim(), name);
  NDArray out = is_max ? nd::max(a.value(), axes, keepdims) : nd::min(a.value(), axes, keepdims);
  return record(name, {a}, std::move(out), save::in(0) | save::out(0), [axes](OpContext& c, const Tensor& g) {
    const Shape& s = c.input_shape(0);
    NDArray m = nd::broadcast_to(c.output(0).value().reshape(nd::reduced_shape(s, axes, true)), s);
    NDArray hit = nd::equal(c.input(0).value(), m);
    NDArray count = nd::sum(hit, axes, true);
    Tensor w(nd::div(hit, count));
    return grads(expand_back(g, s, axes) * w);
  });
}
}  // namespace

Tensor max(const Tensor& a, const std::vector<int64_t>& axes, bool keepdims) { return extremum("max", a, axes, keepdims, true); }
Tensor min(const Tensor& a, const std::vector<int64_t>& axes, bool keepdims) { return extremum("min", a, axes, keepdims, false); }

// lse(x) = m + log sum exp(x - m), m = max(x) for stability;  d lse = softmax(x) . dx
Tensor logsumexp(const Tensor& a, const std::vector<int64_t>& axes_in, bool keepdims) {
  auto axes = nd::normalize_axes(axes_in, a.ndim(), "logsumexp");
  NDArray m = nd::max(a.value(), axes, true);
  NDArray m_safe = nd::where(nd::equal(nd::abs(m), NDArray::scalar(INFINITY)), NDArray::scalar(0.0), m);
  NDArray lse = nd::add(nd::log(nd::sum(nd::exp(nd::sub(a.value(), m_safe)), axes, true)), m_safe);
  NDArray out = lse.reshape(nd::reduced_shape(a.shape(), axes, keepdims));
  return record("logsumexp", {a}, std::move(out), save::in(0) | save::out(0), [axes](OpContext& c, const Tensor& g) {
    const Shape& s = c.input_shape(0);
    Tensor lse_k = reshape(c.output(0), nd::reduced_shape(s, axes, true));
    return grads(expand_back(g, s, axes) * exp(c.input(0) - lse_k));
  });
}

// y = softmax(x);  dx = y * (g - sum(g * y))
Tensor softmax(const Tensor& a, int64_t axis) {
  int64_t ax = normalize_axis(axis, a.ndim(), "softmax");
  NDArray m = nd::max(a.value(), {ax}, true);
  NDArray e = nd::exp(nd::sub(a.value(), m));
  NDArray y = nd::div(e, nd::sum(e, {ax}, true));
  return record("softmax", {a}, std::move(y), save::out(0), [ax](OpContext& c, const Tensor& g) {
    Tensor y = c.output(0);
    return grads(y * (g - sum(g * y, {ax}, true)));
  });
}

// y = log_softmax(x);  dx = g - exp(y) * sum(g)
Tensor log_softmax(const Tensor& a, int64_t axis) {
  int64_t ax = normalize_axis(axis, a.ndim(), "log_softmax");
  NDArray m = nd::max(a.value(), {ax}, true);
  NDArray z = nd::sub(a.value(), m);
  NDArray y = nd::sub(z, nd::log(nd::sum(nd::exp(z), {ax}, true)));
  return record("log_softmax", {a}, std::move(y), save::out(0), [ax](OpContext& c, const Tensor& g) {
    return grads(g - exp(c.output(0)) * sum(g, {ax}, true));
  });
}

// ||x|| = sqrt(sum x^2);  d||x|| = x/||x|| . dx  (0 at x = 0, no NaN)
Tensor norm(const Tensor& a) {
  double n = nd::norm(a.value());
  return record("norm", {a}, NDArray::scalar(n), save::in(0) | save::out(0), [](OpContext& c, const Tensor& g) {
    Tensor y = c.output(0);
    if (y.item() == 0.0) return grads(zeros(c.input_shape(0)));
    return grads(c.input(0) * (g / y));  // scalar factor first: one pass over a
  });
}

// <a, b> = sum(a * b):  da = g b, db = g a
Tensor vdot(const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape())) throw_error("vdot: shapes ", a.shape(), " and ", b.shape(), " differ");
  return record("vdot", {a, b}, NDArray::scalar(nd::dot(a.value(), b.value())), save::in(0) | save::in(1),
                [](OpContext& c, const Tensor& g) {
                  return grads(c.needs_grad(0) ? g * c.input(1) : Tensor(), c.needs_grad(1) ? g * c.input(0) : Tensor());
                });
}

}  // namespace tnad
