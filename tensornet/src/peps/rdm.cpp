// Reduced density matrices and closed networks around a CTMRG environment (rdm.hpp).
#include "tnad/tensornet/rdm.hpp"

#include <string>

#include "ctmrg/ctmrg_internal.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/tensornet/einsum.hpp"

namespace tnad {

namespace {

using ctm_detail::fixed_path;

Tensor contract(const std::string& spec, const std::vector<Tensor>& ops) { return einsum(spec, ops, fixed_path()); }

void check_env(const CtmEnv& e, int64_t Dd, const char* who) {
  const Tensor* all[8] = {&e.C_tl, &e.C_tr, &e.C_br, &e.C_bl, &e.T_t, &e.T_r, &e.T_b, &e.T_l};
  for (int i = 0; i < 8; ++i)
    if (!all[i]->defined() || all[i]->ndim() != (i < 4 ? 2 : 3))
      throw_error(who, ": the environment needs 4 corners (chi, chi) and 4 edges (chi, D^2, chi)");
  for (int i = 4; i < 8; ++i)
    if (all[i]->size(1) != Dd)
      throw_error(who, ": an edge's in-leg has dimension ", all[i]->size(1), ", the site's legs ", Dd,
                  " (edge shape ", all[i]->shape(), ")");
}

void check_site(const Tensor& A, const char* who) {
  if (!A.defined() || A.ndim() != 5 || A.size(1) != A.size(2) || A.size(1) != A.size(3) || A.size(1) != A.size(4))
    throw_error(who, ": need a site tensor A with legs (p, u, l, d, r), shape (d, D, D, D, D), got shape ",
                A.defined() ? A.shape() : Shape{});
}

void check_four_leg(const Tensor& a, const char* who) {
  if (!a.defined() || a.ndim() != 4) throw_error(who, ": need a 4-leg tensor (u, l, d, r), got shape ",
                                                  a.defined() ? a.shape() : Shape{});
}

// An edge (chi, D^2, chi) with its in-leg split into (ket, bra): (chi, D, D, chi).
Tensor split(const Tensor& T, int64_t D) { return reshape(T, Shape{T.size(0), D, D, T.size(2)}); }

// The environment with split edges, for the site tensor A.
struct Split {
  Tensor C_tl, C_tr, C_br, C_bl, T_t, T_r, T_b, T_l;
};
Split split_env(const CtmEnv& e, const Tensor& A, const char* who) {
  check_site(A, who);
  const int64_t D = A.size(1);
  check_env(e, D * D, who);
  return {e.C_tl, e.C_tr, e.C_br, e.C_bl, split(e.T_t, D), split(e.T_r, D), split(e.T_b, D), split(e.T_l, D)};
}

// rho / Tr rho for rho with legs (s_1..s_n, s_1'..s_n').
Tensor normalized(const Tensor& rho) {
  const int64_t n = rho.ndim() / 2;
  int64_t dim = 1;
  for (int64_t i = 0; i < n; ++i) dim *= rho.size(i);
  const Tensor tr = trace(reshape(rho, Shape{dim, dim}));
  if (!(std::abs(tr.item()) > 0.0)) throw_error("rdm: the reduced density matrix has zero trace");
  return rho / tr;
}

}  // namespace

// ---------------------------------------------------------------- PEPS
// Each part of a closed network is taken from the environment of the site it surrounds
// (one site: the same environment everywhere; a unit cell: the site's own, ctmrg.hpp).
namespace {

// Left half of the pair, open (T_t right c, ket r, bra R, T_b right i, s, s').
Tensor left_half(const Split& e, const Tensor& A) {
  return contract("ab,auUc,blLk,jk,jdDi,suldr,SULDR->crRisS", {e.C_tl, e.T_t, e.T_l, e.C_bl, e.T_b, A, A});
}

Tensor rdm2x1(const CtmEnv& left, const Tensor& A1, const CtmEnv& right, const Tensor& A2) {
  const Split e = split_env(left, A1, "rdm2x1");
  const Split f = split_env(right, A2, "rdm2x1");
  // Right half, open (T_t left c, ket l, bra L, T_b left i, s, s').
  const Tensor L = left_half(e, A1);
  const Tensor R = contract("cuUf,fe,erRg,hg,idDh,suldr,SULDR->clLisS", {f.T_t, f.C_tr, f.T_r, f.C_br, f.T_b, A2, A2});
  return normalized(contract("crRiaA,crRibB->abAB", {L, R}));
}

Tensor rdm1x2(const CtmEnv& top, const Tensor& A1, const CtmEnv& bottom, const Tensor& A2) {
  const Split e = split_env(top, A1, "rdm1x2");
  const Split f = split_env(bottom, A2, "rdm1x2");
  // Top half, open (T_l down k, ket d, bra D, T_r down g, s, s'); bottom half, open
  // (T_l up k, ket u, bra U, T_r up g, s, s').
  const Tensor U = contract("ab,auUc,ce,blLk,erRg,suldr,SULDR->kdDgsS", {e.C_tl, e.T_t, e.C_tr, e.T_l, e.T_r, A1, A1});
  const Tensor B = contract("klLm,jm,jdDi,in,grRn,suldr,SULDR->kuUgsS", {f.T_l, f.C_bl, f.T_b, f.C_br, f.T_r, A2, A2});
  return normalized(contract("kxXgaA,kxXgbB->abAB", {U, B}));
}

// Sites 1 top left, 2 top right, 3 bottom left, 4 bottom right, each with its environment.
Tensor rdm2x2(const CtmEnv& e1, const Tensor& A1, const CtmEnv& e2, const Tensor& A2, const CtmEnv& e3,
              const Tensor& A3, const CtmEnv& e4, const Tensor& A4) {
  const Split q1 = split_env(e1, A1, "rdm2x2"), q2 = split_env(e2, A2, "rdm2x2");
  const Split q3 = split_env(e3, A3, "rdm2x2"), q4 = split_env(e4, A4, "rdm2x2");
  // Quadrants with open physical legs, each open towards its two neighbours:
  //   tl (T_t right c, ket r R, T_l down k, ket d D)    tr (T_t left c, l L, T_r down g, d D)
  //   bl (T_b right i, r R, T_l up k, u U)              br (T_b left i, l L, T_r up g, u U)
  const Tensor tl = contract("ab,auUc,blLk,suldr,SULDR->crRkdDsS", {q1.C_tl, q1.T_t, q1.T_l, A1, A1});
  const Tensor tr = contract("cuUf,fe,erRg,suldr,SULDR->clLgdDsS", {q2.T_t, q2.C_tr, q2.T_r, A2, A2});
  const Tensor bl = contract("jm,jdDi,klLm,suldr,SULDR->irRkuUsS", {q3.C_bl, q3.T_b, q3.T_l, A3, A3});
  const Tensor br = contract("idDh,hn,grRn,suldr,SULDR->ilLguUsS", {q4.T_b, q4.C_br, q4.T_r, A4, A4});
  // Upper and lower halves (chi^3 D^6 d^4 each), then the cut between them.
  const Tensor up = contract("crRkdDaA,crRgeEbB->kdDgeEabAB", {tl, tr});
  const Tensor lo = contract("irRkuUcC,irRgvVfF->kuUgvVcfCF", {bl, br});
  return normalized(contract("kdDgeEabAB,kdDgeEcfCF->abcfABCF", {up, lo}));
}

void check_cell(const CtmCellEnv& env, const std::vector<Tensor>& A, const char* who) {
  if (env.Lx < 1 || env.Ly < 1 || int64_t(env.site.size()) != env.Lx * env.Ly || A.size() != env.site.size())
    throw_error(who, ": the cell environment has ", env.site.size(), " sites for Lx = ", env.Lx, ", Ly = ", env.Ly,
                " and there are ", A.size(), " site tensors");
}
const Tensor& site_at(const CtmCellEnv& env, const std::vector<Tensor>& A, int64_t x, int64_t y) {
  const int64_t i = ((y % env.Ly) + env.Ly) % env.Ly * env.Lx + ((x % env.Lx) + env.Lx) % env.Lx;
  return A[std::size_t(i)];
}

}  // namespace

Tensor rdm1x1(const CtmEnv& env, const Tensor& A) {
  const Split e = split_env(env, A, "rdm1x1");
  return normalized(contract("ab,auUc,ce,erRg,ig,jdDi,jk,blLk,suldr,SULDR->sS",
                             {e.C_tl, e.T_t, e.C_tr, e.T_r, e.C_br, e.T_b, e.C_bl, e.T_l, A, A}));
}
Tensor rdm2x1(const CtmEnv& env, const Tensor& A) { return rdm2x1(env, A, env, A); }
Tensor rdm1x2(const CtmEnv& env, const Tensor& A) { return rdm1x2(env, A, env, A); }
Tensor rdm2x2(const CtmEnv& env, const Tensor& A) { return rdm2x2(env, A, env, A, env, A, env, A); }

Tensor rdm1x1(const CtmCellEnv& env, const std::vector<Tensor>& A, int64_t x, int64_t y) {
  check_cell(env, A, "rdm1x1");
  return rdm1x1(env.at(x, y), site_at(env, A, x, y));
}
Tensor rdm2x1(const CtmCellEnv& env, const std::vector<Tensor>& A, int64_t x, int64_t y) {
  check_cell(env, A, "rdm2x1");
  return rdm2x1(env.at(x, y), site_at(env, A, x, y), env.at(x + 1, y), site_at(env, A, x + 1, y));
}
Tensor rdm1x2(const CtmCellEnv& env, const std::vector<Tensor>& A, int64_t x, int64_t y) {
  check_cell(env, A, "rdm1x2");
  return rdm1x2(env.at(x, y), site_at(env, A, x, y), env.at(x, y + 1), site_at(env, A, x, y + 1));
}
Tensor rdm2x2(const CtmCellEnv& env, const std::vector<Tensor>& A, int64_t x, int64_t y) {
  check_cell(env, A, "rdm2x2");
  return rdm2x2(env.at(x, y), site_at(env, A, x, y), env.at(x + 1, y), site_at(env, A, x + 1, y), env.at(x, y + 1),
                site_at(env, A, x, y + 1), env.at(x + 1, y + 1), site_at(env, A, x + 1, y + 1));
}

// ---------------------------------------------------------------- 4-leg networks
Tensor network_value_1x1(const CtmEnv& env, const Tensor& a) {
  check_four_leg(a, "network_value_1x1");
  check_env(env, a.size(0), "network_value_1x1");
  return contract("ab,auc,ce,erg,ig,jdi,jk,blk,uldr->",
                  {env.C_tl, env.T_t, env.C_tr, env.T_r, env.C_br, env.T_b, env.C_bl, env.T_l, a});
}

Tensor network_value_2x1(const CtmEnv& env, const Tensor& a1, const Tensor& a2) {
  check_four_leg(a1, "network_value_2x1");
  check_four_leg(a2, "network_value_2x1");
  check_env(env, a1.size(0), "network_value_2x1");
  const Tensor L = contract("ab,auc,blk,jk,jdi,uldr->cri", {env.C_tl, env.T_t, env.T_l, env.C_bl, env.T_b, a1});
  const Tensor R = contract("cuf,fe,erg,hg,idh,uldr->cli", {env.T_t, env.C_tr, env.T_r, env.C_br, env.T_b, a2});
  return contract("cri,cri->", {L, R});
}

Tensor network_value_1x2(const CtmEnv& env, const Tensor& a1, const Tensor& a2) {
  check_four_leg(a1, "network_value_1x2");
  check_four_leg(a2, "network_value_1x2");
  check_env(env, a1.size(0), "network_value_1x2");
  const Tensor U = contract("ab,auc,ce,blk,erg,uldr->kdg", {env.C_tl, env.T_t, env.C_tr, env.T_l, env.T_r, a1});
  const Tensor B = contract("klm,jm,jdi,in,grn,uldr->kug", {env.T_l, env.C_bl, env.T_b, env.C_br, env.T_r, a2});
  return contract("kxg,kxg->", {U, B});
}

Tensor value_per_site(const CtmEnv& env, const Tensor& a) {
  check_four_leg(a, "value_per_site");
  check_env(env, a.size(0), "value_per_site");
  const Tensor z11 = network_value_1x1(env, a);
  const Tensor z00 = contract("ab,ae,ie,ib->", {env.C_tl, env.C_tr, env.C_br, env.C_bl});
  const Tensor z10 = contract("ab,axc,ce,ie,jxi,jb->", {env.C_tl, env.T_t, env.C_tr, env.C_br, env.T_b, env.C_bl});
  const Tensor z01 = contract("ab,ae,exg,ig,ik,bxk->", {env.C_tl, env.C_tr, env.T_r, env.C_br, env.C_bl, env.T_l});
  return z11 * z00 / (z10 * z01);
}

// ---------------------------------------------------------------- C4v
Tensor rdm1x1(const C4vEnv& env, const Tensor& A) { return rdm1x1(to_ctm_env(env), A); }
Tensor rdm2x1(const C4vEnv& env, const Tensor& A) { return rdm2x1(to_ctm_env(env), A); }

namespace {
constexpr double kMirrorTol = 1e-12;  // tells rounding from a real asymmetry

// Why the mirror does not apply to (env, A), or "" where it does (shapes checked by split_env).
std::string mirror_defect(const C4vEnv& env, const Tensor& A) {
  if (env.C.size(0) != env.C.size(1) || env.T.size(0) != env.T.size(2))
    return detail::cat("C is not square or T's outer legs differ (C ", env.C.shape(), ", T ", env.T.shape(), ")");
  if (!nd::all_finite(A.value()) || !nd::all_finite(env.C.value()) || !nd::all_finite(env.T.value()))
    return "A, C or T has NaN or Inf entries";
  using ctm_detail::relative_asymmetry;
  const double a = relative_asymmetry(A.value(), {0, 1, 4, 3, 2}), c = relative_asymmetry(env.C.value(), {1, 0}),
               t = relative_asymmetry(env.T.value(), {2, 1, 0});
  if (a <= kMirrorTol && c <= kMirrorTol && t <= kMirrorTol) return "";
  return detail::cat("relative asymmetry of A under l <-> r ", a, ", of C under transposition ", c,
                     ", of T under the swap of its outer legs ", t, "; tolerance ", kMirrorTol);
}
}  // namespace

bool mirror_symmetric(const C4vEnv& env, const Tensor& A) {
  split_env(to_ctm_env(env), A, "mirror_symmetric");
  return mirror_defect(env, A).empty();
}

// Mirrored (left <-> right), the pair's right half is its left half leg for leg (T_t's
// outer leg, the ket and bra legs towards the other site, T_b's outer leg, s, s').
Tensor rdm2x1_mirror_symmetric(const C4vEnv& env, const Tensor& A) {
  const char* who = "rdm2x1_mirror_symmetric";
  const Split e = split_env(to_ctm_env(env), A, who);
  const std::string defect = mirror_defect(env, A);
  if (!defect.empty()) throw_error(who, ": the network is not mirror-symmetric (", defect, "): use rdm2x1");
  const Tensor L = left_half(e, A);
  return normalized(contract("crRiaA,crRibB->abAB", {L, L}));
}

Tensor rdm1x2(const C4vEnv& env, const Tensor& A) { return rdm1x2(to_ctm_env(env), A); }
Tensor rdm2x2(const C4vEnv& env, const Tensor& A) { return rdm2x2(to_ctm_env(env), A); }

}  // namespace tnad
