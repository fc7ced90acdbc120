// tnad::nd — the numeric kernels on NDArray values (no AD). Tensor ops call these in
// their forward; they are public so that other layers and users can compute on values
// without a graph. Elementwise kernels and reductions use OpenMP above a size threshold;
// matmul calls BLAS dgemm (OpenBLAS, OpenMP build, one shared thread pool).
#pragma once
#include <concepts>
#include <cstdint>
#include <vector>

#include "tnad/ad/ndarray.hpp"

namespace tnad::nd {

// ---- elementwise, binary with numpy broadcasting
NDArray add(const NDArray& a, const NDArray& b);
// a += b for equal shapes (a's buffer is copied first if shared: copy on write).
void add_into(NDArray& a, const NDArray& b);
NDArray sub(const NDArray& a, const NDArray& b);
NDArray mul(const NDArray& a, const NDArray& b);
NDArray div(const NDArray& a, const NDArray& b);
NDArray pow(const NDArray& a, const NDArray& b);
NDArray maximum(const NDArray& a, const NDArray& b);
NDArray minimum(const NDArray& a, const NDArray& b);
// Comparisons give 1.0 / 0.0 masks (IEEE: a NaN operand makes all but not_equal 0).
NDArray greater(const NDArray& a, const NDArray& b);
NDArray greater_equal(const NDArray& a, const NDArray& b);
NDArray less(const NDArray& a, const NDArray& b);
NDArray less_equal(const NDArray& a, const NDArray& b);
NDArray equal(const NDArray& a, const NDArray& b);
NDArray not_equal(const NDArray& a, const NDArray& b);
// where(mask, a, b): mask != 0 picks a; all three broadcast together.
NDArray where(const NDArray& mask, const NDArray& a, const NDArray& b);

// ---- with a scalar
NDArray add(const NDArray& a, double s);
NDArray mul(const NDArray& a, double s);
NDArray rsub(double s, const NDArray& a);  // s - a
NDArray rdiv(double s, const NDArray& a);  // s / a
NDArray pow(const NDArray& a, double p);
NDArray clamp(const NDArray& a, double lo, double hi);
NDArray axpby(double alpha, const NDArray& x, double beta, const NDArray& y);  // same shapes
// g (1 - y^2), the tanh VJP from its output y, in one pass (same shapes); the same bits as
// mul(g, rsub(1, mul(y, y))).
NDArray tanh_backward(const NDArray& g, const NDArray& y);

// ---- elementwise, unary
NDArray neg(const NDArray& a);
NDArray exp(const NDArray& a);
NDArray log(const NDArray& a);
NDArray sqrt(const NDArray& a);
NDArray abs(const NDArray& a);
NDArray sign(const NDArray& a);
NDArray sin(const NDArray& a);
NDArray cos(const NDArray& a);
NDArray tan(const NDArray& a);
NDArray asin(const NDArray& a);
NDArray acos(const NDArray& a);
NDArray atan(const NDArray& a);
NDArray sinh(const NDArray& a);
NDArray cosh(const NDArray& a);
NDArray tanh(const NDArray& a);
NDArray sigmoid(const NDArray& a);
NDArray relu(const NDArray& a);
NDArray erf(const NDArray& a);
NDArray gelu(const NDArray& a);  // exact: x * Phi(x)
NDArray step(const NDArray& a);  // 1 where a > 0 else 0

// ---- shape
NDArray permute(const NDArray& a, const std::vector<int64_t>& perm);
NDArray transpose(const NDArray& a);  // swaps the last two axes
NDArray broadcast_to(const NDArray& a, const Shape& shape);
// Sums a (broadcast) array down to `shape` (the inverse of broadcast_to).
NDArray sum_to(const NDArray& a, const Shape& shape);
NDArray slice(const NDArray& a, int64_t axis, int64_t start, int64_t stop, int64_t step = 1);
// Embeds `part` into zeros of `full_shape` at the slice positions (the adjoint of slice).
NDArray slice_scatter(const NDArray& part, const Shape& full_shape, int64_t axis, int64_t start,
                      int64_t stop, int64_t step = 1);
NDArray concatenate(const std::vector<NDArray>& parts, int64_t axis);
NDArray diagonal(const NDArray& a);  // last two axes -> their diagonal
NDArray diag_embed(const NDArray& d, int64_t rows, int64_t cols);  // adjoint of diagonal

// ---- reductions over axes (empty axes = all); keepdims keeps them as size 1
NDArray sum(const NDArray& a, const std::vector<int64_t>& axes = {}, bool keepdims = false);
NDArray max(const NDArray& a, const std::vector<int64_t>& axes = {}, bool keepdims = false);
NDArray min(const NDArray& a, const std::vector<int64_t>& axes = {}, bool keepdims = false);
// One axis as a plain integer: nd::sum(a, 1).
template <std::integral I>
  requires(!std::same_as<I, bool>)
NDArray sum(const NDArray& a, I axis, bool keepdims = false) {
  return sum(a, std::vector<int64_t>{int64_t(axis)}, keepdims);
}
template <std::integral I>
  requires(!std::same_as<I, bool>)
NDArray max(const NDArray& a, I axis, bool keepdims = false) {
  return max(a, std::vector<int64_t>{int64_t(axis)}, keepdims);
}
template <std::integral I>
  requires(!std::same_as<I, bool>)
NDArray min(const NDArray& a, I axis, bool keepdims = false) {
  return min(a, std::vector<int64_t>{int64_t(axis)}, keepdims);
}
double dot(const NDArray& a, const NDArray& b);  // sum(a * b), same shapes
double norm(const NDArray& a);                   // Frobenius
double max_abs(const NDArray& a);
bool all_finite(const NDArray& a);
// 64-bit hash of the bytes and the shape (four multiply-xorshift lanes, ~1 ms for 8 MiB).
// Not cryptographic: for caches whose hits are bit-identical recomputations.
uint64_t content_hash(const NDArray& a);

// ---- matmul (BLAS dgemm), numpy semantics: 1-D cases, batched with broadcasting over
// leading dims. trans_a / trans_b transpose the last two axes of a / b without a copy.
NDArray matmul(const NDArray& a, const NDArray& b, bool trans_a = false, bool trans_b = false);
// Row-major C (m x n, leading dimension ldc) = op(A) op(B) (+ C if accumulate), one dgemm;
// tall-skinny shapes (n <= 48, m >= 8 n, k >= 256) run as their faster short-wide transpose
// (nd_matmul.cpp).
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* A, int64_t lda,
          const double* B, int64_t ldb, double* C, int64_t ldc, bool accumulate = false);
// The same product as row blocks, for products run side by side, one per thread inside an
// OpenMP loop (where OpenBLAS runs serially): faster there than whole (nd_matmul.cpp).
void gemm_blocked(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* A, int64_t lda,
                  const double* B, int64_t ldb, double* C, int64_t ldc, bool accumulate = false);

// Shape bookkeeping shared by the ops: the shape after reducing `axes`.
Shape reduced_shape(const Shape& s, const std::vector<int64_t>& axes, bool keepdims);
std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t ndim, const char* op);

}  // namespace tnad::nd
