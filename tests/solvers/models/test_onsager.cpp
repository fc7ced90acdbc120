// The exact Ising solution: the library's (AGM + adaptive Simpson) against the test's own
// tanh-sinh quadrature of the defining integrals, and both against the table of
// docs/physics.md, "2D Ising model: exact results" (which checks the test implementation
// itself).
#include <gtest/gtest.h>

#include <cmath>

#include "onsager_ref.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/solvers/ising.hpp"
#include "tnad/solvers/onsager.hpp"

using namespace tnad;

namespace {

TEST(Onsager, TestQuadratureMatchesTheReferenceTable) {
  struct Row { double beta, ln_z, u, c; };
  // docs/physics.md, "2D Ising model: exact results", the table (J = 1).
  const Row rows[] = {{0.40, 0.879363820774948, -1.10607920374579, 0.861698356831},
                      {0.44, 0.928728540456888, -1.40222696003142, 2.88968709238},
                      {0.45, 0.943383773098793, -1.51304580599830, 1.60795293764},
                      {0.50, 1.025792812694920, -1.74556457531255, 0.724871448602}};
  for (const Row& r : rows) {
    const physref::Exact e = physref::exact(r.beta);
    EXPECT_NEAR(e.ln_z, r.ln_z, 1e-13) << "beta " << r.beta;
    EXPECT_NEAR(e.u, r.u, 1e-12) << "beta " << r.beta;
    EXPECT_NEAR(e.c, r.c, 1e-10) << "beta " << r.beta;
  }
  EXPECT_NEAR(physref::exact(physref::beta_c()).ln_z, 0.929695398341610, 1e-13);
}

TEST(Onsager, LibraryAgreesWithIndependentQuadrature) {
  for (double beta : {0.2, 0.35, 0.40, 0.43, 0.44, 0.4405, 0.4408, 0.45, 0.50, 0.7, 1.2}) {
    const physref::Exact e = physref::exact(beta);
    const OnsagerValues v = onsager(beta);
    EXPECT_NEAR(v.ln_z, e.ln_z, 1e-13) << "beta " << beta;
    EXPECT_NEAR(v.u, e.u, 1e-12 * (1 + std::abs(e.u))) << "beta " << beta;
    EXPECT_NEAR(v.c, e.c, 1e-10 * (1 + std::abs(e.c))) << "beta " << beta;
  }
}

TEST(Onsager, EllipticIntegralsAgreeWithQuadrature) {
  for (double k : {0.0, 0.1, 0.5, 0.9, 0.999, 0.999999}) {
    const double kp = std::sqrt((1 - k) * (1 + k));
    EXPECT_NEAR(elliptic_k(k), physref::ellipk_quad(kp), 1e-13 * physref::ellipk_quad(kp)) << k;
    EXPECT_NEAR(elliptic_e(k), physref::ellipe_quad(kp), 1e-13) << k;
  }
  EXPECT_NEAR(elliptic_k(0.0), M_PI / 2, 1e-15);
  EXPECT_NEAR(elliptic_e(0.0), M_PI / 2, 1e-15);
}

TEST(Onsager, ThermodynamicConsistencyByFiniteDifferences) {
  // u = -d lnZ/d beta and C = -beta^2 du/d beta, from the library's own ln Z and u.
  for (double beta : {0.35, 0.42, 0.47, 0.55}) {
    const double h = 1e-5;
    const double u_fd = -(onsager(beta + h).ln_z - onsager(beta - h).ln_z) / (2 * h);
    const double c_fd = -beta * beta * (onsager(beta + h).u - onsager(beta - h).u) / (2 * h);
    EXPECT_NEAR(onsager(beta).u, u_fd, 1e-8) << beta;
    EXPECT_NEAR(onsager(beta).c, c_fd, 1e-6 * (1 + onsager(beta).c)) << beta;
  }
}

TEST(Onsager, CriticalPointAndMagnetization) {
  const double bc = ising_beta_c();
  EXPECT_NEAR(bc, physref::beta_c(), 1e-16);
  EXPECT_NEAR(std::sinh(2 * bc), 1.0, 1e-15);  // Kramers-Wannier: sinh 2 beta_c = 1
  const OnsagerValues v = onsager(bc);
  EXPECT_NEAR(v.u, -std::sqrt(2.0), 1e-12);
  EXPECT_TRUE(v.c > 50 || std::isinf(v.c)) << v.c;  // log-divergent
  EXPECT_EQ(onsager(0.44).m, 0.0);
  // Yang: m = (1 - sinh(2b)^-4)^(1/8); the table gives 0.911319377877 at beta = 0.5.
  EXPECT_NEAR(onsager(0.5).m, std::pow(1 - std::pow(std::sinh(1.0), -4), 0.125), 1e-15);
  EXPECT_NEAR(onsager(0.5).m, 0.911319377877, 1e-11);
}

TEST(Onsager, BadInputRaises) {
  EXPECT_THROW(onsager(0.0), Error);
  EXPECT_THROW(onsager(-1.0), Error);
  EXPECT_THROW(onsager(NAN), Error);
  EXPECT_THROW(elliptic_k(1.0), Error);
  EXPECT_THROW(elliptic_k(-0.1), Error);
}

}  // namespace
