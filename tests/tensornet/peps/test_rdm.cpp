// Reduced density matrices: product states exactly, and the consistency of the pair and
// plaquette matrices of converged environments (partial traces, symmetries). Physics
// against exact results: tests/tensornet/ctmrg/test_ctmrg_ising.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/memory.hpp"
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


// The pair of a C4v state in a C4v environment from one half (rdm2x1_mirror_symmetric):
// the same value and, through c4v_symmetrize (as c4v_energy differentiates it), the same
// gradient as both halves, with about half of the tape; a broken symmetry is an error.
struct MirrorCase {
  Tensor B, h;
  CtmrgOptions o;
  // Tr(rho h) of A = c4v_symmetrize(x), rho from one or both halves, after a fixed
  // number of CTMRG iterations (the environment differentiated too).
  Tensor f(const Tensor& x, bool mirror) const {
    const Tensor A = c4v_symmetrize(x);
    const C4vEnv env = ctmrg_c4v(A, o).env;
    return einsum("abcd,cdab->", mirror ? rdm2x1_mirror_symmetric(env, A) : rdm2x1(env, A), h);
  }
};
MirrorCase mirror_case(uint64_t seed) {
  MirrorCase m;
  m.B = rand({2, 3, 3, 3, 3}, seed, -1.0, 1.0, true);
  const Tensor h = rand({2, 2, 2, 2}, seed + 1, -1.0, 1.0);
  m.h = h + permute(h, {2, 3, 0, 1});
  m.o.chi = 12;
  m.o.tol = 0.0;
  m.o.max_iter = 8;
  return m;
}

TEST(Rdm, MirrorSymmetricPairEqualsBothHalves) {
  for (uint64_t seed : {71, 72}) {
    const MirrorCase m = mirror_case(seed);
    const Tensor e1 = m.f(m.B, true), e2 = m.f(m.B, false);
    EXPECT_LT(std::abs(e1.item() - e2.item()), 1e-13 * std::max(1.0, std::abs(e2.item()))) << "seed " << seed;
    const Tensor g1 = grad(e1, m.B), g2 = grad(e2, m.B);
    EXPECT_LT(nd::max_abs(nd::sub(g1.value(), g2.value())), 1e-11 * nd::max_abs(g2.value())) << "seed " << seed;
    // and against central differences along random directions
    for (uint64_t k = 0; k < 2; ++k) {
      Tensor v = randn(m.B.shape(), 100 * seed + k);
      v = v / norm(v);
      const double eps = 1e-5;
      const double fd =
          (m.f((m.B + v * eps).detach(), true).item() - m.f((m.B - v * eps).detach(), true).item()) / (2 * eps);
      EXPECT_LT(std::abs(fd - nd::dot(g1.value(), v.value())), 1e-6 * std::max(std::abs(fd), 1e-3 * nd::norm(g1.value())))
          << "seed " << seed << " direction " << k;
    }
  }
}

TEST(Rdm, MirrorSymmetricPairHoldsOneHalfOnTheTape) {
  const MirrorCase m = mirror_case(73);
  const Tensor A = c4v_symmetrize(m.B);
  C4vEnv env;
  {
    NoGradGuard ng;
    env = ctmrg_c4v(A.detach(), m.o).env;
  }
  auto tape_bytes = [&](bool mirror) {
    const int64_t before = memory::live_bytes();
    const Tensor rho = mirror ? rdm2x1_mirror_symmetric(env, A) : rdm2x1(env, A);
    return memory::live_bytes() - before;  // rho and what its graph saved for the backward
  };
  const int64_t one = tape_bytes(true), both = tape_bytes(false);
  EXPECT_GT(both, 0);
  EXPECT_LT(double(one), 0.65 * double(both)) << one << " against " << both << " bytes";
}

TEST(Rdm, MirrorSymmetricPairRefusesAnAsymmetricNetwork) {
  const MirrorCase m = mirror_case(74);
  const Tensor A = c4v_symmetrize(m.B.detach());
  const C4vEnv env = ctmrg_c4v(A, m.o).env;
  EXPECT_TRUE(mirror_symmetric(env, A));
  auto refused = [&](const C4vEnv& e, const Tensor& a, const std::string& what) {
    EXPECT_FALSE(mirror_symmetric(e, a)) << what;
    try {
      rdm2x1_mirror_symmetric(e, a);
      ADD_FAILURE() << what << ": no error";
    } catch (const Error& err) {
      EXPECT_NE(std::string(err.what()).find("not mirror-symmetric"), std::string::npos) << err.what();
    }
  };
  // l <-> r broken in A only (u <-> d kept): 1e-9 relative
  const Tensor bump = rand(A.shape(), 75, -1.0, 1.0) * 1e-9;
  refused(env, A + bump - permute(bump, {0, 1, 4, 3, 2}), "A");
  const Tensor tb = rand(env.T.shape(), 76, -1.0, 1.0) * 1e-9;
  refused({env.C, env.T + tb - permute(tb, {2, 1, 0})}, A, "T");
  const Tensor cb = rand(env.C.shape(), 77, -1.0, 1.0) * 1e-9;
  refused({env.C + cb - transpose(cb), env.T}, A, "C");
  // shapes the mirror cannot apply to, non-finite entries: refused by name, not a crash
  refused({rand({4, 5}, 79), rand({4, 9, 5}, 80)}, A, "C 4 x 5");
  refused({env.C, env.T * std::nan("")}, A, "NaN in T");
  refused(env, A * std::numeric_limits<double>::infinity(), "Inf in A");
  EXPECT_THROW(rdm2x1_mirror_symmetric(env, rand({2, 3, 3, 3}, 78)), Error);  // not a site tensor
}

}  // namespace
