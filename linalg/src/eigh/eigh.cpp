// eigh, eigvalsh, eigh_truncated: forward kernels and adjoints side by side
// (docs/adjoints.md, "eigh"). Real case written; each ^T is ^H for complex.
#include "tnad/linalg/eigh.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include "lapack/kernels.hpp"
#include "common/spectral.hpp"
#include "common/tensor_util.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {
namespace linalg_detail {
namespace {

// Abar = V [diag(wbar) + F o a] V^T, a = (V^T Vbar - Vbar^T V)/2, F_ij = 1/(w_j - w_i)
// (regularised; the product F o a is symmetric, so Abar is).
Tensor eigh_backward(const Tensor& w, const Tensor& V, const Tensor& gw, const Tensor& gV,
                     const DegeneracyOptions& deg) {
  Tensor inner;
  if (gV.defined())
    inner = inverse_gaps(w, spectrum_scale(w.value()), deg) * skew(mm(V, gV, true, false));
  if (gw.defined()) inner = plus(inner, diag_embed(gw));
  if (!inner.defined()) return Tensor();
  return mm(V, mm(inner, V, false, true));
}

// Column selection along the last axis with one index list per batch matrix:
// x (B..., R..., L) -> (B..., R..., k), out[b, r, j] = x[b, r, idx[b][j]]. The batch B
// is the leading `count` entries; R... (e.g. the rows of V) is shared.
using Index = std::shared_ptr<const std::vector<int64_t>>;

NDArray gather_values(const NDArray& x, const Index& idx, int64_t count, int64_t k) {
  const int64_t L = x.size(-1), inner = x.numel() / (count * L);
  Shape s = x.shape();
  s[s.size() - 1] = k;
  NDArray out = NDArray::empty(s);
  const double* px = x.data();
  double* po = out.mutable_data();
  for (int64_t b = 0; b < count; ++b)
    for (int64_t r = 0; r < inner; ++r)
      for (int64_t j = 0; j < k; ++j)
        po[(b * inner + r) * k + j] = px[(b * inner + r) * L + (*idx)[b * k + j]];
  return out;
}
NDArray scatter_values(const NDArray& g, const Index& idx, int64_t count, int64_t L) {
  const int64_t k = g.size(-1), inner = g.numel() / (count * k);
  Shape s = g.shape();
  s[s.size() - 1] = L;
  NDArray out = NDArray::zeros(s);
  const double* pg = g.data();
  double* po = out.mutable_data();
  for (int64_t b = 0; b < count; ++b)
    for (int64_t r = 0; r < inner; ++r)
      for (int64_t j = 0; j < k; ++j)
        po[(b * inner + r) * L + (*idx)[b * k + j]] += pg[(b * inner + r) * k + j];
  return out;
}
Tensor scatter_columns(const Tensor& g, const Index& idx, int64_t count, int64_t L);
Tensor gather_columns(const Tensor& x, const Index& idx, int64_t count, int64_t k) {
  const int64_t L = x.size(-1);
  return record("eigh_truncated_select", {x}, gather_values(x.value(), idx, count, k), save::none,
                [idx, count, L](OpContext&, const Tensor& g) {
                  return grads(scatter_columns(g, idx, count, L));
                });
}
Tensor scatter_columns(const Tensor& g, const Index& idx, int64_t count, int64_t L) {
  const int64_t k = g.size(-1);
  return record("eigh_truncated_scatter", {g}, scatter_values(g.value(), idx, count, L), save::none,
                [idx, count, k](OpContext&, const Tensor& gg) {
                  return grads(gather_columns(gg, idx, count, k));
                });
}

}  // namespace
}  // namespace linalg_detail

namespace ld = linalg_detail;

Eigh eigh(const Tensor& A, const DegeneracyOptions& degeneracy) {
  ld::EighFactors f = ld::eigh_factors(A.value(), true, "eigh");
  const std::array<Tensor, 1> in{A};
  auto out = record_multi("eigh", in, {std::move(f.w), std::move(f.V)}, save::out(0) | save::out(1),
                          [degeneracy](OpContext& c, const std::vector<Tensor>& g) {
                            return Grads{ld::eigh_backward(c.output(0), c.output(1), g[0], g[1], degeneracy)};
                          });
  return {out[0], out[1]};
}

Tensor eigvalsh(const Tensor& A) {
  const std::array<Tensor, 1> in{A};
  if (detail::should_record(in)) return eigh(A).w;
  return Tensor(ld::eigh_factors(A.value(), false, "eigvalsh").w);
}

TruncatedEigh eigh_truncated(const Tensor& A, const Truncation& t, const DegeneracyOptions& degeneracy) {
  const char* op = "eigh_truncated";
  check_truncation(t, op);
  const ld::MatrixBatch b = ld::matrix_batch(A.value(), op);
  ld::require_square(b, A.value(), op);
  ld::require_finite(A.value(), op);
  const int64_t n = b.n;
  const Eigh full = eigh(A, degeneracy);
  // Per matrix: all columns by descending |w| (ties: larger w first), and those |w|.
  auto order = std::make_shared<std::vector<int64_t>>(b.count * n);
  std::vector<double> magnitudes(std::size_t(b.count * n));
  const double* w = full.w.data();
  for (int64_t i = 0; i < b.count; ++i) {
    const double* wi = w + i * n;
    int64_t* oi = order->data() + i * n;
    std::iota(oi, oi + n, 0);
    std::stable_sort(oi, oi + n, [&](int64_t x, int64_t y) {
      if (std::abs(wi[x]) != std::abs(wi[y])) return std::abs(wi[x]) > std::abs(wi[y]);
      return wi[x] > wi[y];
    });
    for (int64_t j = 0; j < n; ++j) magnitudes[std::size_t(i * n + j)] = std::abs(wi[oi[j]]);
  }
  const int64_t k = kept_rank(magnitudes, t, b.count, op);
  auto kept = std::make_shared<std::vector<int64_t>>(b.count * k);
  for (int64_t i = 0; i < b.count; ++i)
    std::copy(order->begin() + i * n, order->begin() + i * n + k, kept->begin() + i * k);
  // w in that order, so that the discarded weight reads the tail directly (no cancellation).
  const Tensor w_sorted = ld::gather_columns(full.w, order, b.count, n);
  const Tensor w_kept = k == n ? w_sorted : slice(w_sorted, -1, 0, k);
  const Tensor total = sum(w_sorted * w_sorted, {-1});
  Tensor discarded = total * 0.0;
  if (k < n) {
    const Tensor tail = slice(w_sorted, -1, k, n);
    const Tensor positive(nd::greater(total.value(), NDArray::scalar(0.0)));
    discarded = where(positive, sum(tail * tail, {-1}) / where(positive, total, Tensor(1.0)), Tensor(0.0));
  }
  return {w_kept, ld::gather_columns(full.V, kept, b.count, k), discarded};
}

}  // namespace tnad
