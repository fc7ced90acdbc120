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
// (regularised; the product F o a is symmetric, so Abar is). With k < n columns (the kept
// pairs of eigh_truncated's kept_only rule) the same rule as if the other n - k eigenvalues
// were zero, which adds sym(P Vbar W^-1 V^T), P = I - V V^T (the zero-padded full rule's
// (discarded, kept) blocks at w_discarded = 0; the thin SVD's (Ubar - U J_U) S^-1 term).
Tensor eigh_backward(const Tensor& w, const Tensor& V, const Tensor& gw, const Tensor& gV,
                     const DegeneracyOptions& deg) {
  const NDArray scale = spectrum_scale(w.value());
  Tensor inner, J;
  if (gV.defined()) {
    J = mm(V, gV, true, false);
    inner = inverse_gaps(w, scale, deg) * skew(J);
  }
  if (gw.defined()) inner = plus(inner, diag_embed(gw));
  Tensor gA = inner.defined() ? mm(V, mm(inner, V, false, true)) : Tensor();
  if (gV.defined() && V.size(-1) < V.size(-2)) {
    const Tensor C = scale_columns(gV - mm(V, J), inverse_values(w, scale, deg));  // P Vbar W^-1
    gA = plus(gA, 0.5 * (mm(C, V, false, true) + mm(V, C, false, true)));
  }
  return gA;
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

namespace linalg_detail {
namespace {
// The eigh op: A -> (w, V) from its factors, with the full rule.
Eigh record_eigh(const Tensor& A, EighFactors f, const DegeneracyOptions& degeneracy) {
  const std::array<Tensor, 1> in{A};
  auto out = record_multi("eigh", in, {std::move(f.w), std::move(f.V)}, save::out(0) | save::out(1),
                          [degeneracy](OpContext& c, const std::vector<Tensor>& g) {
                            return Grads{eigh_backward(c.output(0), c.output(1), g[0], g[1], degeneracy)};
                          });
  return {out[0], out[1]};
}
}  // namespace
}  // namespace linalg_detail

Eigh eigh(const Tensor& A, const DegeneracyOptions& degeneracy) {
  return ld::record_eigh(A, ld::eigh_factors(A.value(), true, "eigh"), degeneracy);
}

Tensor eigvalsh(const Tensor& A) {
  const std::array<Tensor, 1> in{A};
  if (detail::should_record(in)) return eigh(A).w;
  return Tensor(ld::eigh_factors(A.value(), false, "eigvalsh").w);
}

TruncatedEigh eigh_truncated(const Tensor& A, const Truncation& t, const DegeneracyOptions& degeneracy,
                             TruncatedAdjoint adjoint) {
  const char* op = "eigh_truncated";
  check_truncation(t, op);
  if (adjoint == TruncatedAdjoint::sylvester)
    throw_error(op, ": adjoint sylvester (option B) is an svd_truncated rule; eigh_truncated takes automatic, ",
                "full_spectrum (the same exact rule) or kept_only");
  const ld::MatrixBatch b = ld::matrix_batch(A.value(), op);
  ld::require_square(b, A.value(), op);
  ld::require_finite(A.value(), op);
  const int64_t n = b.n;
  ld::EighFactors f = ld::eigh_factors(A.value(), true, "eigh");
  // Per matrix: all columns by descending |w| (ties: larger w first), and those |w|.
  auto order = std::make_shared<std::vector<int64_t>>(b.count * n);
  std::vector<double> magnitudes(std::size_t(b.count * n));
  const double* w = f.w.data();
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
  Tensor w_sorted, w_kept, V_kept;
  if (adjoint == TruncatedAdjoint::kept_only) {
    // The old rule, for comparisons (truncation.hpp): the kept pairs recorded alone, with
    // eigh_backward on k columns; the discarded values enter the weight as constants.
    const std::array<Tensor, 1> in{A};
    auto out = record_multi("eigh_truncated_kept_only", in,
                            {ld::gather_values(f.w, kept, b.count, k), ld::gather_values(f.V, kept, b.count, k)},
                            save::out(0) | save::out(1), [degeneracy](OpContext& c, const std::vector<Tensor>& g) {
                              return Grads{ld::eigh_backward(c.output(0), c.output(1), g[0], g[1], degeneracy)};
                            });
    w_kept = out[0];
    V_kept = out[1];
    const NDArray sorted = ld::gather_values(f.w, order, b.count, n);
    w_sorted = k == n ? w_kept : concatenate({w_kept, Tensor(nd::slice(sorted, -1, k, n).clone())}, -1);
  } else {
    // Exact: the full decomposition recorded, its columns selected (cotangents zero-padded).
    const Eigh full = ld::record_eigh(A, std::move(f), degeneracy);
    w_sorted = ld::gather_columns(full.w, order, b.count, n);
    w_kept = k == n ? w_sorted : slice(w_sorted, -1, 0, k);
    V_kept = ld::gather_columns(full.V, kept, b.count, k);
  }
  const Tensor total = sum(w_sorted * w_sorted, {-1});
  Tensor discarded = total * 0.0;
  if (k < n) {
    const Tensor tail = slice(w_sorted, -1, k, n);
    const Tensor positive(nd::greater(total.value(), NDArray::scalar(0.0)));
    discarded = where(positive, sum(tail * tail, {-1}) / where(positive, total, Tensor(1.0)), Tensor(0.0));
  }
  return {w_kept, V_kept, discarded};
}

}  // namespace tnad
