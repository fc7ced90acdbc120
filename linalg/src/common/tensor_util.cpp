#include "common/tensor_util.hpp"

#include <algorithm>

#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"

namespace tnad::linalg_detail {

// C = op(A) op(B):
//   Abar = ta ? op(B) Cbar^T : Cbar op(B)^T,   Bbar = tb ? Cbar^T op(A) : op(A)^T Cbar,
// each again an mm with flags (and batch-broadcast gradients summed back by sum_to).
Tensor mm(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  // One definition of the flagged matmul and its VJP: libad's (ops_matmul.cpp).
  return matmul(a, b, ta, tb);
}

namespace {
// Tiles of 32 x 32 (and their mirror tiles): the transposed reads stay in cache; a row-by-row
// loop reads X^T a column at a time, one cache line per element (9% of a 512 svd backward).
NDArray skew_values(const NDArray& x) {
  const int64_t n = x.size(-1);
  if (x.ndim() < 2 || x.size(-2) != n) throw_error("skew: needs square matrices, got ", x.shape());
  NDArray out = NDArray::empty(x.shape());
  const double* p = x.data();
  double* q = out.mutable_data();
  const int64_t count = x.numel() / (n * n);
  constexpr int64_t kTile = 32;
  const int64_t tiles = (n + kTile - 1) / kTile;
#pragma omp parallel for collapse(2) schedule(dynamic) if (count * n * n >= (int64_t(1) << 16))
  for (int64_t b = 0; b < count; ++b)
    for (int64_t ti = 0; ti < tiles; ++ti) {
      const double* pb = p + b * n * n;
      double* qb = q + b * n * n;
      const int64_t i0 = ti * kTile, i1 = std::min(n, i0 + kTile);
      for (int64_t j0 = i0; j0 < n; j0 += kTile) {
        const int64_t j1 = std::min(n, j0 + kTile);
        for (int64_t i = i0; i < i1; ++i) {
          if (j0 == i0) qb[i * n + i] = 0.0;
          for (int64_t j = std::max(j0, i + 1); j < j1; ++j) {
            const double v = 0.5 * (pb[i * n + j] - pb[j * n + i]);
            qb[i * n + j] = v;
            qb[j * n + i] = -v;
          }
        }
      }
    }
  return out;
}
}  // namespace

// skew is linear and its adjoint is skew itself: <G, (X - X^T)/2> = <(G - G^T)/2, X>.
Tensor skew(const Tensor& x) {
  return record("skew", {x}, skew_values(x.value()), save::none,
                [](OpContext&, const Tensor& g) { return grads(skew(g)); });
}

NDArray band_mask(int64_t rows, int64_t cols, int64_t lo, int64_t hi) {
  NDArray m = NDArray::zeros(Shape{rows, cols});
  double* p = m.mutable_data();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) p[i * cols + j] = (j - i >= lo && j - i <= hi) ? 1.0 : 0.0;
  return m;
}

Tensor triu(const Tensor& x, int64_t k) {
  const int64_t r = x.size(-2), c = x.size(-1);
  return x * Tensor(band_mask(r, c, k, c));
}
Tensor tril(const Tensor& x, int64_t k) {
  const int64_t r = x.size(-2), c = x.size(-1);
  return x * Tensor(band_mask(r, c, -r, k));
}
Tensor diag_embed(const Tensor& v) {
  const int64_t k = v.size(-1);
  return expand_dims(v, -2) * Tensor(NDArray::eye(k));
}
Tensor diagonal(const Tensor& x) { return sum(x * Tensor(band_mask(x.size(-2), x.size(-1), 0, 0)), {-1}); }
Tensor copyltu(const Tensor& m) {
  const Tensor low = tril(m, -1);
  return low + mT(low) + m * Tensor(band_mask(m.size(-2), m.size(-1), 0, 0));
}

}  // namespace tnad::linalg_detail
