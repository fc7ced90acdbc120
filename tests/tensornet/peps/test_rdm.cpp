// Reduced density matrices: product states exactly, and the consistency of the pair and
// plaquette matrices of converged environments (partial traces, symmetries). Physics
// against exact results: tests/tensornet/ctmrg/test_ctmrg_ising.cpp.
#include <gtest/gtest.h>

#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/peps.hpp"
#include "tnad/tensornet/rdm.hpp"

using namespace tnad;

namespace {

double max_diff(const Tensor& a, const Tensor& b) { return nd::max_abs(nd::sub(a.value(), b.value())); }

CtmrgOptions converged(int64_t chi) {
  CtmrgOptions o;
  o.chi = chi;
  o.tol = 1e-12;
  o.max_iter = 500;
  return o;
}

TEST(Rdm, ProductStatesAreExact) {
  // A = A0 (x) v_u (x) v_l (x) v_d (x) v_r: a product state written with D = 2, different
  // vectors on the four legs (no symmetry), so the directional CTMRG applies. Every reduced
  // density matrix is a tensor power of rho = A0 A0^T / |A0|^2.
  const Tensor A0 = rand({3}, 61, -1.0, 1.0);
  const Tensor vu = from({2}, {0.9, 0.2}), vl = from({2}, {0.5, -0.7}), vd = from({2}, {-0.3, 0.8}),
               vr = from({2}, {1.0, 0.4});
  const Tensor A = einsum("p,u,l,d,r->puldr", {A0, vu, vl, vd, vr});
  const Ctmrg r = ctmrg(A, converged(4));
  ASSERT_TRUE(r.info.converged);
  const Tensor rho = einsum("s,t->st", A0, A0) / vdot(A0, A0);
  const Tensor rho2 = einsum("ac,bd->abcd", rho, rho);
  EXPECT_LT(max_diff(rdm1x1(r.env, A), rho), 1e-14);
  EXPECT_LT(max_diff(rdm2x1(r.env, A), rho2), 1e-14);
  EXPECT_LT(max_diff(rdm1x2(r.env, A), rho2), 1e-14);
  EXPECT_LT(max_diff(rdm2x2(r.env, A), einsum("ae,bf,cg,dh->abcdefgh", {rho, rho, rho, rho})), 1e-14);
}

// Partial traces of the plaquette matrix (legs (s1..s4, s1'..s4'), 1 = top left, 2 = top
// right, 3 = bottom left, 4 = bottom right).
Tensor keep(const Tensor& p, const std::string& sites) {
  // e.g. "12": trace out 3 and 4.
  std::string in = "abcdABCD", out;
  for (int i = 0; i < 4; ++i)
    if (sites.find(char('1' + i)) == std::string::npos) in[std::size_t(4 + i)] = in[std::size_t(i)];
  for (char c : sites) out += in[std::size_t(c - '1')];
  for (char c : sites) out += in[std::size_t(4 + c - '1')];
  return einsum(in + "->" + out, p);
}

void expect_consistent(const CtmEnv& e, const Tensor& A, double tol) {
  const Tensor p = rdm2x2(e, A), h = rdm2x1(e, A), v = rdm1x2(e, A);
  EXPECT_NEAR(einsum("abcdabcd->", p).item(), 1.0, 1e-13);
  EXPECT_LT(max_diff(p, permute(p, {4, 5, 6, 7, 0, 1, 2, 3})), tol);  // Hermitian
  EXPECT_LT(max_diff(keep(p, "12"), h), tol);  // top pair
  EXPECT_LT(max_diff(keep(p, "34"), h), tol);  // bottom pair
  EXPECT_LT(max_diff(keep(p, "13"), v), tol);  // left pair
  EXPECT_LT(max_diff(keep(p, "24"), v), tol);  // right pair
  EXPECT_LT(max_diff(keep(p, "1"), rdm1x1(e, A)), tol);
}

TEST(Rdm, PlaquetteOfAC4vState) {
  // C4v state, D = 2, entries in [-1, 1), chi = 24: the partial traces of the plaquette are
  // the pair and site matrices (measured 1e-11), the two diagonals are mirror images.
  const Tensor A = c4v_symmetrize(rand({2, 2, 2, 2, 2}, 62, -1.0, 1.0));
  const C4vCtmrg r = ctmrg_c4v(A, converged(24));
  ASSERT_TRUE(r.info.converged);
  expect_consistent(to_ctm_env(r.env), A, 1e-9);
  const Tensor p = rdm2x2(r.env, A);
  EXPECT_LT(max_diff(keep(p, "14"), keep(p, "23")), 1e-9);
  EXPECT_LT(max_diff(rdm1x2(r.env, A), rdm2x1(r.env, A)), 1e-12);
  EXPECT_GT(max_diff(keep(p, "14"), rdm2x1(r.env, A)), 1e-4);  // next-nearest != nearest
}

TEST(Rdm, PlaquetteOfAStateWithoutSymmetry) {
  // Entries in [-0.3, 1): short correlations, chi = 24 converges to ~1e-10.
  const Tensor A = rand({2, 2, 2, 2, 2}, 63, -0.3, 1.0);
  const Ctmrg r = ctmrg(A, converged(24));
  ASSERT_TRUE(r.info.converged);
  expect_consistent(r.env, A, 1e-9);
}

}  // namespace
