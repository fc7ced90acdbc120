// HOTRG beside TRG at the same chi against Onsager: the errors of both, side by side at
// beta 0.40, beta_c and 0.50, with HOTRG the more accurate. CI runs chi = 12; chi = 24 is
// in bench/physics (bench_ising_checks hotrg).
#include <gtest/gtest.h>

#include <cmath>

#include "onsager_ref.hpp"
#include "tnad/solvers/ising_thermo.hpp"

using namespace tnad;

namespace {

TEST(Hotrg, MoreAccurateThanTrgAtTheSameChi) {
  ThermoOptions o;
  o.rg.truncation.max_rank = 12;
  o.rg.steps = 30;  // 2^30 sites: the ln 2 / N of the two ordered states is negligible
  o.order = 1;
  for (double beta : {0.40, physref::beta_c(), 0.50}) {
    SCOPED_TRACE(beta);
    const physref::Exact e = physref::exact(beta);
    o.method = RgMethod::trg;
    const ThermoPoint trg = ising_thermo(beta, o);
    o.method = RgMethod::hotrg;
    const ThermoPoint hot = ising_thermo(beta, o);
    const double exact_u = beta == physref::beta_c() ? -std::sqrt(2.0) : e.u;
    const double dz_trg = std::abs(trg.ln_z - e.ln_z), dz_hot = std::abs(hot.ln_z - e.ln_z);
    const double du_trg = std::abs(trg.u - exact_u), du_hot = std::abs(hot.u - exact_u);
    EXPECT_LT(dz_hot, dz_trg);
    EXPECT_LT(du_hot, du_trg);
    // Sanity of scale: both within what chi = 12 reaches (docs/physics.md, "What TRG and
    // HOTRG reach").
    EXPECT_LT(dz_trg, 3e-5);
    EXPECT_LT(du_trg, 1e-2);
    std::printf("beta %.6f  |dlnZ| trg %.2e hotrg %.2e   |du| trg %.2e hotrg %.2e\n", beta, dz_trg, dz_hot, du_trg,
                du_hot);
  }
}

TEST(Hotrg, SpecificHeatByNestedAdIsCloseToOnsagerAwayFromBetaC) {
  ThermoOptions o;
  o.method = RgMethod::hotrg;
  o.rg.truncation.max_rank = 12;
  o.rg.steps = 24;
  o.order = 2;
  for (double beta : {0.40, 0.50}) {
    const physref::Exact e = physref::exact(beta);
    const ThermoPoint t = ising_thermo(beta, o);
    EXPECT_LT(std::abs(t.c - e.c), 0.01 * e.c) << beta << ": " << t.c << " vs " << e.c;
  }
}

}  // namespace
