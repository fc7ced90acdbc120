// eigh, eigvalsh, eigh_truncated: forward kernels and adjoints side by side
// (docs/adjoints.md, "eigh"). Real case written; each ^T is ^H for complex.
#include "tnad/linalg/eigh.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include <cblas.h>

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

// ---- eigh_truncated's exact adjoint from the tridiagonal factors (kernels.hpp)
//
// The full rule with V's cotangent zero outside the k kept columns K, a = skew(V^T Vbar),
// inner = F o a + diag(wbar), Abar = V inner V^T, has inner nonzero only in the rows and
// columns K (and on the diagonal where wbar is). With B = inner[:, K] (n x k) and B' = B
// with its rows in K halved:  Abar = V_K (V B')^T + (V B') V_K^T,  and V B' = Q (Z B'),
// V^T Vbar_K = Z^T (Q^T Vbar_K): two dormtr, two n x n x k GEMMs and a dsyr2k instead of three
// n x n x n GEMMs and ~10 elementwise passes over n x n. Same rule, same regularised F
// (gap_width / regularized_reciprocal: the bits of inverse_gaps), so no new trap; a
// cotangent on a discarded eigenvalue (the discarded weight differentiated) needs every
// column and takes the full rule (truncated_backward_full).
struct TruncatedFactors {
  TridiagonalEigh f;
  Index order, kept;  // per matrix: the n positions (ascending w) by descending |w|; the first k
  int64_t k = 0;
  Shape batch;
};

// A tensor with A's value whose gradient goes where the node's input 0 sends it: lets a
// recorded backward differentiate the full decomposition of A without A being saved.
class InputAlias final : public Node {
 public:
  InputAlias() : Node("eigh_truncated_input") {}
  std::vector<Tensor> vjp(const std::vector<Tensor>& g) override { return {g[0]}; }
};

NDArray full_vectors(const TruncatedFactors& t) {  // V = Q Z, row-major, every column
  const int64_t n = t.f.n;
  NDArray V = NDArray::empty(with_matrix(t.batch, n, n));
  double* v = V.mutable_data();
  for_each_matrix(t.f.count, 4 * n * n * n, [&](int64_t i) { eigenvectors(t.f, i, nullptr, n, v + i * n * n); });
  return V;
}

// The full rule on every column: for recorded backwards (second derivatives: the full
// decomposition is recorded on an alias of A, so the rule differentiates as eigh's does)
// and for a cotangent on the discarded eigenvalues.
Tensor truncated_backward_full(OpContext& c, const TruncatedFactors& t, const Tensor& gw, const Tensor& gV,
                               const DegeneracyOptions& deg) {
  const int64_t n = t.f.n;
  const NDArray V = full_vectors(t), w = t.f.w.reshape(with_vector(t.batch, n));
  Tensor a;
  if (grad_enabled()) {
    auto alias = std::make_shared<InputAlias>();
    const Shape& s = c.input_shape(0);
    alias->mutable_output_shapes().push_back(s);
    alias->mutable_input_shapes().push_back(s);
    alias->mutable_next() = {c.node().next()[0]};
    // its value: V diag(w) V^T (eigh saves only its outputs, so this only has to be A's)
    a = detail::make_output(
        nd::matmul(nd::mul(V, w.reshape(with_matrix(t.batch, 1, n))), V, false, true).reshape(s), std::move(alias), 0);
  } else {
    a = Tensor(NDArray::zeros(c.input_shape(0)));
  }
  const Eigh full = record_eigh(reshape(a, with_matrix(t.batch, n, n)), EighFactors{w, V}, deg);
  const Tensor gw_full = gw.defined() ? scatter_columns(gw, t.order, t.f.count, n) : Tensor();
  const Tensor gV_full = gV.defined() ? scatter_columns(gV, t.kept, t.f.count, n) : Tensor();
  return reshape(eigh_backward(full.w, full.V, gw_full, gV_full, deg), c.input_shape(0));
}

// The thin form above, one pass per matrix (first-order backwards).
NDArray truncated_backward_thin(const TruncatedFactors& t, const NDArray& Vk, const NDArray* gw, const NDArray* gV,
                                const DegeneracyOptions& deg) {
  const int64_t n = t.f.n, k = t.k;
  NDArray gA = NDArray::empty(with_matrix(t.batch, n, n));
  const NDArray floors = gap_floors(spectrum_scale(t.f.w), deg);
  const double r = std::sqrt(deg.eps);
  double* out = gA.mutable_data();
  for_each_matrix(t.f.count, 8 * n * n * k, [&](int64_t i) {
    const double* w = t.f.w.data() + i * n;
    const double* Zc = t.f.Z.data() + i * n * n;  // column-major Z
    const int64_t* kept = t.kept->data() + i * k;
    const int64_t* order = t.order->data() + i * n;
    std::vector<int64_t> pos(std::size_t(n), -1);  // column of B for a kept position
    for (int64_t j = 0; j < k; ++j) pos[std::size_t(kept[j])] = j;
    std::vector<double> gw_asc(std::size_t(n), 0.0);
    if (gw)
      for (int64_t j = 0; j < n; ++j) gw_asc[std::size_t(order[j])] = gw->data()[i * n + j];
    Scratch J(n * k), B(n * k);  // column-major n x k
    if (gV) {
      Scratch H(n * k);  // Q^T Vbar_K, then J = V^T Vbar_K = Z^T H
      for (int64_t q = 0; q < n; ++q)
        for (int64_t j = 0; j < k; ++j) H[j * n + q] = gV->data()[(i * n + q) * k + j];
      apply_q(t.f, i, true, H.data(), k);
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, int(n), int(k), int(n), 1.0, Zc, int(n), H.data(), int(n),
                  0.0, J.data(), int(n));
    } else {
      J.fill(0.0);
    }
    const double floor = floors.data()[i];
    for (int64_t j = 0; j < k; ++j) {
      const int64_t l = kept[j];
      for (int64_t q = 0; q < n; ++q) {
        const int64_t jq = pos[std::size_t(q)];
        const double a = 0.5 * (jq >= 0 ? J[j * n + q] - J[jq * n + l] : J[j * n + q]);  // skew(V^T Vbar)_ql
        const double width = gap_width(std::abs(w[q]), std::abs(w[l]), floor, r);
        double b = regularized_reciprocal(w[l] - w[q], width, width * width, deg.rule) * a;  // F_ql a_ql
        if (q == l) b += gw_asc[std::size_t(l)];
        B[j * n + q] = jq >= 0 ? 0.5 * b : b;
      }
    }
    Scratch Y(n * k);  // V B' = Q (Z B')
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, int(n), int(k), int(n), 1.0, Zc, int(n), B.data(), int(n),
                0.0, Y.data(), int(n));
    apply_q(t.f, i, false, Y.data(), k);
    // Abar = V_K Y^T + Y V_K^T: one symmetric rank-2k update of the lower triangle, then
    // the upper mirrored (half the flops of two n x n x k GEMMs; n = 512, k = 32: 0.60
    // against 0.85 ms with the mirror). dsyr2k wants both n x k row-major: Y transposed.
    double* g = out + i * n * n;
    const double* v = Vk.data() + i * n * k;
    Scratch Yr(n * k);
    for (int64_t q = 0; q < n; ++q)
      for (int64_t j = 0; j < k; ++j) Yr[q * k + j] = Y[j * n + q];
    cblas_dsyr2k(CblasRowMajor, CblasLower, CblasNoTrans, int(n), int(k), 1.0, v, int(k), Yr.data(), int(k), 0.0, g,
                 int(n));
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = r + 1; c < n; ++c) g[r * n + c] = g[c * n + r];
  });
  return gA;
}

// The recorded op: A -> (w by descending |w|, the k kept columns of V).
std::vector<Tensor> record_truncated(const Tensor& A, std::shared_ptr<const TruncatedFactors> t, NDArray w_sorted,
                                     NDArray V_kept, const DegeneracyOptions& degeneracy) {
  const std::array<Tensor, 1> in{A};
  return record_multi(
      "eigh_truncated", in, {std::move(w_sorted), std::move(V_kept)}, save::out(1),
      [t, degeneracy](OpContext& c, const std::vector<Tensor>& g) {
        const int64_t n = t->f.n, k = t->k;
        bool discarded_cotangent = false;  // the discarded weight differentiated
        if (g[0].defined() && k < n) {
          const double* gw = g[0].value().data();
          for (int64_t i = 0; i < t->f.count; ++i)
            for (int64_t j = k; j < n; ++j) discarded_cotangent = discarded_cotangent || gw[i * n + j] != 0.0;
        }
        if (grad_enabled() || discarded_cotangent) return Grads{truncated_backward_full(c, *t, g[0], g[1], degeneracy)};
        if (!g[0].defined() && !g[1].defined()) return Grads{Tensor()};
        const NDArray gw = g[0].defined() ? g[0].value() : NDArray(), gV = g[1].defined() ? g[1].value() : NDArray();
        return Grads{Tensor(truncated_backward_thin(*t, c.output(1).value(), g[0].defined() ? &gw : nullptr,
                                                    g[1].defined() ? &gV : nullptr, degeneracy)
                                .reshape(c.input_shape(0)))};
      });
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
  // A's tridiagonal factors; only the kept vectors are formed (kernels.hpp, TridiagonalEigh).
  auto tf = std::make_shared<ld::TruncatedFactors>();
  tf->f = ld::tridiagonal_eigh(A.value(), "eigh");
  tf->batch = b.batch;
  // Per matrix: all columns by descending |w| (ties: larger w first), and those |w|.
  auto order = std::make_shared<std::vector<int64_t>>(b.count * n);
  std::vector<double> magnitudes(std::size_t(b.count * n));
  const double* w = tf->f.w.data();
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
  // V_K = Q Z_K, each column's largest-|.| entry made positive, the same flips in Z_K
  // (so that V = Q Z stays true for the adjoint).
  NDArray Vk = NDArray::empty(ld::with_matrix(b.batch, n, k));
  double* vk = Vk.mutable_data();
  double* Z = tf->f.Z.mutable_data();
  ld::for_each_matrix(b.count, 4 * n * n * k, [&](int64_t i) {
    const int64_t* cols = kept->data() + i * k;
    double* v = vk + i * n * k;
    ld::eigenvectors(tf->f, i, cols, k, v);
    ld::Scratch Zk(k * n);  // row j = Z's row cols[j], flipped with V's column j
    for (int64_t j = 0; j < k; ++j) std::copy(Z + (i * n + cols[j]) * n, Z + (i * n + cols[j] + 1) * n, Zk.data() + j * n);
    ld::fix_signs(v, n, k, k, Zk.data(), n);
    for (int64_t j = 0; j < k; ++j) std::copy(Zk.data() + j * n, Zk.data() + (j + 1) * n, Z + (i * n + cols[j]) * n);
  });
  // w in that order, so that the discarded weight reads the tail directly (no cancellation).
  NDArray sorted = ld::gather_values(tf->f.w.reshape(ld::with_vector(b.batch, n)), order, b.count, n);
  Tensor w_sorted, w_kept, V_kept;
  if (adjoint == TruncatedAdjoint::kept_only) {
    // The old rule, for comparisons (truncation.hpp): the kept pairs recorded alone, with
    // eigh_backward on k columns; the discarded values enter the weight as constants.
    const std::array<Tensor, 1> in{A};
    auto out = record_multi("eigh_truncated_kept_only", in, {nd::slice(sorted, -1, 0, k).clone(), std::move(Vk)},
                            save::out(0) | save::out(1), [degeneracy](OpContext& c, const std::vector<Tensor>& g) {
                              return Grads{ld::eigh_backward(c.output(0), c.output(1), g[0], g[1], degeneracy)};
                            });
    w_kept = out[0];
    V_kept = out[1];
    w_sorted = k == n ? w_kept : concatenate({w_kept, Tensor(nd::slice(sorted, -1, k, n).clone())}, -1);
  } else {
    tf->order = order;
    tf->kept = kept;
    tf->k = k;
    auto out = ld::record_truncated(A, tf, std::move(sorted), std::move(Vk), degeneracy);
    w_sorted = out[0];
    w_kept = k == n ? w_sorted : slice(w_sorted, -1, 0, k);
    V_kept = out[1];
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
