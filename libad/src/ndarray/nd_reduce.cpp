// Reductions over chosen axes. Contiguous cases (reduced axes trailing or leading) run
// directly; any other set of axes is permuted to the back first (one pass of permute).
#include <algorithm>
#include <cmath>
#include <limits>

#include "ndarray/parallel.hpp"
#include "tnad/ad/nd.hpp"

namespace tnad::nd {
namespace {

struct SumOp {
  static constexpr double init = 0.0;
  static double combine(double a, double b) { return a + b; }
};
struct MaxOp {
  static constexpr double init = -std::numeric_limits<double>::infinity();
  static double combine(double a, double b) { return (b > a || std::isnan(b)) ? b : a; }
};
struct MinOp {
  static constexpr double init = std::numeric_limits<double>::infinity();
  static double combine(double a, double b) { return (b < a || std::isnan(b)) ? b : a; }
};

template <class Op>
double reduce_all(const double* x, int64_t n) {
  if (n < detail::kParallelThreshold) {
    double acc = Op::init;
    for (int64_t i = 0; i < n; ++i) acc = Op::combine(acc, x[i]);
    return acc;
  }
  double acc = Op::init;
#pragma omp parallel
  {
    double local = Op::init;
#pragma omp for schedule(static) nowait
    for (int64_t i = 0; i < n; ++i) local = Op::combine(local, x[i]);
#pragma omp critical
    acc = Op::combine(acc, local);
  }
  return acc;
}

template <class Op>
NDArray reduce(const NDArray& a, const std::vector<int64_t>& axes_in, bool keepdims, const char* name) {
  std::vector<int64_t> axes = normalize_axes(axes_in, a.ndim(), name);
  Shape out_shape = reduced_shape(a.shape(), axes, keepdims);
  if (a.numel() == 0 && !std::is_same_v<Op, SumOp>) {
    for (int64_t ax : axes)
      if (a.shape()[ax] == 0) throw_error(name, ": reduction over an empty axis of shape ", a.shape());
  }
  NDArray out = NDArray::empty(out_shape, name);
  double* y = out.mutable_data();
  const int64_t nd = a.ndim();
  int64_t red = 1;
  for (int64_t ax : axes) red *= a.shape()[ax];
  const int64_t kept = red ? a.numel() / red : numel(out_shape);
  if (red == 0) {
    std::fill(y, y + out.numel(), Op::init);
    return out;
  }
  if (int64_t(axes.size()) == nd) {
    y[0] = reduce_all<Op>(a.data(), a.numel());
    return out;
  }
  bool trailing = true, leading = true;
  for (size_t k = 0; k < axes.size(); ++k) {
    trailing = trailing && axes[k] == nd - int64_t(axes.size()) + int64_t(k);
    leading = leading && axes[k] == int64_t(k);
  }
  if (leading) {
    // out[j] = reduce_i a[i, j]: stream rows, accumulate a vector (parallel over j).
    const double* x = a.data();
    std::fill(y, y + kept, Op::init);
    const int64_t chunk = 2048;
    const int64_t nchunks = (kept + chunk - 1) / chunk;
    detail::parallel_for(nchunks, [&](int64_t c) {
      int64_t j0 = c * chunk, j1 = std::min(kept, j0 + chunk);
      for (int64_t i = 0; i < red; ++i) {
        const double* xr = x + i * kept;
        for (int64_t j = j0; j < j1; ++j) y[j] = Op::combine(y[j], xr[j]);
      }
    }, std::max<int64_t>(1, detail::kParallelThreshold / std::max<int64_t>(1, red * chunk)));
    return out;
  }
  NDArray src = a;
  if (!trailing) {
    std::vector<int64_t> perm;
    for (int64_t i = 0; i < nd; ++i)
      if (std::find(axes.begin(), axes.end(), i) == axes.end()) perm.push_back(i);
    for (int64_t ax : axes) perm.push_back(ax);
    src = permute(a, perm);
  }
  const double* x = src.data();
  detail::parallel_for(kept, [&](int64_t r) {
    const double* xr = x + r * red;
    double acc = Op::init;
    for (int64_t i = 0; i < red; ++i) acc = Op::combine(acc, xr[i]);
    y[r] = acc;
  }, std::max<int64_t>(1, detail::kParallelThreshold / red));
  return out;
}
}  // namespace

NDArray sum(const NDArray& a, const std::vector<int64_t>& axes, bool keepdims) {
  return reduce<SumOp>(a, axes, keepdims, "sum");
}
NDArray max(const NDArray& a, const std::vector<int64_t>& axes, bool keepdims) {
  return reduce<MaxOp>(a, axes, keepdims, "max");
}
NDArray min(const NDArray& a, const std::vector<int64_t>& axes, bool keepdims) {
  return reduce<MinOp>(a, axes, keepdims, "min");
}

double dot(const NDArray& a, const NDArray& b) {
  if (!(a.shape() == b.shape())) throw_error("dot: shapes ", a.shape(), " and ", b.shape(), " differ");
  const double *x = a.data(), *y = b.data();
  const int64_t n = a.numel();
  double acc = 0.0;
  if (n < detail::kParallelThreshold) {
    for (int64_t i = 0; i < n; ++i) acc += x[i] * y[i];
    return acc;
  }
#pragma omp parallel for reduction(+ : acc) schedule(static)
  for (int64_t i = 0; i < n; ++i) acc += x[i] * y[i];
  return acc;
}

double norm(const NDArray& a) { return std::sqrt(dot(a, a)); }

double max_abs(const NDArray& a) {
  const double* x = a.data();
  double m = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) m = std::max(m, std::fabs(x[i]));
  return m;
}

bool all_finite(const NDArray& a) {
  const double* x = a.data();
  for (int64_t i = 0; i < a.numel(); ++i)
    if (!std::isfinite(x[i])) return false;
  return true;
}

uint64_t content_hash(const NDArray& a) {
  const auto* w = reinterpret_cast<const uint64_t*>(a.data());
  const int64_t n = a.numel();
  uint64_t h[4] = {0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull, 0x2545f4914f6cdd1dull};
  auto mix = [](uint64_t x, uint64_t v) {
    x ^= v;
    x *= 0xff51afd7ed558ccdull;
    return x ^ (x >> 32);
  };
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; ++l) h[l] = mix(h[l], w[i + l]);
  for (; i < n; ++i) h[0] = mix(h[0], w[i]);
  uint64_t r = mix(mix(h[0], h[1]), mix(h[2], h[3]));
  for (int64_t d : a.shape()) r = mix(r, uint64_t(d));
  return r;
}

}  // namespace tnad::nd
