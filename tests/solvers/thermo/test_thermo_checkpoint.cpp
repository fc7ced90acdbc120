// Per-step checkpointing of the RG chain: the same u and C (first order by plain reverse,
// second order by reverse over reverse or reverse over the forward tangent) with less
// memory held by the backward (tnad::memory::peak_bytes).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "tnad/solvers/ising_thermo.hpp"
#include "tnad/ad/memory.hpp"

using namespace tnad;

namespace {

ThermoPoint point(ChainCheckpoint cp, SecondOrder so, int order, RgMethod m = RgMethod::trg) {
  ThermoOptions o;
  o.method = m;
  o.rg.truncation.max_rank = 8;
  o.rg.steps = 12;
  o.rg.checkpoint = cp;
  o.second_order = so;
  o.order = order;
  o.h = 0.03;
  return ising_thermo(0.43, o);
}

TEST(RgCheckpoint, AllStrategiesGiveTheSameDerivatives) {
  for (RgMethod m : {RgMethod::trg, RgMethod::hotrg}) {
    const ThermoPoint ref = point(ChainCheckpoint::none, SecondOrder::reverse_over_reverse, 2, m);
    for (ChainCheckpoint cp : {ChainCheckpoint::none, ChainCheckpoint::every_step, ChainCheckpoint::sqrt})
      for (SecondOrder so : {SecondOrder::reverse_over_reverse, SecondOrder::reverse_over_forward}) {
        const ThermoPoint t = point(cp, so, 2, m);
        SCOPED_TRACE(std::to_string(int(cp)) + " " + std::to_string(int(so)) + " " + to_string(m));
        EXPECT_EQ(t.ln_z, ref.ln_z);
        EXPECT_NEAR(t.u, ref.u, 1e-12 * std::abs(ref.u));
        EXPECT_NEAR(t.dlnz_dh, ref.dlnz_dh, 1e-12 * std::abs(ref.dlnz_dh));
        EXPECT_NEAR(t.c, ref.c, 1e-10 * std::abs(ref.c));
        EXPECT_EQ(t.discarded_weight, ref.discarded_weight);
      }
    const ThermoPoint first = point(ChainCheckpoint::every_step, SecondOrder::automatic, 1, m);
    EXPECT_NEAR(first.u, ref.u, 1e-12 * std::abs(ref.u));
  }
}

TEST(RgCheckpoint, RandomizedRecomputationReusesTheFactorizations) {
  ThermoOptions o;
  o.rg.truncation.max_rank = 8;
  o.rg.steps = 10;
  o.rg.truncation.method = SvdMethod::randomized;
  o.order = 2;
  o.h = 0.03;
  const ThermoPoint ref = ising_thermo(0.43, o);
  o.rg.checkpoint = ChainCheckpoint::every_step;
  o.rg.truncation.cache = std::make_shared<SvdCache>(64);
  const ThermoPoint t = ising_thermo(0.43, o);
  EXPECT_EQ(t.ln_z, ref.ln_z);
  EXPECT_NEAR(t.u, ref.u, 1e-12 * std::abs(ref.u));
  EXPECT_NEAR(t.c, ref.c, 1e-10 * std::abs(ref.c));
  // 2 factorizations per step. Each step runs 4 times: in the forward pass, when the
  // recorded first backward reaches its checkpoint, and twice in the second backward (the
  // recorded first backward's checkpoint, and the forward step's own VJP): 3 hits each.
  EXPECT_EQ(o.rg.truncation.cache->size(), 2u * 10u);
  EXPECT_EQ(o.rg.truncation.cache->hits(), 3u * 2u * 10u);
  // The recorded first backward solves option B's Sylvester system once per factorization;
  // the second backward's re-run of it finds each solution (the other solves of the second
  // backward have new right-hand sides and are not recorded).
  EXPECT_EQ(o.rg.truncation.cache->solve_hits(), 2u * 10u);
}

int64_t peak_of(int order, ChainCheckpoint cp, SecondOrder so, bool rematerialize = false,
                SvdMethod svd = SvdMethod::full) {
  ThermoOptions o;
  o.rg.truncation.max_rank = svd == SvdMethod::full ? 10 : 16;
  o.rg.steps = 20;
  o.rg.truncation.method = svd;
  o.order = order;
  o.rg.checkpoint = cp;
  o.rg.rematerialize = rematerialize;
  o.second_order = so;
  const int64_t live = memory::live_bytes();
  memory::reset_peak();
  ising_thermo(0.42, o);
  return memory::peak_bytes() - live;
}

TEST(RgCheckpoint, EveryStepBoundsTheMemoryOfFirstAndSecondDerivatives) {
  // 20 steps: recording everything (no rematerialization) holds 20 step tapes T, every_step one tape + 20 step
  // inputs S (plus, at second order, the tangents). With T ~ 10 S that is a ratio ~7; the
  // first and last steps are smaller (bond dimension 2, 4), so ask for 3.
  const int64_t first_all = peak_of(1, ChainCheckpoint::none, SecondOrder::automatic);
  const int64_t first_cp = peak_of(1, ChainCheckpoint::every_step, SecondOrder::automatic);
  EXPECT_LT(3 * first_cp, first_all) << first_cp << " vs " << first_all;
  const int64_t second_all = peak_of(2, ChainCheckpoint::none, SecondOrder::reverse_over_reverse);
  const int64_t second_cp = peak_of(2, ChainCheckpoint::every_step, SecondOrder::reverse_over_reverse);
  const int64_t second_rof = peak_of(2, ChainCheckpoint::every_step, SecondOrder::reverse_over_forward);
  const int64_t second_sqrt = peak_of(2, ChainCheckpoint::sqrt, SecondOrder::automatic);  // reverse over forward
  EXPECT_LT(3 * second_cp, second_all) << second_cp << " vs " << second_all;
  EXPECT_LT(3 * second_rof, second_all) << second_rof << " vs " << second_all;
  EXPECT_LT(3 * second_sqrt, second_all) << second_sqrt << " vs " << second_all;
  std::printf("peak bytes: order 1 %lld -> %lld (every_step); order 2 %lld -> %lld (every_step), %lld (every_step, "
              "reverse over forward), %lld (sqrt)\n",
              (long long)first_all, (long long)first_cp, (long long)second_all, (long long)second_cp,
              (long long)second_rof, (long long)second_sqrt);
}

TEST(RgCheckpoint, RematerializationShrinksTheUncheckpointedTape) {
  // Randomized SVD at chi = 16, where the tape is mostly chi^4 arrays (512 KiB; the thin
  // factors are 32 KiB). Without checkpointing it keeps per step T, its permuted copy and
  // the two half-plaquettes from the forward, and at second order also the first
  // backward's cotangent and its two half-plaquette cotangents. Rematerialized, the copy
  // and the halves are recipes: 3 chi^4 arrays fewer per step (18 of the 20 steps are at
  // full chi). What else is alive at the peak differs between the runs, so ask for at
  // least 2 arrays per full step at each order (measured: 2.7 and 3.3).
  const auto r = SvdMethod::randomized;
  const auto so = SecondOrder::reverse_over_reverse;
  const int64_t first_all = peak_of(1, ChainCheckpoint::none, so, false, r);
  const int64_t first_remat = peak_of(1, ChainCheckpoint::none, so, true, r);
  const int64_t second_all = peak_of(2, ChainCheckpoint::none, so, false, r);
  const int64_t second_remat = peak_of(2, ChainCheckpoint::none, so, true, r);
  const int64_t chi4 = 16 * 16 * 16 * 16 * int64_t(sizeof(double));
  EXPECT_GT(first_all - first_remat, 2 * 18 * chi4) << first_remat << " vs " << first_all;
  EXPECT_GT(second_all - second_remat, 2 * 18 * chi4) << second_remat << " vs " << second_all;
  std::printf("peak bytes without checkpointing: order 1 %lld -> %lld, order 2 %lld -> %lld (rematerialized)\n",
              (long long)first_all, (long long)first_remat, (long long)second_all, (long long)second_remat);
}

}  // namespace
