// Levin-Nave TRG (trg.hpp).
#include "tnad/tensornet/trg.hpp"

#include <algorithm>

#include "contract/contract_ops.hpp"
#include "rg/rg_internal.hpp"
#include "tnad/ad/checkpoint.hpp"
#include "tnad/ad/autograd.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/svd.hpp"

namespace tnad {

namespace {

// M / c = U (S / c) V^T cut to k: (U sqrt(S/c), V sqrt(S/c)), the two halves of a site
// tensor. The truncation is scale-invariant (relative cutoffs, discarded weight), so
// factorizing M and scaling the k singular values equals factorizing M / c, without a
// chi^4 division (and its chi^4 cotangent passes). c undefined: 1.
std::pair<Tensor, Tensor> split(const Tensor& M, const Tensor& c, const TruncationOptions& t, double& discarded) {
  TruncatedSVD f = svd_truncated(M, t);
  const Tensor sq = reshape(sqrt(c.defined() ? f.S / c : f.S), Shape{1, f.S.size(0)});
  discarded = std::max(discarded, f.discarded_weight.item());
  return {f.U * sq, transpose(f.Vh) * sq};
}

// f(x), rematerialized (autograd.hpp, RgOptions::rematerialize) when the step's tape is
// kept: the chi^4 tensors that cost chi^5 or less to make (the half-plaquettes NW and SE,
// read by the VJP of the chi^6 product and, under second derivatives, by the VJP of that
// VJP; the permuted copy of T that sublattice B factorizes) are then held by the tape as
// recipes, not values: 24 MB of about 56 MB per step at chi = 32. Under checkpointing a
// step's tape lives only while that step is re-run, so the recomputations buy nothing.
Tensor remat(const FnN& f, const std::vector<Tensor>& x, const RgOptions& o) {
  return o.rematerialize && o.checkpoint == ChainCheckpoint::none ? rematerialize(f, x) : f(x);
}

// The chain keeps T in the order (u l r d), not (u l d r): then both half-plaquettes come
// out of their GEMMs in the layouts the chi^6 product reads, and no chi^4 tensor is
// permuted except T itself for sublattice B (see below).
const std::vector<int64_t> kUlrd = {0, 1, 3, 2};  // uldr <-> ulrd (its own inverse)

// trg_step of T_ulrd / c (c undefined: of T); returns T'_ulrd.
TrgStep trg_step_ulrd(const Tensor& T, const Tensor& c, const RgOptions& o) {
  if (T.ndim() != 4 || T.size(0) != T.size(3) || T.size(1) != T.size(2))
    throw_error("trg_step: need T_uldr with dim u = dim d and dim l = dim r, got shape ",
                T.defined() ? permute(T, kUlrd).shape() : Shape{});
  const int64_t Du = T.size(0), Dl = T.size(1);
  const TruncationOptions& t = o.truncation;
  TrgStep r;
  // Sublattice A: (u l) x (r d) -> F1_ulk, F3_rdk (north-west and south-east halves).
  auto [A1, A3] = split(reshape(T, Shape{Du * Dl, Dl * Du}), c, t, r.discarded_weight);
  // Sublattice B: (l d) x (r u) -> F2_ldk, F4_ruk (south-west and north-east halves).
  // Its chi^4 matrix is a permuted copy of T: cheap to recompute, so kept only as a recipe
  // by the ops that save it (as are the half-plaquettes below; remat()).
  const Tensor MB = remat(
      [Dl, Du](const std::vector<Tensor>& x) { return reshape(permute(x[0], {1, 3, 2, 0}), Shape{Dl * Du, Dl * Du}); },
      {T}, o);
  auto [B2, B4] = split(MB, c, t, r.discarded_weight);
  const int64_t ka = A1.size(1), kb = B2.size(1);
  const Tensor F1 = reshape(A1, Shape{Du, Dl, ka}), F3 = reshape(A3, Shape{Dl, Du, ka});
  const Tensor F2 = reshape(B2, Shape{Dl, Du, kb}), F4 = reshape(B4, Shape{Dl, Du, kb});
  // The plaquette: F3 (of the site to the north-west) - F2 (north-east) - F1 (south-east) -
  // F4 (south-west), around the ring w x y z; new legs up b, left a, down d, right c:
  //   T'_bacd = sum_wy NW_bawy SE_wycd,  NW = F3_xwa F2_xyb,  SE = F1_yzc F4_zwd  (chi^5 each).
  // The chi^6 product reads NW as (b a)(w y) and SE as (w y)(c d) and writes T' as
  // (b a)(c d) = ulrd. Neither half is a GEMM's natural output (its free labels interleave
  // the two factors'), so the contraction kernel loops over b (over w for SE): chi GEMMs,
  // each writing one slice, with only the chi^3 factors permuted — and likewise in every
  // VJP of the halves. (With T in uldr order the two halves would need opposite orders of
  // (w y), and a chi^4 permutation each, plus one per cotangent in every backward.)
  const Tensor NW = remat(
      [](const std::vector<Tensor>& f) { return einsum("xwa,xyb->bawy", f, rg_detail::fixed_path()); }, {F3, F2}, o);
  const Tensor SE = remat(
      [](const std::vector<Tensor>& f) { return einsum("yzc,zwd->wycd", f, rg_detail::fixed_path()); }, {F1, F4}, o);
  const std::vector<int> l_nw = {5, 4, 0, 2}, l_se = {0, 2, 6, 7}, l_t = {5, 4, 6, 7};
  // Re-run inside a checkpointed backward only for the VJP: the chi^6 product is recorded
  // without computing it (its VJP reads only the halves).
  r.T = rerun_values_unused() ? tn::contract_pair_unevaluated(NW, l_nw, SE, l_se, l_t)
                                         : tn::contract_pair(NW, l_nw, SE, l_se, l_t);
  return r;
}

}  // namespace

TrgStep trg_step(const Tensor& T, const RgOptions& o) {
  if (T.ndim() != 4 || T.size(0) != T.size(2) || T.size(1) != T.size(3))
    throw_error("trg_step: need T_uldr with dim u = dim d and dim l = dim r, got shape ", T.shape());
  TrgStep s = trg_step_ulrd(permute(T, kUlrd), Tensor(), o);
  s.T = permute(s.T, kUlrd);
  return s;
}

RgResult trg(const Tensor& T, const RgOptions& options) { return trg(T, {}, options); }

RgResult trg(const Tensor& T, const std::vector<Tensor>& tangents, const RgOptions& options) {
  return rg_detail::run_rg(
      T, tangents, options,
      [](const Tensor& T, const Tensor& c, const RgOptions& o) {
        TrgStep s = trg_step_ulrd(T, c, o);
        return rg_detail::StepOut{s.T, s.discarded_weight};
      },
      "trg", kUlrd);
}

}  // namespace tnad
