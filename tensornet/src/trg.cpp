// Levin-Nave TRG (trg.hpp).
#include "tnad/trg.hpp"

#include <algorithm>

#include "contract_ops.hpp"
#include "rg_internal.hpp"
#include "tnad/einsum.hpp"
#include "tnad/error.hpp"
#include "tnad/ops.hpp"
#include "tnad/svd.hpp"

namespace tnad {

namespace {

// The kept rank follows rg_detail::kept_rank on the singular values; svd_truncated applies
// the same rule (max_rank, rel_cutoff, keep_multiplets) to its own spectrum.
TruncationOptions truncation(const RgOptions& o) {
  TruncationOptions t;
  t.max_rank = o.chi;
  t.rel_cutoff = o.rel_cutoff;
  t.keep_multiplets = o.keep_multiplets;
  t.multiplet_tol = o.multiplet_tol;
  t.method = o.svd_method;
  t.adjoint = o.svd_adjoint;
  t.oversampling = o.oversampling;
  t.power_iterations = o.power_iterations;
  t.degeneracy = o.degeneracy;
  t.cache = o.svd_cache;
  return t;
}

// M = U S V^T cut to k: (U sqrt S, V sqrt S), the two halves of a site tensor.
std::pair<Tensor, Tensor> split(const Tensor& M, const TruncationOptions& t, double& discarded) {
  TruncatedSVD f = svd_truncated(M, t);
  const Tensor sq = reshape(sqrt(f.S), Shape{1, f.S.size(0)});
  discarded = std::max(discarded, f.discarded_weight.item());
  return {f.U * sq, transpose(f.Vh) * sq};
}

}  // namespace

TrgStep trg_step(const Tensor& T, const RgOptions& o) {
  if (T.ndim() != 4 || T.size(0) != T.size(2) || T.size(1) != T.size(3))
    throw_error("trg_step: need T_uldr with dim u = dim d and dim l = dim r, got shape ", T.shape());
  const int64_t Du = T.size(0), Dl = T.size(1);
  const TruncationOptions t = truncation(o);
  TrgStep r;
  // Sublattice A: (u l) x (d r) -> north-west half F1_ulk, south-east half F3_drk.
  auto [A1, A3] = split(reshape(T, Shape{Du * Dl, Du * Dl}), t, r.discarded_weight);
  // Sublattice B: (l d) x (r u) -> south-west half F2_ldk, north-east half F4_ruk.
  auto [B2, B4] = split(reshape(permute(T, {1, 2, 3, 0}), Shape{Dl * Du, Dl * Du}), t, r.discarded_weight);
  const int64_t ka = A1.size(1), kb = B2.size(1);
  const Tensor F1 = reshape(A1, Shape{Du, Dl, ka}), F3 = reshape(A3, Shape{Du, Dl, ka});
  const Tensor F2 = reshape(B2, Shape{Dl, Du, kb}), F4 = reshape(B4, Shape{Dl, Du, kb});
  // The plaquette: F3 (of the site to the north-west) - F2 (north-east) - F1 (south-east) -
  // F4 (south-west), around the ring w x y z; new legs up b, left a, down d, right c.
  if (rg_detail::step_output_unused()) {
    // Re-run inside a checkpointed backward only for the VJP: the two chi^5 half-plaquettes
    // as einsum would contract them, and the chi^6 product recorded without computing it
    // (its VJP reads only the halves).
    const Tensor NW = einsum("wxa,xyb->wayb", {F3, F2}, rg_detail::fixed_path());
    const Tensor SE = einsum("yzc,zwd->ycwd", {F1, F4}, rg_detail::fixed_path());
    r.T = tn::contract_pair_unevaluated(NW, {0, 4, 2, 5}, SE, {2, 6, 0, 7}, {5, 4, 7, 6});
    return r;
  }
  r.T = einsum("wxa,xyb,yzc,zwd->badc", {F3, F2, F1, F4}, rg_detail::fixed_path());
  return r;
}

RgResult trg(const Tensor& T, const RgOptions& options) { return trg(T, {}, options); }

RgResult trg(const Tensor& T, const std::vector<Tensor>& tangents, const RgOptions& options) {
  return rg_detail::run_rg(
      T, tangents, options,
      [](const Tensor& Tn, const RgOptions& o) {
        TrgStep s = trg_step(Tn, o);
        return rg_detail::StepOut{s.T, s.discarded_weight};
      },
      "trg");
}

}  // namespace tnad
