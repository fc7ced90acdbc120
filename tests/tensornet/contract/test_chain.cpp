// run_chain: checkpoint strategies give the same gradients (first and second order, checked
// against finite differences) while holding less memory in the backward.
#include <gtest/gtest.h>

#include "tnad/ad/autograd.hpp"
#include "tnad/tensornet/chain.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/ad/gradcheck.hpp"
#include "tnad/ad/memory.hpp"
#include "tnad/ad/ops.hpp"

using namespace tnad;

namespace {

// A transfer-matrix iteration, the shape of a CTMRG/TRG step: the state M absorbs two copies
// of the site tensor W, then is normalized. Deterministic, so recomputation reproduces it.
std::vector<Tensor> step(const std::vector<Tensor>& s, const std::vector<Tensor>& p, int) {
  Tensor m = einsum("ab,apc,bpd->cd", s[0], p[0], p[0]);
  return {m / norm(m)};
}

Tensor chain_loss(const Tensor& m0, const Tensor& w, int n, ChainCheckpoint c, int segment = 0) {
  ChainOptions o;
  o.checkpoint = c;
  o.segment = segment;
  Tensor m = run_chain(step, {m0}, {w}, n, o)[0];
  return sum(m * m * m);  // not invariant under the normalization, so W matters
}

TEST(Chain, StrategiesGiveTheSameGradients) {
  Tensor m0 = randn({6, 6}, 1, true), w = randn({6, 3, 6}, 2, true);
  std::vector<std::vector<double>> gs;
  for (auto c : {ChainCheckpoint::none, ChainCheckpoint::every_step, ChainCheckpoint::sqrt}) {
    auto g = grad({chain_loss(m0, w, 20, c)}, {m0, w});
    gs.push_back(g[0].value().to_vector());
    auto gw = g[1].value().to_vector();
    gs.back().insert(gs.back().end(), gw.begin(), gw.end());
  }
  for (std::size_t k = 1; k < gs.size(); ++k)
    for (std::size_t i = 0; i < gs[0].size(); ++i)
      EXPECT_NEAR(gs[k][i], gs[0][i], 1e-12 * (1 + std::abs(gs[0][i]))) << "strategy " << k;
}

TEST(Chain, GradcheckAndGradgradcheckThroughCheckpoints) {
  Tensor m0 = randn({3, 3}, 3, true), w = randn({3, 2, 3}, 4, true);
  for (auto c : {ChainCheckpoint::every_step, ChainCheckpoint::sqrt}) {
    auto f = [c](const std::vector<Tensor>& x) { return chain_loss(x[0], x[1], 5, c, 2); };
    EXPECT_TRUE(gradcheck(f, {m0, w}));
    EXPECT_TRUE(gradgradcheck(f, {m0, w}));
  }
}

int64_t backward_peak(ChainCheckpoint c, int n) {
  Tensor m0 = randn({8, 8}, 5, true), w = randn({8, 32, 8}, 6, true);
  const int64_t before = memory::live_bytes();
  memory::reset_peak();
  {
    Tensor loss = chain_loss(m0, w, n, c);
    auto g = grad({loss}, {m0, w});
  }
  return memory::peak_bytes() - before;
}

TEST(Chain, CheckpointingCutsThePeakMemoryOfTheGradient) {
  // State S = 64 doubles, one step's tape T ~ 8*32*8 = 2048 doubles: recording everything
  // holds ~50 T, every_step ~50 S + T, sqrt ~(7 + 8) S + T.
  const int64_t none = backward_peak(ChainCheckpoint::none, 50);
  const int64_t every = backward_peak(ChainCheckpoint::every_step, 50);
  const int64_t sq = backward_peak(ChainCheckpoint::sqrt, 50);
  EXPECT_LT(every * 5, none) << "none " << none << " every_step " << every;
  EXPECT_LT(sq, every) << "every_step " << every << " sqrt " << sq;
  // Doubling the chain: recording everything doubles, every_step grows only by n S.
  const int64_t none2 = backward_peak(ChainCheckpoint::none, 100);
  const int64_t every2 = backward_peak(ChainCheckpoint::every_step, 100);
  EXPECT_GT(none2 - none, 20 * (every2 - every));
}

TEST(Chain, ZeroStepsReturnTheStateAndBadArgumentsRaise) {
  Tensor m0 = randn({2, 2}, 7);
  auto r = run_chain(step, {m0}, {randn({2, 2, 2}, 8)}, 0);
  EXPECT_EQ(r[0].id(), m0.id());
  EXPECT_THROW(run_chain(step, {m0}, {}, -1), Error);
  EXPECT_THROW(run_chain(step, {}, {}, 3), Error);
}

}  // namespace
