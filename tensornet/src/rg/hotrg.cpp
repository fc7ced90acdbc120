// HOTRG (hotrg.hpp).
#include "tnad/tensornet/hotrg.hpp"

#include <algorithm>

#include "rg/rg_internal.hpp"
#include "tnad/linalg/eigh.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {

namespace {

struct Isometry {
  Tensor U;  // (D, D, k)
  double discarded = 0;
};

// Leading eigenvectors of the Gram matrix G (D^2 x D^2, symmetric PSD). The full eigh is
// recorded and the kept columns sliced, so the adjoint is the exact truncated one.
Isometry isometry(const Tensor& G, int64_t D, const RgOptions& o) {
  const Eigh e = eigh(reshape(G, Shape{D * D, D * D}), o.truncation.degeneracy);
  const int64_t n = D * D;
  std::vector<double> desc = e.w.value().to_vector();  // ascending from LAPACK
  std::reverse(desc.begin(), desc.end());
  for (double& w : desc) w = std::max(w, 0.0);        // rounding can leave -1e-17
  const int64_t k = kept_rank(desc, o.truncation, 1, "hotrg");
  double total = 0, lost = 0;
  for (int64_t i = 0; i < n; ++i) {
    total += desc[std::size_t(i)];
    if (i >= k) lost += desc[std::size_t(i)];
  }
  Isometry r;
  r.discarded = total > 0 ? lost / total : 0.0;
  r.U = reshape(slice(e.V, 1, n - k, n), Shape{D, D, k});
  return r;
}

}  // namespace

HotrgStep hotrg_step(const Tensor& T, const RgOptions& o) {
  if (T.ndim() != 4 || T.size(0) != T.size(2) || T.size(1) != T.size(3))
    throw_error("hotrg_step: need T_uldr with dim u = dim d and dim l = dim r, got shape ", T.shape());
  const int64_t Dl = T.size(1);
  // Gram matrices of the merged pair along its doubled left and right legs, O(chi^6):
  //   G_L[(a c), (b e)] = sum T_{u a m r} T_{u b n r} T_{m c d s} T_{n e d s}
  const Tensor PL = einsum("uamr,ubnr->ambn", {T, T}, rg_detail::fixed_path());
  const Tensor QL = einsum("mcds,neds->cmen", {T, T}, rg_detail::fixed_path());
  const Tensor GL = einsum("ambn,cmen->acbe", {PL, QL}, rg_detail::fixed_path());
  //   G_R[(a c), (b e)] = sum T_{u l m a} T_{u l n b} T_{m s d c} T_{n s d e}
  const Tensor PR = einsum("ulma,ulnb->ambn", {T, T}, rg_detail::fixed_path());
  const Tensor QR = einsum("msdc,nsde->cmen", {T, T}, rg_detail::fixed_path());
  const Tensor GR = einsum("ambn,cmen->acbe", {PR, QR}, rg_detail::fixed_path());
  const Isometry left = isometry(GL, Dl, o), right = isometry(GR, Dl, o);
  // Xie et al. eq. (8)-(9): the side that loses less weight serves both ends of each bond.
  const Isometry& iso = right.discarded < left.discarded ? right : left;
  HotrgStep r;
  r.discarded_weight = iso.discarded;
  // T'_{u x d y} = sum U_{a c x} T_{u a m b} T_{m c d e} U_{b e y}, O(chi^7).
  const Tensor Tn = einsum("acx,uamb,mcde,bey->uxdy", {iso.U, T, T, iso.U}, rg_detail::fixed_path());
  // Mirror (u <-> l, d <-> r): the next step merges along the other axis.
  r.T = permute(Tn, {1, 0, 3, 2});
  return r;
}

RgResult hotrg(const Tensor& T, const RgOptions& options) { return hotrg(T, {}, options); }

RgResult hotrg(const Tensor& T, const std::vector<Tensor>& tangents, const RgOptions& options) {
  return rg_detail::run_rg(
      T, tangents, options,
      [](const Tensor& T, const Tensor& c, const RgOptions& o) {
        HotrgStep s = hotrg_step(T / c, o);
        return rg_detail::StepOut{s.T, s.discarded_weight};
      },
      "hotrg");
}

}  // namespace tnad
