#include <algorithm>
#include <cstring>
#include <numeric>

#include "ndarray/parallel.hpp"
#include "tnad/ad/nd.hpp"

namespace tnad::nd {

std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t ndim, const char* op) {
  std::vector<int64_t> out;
  if (axes.empty()) {
    out.resize(ndim);
    std::iota(out.begin(), out.end(), 0);
    return out;
  }
  for (int64_t a : axes) {
    int64_t b = normalize_axis(a, ndim, op);
    if (std::find(out.begin(), out.end(), b) != out.end())
      throw_error(op, ": axis ", a, " is repeated");
    out.push_back(b);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Shape reduced_shape(const Shape& s, const std::vector<int64_t>& axes, bool keepdims) {
  Shape out;
  for (int64_t i = 0; i < s.size(); ++i) {
    bool red = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!red) out.push_back(s[i]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

NDArray transpose(const NDArray& a) {
  if (a.ndim() < 2) throw_error("transpose: needs at least 2 dimensions, got shape ", a.shape());
  std::vector<int64_t> perm(a.ndim());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[a.ndim() - 1], perm[a.ndim() - 2]);
  return permute(a, perm);
}

NDArray sum_to(const NDArray& a, const Shape& shape) {
  if (a.shape() == shape) return a;
  const Shape& s = a.shape();
  if (shape.size() > s.size()) throw_error("sum_to: cannot reduce ", s, " to ", shape);
  std::vector<int64_t> axes;
  int64_t lead = s.size() - shape.size();
  for (int64_t i = 0; i < s.size(); ++i) {
    if (i < lead) {
      axes.push_back(i);
    } else {
      int64_t t = shape[i - lead];
      if (t == s[i]) continue;
      if (t != 1) throw_error("sum_to: cannot reduce ", s, " to ", shape);
      axes.push_back(i);
    }
  }
  if (axes.empty()) return a.reshape(shape);
  return sum(a, axes, false).reshape(shape);
}

namespace {
// Splits a shape around `axis` into (outer, extent, inner).
void split_at(const Shape& s, int64_t axis, int64_t& outer, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= s[i];
  for (int64_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
}
// numpy slice clipping for positive step.
int64_t slice_len(int64_t& start, int64_t& stop, int64_t step, int64_t n) {
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  start = std::clamp<int64_t>(start, 0, n);
  stop = std::clamp<int64_t>(stop, 0, n);
  return stop > start ? (stop - start + step - 1) / step : 0;
}
}  // namespace

NDArray slice(const NDArray& a, int64_t axis, int64_t start, int64_t stop, int64_t step) {
  int64_t ax = normalize_axis(axis, a.ndim(), "slice");
  if (step <= 0) throw_error("slice: step must be positive, got ", step);
  int64_t n = a.shape()[ax];
  int64_t len = slice_len(start, stop, step, n);
  Shape os = a.shape();
  os[ax] = len;
  NDArray out = NDArray::empty(os, "slice");
  int64_t outer, inner;
  split_at(a.shape(), ax, outer, inner);
  const double* x = a.data();
  double* y = out.mutable_data();
  detail::parallel_for(outer, [&](int64_t o) {
    for (int64_t j = 0; j < len; ++j)
      std::memcpy(y + (o * len + j) * inner, x + (o * n + start + j * step) * inner, sizeof(double) * inner);
  }, std::max<int64_t>(1, detail::kParallelThreshold / std::max<int64_t>(1, len * inner)));
  return out;
}

NDArray slice_scatter(const NDArray& part, const Shape& full_shape, int64_t axis, int64_t start,
                      int64_t stop, int64_t step) {
  int64_t ax = normalize_axis(axis, full_shape.size(), "slice_scatter");
  if (step <= 0) throw_error("slice_scatter: step must be positive, got ", step);
  int64_t n = full_shape[ax];
  int64_t len = slice_len(start, stop, step, n);
  Shape expect = full_shape;
  expect[ax] = len;
  if (!(expect == part.shape()))
    throw_error("slice_scatter: part of shape ", part.shape(), " does not fit slice ", expect, " of ", full_shape);
  NDArray out = NDArray::zeros(full_shape, "slice_scatter");
  int64_t outer, inner;
  split_at(full_shape, ax, outer, inner);
  const double* x = part.data();
  double* y = out.mutable_data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < len; ++j)
      std::memcpy(y + (o * n + start + j * step) * inner, x + (o * len + j) * inner, sizeof(double) * inner);
  return out;
}

NDArray concatenate(const std::vector<NDArray>& parts, int64_t axis) {
  if (parts.empty()) throw_error("concatenate: no arrays given");
  const Shape& s0 = parts[0].shape();
  int64_t ax = normalize_axis(axis, s0.size(), "concatenate");
  int64_t total = 0;
  for (const auto& p : parts) {
    const Shape& s = p.shape();
    bool ok = s.size() == s0.size();
    for (int64_t i = 0; ok && i < s.size(); ++i) ok = (i == ax) || s[i] == s0[i];
    if (!ok) throw_error("concatenate: shape ", s, " does not match ", s0, " outside axis ", ax);
    if (__builtin_add_overflow(total, s[ax], &total))
      throw_error("concatenate: the extents along axis ", ax, " add up to more than int64 can hold");
  }
  Shape os = s0;
  os[ax] = total;
  NDArray out = NDArray::empty(os, "concatenate");
  int64_t outer, inner;
  split_at(os, ax, outer, inner);
  double* y = out.mutable_data();
  int64_t offset = 0;
  for (const auto& p : parts) {
    int64_t len = p.shape()[ax];
    const double* x = p.data();
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(y + (o * total + offset) * inner, x + o * len * inner, sizeof(double) * len * inner);
    offset += len;
  }
  return out;
}

NDArray diagonal(const NDArray& a) {
  if (a.ndim() < 2) throw_error("diagonal: needs at least 2 dimensions, got shape ", a.shape());
  int64_t m = a.size(-2), n = a.size(-1), k = std::min(m, n);
  Shape os(a.shape().begin(), a.shape().end() - 2);
  os.push_back(k);
  NDArray out = NDArray::empty(os, "diagonal");
  int64_t batch = numel(os) / std::max<int64_t>(k, 1);
  if (k == 0) return out;
  const double* x = a.data();
  double* y = out.mutable_data();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < k; ++i) y[b * k + i] = x[b * m * n + i * n + i];
  return out;
}

NDArray diag_embed(const NDArray& d, int64_t rows, int64_t cols) {
  if (d.ndim() < 1) throw_error("diag_embed: needs at least 1 dimension");
  int64_t k = d.size(-1);
  if (k != std::min(rows, cols))
    throw_error("diag_embed: diagonal of length ", k, " does not fit a ", rows, "x", cols, " matrix");
  Shape os(d.shape().begin(), d.shape().end() - 1);
  os.push_back(rows);
  os.push_back(cols);
  NDArray out = NDArray::zeros(os, "diag_embed");
  int64_t batch = k ? d.numel() / k : 0;
  const double* x = d.data();
  double* y = out.mutable_data();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < k; ++i) y[b * rows * cols + i * cols + i] = x[b * k + i];
  return out;
}

}  // namespace tnad::nd
