// Derivatives by AD against central finite differences of the same program: u(AD) against
// the difference of ln Z, C(AD) against the difference of u(AD), d lnZ/dh against the
// difference in h. They must agree to 1e-6 (u) and 1e-4 (C) relative at beta 0.40 and 0.50.
// chi = 16 here (CI); chi = 24 runs in bench/physics/checks.sh (bench_ising_checks fd).
#include <gtest/gtest.h>

#include <cmath>

#include "tnad/ad/gradcheck.hpp"
#include "tnad/solvers/ising.hpp"
#include "tnad/solvers/ising_thermo.hpp"
#include "tnad/ad/ops.hpp"

using namespace tnad;

namespace {

struct FdCase {
  const char* name;
  RgMethod method;
  int64_t chi;
  int steps;
  SvdMethod svd;
  double beta, h;
};

void PrintTo(const FdCase& c, std::ostream* os) { *os << c.name; }

class AdAgainstFiniteDifferences : public ::testing::TestWithParam<FdCase> {};

TEST_P(AdAgainstFiniteDifferences, EnergySpecificHeatAndFieldDerivative) {
  const FdCase p = GetParam();
  ThermoOptions o;
  o.method = p.method;
  o.rg.truncation.max_rank = p.chi;
  o.rg.steps = p.steps;
  o.rg.truncation.method = p.svd;
  o.h = p.h;
  o.order = 2;
  const ThermoPoint t = ising_thermo(p.beta, o);
  ASSERT_TRUE(std::isfinite(t.u) && std::isfinite(t.c) && std::isfinite(t.dlnz_dh));

  // Step 1e-4: the central difference's truncation error (~1e-8 relative here) and its
  // rounding error (~1e-15 / 1e-4) both stay far below the tolerances.
  const double d = 1e-4;
  ThermoOptions o0 = o, o1 = o;
  o0.order = 0;
  o1.order = 1;
  const double lnz_p = ising_thermo(p.beta + d, o0).ln_z, lnz_m = ising_thermo(p.beta - d, o0).ln_z;
  const double u_fd = -(lnz_p - lnz_m) / (2 * d);
  const double u_p = ising_thermo(p.beta + d, o1).u, u_m = ising_thermo(p.beta - d, o1).u;
  const double c_fd = -p.beta * p.beta * (u_p - u_m) / (2 * d);
  EXPECT_LE(std::abs(t.u - u_fd), 1e-6 * std::abs(u_fd)) << "u(AD) " << t.u << " FD " << u_fd;
  EXPECT_LE(std::abs(t.c - c_fd), 1e-4 * std::abs(c_fd)) << "C(AD) " << t.c << " FD " << c_fd;
  RecordProperty("u_rel_err", std::to_string(std::abs(t.u - u_fd) / std::abs(u_fd)));
  RecordProperty("c_rel_err", std::to_string(std::abs(t.c - c_fd) / std::abs(c_fd)));

  if (p.h != 0.0) {
    ThermoOptions hp = o0, hm = o0;
    hp.h = p.h + d;
    hm.h = p.h - d;
    const double dh_fd = (ising_thermo(p.beta, hp).ln_z - ising_thermo(p.beta, hm).ln_z) / (2 * d);
    EXPECT_LE(std::abs(t.dlnz_dh - dh_fd), 1e-6 * std::abs(dh_fd)) << "dlnZ/dh(AD) " << t.dlnz_dh << " FD " << dh_fd;
  } else {
    // Z2 symmetry: <m> = 0 at h = 0 on a finite torus, also in the ordered phase (both
    // states are summed); a Z2-breaking truncation would give beta m ~ 0.46 at beta = 0.5.
    EXPECT_LT(std::abs(t.dlnz_dh), 1e-6);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ising, AdAgainstFiniteDifferences,
    ::testing::Values(FdCase{"trg_chi16_beta040", RgMethod::trg, 16, 20, SvdMethod::full, 0.40, 0.0},
                      FdCase{"trg_chi16_beta050", RgMethod::trg, 16, 20, SvdMethod::full, 0.50, 0.0},
                      FdCase{"trg_chi16_randomized_field", RgMethod::trg, 16, 20, SvdMethod::randomized, 0.45, 0.02},
                      FdCase{"hotrg_chi8_beta040_field", RgMethod::hotrg, 8, 16, SvdMethod::full, 0.40, 0.05},
                      FdCase{"hotrg_chi8_beta050", RgMethod::hotrg, 8, 16, SvdMethod::full, 0.50, 0.0}),
    [](const ::testing::TestParamInfo<FdCase>& i) { return std::string(i.param.name); });

}  // namespace

namespace {

// Every direction of the site tensor, not only beta and h: gradcheck / gradgradcheck of
// ln Z / N against central differences (libad's gradcheck: random directions + the full
// Jacobian), on a generic (non-symmetric) tensor, through truncating steps.
TEST(RgGradcheck, LnZInEveryDirectionOfTheSiteTensor) {
  const Tensor T = ising_tensor(0.42) + 0.05 * rand({2, 2, 2, 2}, 7);
  for (RgMethod m : {RgMethod::trg, RgMethod::hotrg}) {
    RgOptions o;
    o.truncation.max_rank = 5;
    o.steps = 6;
    auto f = [m, o](const std::vector<Tensor>& x) { return coarse_grain(m, x[0], o).ln_z; };
    Tensor x(T.value(), true);
    GradcheckOptions g;
    g.eps = 1e-5;
    EXPECT_TRUE(gradcheck(f, {x}, g)) << to_string(m);
    EXPECT_TRUE(gradgradcheck(f, {x}, g)) << to_string(m);
    EXPECT_LT(coarse_grain(m, T, o).discarded_weight.back(), 1e-1);  // it does truncate
    EXPECT_GT(coarse_grain(m, T, o).discarded_weight[3], 1e-12) << to_string(m);
  }
}

}  // namespace
