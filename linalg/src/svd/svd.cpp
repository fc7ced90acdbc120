// svd, svdvals and svd_truncated: forward kernels and adjoints side by side.
// Formulas: docs/adjoints.md, "SVD" (thin, degeneracies) and "truncated SVD" (options A
// and B). Real case written; each ^T below is ^H for complex.
#include "tnad/linalg/svd.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <list>
#include <mutex>

#include "lapack/kernels.hpp"
#include "common/spectral.hpp"
#include "common/tensor_util.hpp"
#include "tnad/ad/autograd.hpp"
#include "tnad/ad/checkpoint.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {
namespace linalg_detail {
namespace {

// Least recently used first out; `capacity` entries at most.
template <class Key, class Value>
struct Lru {
  std::size_t capacity = 0, hits = 0;
  std::list<std::pair<Key, Value>> entries;  // most recent first

  bool find(const Key& k, Value& out) {
    for (auto it = entries.begin(); it != entries.end(); ++it)
      if (it->first == k) {
        entries.splice(entries.begin(), entries, it);
        out = it->second;
        ++hits;
        return true;
      }
    return false;
  }
  void insert(const Key& k, const Value& v) {
    if (capacity == 0) return;
    entries.emplace_front(k, v);
    while (entries.size() > capacity) entries.pop_back();
  }
};

}  // namespace
}  // namespace linalg_detail

struct SvdCache::Impl {
  struct Key {
    uint64_t hash, rank, oversampling, power_iterations, seed;
    bool operator==(const Key&) const = default;
  };
  // A Sylvester solve of option B: M = A_perp is a deterministic function of A and its
  // factors, so the factorization's key stands for it; s and R are hashed.
  struct SolveKey {
    Key factors;
    uint64_t s, r;
    bool operator==(const SolveKey&) const = default;
  };
  mutable std::mutex mu;
  linalg_detail::Lru<Key, linalg_detail::SvdFactors> factors;
  linalg_detail::Lru<SolveKey, NDArray> solves;

  bool find(const Key& k, linalg_detail::SvdFactors& out) {
    std::lock_guard<std::mutex> lock(mu);
    return factors.find(k, out);
  }
  void insert(const Key& k, const linalg_detail::SvdFactors& f) {
    std::lock_guard<std::mutex> lock(mu);
    factors.insert(k, f);
  }
  bool find(const SolveKey& k, NDArray& out) {
    std::lock_guard<std::mutex> lock(mu);
    return solves.find(k, out);
  }
  void insert(const SolveKey& k, const NDArray& x) {
    std::lock_guard<std::mutex> lock(mu);
    solves.insert(k, x);
  }
};

// The only way to SvdCache's internals (a friend of SvdCache; not in the installed header).
namespace linalg_detail {
struct SvdCacheAccess {
  using Impl = SvdCache::Impl;
  static Impl& of(SvdCache& c) { return *c.impl_; }
};
}  // namespace linalg_detail
using CacheImpl = linalg_detail::SvdCacheAccess::Impl;


namespace linalg_detail {
namespace {

struct GammaParts {
  Tensor Gamma, JU, JV;  // each may be undefined (absent cotangents)
};

// Gamma = F o (a_U + a_V) + G o (a_U - a_V) + diag(Sbar), with J_U = U^T Ubar,
// J_V = V^T Vbar, a_X = (J_X - J_X^T)/2. (Complex: a_U - a_V keeps its imaginary
// diagonal, which G_ii = 1/(2 s_i) turns into the Wan-Zhang phase term.)
//
// A backward that is not itself recorded (first-order gradients) forms Gamma from J_U, J_V,
// s and Sbar in one pass per matrix (gamma_values); a recorded one (second derivatives)
// composes the ops below. Both give the same bits: ~17 elementwise passes over K x K arrays
// were a quarter of a 512 x 512 backward.
NDArray gamma_values(const NDArray* JU, const NDArray* JV, const NDArray& S, const NDArray* gS,
                     const NDArray& scale, const DegeneracyOptions& deg) {
  const int64_t K = S.size(-1), count = S.numel() / std::max<int64_t>(K, 1);
  Shape shape = S.shape();
  shape.push_back(K);
  NDArray out = NDArray::empty(shape);
  const NDArray floors = gap_floors(scale, deg), wg = sum_widths(scale, deg);
  const double r = std::sqrt(deg.eps);
  const double *s = S.data(), *ju = JU ? JU->data() : nullptr, *jv = JV ? JV->data() : nullptr,
               *gs = gS ? gS->data() : nullptr;
  double* g = out.mutable_data();
  const Broadening rule = deg.rule;
  // Row segments of 32 x 32 tiles: a_X reads X^T, which stays in cache within a tile, and
  // the reciprocals (two divisions per element) vectorize over a segment.
  constexpr int64_t kTile = 32;
  const int64_t tiles = (K + kTile - 1) / kTile;
#pragma omp parallel for collapse(2) schedule(static) if (count * K * K >= (int64_t(1) << 16))
  for (int64_t m = 0; m < count; ++m)
    for (int64_t ti = 0; ti < tiles; ++ti) {
      const double* sm = s + m * K;
      const double floor = floors.data()[m], gw = wg.data()[m], gw2 = gw * gw;
      const double *jum = ju ? ju + m * K * K : nullptr, *jvm = jv ? jv + m * K * K : nullptr;
      double F[kTile], G[kTile], aU[kTile], aV[kTile];
      // (X - X^T)/2 as skew() forms it: from the upper triangle, negated below the diagonal
      // (so that even the signs of zeros agree with the recorded path).
      auto skew_row = [K](const double* x, int64_t i, int64_t j0, int64_t len, double* a) {
        for (int64_t t = 0; t < len; ++t) {
          const int64_t j = j0 + t;
          if (j > i) a[t] = 0.5 * (x[i * K + j] - x[j * K + i]);
          else if (j < i) a[t] = -(0.5 * (x[j * K + i] - x[i * K + j]));
          else a[t] = 0.0;
        }
      };
      const int64_t i0 = ti * kTile, i1 = std::min(K, i0 + kTile);
      for (int64_t j0 = 0; j0 < K; j0 += kTile) {
        const int64_t len = std::min(K, j0 + kTile) - j0;
        for (int64_t i = i0; i < i1; ++i) {
          const double si = sm[i];
          const double* sj = sm + j0;
          // the gap width of each pair as inverse_gaps forms it (relative to the pair)
          const double abs_i = std::fabs(si);
          if (rule == Broadening::lorentzian) {
            for (int64_t t = 0; t < len; ++t) {
              const double x = sj[t] - si, y = si + sj[t];
              const double fw = gap_width(abs_i, std::fabs(sj[t]), floor, r);
              F[t] = x / (x * x + fw * fw);
              G[t] = y / (y * y + gw2);
            }
          } else {
            for (int64_t t = 0; t < len; ++t) {
              const double fw = gap_width(abs_i, std::fabs(sj[t]), floor, r);
              F[t] = regularized_reciprocal(sj[t] - si, fw, fw * fw, rule);
              G[t] = regularized_reciprocal(si + sj[t], gw, gw2, rule);
            }
          }
          double* row = g + (m * K + i) * K + j0;
          if (jum) skew_row(jum, i, j0, len, aU);
          if (jvm) skew_row(jvm, i, j0, len, aV);
          if (jum && jvm) {
            for (int64_t t = 0; t < len; ++t) row[t] = F[t] * (aU[t] + aV[t]) + G[t] * (aU[t] - aV[t]);
          } else if (jum) {
            for (int64_t t = 0; t < len; ++t) row[t] = (F[t] + G[t]) * aU[t];
          } else if (jvm) {
            for (int64_t t = 0; t < len; ++t) row[t] = (F[t] - G[t]) * aV[t];
          } else {
            for (int64_t t = 0; t < len; ++t) row[t] = 0.0;
          }
          if (gs) {
            // diag(Sbar) added as plus(Gamma, diag_embed(gS)) adds it (+ 0 off the diagonal)
            const bool alone = !jum && !jvm;
            for (int64_t t = 0; t < len; ++t) {
              const double d = (j0 + t == i) ? gs[m * K + i] : 0.0;
              row[t] = alone ? d : row[t] + d;
            }
          }
        }
      }
    }
  return out;
}

GammaParts svd_gamma(const Tensor& U, const Tensor& S, const Tensor& Vh, const Tensor& gU,
                     const Tensor& gS, const Tensor& gVh, const NDArray& scale,
                     const DegeneracyOptions& deg) {
  GammaParts p;
  if (gU.defined()) p.JU = mm(U, gU, true, false);
  if (gVh.defined()) p.JV = mm(Vh, gVh, false, true);  // V^T Vbar with V = Vh^T, Vbar = gVh^T
  const std::array<Tensor, 4> deps{p.JU, p.JV, S, gS};
  if (!detail::should_record(deps)) {
    if (!p.JU.defined() && !p.JV.defined() && !gS.defined()) return p;
    const NDArray ju = p.JU.defined() ? p.JU.value() : NDArray(), jv = p.JV.defined() ? p.JV.value() : NDArray(),
                  gs = gS.defined() ? gS.value() : NDArray();
    p.Gamma = Tensor(gamma_values(p.JU.defined() ? &ju : nullptr, p.JV.defined() ? &jv : nullptr, S.value(),
                                  gS.defined() ? &gs : nullptr, scale, deg));
    return p;
  }
  Tensor aU, aV;
  if (p.JU.defined()) aU = skew(p.JU);
  if (p.JV.defined()) aV = skew(p.JV);
  if (aU.defined() || aV.defined()) {
    const Tensor F = inverse_gaps(S, scale, deg);
    const Tensor G = inverse_sums(S, scale, deg);
    if (aU.defined() && aV.defined())
      p.Gamma = F * (aU + aV) + G * (aU - aV);
    else if (aU.defined())
      p.Gamma = (F + G) * aU;
    else
      p.Gamma = (F - G) * aV;
  }
  if (gS.defined()) p.Gamma = plus(p.Gamma, diag_embed(gS));
  return p;
}

// Thin-SVD adjoint ("SVD"): Abar = U Gamma Vh + (Ubar - U J_U) S^-1 Vh
//                                + U S^-1 (Vhbar - J_V^T Vh).
Tensor svd_backward(Tensor U, const Tensor& S, Tensor Vh, Tensor gU, const Tensor& gS, Tensor gVh,
                    bool full_matrices, const DegeneracyOptions& deg) {
  const int64_t K = S.size(-1);
  if (full_matrices) {
    // The extra columns of U / rows of Vh are gauge: their cotangents are dropped.
    U = slice(U, -1, 0, K);
    Vh = slice(Vh, -2, 0, K);
    if (gU.defined()) gU = slice(gU, -1, 0, K);
    if (gVh.defined()) gVh = slice(gVh, -2, 0, K);
  }
  const int64_t m = U.size(-2), n = Vh.size(-1);
  const NDArray scale = spectrum_scale(S.value());
  const GammaParts p = svd_gamma(U, S, Vh, gU, gS, gVh, scale, deg);
  Tensor inner = p.Gamma.defined() ? mm(p.Gamma, Vh) : Tensor();
  Tensor Sinv;
  if ((gU.defined() && m > K) || (gVh.defined() && n > K)) Sinv = inverse_values(S, scale, deg);
  if (gVh.defined() && n > K) inner = plus(inner, scale_rows(gVh - mm(p.JV, Vh, true, false), Sinv));
  Tensor gA = inner.defined() ? mm(U, inner) : Tensor();
  if (gU.defined() && m > K) gA = plus(gA, mm(scale_columns(gU - mm(U, p.JU), Sinv), Vh));
  return gA;
}

// M = A_perp = P_U A P_V (P_U = I - U U^T, P_V = I - V V^T) applied, never formed: an m x n
// matrix and two rank-k updates per truncated-SVD backward are memory traffic that costs
// more than the thin products below.
Tensor project_out(const Tensor& Y, const Tensor& U) { return Y - mm(U, mm(U, Y, true, false)); }  // P_U Y
// M^T Y = P_V A^T P_U Y, with P_V Z = Z - Vh^T (Vh Z).
Tensor perp_t_times(const Tensor& A, const Tensor& U, const Tensor& Vh, const Tensor& Y) {
  const Tensor Z = mm(A, project_out(Y, U), true, false);
  return Z - mm(Vh, mm(Vh, Z), true, false);
}

// X solves X S^2 - M M^T X = R column by column (the eliminated Sylvester system of
// option B), M = P_U A P_V. An op of its own so that the truncated adjoint is
// differentiable again: the map L(X) = X S^2 - M M^T X is self-adjoint, so
// Rbar = L^{-1}(Xbar), and from dL(X) = X d(S^2) - (dM M^T + M dM^T) X:
//   Mbar = Rbar (M^T X)^T + X (M^T Rbar)^T = F G^T,  F = [Rbar, X],  G = [M^T X, M^T Rbar],
//   sbar_j = -2 s_j <rbar_j, x_j>.
// Through M = P_U A P_V (dP_U = -(dU U^T + U dU^T), likewise V; G = P_V G):
//   Abar  = P_U Mbar P_V = (P_U F) G^T
//   Ubar  = -Mbar P_V A^T U - A P_V Mbar^T U = -F (A G)^T U - (A G) (F^T U)
//   Vbar  = -A^T P_U Mbar V - Mbar^T P_U A V = -G ((P_U F)^T A V)   (G^T V = 0)
// `defl` only preconditions the solve (the same M, s appear in the adjoint's solve).
// `cache` (with the key of the factorization U, Vh came from, which with A fixes M): a
// solve inside a backward that will be differentiated is kept, and found again when the
// checkpointed re-run of that backward (recorded, in the second backward) solves the
// bit-identical system. Other solves (first-order backwards, the adjoint's own solve) are
// never repeated: not cached.
struct SolveCache {
  SvdCache* cache = nullptr;
  CacheImpl::Key factors{};
};

Tensor shifted_gram_solve_op(const Tensor& A, const Tensor& U, const Tensor& Vh, const Tensor& s, const Tensor& R,
                             const GramDeflation& defl, const SolveCache& sc) {
  const std::array<Tensor, 5> in{A, U, Vh, s, R};
  auto solve = [&] {
    return shifted_gram_solve(A.value(), s.value(), R.value(), "svd_truncated", defl, {U.value(), Vh.value()});
  };
  NDArray X;
  if (sc.cache && (detail::should_record(in) || detail::inside_recording_backward())) {
    const CacheImpl::SolveKey key{sc.factors, nd::content_hash(s.value()), nd::content_hash(R.value())};
    if (!SvdCacheAccess::of(*sc.cache).find(key, X)) {
      X = solve();
      SvdCacheAccess::of(*sc.cache).insert(key, X);
    }
  } else {
    X = solve();
  }
  return record("svd_truncated_sylvester", std::span<const Tensor>(in), std::move(X),
                save::in(0) | save::in(1) | save::in(2) | save::in(3) | save::out(0),
                [defl](OpContext& c, const Tensor& gX) {
                  const Tensor A = c.input(0), U = c.input(1), Vh = c.input(2), s = c.input(3), X = c.output(0);
                  const Tensor Rbar = shifted_gram_solve_op(A, U, Vh, s, gX, defl, SolveCache{});
                  Tensor Abar, Ubar, Vhbar, sbar;
                  if (c.needs_grad(0) || c.needs_grad(1) || c.needs_grad(2)) {
                    const Tensor F = concatenate({Rbar, X}, -1);                           // m x 2k
                    const Tensor G = perp_t_times(A, U, Vh, concatenate({X, Rbar}, -1));   // n x 2k
                    const Tensor PF = project_out(F, U);
                    if (c.needs_grad(0)) Abar = mm(PF, G, false, true);
                    if (c.needs_grad(1)) {
                      const Tensor AG = mm(A, G);  // m x 2k
                      Ubar = -(mm(F, mm(AG, U, true, false)) + mm(AG, mm(F, U, true, false)));
                    }
                    if (c.needs_grad(2)) Vhbar = -mm(mm(PF, mm(A, Vh, false, true), true, false), G, true, true);
                  }
                  if (c.needs_grad(3)) sbar = -2.0 * s * sum(Rbar * X, {-2});
                  return Grads{Abar, Ubar, Vhbar, sbar, Rbar};
                });
}

// Option B ("truncated SVD"): only A and the kept triplets. With A_perp = P_U A P_V,
//   X S - A_perp Y = P_U Ubar,  Y S - A_perp^T X = P_V Vbar,
// eliminated to X S^2 - A_perp A_perp^T X = P_U Ubar S + A_perp P_V Vbar, then
//   Y = (P_V Vbar + A_perp^T X) S^-1,   Abar = U Gamma_k Vh + X Vh + U Y^T.
// Setting A_perp = 0 gives the old (wrong) rule X = P_U Ubar S^-1. V-side quantities are
// kept in Vh's (k x n) layout: (P_V Vbar)^T = Vhbar - J_V^T Vh, Y^T = S^-1 (...)^T.
// A_perp is applied, not formed: A_perp Z = P_U A Z for Z in range(P_V), and
// X^T A_perp = (A_perp^T X)^T for X in range(P_U) (R is, and L keeps it there).
// `defl`: approximate next left singular pairs, to precondition the solve.
Tensor svd_truncated_backward(const Tensor& A, const Tensor& U, const Tensor& S, const Tensor& Vh,
                              const Tensor& gU, const Tensor& gS, const Tensor& gVh,
                              const DegeneracyOptions& deg, const GramDeflation& defl, const SolveCache& sc) {
  const NDArray scale = spectrum_scale(S.value());
  const GammaParts p = svd_gamma(U, S, Vh, gU, gS, gVh, scale, deg);
  if (!gU.defined() && !gVh.defined()) return p.Gamma.defined() ? mm(U, mm(p.Gamma, Vh)) : Tensor();
  const Tensor PUgU = gU.defined() ? gU - mm(U, p.JU) : Tensor();                   // m x k
  const Tensor PVgVh = gVh.defined() ? gVh - mm(p.JV, Vh, true, false) : Tensor();  // k x n
  Tensor R;
  if (PUgU.defined()) R = scale_columns(PUgU, S);
  if (PVgVh.defined()) R = plus(R, project_out(mm(A, PVgVh, false, true), U));
  const Tensor X = shifted_gram_solve_op(A, U, Vh, S, R, defl, sc);
  const Tensor Yh = scale_rows(plus(PVgVh, transpose(perp_t_times(A, U, Vh, X))), inverse_values(S, scale, deg));
  // Abar = U Gamma Vh + X Vh + U Y^T = [U, X] [Gamma Vh + Y^T; Vh]: one m x n product.
  // Its factors are copies of what the recorded backward keeps anyway: rematerialized
  // (recomputed by the second backward) rather than kept twice.
  const Tensor top = p.Gamma.defined() ? mm(p.Gamma, Vh) + Yh : Yh;
  const auto cat = [](int64_t axis) {
    return [axis](const std::vector<Tensor>& t) { return concatenate({t[0], t[1]}, axis); };
  };
  return mm(rematerialize(cat(-1), {U, X}), rematerialize(cat(-2), {top, Vh}));
}

}  // namespace
}  // namespace linalg_detail

SvdCache::SvdCache(std::size_t capacity) : impl_(std::make_unique<Impl>()) {
  impl_->factors.capacity = impl_->solves.capacity = capacity;
}
SvdCache::~SvdCache() = default;
std::size_t SvdCache::size() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->factors.entries.size();
}
std::size_t SvdCache::hits() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->factors.hits;
}
std::size_t SvdCache::solve_hits() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->solves.hits;
}

namespace linalg_detail {
namespace {

// The randomized factors of A, through the cache of `o` when there is one (then `key` is
// set to the factorization's key).
SvdFactors randomized_factors(const NDArray& A, const TruncationOptions& o, int64_t oversampling,
                              CacheImpl::Key& key) {
  if (!o.cache)
    return randomized_svd_factors(A, o.max_rank, oversampling, o.power_iterations, o.seed, "svd_truncated");
  key = {nd::content_hash(A), uint64_t(o.max_rank), uint64_t(oversampling), uint64_t(o.power_iterations), o.seed};
  SvdFactors f;
  if (SvdCacheAccess::of(*o.cache).find(key, f)) return f;
  f = randomized_svd_factors(A, o.max_rank, oversampling, o.power_iterations, o.seed, "svd_truncated");
  SvdCacheAccess::of(*o.cache).insert(key, f);
  return f;
}

// k from the (approximate) singular values, one k for the whole batch (truncation.hpp).
int64_t choose_rank(const NDArray& S, const TruncationOptions& o) {
  const int64_t L = S.size(-1);
  return kept_rank(std::span<const double>(S.data(), std::size_t(S.numel())), o, S.numel() / L, "svd_truncated");
}

void check_truncation_options(const TruncationOptions& o) {
  const char* op = "svd_truncated";
  check_truncation(o, op);
  if (o.oversampling < -1) throw_error(op, ": oversampling must be >= 0 or -1 (= max_rank), got ", o.oversampling);
  if (o.power_iterations < 0) throw_error(op, ": power_iterations must be >= 0, got ", o.power_iterations);
  if (o.method == SvdMethod::randomized && o.max_rank < 1)
    throw_error(op, ": the randomized method needs max_rank >= 1 (the sketch size), got ", o.max_rank);
  if (o.method == SvdMethod::randomized && o.adjoint == SvdAdjoint::full_spectrum)
    throw_error(op, ": adjoint full_spectrum (option A) needs method full; the randomized method never ",
                "computes the discarded triplets (use automatic or sylvester)");
}

// sum_{i>=k} s_i^2 / sum_i s_i^2 over the last axis; 0 for a zero matrix.
Tensor discarded_from_spectrum(const Tensor& S_all, int64_t k) {
  const Tensor total = sum(S_all * S_all, {-1});
  const int64_t L = S_all.size(-1);
  if (k >= L) return total * 0.0;
  const Tensor tail = slice(S_all, -1, k, L);
  const Tensor lost = sum(tail * tail, {-1});
  const Tensor positive(nd::greater(total.value(), NDArray::scalar(0.0)));
  return where(positive, lost / where(positive, total, Tensor(1.0)), Tensor(0.0));
}

// (|A|_F^2 - sum_k s_k^2) / |A|_F^2, clamped to [0, 1]; 0 for a zero matrix.
Tensor discarded_from_norm(const Tensor& A, const Tensor& S_kept) {
  // |A|_F^2 as one fused dot for a single matrix (no m x n temporary)
  const Tensor total = A.ndim() == 2 ? vdot(A, A) : sum(A * A, {-2, -1});
  const Tensor kept = sum(S_kept * S_kept, {-1});
  const Tensor positive(nd::greater(total.value(), NDArray::scalar(0.0)));
  const Tensor ratio = (total - kept) / where(positive, total, Tensor(1.0));
  return where(positive, clamp(ratio, 0.0, 1.0), Tensor(0.0));
}

}  // namespace
}  // namespace linalg_detail

namespace ld = linalg_detail;

SVD svd(const Tensor& A, const SvdOptions& options) {
  const bool full_matrices = options.full_matrices;
  const DegeneracyOptions degeneracy = options.degeneracy;
  ld::SvdFactors f = ld::svd_factors(A.value(), full_matrices, "svd");
  const std::array<Tensor, 1> in{A};
  auto out = record_multi(
      "svd", in, {std::move(f.U), std::move(f.S), std::move(f.Vh)},
      save::out(0) | save::out(1) | save::out(2),
      [degeneracy, full_matrices](OpContext& c, const std::vector<Tensor>& g) {
        return Grads{ld::svd_backward(c.output(0), c.output(1), c.output(2), g[0], g[1], g[2],
                                      full_matrices, degeneracy)};
      });
  return {out[0], out[1], out[2]};
}

Tensor svdvals(const Tensor& A) {
  const std::array<Tensor, 1> in{A};
  if (detail::should_record(in)) return svd(A).S;
  return Tensor(ld::singular_values(A.value(), "svdvals"));
}

TruncatedSVD svd_truncated(const Tensor& A, const TruncationOptions& o) {
  ld::check_truncation_options(o);
  ld::matrix_batch(A.value(), "svd_truncated");
  // NaN/Inf: the factorization kernels check (and a cache hit is a matrix that passed),
  // so the chi^4 scan runs once per new matrix, not again on every checkpointed re-run.
  const std::array<Tensor, 1> in{A};
  // `cache`/`key`: where the adjoint may keep its Sylvester solutions (randomized method).
  auto record_option_b = [&](const NDArray& U, const NDArray& S, const NDArray& Vh, int64_t k,
                             std::shared_ptr<SvdCache> cache, CacheImpl::Key key) {
    const DegeneracyOptions deg = o.degeneracy;
    // The computed triplets just below the cut (the sketch's oversampled columns, or the
    // next exact ones) precondition the adjoint's Sylvester solve.
    const int64_t p = std::min(S.size(-1) - k, k);
    ld::GramDeflation defl;
    if (p > 0) defl = {nd::slice(U, -1, k, k + p).clone(), nd::slice(S, -1, k, k + p).clone()};
    auto out = record_multi(
        "svd_truncated", in,
        {nd::slice(U, -1, 0, k).clone(), nd::slice(S, -1, 0, k).clone(), nd::slice(Vh, -2, 0, k).clone()},
        save::in(0) | save::out(0) | save::out(1) | save::out(2),
        [deg, defl, cache = std::move(cache), key](OpContext& c, const std::vector<Tensor>& g) {
          return Grads{ld::svd_truncated_backward(c.input(0), c.output(0), c.output(1), c.output(2), g[0],
                                                  g[1], g[2], deg, defl, ld::SolveCache{cache.get(), key})};
        });
    return out;
  };

  // kept_only (comparisons only; svd.hpp): the same kept factors, recorded with the thin-SVD
  // adjoint of the k triplets alone, svd_backward with k columns. Values: the same bits as
  // the exact routes.
  auto record_kept_only = [&](const NDArray& U, const NDArray& S, const NDArray& Vh, int64_t k) {
    const DegeneracyOptions deg = o.degeneracy;
    return record_multi(
        "svd_truncated_kept_only", in,
        {nd::slice(U, -1, 0, k).clone(), nd::slice(S, -1, 0, k).clone(), nd::slice(Vh, -2, 0, k).clone()},
        save::out(0) | save::out(1) | save::out(2), [deg](OpContext& c, const std::vector<Tensor>& g) {
          return Grads{ld::svd_backward(c.output(0), c.output(1), c.output(2), g[0], g[1], g[2], false, deg)};
        });
  };

  if (o.method == SvdMethod::randomized) {
    const int64_t oversampling = o.oversampling < 0 ? o.max_rank : o.oversampling;
    CacheImpl::Key key{};
    const ld::SvdFactors f = ld::randomized_factors(A.value(), o, oversampling, key);
    const int64_t k = ld::choose_rank(f.S, o);
    auto out = o.adjoint == SvdAdjoint::kept_only ? record_kept_only(f.U, f.S, f.Vh, k)
                                                  : record_option_b(f.U, f.S, f.Vh, k, o.cache, key);
    return {out[0], out[1], out[2], ld::discarded_from_norm(A, out[1])};
  }
  if (o.adjoint == SvdAdjoint::kept_only) {
    ld::require_finite(A.value(), "svd_truncated");
    const ld::SvdFactors f = ld::svd_factors(A.value(), false, "svd_truncated");
    const int64_t k = ld::choose_rank(f.S, o);
    const int64_t K = f.S.size(-1);
    auto out = record_kept_only(f.U, f.S, f.Vh, k);
    // The discarded values enter the weight as constants (the rule does not know them).
    const Tensor S_all = k == K ? out[1] : concatenate({out[1], Tensor(nd::slice(f.S, -1, k, K).clone())}, -1);
    return {out[0], out[1], out[2], ld::discarded_from_spectrum(S_all, k)};
  }
  if (o.adjoint == SvdAdjoint::sylvester) {
    ld::SvdFactors f = ld::svd_factors(A.value(), false, "svd_truncated");
    const int64_t k = ld::choose_rank(f.S, o);
    auto out = record_option_b(f.U, f.S, f.Vh, k, nullptr, {});
    return {out[0], out[1], out[2], ld::discarded_from_norm(A, out[1])};
  }
  // Option A: record the full thin SVD and slice it; the slices' adjoints zero-pad the
  // cotangents, and the full rule (with every discarded triplet) is then exact.
  ld::require_finite(A.value(), "svd_truncated");  // (svd() would name itself in the error)
  const SVD full = svd(A, SvdOptions{.full_matrices = false, .degeneracy = o.degeneracy});
  const int64_t k = ld::choose_rank(full.S.value(), o);
  const int64_t K = full.S.size(-1);
  if (k == K) return {full.U, full.S, full.Vh, ld::discarded_from_spectrum(full.S, k)};
  return {slice(full.U, -1, 0, k), slice(full.S, -1, 0, k), slice(full.Vh, -2, 0, k),
          ld::discarded_from_spectrum(full.S, k)};
}

}  // namespace tnad
