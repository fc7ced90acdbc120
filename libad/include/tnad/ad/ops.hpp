// Differentiable functions on Tensors. Each is one op in the op table (op_info.hpp) with
// its forward kernel and VJP side by side in libad/src/ops/ops_*.cpp. Binary ops broadcast
// like numpy and reduce their gradients back to each input's shape.
#pragma once
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
// where(mask, a, b): mask is a constant (nonzero picks a); a, b, mask broadcast.
Tensor where(const Tensor& mask, const Tensor& a, const Tensor& b);

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
Tensor log_softmax(const Tensor& a, int64_t axis = -1);

// Identity with a node of its own (used to alias a tensor in a new graph).
Tensor identity(const Tensor& a);
// <a, b> = sum(a * b) of two same-shape tensors, as one differentiable op.
Tensor vdot(const Tensor& a, const Tensor& b);

}  // namespace tnad
