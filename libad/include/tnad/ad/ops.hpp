// Differentiable functions on Tensors. Each is one op in the op table (op_info.hpp) with
// its forward kernel and VJP side by side in libad/src/ops/ops_*.cpp. Binary ops broadcast
// like numpy and reduce their gradients back to each input's shape.
#pragma once
#include <concepts>
#include <cstdint>
#include <vector>

#include "tnad/ad/tensor.hpp"

namespace tnad {

// ---- arithmetic (tensor with tensor under broadcasting, or with a scalar)
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double s);
Tensor mul(const Tensor& a, double s);
Tensor rsub(double s, const Tensor& a);  // s - a
Tensor rdiv(double s, const Tensor& a);  // s / a
Tensor neg(const Tensor& a);
Tensor pow(const Tensor& a, double p);
Tensor pow(const Tensor& a, const Tensor& b);  // a > 0 for the gradient in b

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, double s) { return add(a, s); }
inline Tensor operator+(double s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return add(a, -s); }
inline Tensor operator-(double s, const Tensor& a) { return rsub(s, a); }
inline Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
inline Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, double s) { return mul(a, 1.0 / s); }
inline Tensor operator/(double s, const Tensor& a) { return rdiv(s, a); }
inline Tensor operator-(const Tensor& a) { return neg(a); }

// ---- elementwise math
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);  // gradient sign(x), 0 at 0
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tan(const Tensor& x);
Tensor asin(const Tensor& x);
Tensor acos(const Tensor& x);
Tensor atan(const Tensor& x);
Tensor sinh(const Tensor& x);
Tensor cosh(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor gelu(const Tensor& x);  // exact form x * Phi(x)
Tensor maximum(const Tensor& a, const Tensor& b);  // ties split the gradient evenly
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor clamp(const Tensor& x, double lo, double hi);
// sign(x) in {-1, 0, 1}. Its derivative is 0 wherever it exists (x != 0): the VJP gives
// an explicit zero gradient, so grad(sum(sign(x)), x) is 0 rather than an error.
Tensor sign(const Tensor& x);
// where(mask, a, b): mask is a constant (nonzero picks a); a, b, mask broadcast.
// Differentiable in a and b: the gradient goes to a where the mask is nonzero, else to b.
Tensor where(const Tensor& mask, const Tensor& a, const Tensor& b);

// ---- comparisons: constant 1/0 masks (requires_grad() false, nothing recorded), e.g. for
// where(x > 0, a, b) or sum(x > 0) to count. They broadcast like the arithmetic ops. IEEE
// semantics: a NaN operand gives 0, except for not_equal (1).
Tensor greater(const Tensor& a, const Tensor& b);        // a > b
Tensor greater_equal(const Tensor& a, const Tensor& b);  // a >= b
Tensor less(const Tensor& a, const Tensor& b);           // a < b
Tensor less_equal(const Tensor& a, const Tensor& b);     // a <= b
Tensor equal(const Tensor& a, const Tensor& b);          // a == b
Tensor not_equal(const Tensor& a, const Tensor& b);      // a != b
Tensor greater(const Tensor& a, double s);
Tensor greater_equal(const Tensor& a, double s);
Tensor less(const Tensor& a, double s);
Tensor less_equal(const Tensor& a, double s);
Tensor equal(const Tensor& a, double s);
Tensor not_equal(const Tensor& a, double s);

// Elementwise, like numpy and torch: `x > 0.5` is a mask, not a bool. (There is no
// Tensor identity comparison by ==; compare t.id() for that.)
inline Tensor operator>(const Tensor& a, const Tensor& b) { return greater(a, b); }
inline Tensor operator>=(const Tensor& a, const Tensor& b) { return greater_equal(a, b); }
inline Tensor operator<(const Tensor& a, const Tensor& b) { return less(a, b); }
inline Tensor operator<=(const Tensor& a, const Tensor& b) { return less_equal(a, b); }
inline Tensor operator==(const Tensor& a, const Tensor& b) { return equal(a, b); }
inline Tensor operator!=(const Tensor& a, const Tensor& b) { return not_equal(a, b); }
inline Tensor operator>(const Tensor& a, double s) { return greater(a, s); }
inline Tensor operator>=(const Tensor& a, double s) { return greater_equal(a, s); }
inline Tensor operator<(const Tensor& a, double s) { return less(a, s); }
inline Tensor operator<=(const Tensor& a, double s) { return less_equal(a, s); }
inline Tensor operator==(const Tensor& a, double s) { return equal(a, s); }
inline Tensor operator!=(const Tensor& a, double s) { return not_equal(a, s); }
inline Tensor operator>(double s, const Tensor& a) { return less(a, s); }
inline Tensor operator>=(double s, const Tensor& a) { return less_equal(a, s); }
inline Tensor operator<(double s, const Tensor& a) { return greater(a, s); }
inline Tensor operator<=(double s, const Tensor& a) { return greater_equal(a, s); }
inline Tensor operator==(double s, const Tensor& a) { return equal(a, s); }
inline Tensor operator!=(double s, const Tensor& a) { return not_equal(a, s); }

// ---- linear algebra basics
// numpy semantics: 1-D operands are promoted and the added axis removed; leading (batch)
// axes broadcast. BLAS dgemm underneath.
Tensor matmul(const Tensor& a, const Tensor& b);
// op(a) @ op(b) with op = transpose of the last two axes where the flag is set, without a
// copy (the flags go to dgemm). Both operands at least 2-D.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);
Tensor trace(const Tensor& a);  // of the last two axes
Tensor diag(const Tensor& a);   // 1-D -> square diagonal matrix; 2-D -> its diagonal
Tensor norm(const Tensor& a);   // Frobenius norm of all elements (gradient 0 at 0)

// ---- shape
Tensor permute(const Tensor& a, const std::vector<int64_t>& perm);
Tensor transpose(const Tensor& a);  // swaps the last two axes
Tensor reshape(const Tensor& a, const Shape& shape);  // one extent may be -1
Tensor broadcast_to(const Tensor& a, const Shape& shape);
Tensor sum_to(const Tensor& a, const Shape& shape);  // inverse of broadcast_to
Tensor expand_dims(const Tensor& a, int64_t axis);
Tensor squeeze(const Tensor& a, int64_t axis);
Tensor squeeze(const Tensor& a);  // all size-1 axes
// a[..., start:stop:step, ...] along one axis (step > 0; numpy clipping of start/stop).
Tensor slice(const Tensor& a, int64_t axis, int64_t start, int64_t stop, int64_t step = 1);
// a[..., i, ...]: removes the axis; negative i counts from the end.
Tensor index(const Tensor& a, int64_t axis, int64_t i);
Tensor concatenate(const std::vector<Tensor>& parts, int64_t axis = 0);
Tensor stack(const std::vector<Tensor>& parts, int64_t axis = 0);

// ---- reductions (empty axes = all)
Tensor sum(const Tensor& a, const std::vector<int64_t>& axes = {}, bool keepdims = false);
Tensor mean(const Tensor& a, const std::vector<int64_t>& axes = {}, bool keepdims = false);
Tensor max(const Tensor& a, const std::vector<int64_t>& axes = {}, bool keepdims = false);
Tensor min(const Tensor& a, const std::vector<int64_t>& axes = {}, bool keepdims = false);
Tensor logsumexp(const Tensor& a, const std::vector<int64_t>& axes = {}, bool keepdims = false);
Tensor softmax(const Tensor& a, int64_t axis = -1);
// One axis as a plain integer: sum(x, 1), mean(x, -1, true). (A braced list, sum(x, {0, 2}),
// and an empty one, sum(x, {}), still mean the axes listed / all.)
template <std::integral I>
  requires(!std::same_as<I, bool>)
Tensor sum(const Tensor& a, I axis, bool keepdims = false) {
  return sum(a, std::vector<int64_t>{int64_t(axis)}, keepdims);
}
template <std::integral I>
  requires(!std::same_as<I, bool>)
Tensor mean(const Tensor& a, I axis, bool keepdims = false) {
  return mean(a, std::vector<int64_t>{int64_t(axis)}, keepdims);
}
template <std::integral I>
  requires(!std::same_as<I, bool>)
Tensor max(const Tensor& a, I axis, bool keepdims = false) {
  return max(a, std::vector<int64_t>{int64_t(axis)}, keepdims);
}
template <std::integral I>
  requires(!std::same_as<I, bool>)
Tensor min(const Tensor& a, I axis, bool keepdims = false) {
  return min(a, std::vector<int64_t>{int64_t(axis)}, keepdims);
}
template <std::integral I>
  requires(!std::same_as<I, bool>)
Tensor logsumexp(const Tensor& a, I axis, bool keepdims = false) {
  return logsumexp(a, std::vector<int64_t>{int64_t(axis)}, keepdims);
}
Tensor log_softmax(const Tensor& a, int64_t axis = -1);

// Identity with a node of its own (used to alias a tensor in a new graph).
Tensor identity(const Tensor& a);
// <a, b> = sum(a * b) of two same-shape tensors, as one differentiable op.
Tensor vdot(const Tensor& a, const Tensor& b);

}  // namespace tnad
