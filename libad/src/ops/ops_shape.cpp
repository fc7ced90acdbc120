// Shape ops: each VJP is the inverse shape op applied to the gradient.
#include <numeric>

#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {

Tensor permute(const Tensor& a, const std::vector<int64_t>& perm) {
  NDArray out = nd::permute(a.value(), perm);
  return record("permute", {a}, std::move(out), save::none, [perm](OpContext&, const Tensor& g) {
    std::vector<int64_t> inv(perm.size());
    for (size_t k = 0; k < perm.size(); ++k) inv[perm[k]] = int64_t(k);
    return grads(permute(g, inv));
  });
}

Tensor transpose(const Tensor& a) {
  if (a.ndim() < 2) throw_error("transpose: needs at least 2 dimensions, got shape ", a.shape());
  std::vector<int64_t> perm(a.ndim());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[a.ndim() - 1], perm[a.ndim() - 2]);
  return permute(a, perm);
}

Tensor reshape(const Tensor& a, const Shape& shape) {
  return record("reshape", {a}, a.value().reshape(shape), save::none,
                [](OpContext& c, const Tensor& g) { return grads(reshape(g, c.input_shape(0))); });
}

Tensor broadcast_to(const Tensor& a, const Shape& shape) {
  return record("broadcast_to", {a}, nd::broadcast_to(a.value(), shape), save::none,
                [](OpContext& c, const Tensor& g) { return grads(sum_to(g, c.input_shape(0))); });
}

Tensor sum_to(const Tensor& a, const Shape& shape) {
  return record("sum_to", {a}, nd::sum_to(a.value(), shape), save::none,
                [](OpContext& c, const Tensor& g) { return grads(broadcast_to(g, c.input_shape(0))); });
}

Tensor expand_dims(const Tensor& a, int64_t axis) {
  int64_t ax = normalize_axis(axis, a.ndim() + 1, "expand_dims");
  Shape s = a.shape();
  s.insert(ax, 1);
  return reshape(a, s);
}

Tensor squeeze(const Tensor& a, int64_t axis) {
  int64_t ax = normalize_axis(axis, a.ndim(), "squeeze");
  if (a.shape()[ax] != 1) throw_error("squeeze: axis ", axis, " of shape ", a.shape(), " has size ", a.shape()[ax], ", not 1");
  Shape s = a.shape();
  s.erase(ax);
  return reshape(a, s);
}

Tensor squeeze(const Tensor& a) {
  Shape s;
  for (int64_t d : a.shape())
    if (d != 1) s.push_back(d);
  return reshape(a, s);
}

// The adjoint of a slice embeds the gradient into zeros; the adjoint of that is the slice.
Tensor slice_scatter(const Tensor& part, const Shape& full, int64_t axis, int64_t start, int64_t stop, int64_t step);

Tensor slice(const Tensor& a, int64_t axis, int64_t start, int64_t stop, int64_t step) {
  int64_t ax = normalize_axis(axis, a.ndim(), "slice");
  return record("slice", {a}, nd::slice(a.value(), ax, start, stop, step), save::none,
                [=](OpContext& c, const Tensor& g) { return grads(slice_scatter(g, c.input_shape(0), ax, start, stop, step)); });
}

Tensor slice_scatter(const Tensor& part, const Shape& full, int64_t axis, int64_t start, int64_t stop, int64_t step) {
  return record("slice_scatter", {part}, nd::slice_scatter(part.value(), full, axis, start, stop, step), save::none,
                [=](OpContext&, const Tensor& g) { return grads(slice(g, axis, start, stop, step)); });
}

Tensor index(const Tensor& a, int64_t axis, int64_t i) {
  int64_t ax = normalize_axis(axis, a.ndim(), "index");
  int64_t n = a.shape()[ax];
  int64_t j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) throw_error("index: index ", i, " is out of range for axis ", axis, " of shape ", a.shape());
  return squeeze(slice(a, ax, j, j + 1, 1), ax);
}

Tensor concatenate(const std::vector<Tensor>& parts, int64_t axis) {
  if (parts.empty()) throw_error("concatenate: no tensors given");
  std::vector<NDArray> vals;
  for (const auto& p : parts) vals.push_back(p.value());
  NDArray out = nd::concatenate(vals, axis);
  int64_t ax = normalize_axis(axis, parts[0].ndim(), "concatenate");
  return record("concatenate", std::span<const Tensor>(parts), std::move(out), save::none,
                [ax](OpContext& c, const Tensor& g) {
                  Grads gs;
                  int64_t off = 0;
                  for (int i = 0; i < c.node().num_inputs(); ++i) {
                    int64_t len = c.input_shape(i)[ax];
                    gs.push_back(c.needs_grad(i) ? slice(g, ax, off, off + len, 1) : Tensor());
                    off += len;
                  }
                  return gs;
                });
}

Tensor stack(const std::vector<Tensor>& parts, int64_t axis) {
  if (parts.empty()) throw_error("stack: no tensors given");
  int64_t ax = normalize_axis(axis, parts[0].ndim() + 1, "stack");
  std::vector<Tensor> ex;
  for (const auto& p : parts) {
    if (!(p.shape() == parts[0].shape()))
      throw_error("stack: shape ", p.shape(), " differs from ", parts[0].shape());
    ex.push_back(expand_dims(p, ax));
  }
  return concatenate(ex, ax);
}

// diagonal (matrix -> vector) and diag_embed (vector -> matrix) are each other's adjoint.
Tensor diag_embed(const Tensor& d, int64_t rows, int64_t cols);

Tensor diagonal(const Tensor& a) {
  return record("diagonal", {a}, nd::diagonal(a.value()), save::none, [](OpContext& c, const Tensor& g) {
    const Shape& s = c.input_shape(0);
    return grads(diag_embed(g, s[s.size() - 2], s[s.size() - 1]));
  });
}

Tensor diag_embed(const Tensor& d, int64_t rows, int64_t cols) {
  return record("diag_embed", {d}, nd::diag_embed(d.value(), rows, cols), save::none,
                [](OpContext&, const Tensor& g) { return grads(diagonal(g)); });
}

Tensor diag(const Tensor& a) {
  if (a.ndim() == 1) return diag_embed(a, a.size(0), a.size(0));
  if (a.ndim() == 2) return diagonal(a);
  throw_error("diag: expects a 1-D or 2-D tensor, got shape ", a.shape());
}

// tr(A) = sum_i A_ii over the last two axes: d tr = tr(dA), gradient g * I.
Tensor trace(const Tensor& a) {
  if (a.ndim() < 2) throw_error("trace: needs at least 2 dimensions, got shape ", a.shape());
  return sum(diagonal(a), {-1});
}

}  // namespace tnad
