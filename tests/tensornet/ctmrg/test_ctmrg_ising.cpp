// CTMRG against exact results of the 2D classical Ising model (J = 1, h = 0): Onsager's
// internal energy u and free energy ln Z / N, Yang's spontaneous magnetization m, at
// beta = 0.40 (disordered, m = 0) and 0.50 (ordered; the open boundary of the initial
// environment, sum_u M_su with M the bond-weight split, favours s = +1 and selects the +
// phase). The exact values come from tnad::onsager (solvers/models), which has its own tests
// against an independent implementation.
#include <gtest/gtest.h>

#include <cmath>

#include "ising_networks.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
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
// split-layer contractions of rdm1x1 and rdm2x1) against exact numbers. At chi = 16 the C4v
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
    if (beta < 0.45)
      EXPECT_LT(std::abs(m), 1e-6);
    else
      EXPECT_NEAR(m, ex.m, 1e-13);
  }
}

}  // namespace
