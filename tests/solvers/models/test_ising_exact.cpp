// The Ising tensor network against exact enumeration: the site tensor itself, and TRG/HOTRG
// without truncation on 2x2 and 4x4 tori, including u, C and d lnZ/dh by (nested) AD.
#include <gtest/gtest.h>

#include <cmath>

#include "brute_force.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/gradcheck.hpp"
#include "tnad/tensornet/hotrg.hpp"
#include "tnad/solvers/ising.hpp"
#include "tnad/solvers/ising_thermo.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/tensornet/trg.hpp"

using namespace tnad;

namespace {

TEST(IsingTensor, MatchesTheReferenceConstructionOfThePrxCode) {
  // docs/physics.md, "2D Ising model: the site tensor":
  // T_uldr = sqrt(l_u l_l l_d l_r)/2 for even u+l+d+r, l = (2cosh b, 2sinh b).
  for (double b : {0.3, 0.44, 0.9}) {
    const Tensor T = ising_tensor(b);
    ASSERT_EQ(T.shape(), (Shape{2, 2, 2, 2}));
    const double l[2] = {2 * std::cosh(b), 2 * std::sinh(b)};
    for (int u = 0; u < 2; ++u)
      for (int le = 0; le < 2; ++le)
        for (int d = 0; d < 2; ++d)
          for (int r = 0; r < 2; ++r) {
            const double want = (u + le + d + r) % 2 == 0 ? std::sqrt(l[u] * l[le] * l[d] * l[r]) / 2 : 0.0;
            EXPECT_NEAR(T.value().at({u, le, d, r}), want, 1e-14) << b;
          }
  }
}

TEST(IsingTensor, FourTensorsOnATwoByTwoTorusGiveTheExactZWithField) {
  for (double h : {0.0, 0.3, -0.7}) {
    const double beta = 0.45, J = 0.8;
    const Tensor T = ising_tensor(beta, J, h);
    // Sites A(0,0) B(1,0) C(0,1) D(1,1); every neighbouring pair is joined by two bonds.
    const double z = einsum("vqwp,xpyq,wtvs,ysxt->", {T, T, T, T}).item();
    const physref::TorusMoments m = physref::brute_force_torus(2, 2, beta, J, h);
    EXPECT_NEAR(std::log(z) / 4, m.ln_z, 1e-13) << "h " << h;
  }
}

TEST(IsingTensor, IsDifferentiableInBetaJAndH) {
  auto f = [](const std::vector<Tensor>& x) { return ising_tensor(x[0], x[1], x[2]); };
  std::vector<Tensor> x = {scalar(0.43, true), scalar(0.9, true), scalar(0.2, true)};
  EXPECT_TRUE(gradcheck(f, x));
  EXPECT_TRUE(gradgradcheck(f, x));
}

TEST(IsingTensor, RejectsNonPositiveCouplingAndBadShapes) {
  EXPECT_THROW(ising_tensor(0.0), Error);
  EXPECT_THROW(ising_tensor(0.5, -1.0), Error);
  EXPECT_THROW(ising_tensor(NAN), Error);
  EXPECT_THROW(ising_tensor(zeros({2}), scalar(1.0), scalar(0.0)), Error);
}

struct ExactCase {
  RgMethod method;
  int steps;  // 2: 2x2 torus, 4: 4x4 torus
  double beta, h;
  ChainCheckpoint checkpoint = ChainCheckpoint::none;  // every_step: C by reverse over forward
};

void PrintTo(const ExactCase& c, std::ostream* os) {
  *os << to_string(c.method) << " steps " << c.steps << " beta " << c.beta << " h " << c.h << " checkpoint "
      << int(c.checkpoint);
}

class RgWithoutTruncation : public ::testing::TestWithParam<ExactCase> {};

TEST_P(RgWithoutTruncation, ReproducesEnumerationWithDerivatives) {
  const ExactCase p = GetParam();
  const int L = p.steps == 2 ? 2 : 4;
  ThermoOptions o;
  o.method = p.method;
  o.rg.truncation.max_rank = 1024;  // never truncates: the cut bonds of a 4x4 torus have rank <= 16
  o.rg.steps = p.steps;
  o.h = p.h;
  o.J = 1.0;
  o.order = 2;
  o.rg.checkpoint = p.checkpoint;
  // Exact (gap-free) spectra here: a narrow regularisation keeps the adjoint exact to
  // rounding for pairs split by more than 1e-10 * s_max (the default drops the O(1) terms
  // of pairs split by less than 1e-6 * s_max; options.hpp).
  o.rg.truncation.degeneracy.eps = 1e-20;
  const ThermoPoint t = ising_thermo(p.beta, o);
  const physref::TorusMoments m = physref::brute_force_torus(L, L, p.beta, 1.0, p.h);
  EXPECT_NEAR(t.ln_z, m.ln_z, 1e-12);
  EXPECT_NEAR(t.u, m.u, 1e-10);
  EXPECT_NEAR(t.c, m.c, 1e-9);
  EXPECT_NEAR(t.dlnz_dh, m.dlnz_dh, 1e-10);
  for (double w : t.discarded_weight) EXPECT_LT(w, 1e-20);
}

INSTANTIATE_TEST_SUITE_P(
    Tori, RgWithoutTruncation,
    ::testing::Values(ExactCase{RgMethod::trg, 2, 0.4, 0.0}, ExactCase{RgMethod::trg, 4, 0.4, 0.0},
                      ExactCase{RgMethod::trg, 4, 0.6, 0.15}, ExactCase{RgMethod::trg, 4, 0.3, -0.4},
                      ExactCase{RgMethod::hotrg, 2, 0.4, 0.0}, ExactCase{RgMethod::hotrg, 4, 0.4, 0.0},
                      ExactCase{RgMethod::hotrg, 4, 0.6, 0.15}, ExactCase{RgMethod::hotrg, 4, 0.3, -0.4},
                      ExactCase{RgMethod::trg, 4, 0.6, 0.15, ChainCheckpoint::every_step},
                      ExactCase{RgMethod::hotrg, 4, 0.3, -0.4, ChainCheckpoint::every_step},
                      ExactCase{RgMethod::trg, 4, 0.4, 0.0, ChainCheckpoint::sqrt}),
    [](const ::testing::TestParamInfo<ExactCase>& i) {
      return std::string(to_string(i.param.method)) + "_steps" + std::to_string(i.param.steps) + "_case" +
             std::to_string(i.index);
    });

TEST(Rg, DefaultBroadeningBiasIsSmallAndLocalizedInNearDegeneratePairs) {
  // The ordered phase with a weak field splits Z2 pairs by little: with the Lorentzian
  // (width sqrt(1e-12) s_max on gaps) the derivatives are biased at the 1e-9 level, with
  // the cutoff rule (the default) they are exact to rounding. This pins the size of the
  // bias documented in linalg/options.hpp for this very case.
  const physref::TorusMoments m = physref::brute_force_torus(4, 4, 0.6, 1.0, 0.15);
  ThermoOptions o;
  o.rg.truncation.max_rank = 1024;
  o.rg.steps = 4;
  o.h = 0.15;
  o.order = 2;
  o.rg.truncation.degeneracy.rule = Broadening::lorentzian;
  const ThermoPoint lorentz = ising_thermo(0.6, o);
  o.rg.truncation.degeneracy.rule = Broadening::cutoff;
  const ThermoPoint cut = ising_thermo(0.6, o);
  EXPECT_NEAR(cut.u, m.u, 1e-11);
  EXPECT_NEAR(cut.c, m.c, 1e-10);
  EXPECT_NEAR(lorentz.u, m.u, 1e-8);
  EXPECT_NEAR(lorentz.c, m.c, 1e-7);
}

TEST(Rg, BadOptionsAndTensorsRaise) {
  RgOptions o;
  o.truncation.max_rank = 0;
  EXPECT_THROW(trg(ising_tensor(0.4), o), Error);
  EXPECT_THROW(hotrg(ising_tensor(0.4), o), Error);
  o.truncation.max_rank = 4;
  o.steps = -1;
  EXPECT_THROW(trg(ising_tensor(0.4), o), Error);
  o.steps = 2;
  EXPECT_THROW(trg(zeros({2, 2, 2}), o), Error);
  EXPECT_THROW(hotrg(zeros({2, 3, 3, 2}), o), Error);
  EXPECT_THROW(trg(zeros({2, 2, 2, 2}), o), Error);  // |T| = 0: the network vanished
  Tensor bad = ising_tensor(0.4);
  EXPECT_THROW(trg(bad * NAN, o), Error);
  EXPECT_THROW(rg_method("ctmrg"), Error);
  ThermoOptions t;
  t.order = 3;
  EXPECT_THROW(ising_thermo(0.4, t), Error);
}

}  // namespace
