// Elementwise kernels: written once as templates over the scalar op; float64 now.
#include <algorithm>
#include <cmath>

#include "ndarray/parallel.hpp"
#include "ndarray/vector_math.hpp"
#include "tnad/ad/nd.hpp"

namespace tnad::nd {
namespace {
using detail::parallel_for;

template <class F>
NDArray unary(const NDArray& a, F f, const char* op) {
  NDArray out = NDArray::empty(a.shape(), op);
  const double* x = a.data();
  double* y = out.mutable_data();
  parallel_for(a.numel(), [&](int64_t i) { y[i] = f(x[i]); });
  return out;
}

// Right-aligned strides of `s` against an output of rank `ndim`, 0 on broadcast axes.
Shape broadcast_strides(const Shape& s, const Shape& out) {
  Shape st = strides_of(s);
  Shape r;
  r.resize(out.size(), 0);
  int64_t off = out.size() - s.size();
  for (int64_t i = 0; i < s.size(); ++i) r[off + i] = s[i] == 1 ? 0 : st[i];
  return r;
}

// Generic N-ary strided loop over a contiguous output: calls f(out_index, offsets...).
// The innermost axis is the inner loop; outer rows are parallel for large outputs.
template <int N, class F>
void strided_loop(const Shape& out, const Shape (&in_strides)[N], F f) {
  int64_t nd = out.size();
  int64_t total = numel(out);
  if (total == 0) return;
  if (nd == 0) {
    int64_t offs[N] = {};
    f(0, offs);
    return;
  }
  int64_t inner = out[nd - 1];
  int64_t rows = total / inner;
  auto row = [&](int64_t r) {
    int64_t offs[N] = {};
    int64_t rem = r;
    for (int64_t d = nd - 2; d >= 0; --d) {
      int64_t i = rem % out[d];
      rem /= out[d];
      for (int k = 0; k < N; ++k) offs[k] += i * in_strides[k][d];
    }
    int64_t step[N];
    for (int k = 0; k < N; ++k) step[k] = in_strides[k][nd - 1];
    int64_t base = r * inner;
    for (int64_t j = 0; j < inner; ++j) {
      f(base + j, offs);
      for (int k = 0; k < N; ++k) offs[k] += step[k];
    }
  };
  parallel_for(rows, row, std::max<int64_t>(1, detail::kParallelThreshold / std::max<int64_t>(inner, 1)));
}

template <class F>
NDArray binary(const NDArray& a, const NDArray& b, F f, const char* op) {
  const double* x = a.data();
  const double* y = b.data();
  if (a.shape() == b.shape()) {
    NDArray out = NDArray::empty(a.shape(), op);
    double* z = out.mutable_data();
    parallel_for(a.numel(), [&](int64_t i) { z[i] = f(x[i], y[i]); });
    return out;
  }
  Shape s = broadcast_shapes(a.shape(), b.shape(), op);
  NDArray out = NDArray::empty(s, op);
  double* z = out.mutable_data();
  if (b.numel() == 1 && a.numel() == out.numel()) {
    double yv = y[0];
    parallel_for(a.numel(), [&](int64_t i) { z[i] = f(x[i], yv); });
    return out;
  }
  if (a.numel() == 1 && b.numel() == out.numel()) {
    double xv = x[0];
    parallel_for(b.numel(), [&](int64_t i) { z[i] = f(xv, y[i]); });
    return out;
  }
  const Shape st[2] = {broadcast_strides(a.shape(), s), broadcast_strides(b.shape(), s)};
  strided_loop<2>(s, st, [&](int64_t i, const int64_t* o) { z[i] = f(x[o[0]], y[o[1]]); });
  return out;
}
}  // namespace

NDArray add(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x + y; }, "add"); }
void add_into(NDArray& a, const NDArray& b) {
  if (!(a.shape() == b.shape()))
    throw_error("add_into: shapes ", a.shape(), " and ", b.shape(), " differ");
  const double* y = b.data();
  double* x = a.mutable_data();
  parallel_for(a.numel(), [&](int64_t i) { x[i] += y[i]; });
}
NDArray sub(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x - y; }, "sub"); }
NDArray mul(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x * y; }, "mul"); }
NDArray div(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x / y; }, "div"); }
NDArray pow(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return std::pow(x, y); }, "pow"); }
NDArray maximum(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x >= y ? x : y; }, "maximum"); }
NDArray minimum(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x <= y ? x : y; }, "minimum"); }
NDArray greater(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x > y ? 1.0 : 0.0; }, "greater"); }
NDArray greater_equal(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x >= y ? 1.0 : 0.0; }, "greater_equal"); }
NDArray less(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x < y ? 1.0 : 0.0; }, "less"); }
NDArray less_equal(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x <= y ? 1.0 : 0.0; }, "less_equal"); }
NDArray equal(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x == y ? 1.0 : 0.0; }, "equal"); }
NDArray not_equal(const NDArray& a, const NDArray& b) { return binary(a, b, [](double x, double y) { return x != y ? 1.0 : 0.0; }, "not_equal"); }

NDArray where(const NDArray& mask, const NDArray& a, const NDArray& b) {
  Shape s = broadcast_shapes(broadcast_shapes(mask.shape(), a.shape(), "where"), b.shape(), "where");
  NDArray out = NDArray::empty(s, "where");
  double* z = out.mutable_data();
  const double *m = mask.data(), *x = a.data(), *y = b.data();
  const Shape st[3] = {broadcast_strides(mask.shape(), s), broadcast_strides(a.shape(), s),
                       broadcast_strides(b.shape(), s)};
  strided_loop<3>(s, st, [&](int64_t i, const int64_t* o) { z[i] = m[o[0]] != 0.0 ? x[o[1]] : y[o[2]]; });
  return out;
}

NDArray broadcast_to(const NDArray& a, const Shape& shape) {
  Shape s = broadcast_shapes(a.shape(), shape, "broadcast_to");
  if (!(s == shape)) throw_error("broadcast_to: cannot broadcast ", a.shape(), " to ", shape);
  if (a.shape() == shape) return a;
  NDArray out = NDArray::empty(shape, "broadcast_to");
  double* z = out.mutable_data();
  const double* x = a.data();
  const Shape st[1] = {broadcast_strides(a.shape(), shape)};
  strided_loop<1>(shape, st, [&](int64_t i, const int64_t* o) { z[i] = x[o[0]]; });
  return out;
}

NDArray add(const NDArray& a, double s) { return unary(a, [s](double x) { return x + s; }, "add"); }
NDArray mul(const NDArray& a, double s) { return unary(a, [s](double x) { return x * s; }, "mul"); }
NDArray rsub(double s, const NDArray& a) { return unary(a, [s](double x) { return s - x; }, "rsub"); }
NDArray rdiv(double s, const NDArray& a) { return unary(a, [s](double x) { return s / x; }, "rdiv"); }
NDArray pow(const NDArray& a, double p) {
  if (p == 2.0) return unary(a, [](double x) { return x * x; }, "pow");
  if (p == 1.0) return a;
  return unary(a, [p](double x) { return std::pow(x, p); }, "pow");
}
NDArray clamp(const NDArray& a, double lo, double hi) {
  return unary(a, [lo, hi](double x) { return x < lo ? lo : (x > hi ? hi : x); }, "clamp");
}
NDArray axpby(double alpha, const NDArray& x, double beta, const NDArray& y) {
  if (!(x.shape() == y.shape())) throw_error("axpby: shapes ", x.shape(), " and ", y.shape(), " differ");
  NDArray out = NDArray::empty(x.shape(), "axpby");
  const double *p = x.data(), *q = y.data();
  double* z = out.mutable_data();
  parallel_for(x.numel(), [&](int64_t i) { z[i] = alpha * p[i] + beta * q[i]; });
  return out;
}
NDArray tanh_backward(const NDArray& g, const NDArray& y) {
  if (!(g.shape() == y.shape())) throw_error("tanh_backward: shapes ", g.shape(), " and ", y.shape(), " differ");
  NDArray out = NDArray::empty(g.shape(), "tanh_backward");
  const double *p = g.data(), *q = y.data();
  double* z = out.mutable_data();
  parallel_for(g.numel(), [&](int64_t i) {
    const double y2 = q[i] * q[i];  // rounded as mul(y, y) rounds it: no FMA (-ffp-contract=off)
    const double one_minus = 1.0 - y2;
    z[i] = p[i] * one_minus;
  });
  return out;
}

NDArray neg(const NDArray& a) { return unary(a, [](double x) { return -x; }, "neg"); }
NDArray exp(const NDArray& a) { return unary(a, [](double x) { return std::exp(x); }, "exp"); }
NDArray log(const NDArray& a) { return unary(a, [](double x) { return std::log(x); }, "log"); }
NDArray sqrt(const NDArray& a) { return unary(a, [](double x) { return std::sqrt(x); }, "sqrt"); }
NDArray abs(const NDArray& a) { return unary(a, [](double x) { return std::fabs(x); }, "abs"); }
NDArray sign(const NDArray& a) { return unary(a, [](double x) { return double((x > 0) - (x < 0)); }, "sign"); }
NDArray sin(const NDArray& a) { return unary(a, [](double x) { return std::sin(x); }, "sin"); }
NDArray cos(const NDArray& a) { return unary(a, [](double x) { return std::cos(x); }, "cos"); }
NDArray tan(const NDArray& a) { return unary(a, [](double x) { return std::tan(x); }, "tan"); }
NDArray asin(const NDArray& a) { return unary(a, [](double x) { return std::asin(x); }, "asin"); }
NDArray acos(const NDArray& a) { return unary(a, [](double x) { return std::acos(x); }, "acos"); }
NDArray atan(const NDArray& a) { return unary(a, [](double x) { return std::atan(x); }, "atan"); }
NDArray sinh(const NDArray& a) { return unary(a, [](double x) { return std::sinh(x); }, "sinh"); }
NDArray cosh(const NDArray& a) { return unary(a, [](double x) { return std::cosh(x); }, "cosh"); }
NDArray tanh(const NDArray& a) {
  // vectorized (vector_math.hpp), in chunks of 4096 over the threads
  NDArray out = NDArray::empty(a.shape(), "tanh");
  const double* x = a.data();
  double* y = out.mutable_data();
  constexpr int64_t kChunk = 4096;
  const int64_t n = a.numel(), chunks = (n + kChunk - 1) / kChunk;
  parallel_for(
      chunks, [&](int64_t c) { detail::tanh_array(x + c * kChunk, y + c * kChunk, std::min(kChunk, n - c * kChunk)); },
      detail::kParallelThreshold / kChunk);
  return out;
}
NDArray sigmoid(const NDArray& a) {
  // Split by sign so exp never overflows.
  return unary(a, [](double x) {
    if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
    double e = std::exp(x);
    return e / (1.0 + e);
  }, "sigmoid");
}
NDArray relu(const NDArray& a) { return unary(a, [](double x) { return x > 0 ? x : 0.0; }, "relu"); }
NDArray step(const NDArray& a) { return unary(a, [](double x) { return x > 0 ? 1.0 : 0.0; }, "step"); }
NDArray erf(const NDArray& a) { return unary(a, [](double x) { return std::erf(x); }, "erf"); }
NDArray gelu(const NDArray& a) {
  return unary(a, [](double x) { return 0.5 * x * (1.0 + std::erf(x * M_SQRT1_2)); }, "gelu");
}

}  // namespace tnad::nd
