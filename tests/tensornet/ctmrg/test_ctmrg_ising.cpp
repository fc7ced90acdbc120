// CTMRG against exact results of the 2D classical Ising model (J = 1, h = 0): Onsager's
// internal energy u and free energy ln Z / N, Yang's spontaneous magnetization m, at
// beta = 0.40 (disordered, m = 0) and 0.50 (ordered; the open boundary of the initial
// environment, sum_u M_su with M the bond-weight split, favours s = +1 and selects the +
// phase). The exact values come from tnad::onsager (solvers/models), which has its own tests
// against an independent implementation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "ising_networks.hpp"
#include "tnad/ad/autograd.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/solvers/ising.hpp"
#include "tnad/solvers/onsager.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/rdm.hpp"

using namespace tnad;

namespace {

CtmrgOptions converged(int64_t chi) {
  CtmrgOptions o;
  o.chi = chi;
  o.tol = 1e-13;
  o.max_iter = 1000;
  return o;
}

// The Ising PEPS (ising_networks.hpp): |psi> = sum_s prod_<ij> e^{beta s_i s_j / 2} |s>, a
// D = 2 iPEPS whose norm is Z(beta); its reduced density matrices have the Boltzmann
// distribution on the diagonal: Tr(rho_1x1 sz) = m, Tr(rho_2x1 sz sz) = <s_i s_j> = -u / 2.
// This checks the whole PEPS path (double layer with fused ket/bra legs, C4v CTMRG, the
// split-layer contractions of rdm1x1, rdm2x1, rdm1x2 and rdm2x2) against exact numbers. At chi = 16 the C4v
// CTMRG reaches u to ~1e-12 (beta 0.40) and ~1e-15 (beta 0.50), m to ~1e-15 at 0.50; at
// 0.40 the symmetry-broken start leaves |m| ~ 5e-8 when the corner spectrum has converged.
TEST(CtmrgIsing, IsingPepsReducedDensityMatricesC4v) {
  const Tensor sz = from({2, 2}, {1, 0, 0, -1});
  for (double beta : {0.40, 0.50}) {
    const OnsagerValues ex = onsager(beta);
    const Tensor A = ising_test::peps(beta);
    const C4vCtmrg r = ctmrg_c4v(A, converged(16));
    ASSERT_TRUE(r.info.converged) << "beta " << beta;
    const double m = einsum("ab,ba->", rdm1x1(r.env, A), sz).item();
    const double ss = einsum("abcd,ca,db->", rdm2x1(r.env, A), sz, sz).item();
    EXPECT_NEAR(-2 * ss, ex.u, beta < 0.45 ? 1e-11 : 1e-13) << "beta " << beta;
    // The vertical pair and the plaquette (its top and left pairs) see the same bonds.
    const double ss_v = einsum("abcd,ca,db->", rdm1x2(r.env, A), sz, sz).item();
    const Tensor p = rdm2x2(r.env, A);
    const double ss_top = einsum("abcdefgh,ea,fb,gc,hd->", {p, sz, sz, eye(2), eye(2)}).item();
    const double ss_left = einsum("abcdefgh,ea,fb,gc,hd->", {p, sz, eye(2), sz, eye(2)}).item();
    EXPECT_NEAR(-2 * ss_v, ex.u, beta < 0.45 ? 1e-11 : 1e-13) << "beta " << beta;
    EXPECT_NEAR(-2 * ss_top, ex.u, beta < 0.45 ? 1e-11 : 1e-13) << "beta " << beta;
    EXPECT_NEAR(-2 * ss_left, ex.u, beta < 0.45 ? 1e-11 : 1e-13) << "beta " << beta;
    if (beta < 0.45)
      EXPECT_LT(std::abs(m), 1e-6);
    else
      EXPECT_NEAR(m, ex.m, 1e-13);
  }
}

// The classical weight tensor a = ising_tensor(beta) contracted by the C4v CTMRG as a 4-leg
// network: m = <sigma> from the impurity b (sigma inserted at one site), the energy per site
// u = -2 <sigma_i sigma_j> from two neighbouring impurities, ln Z / N = ln value_per_site.
// Accuracy reached at chi = 16 (converged to tol 1e-13, ~100 iterations): beta = 0.40: u
// 1e-12, ln Z 4e-15, |m| ~ 5e-8 (what is left of the symmetry-broken start); beta = 0.50: m,
// u, ln Z to ~1e-15.
TEST(CtmrgIsing, ClassicalC4vAgainstOnsagerAndYang) {
  for (double beta : {0.40, 0.50}) {
    const OnsagerValues ex = onsager(beta);
    const Tensor a = ising_test::weight(beta), b = ising_test::impurity(beta);
    const C4vCtmrg r = ctmrg_c4v(a, converged(16));
    ASSERT_TRUE(r.info.converged) << "beta " << beta;
    const CtmEnv e = to_ctm_env(r.env);
    const double m = (network_value_1x1(e, b) / network_value_1x1(e, a)).item();
    const double u = -2 * (network_value_2x1(e, b, b) / network_value_2x1(e, a, a)).item();
    const double ln_z = std::log(value_per_site(e, a).item());
    const bool ordered = beta > 0.45;
    EXPECT_NEAR(u, ex.u, ordered ? 1e-13 : 1e-11) << "beta " << beta;
    EXPECT_NEAR(ln_z, ex.ln_z, 1e-13) << "beta " << beta;
    if (ordered)
      EXPECT_NEAR(m, ex.m, 1e-13);
    else
      EXPECT_LT(std::abs(m), 1e-6);
  }
}

// u = -d ln Z / d beta by reverse mode through the (checkpointed) unrolled iterations, with
// the tensor built differentiably from beta (ising_tensor). At chi = 16 it reaches Onsager's
// u to ~1e-12 (beta 0.40) and ~1e-14 (0.50): the derivative of the converged iteration.
TEST(CtmrgIsing, EnergyIsMinusTheDerivativeOfLnZThroughTheIterations) {
  for (double beta : {0.40, 0.50}) {
    const Tensor b(scalar(beta).value(), true);
    const Tensor a = ising_tensor(b, scalar(1.0), scalar(0.0));
    CtmrgOptions o = converged(16);
    o.checkpoint = true;
    const C4vCtmrg r = ctmrg_c4v(a, o);
    const Tensor ln_z = log(value_per_site(to_ctm_env(r.env), a));
    EXPECT_NEAR(-grad(ln_z, b).item(), onsager(beta).u, 1e-11) << "beta " << beta;
  }
}

// The same checks with the directional CTMRG (four corners and edges, no symmetry used).
// Half-system projectors at chi = 16 reach the accuracy of the C4v CTMRG (measured: the same
// digits to ~1e-12). Full-system projectors decompose the full system's density matrix
// (~ corner^4), which double precision resolves only down to ~1e-4 of the largest corner
// value: the kept rank stops at 7-8 here and the convergence measure stalls near 3e-11, so
// they are checked at chi = 8, tol = 1e-10 (u to ~2e-8 at beta 0.40, the chi = 8 truncation
// error of either method; ~1e-11 at 0.50; |m| ~ 6e-6 left at 0.40).
TEST(CtmrgIsing, ClassicalDirectionalAgainstOnsagerAndYang) {
  for (CtmrgProjectors p : {CtmrgProjectors::half_system, CtmrgProjectors::full_system}) {
    const bool half = p == CtmrgProjectors::half_system;
    for (double beta : {0.40, 0.50}) {
      const OnsagerValues ex = onsager(beta);
      const Tensor a = ising_test::weight(beta), b = ising_test::impurity(beta);
      CtmrgOptions o = converged(half ? 16 : 8);
      o.projectors = p;
      if (!half) o.tol = 1e-10;
      const Ctmrg r = ctmrg(a, o);
      ASSERT_TRUE(r.info.converged) << "beta " << beta << " half " << half << " error " << r.info.error;
      const CtmEnv& e = r.env;
      const double m = (network_value_1x1(e, b) / network_value_1x1(e, a)).item();
      const double u_h = -2 * (network_value_2x1(e, b, b) / network_value_2x1(e, a, a)).item();
      const double u_v = -2 * (network_value_1x2(e, b, b) / network_value_1x2(e, a, a)).item();
      const double ln_z = std::log(value_per_site(e, a).item());
      const bool ordered = beta > 0.45;
      const double tol_u = half ? (ordered ? 1e-13 : 1e-11) : (ordered ? 1e-10 : 5e-8);
      EXPECT_NEAR(u_h, ex.u, tol_u) << "beta " << beta << " half " << half;
      EXPECT_NEAR(u_v, ex.u, tol_u) << "beta " << beta << " half " << half;
      EXPECT_NEAR(ln_z, ex.ln_z, half ? 1e-13 : 1e-9) << "beta " << beta << " half " << half;
      if (ordered)
        EXPECT_NEAR(m, ex.m, half ? 1e-13 : 1e-9) << "half " << half;
      else  // what is left of the symmetry-broken start when the spectra have converged
        EXPECT_LT(std::abs(m), half ? 1e-6 : 1e-4);
    }
  }
}

// Anisotropic couplings (J_x != J_y: not C4v-symmetric, so only the directional CTMRG applies):
// the spontaneous magnetization is m = [1 - (sinh 2K_x sinh 2K_y)^-2]^(1/8), K = beta J
// (Yang 1952 for K_x = K_y; Chang, Phys. Rev. 88, 1422 (1952) in general), ordered where
// sinh 2K_x sinh 2K_y > 1. Measured at chi = 16: 2e-16.
TEST(CtmrgIsing, AnisotropicMagnetizationDirectional) {
  const double kx = 0.7, ky = 0.42;
  const double exact = std::pow(1 - std::pow(std::sinh(2 * kx) * std::sinh(2 * ky), -2), 0.125);
  const Tensor a = ising_test::site(kx, ky, 1.0, 1.0), b = ising_test::site(kx, ky, 1.0, -1.0);
  EXPECT_THROW(ctmrg_c4v(a, converged(8)), Error);
  const Ctmrg r = ctmrg(a, converged(16));
  ASSERT_TRUE(r.info.converged);
  const double m = (network_value_1x1(r.env, b) / network_value_1x1(r.env, a)).item();
  EXPECT_NEAR(m, exact, 1e-12);
}

}  // namespace
