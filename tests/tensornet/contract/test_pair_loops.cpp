// Pairwise contractions whose large operand or result cannot be read as a GEMM matrix: the
// kernel loops over one label (a free label: disjoint slices of C; a summed one: the
// iterations add into C) instead of copying the large tensor. Values against naive loops;
// the kernel counters show which plan ran.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "contract/kernels.hpp"  // tensornet/src: the kernel counters (internal)
#include "naive_einsum.hpp"
#include "tnad/ad/autograd.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"

using namespace tnad;

namespace {

struct Case {
  std::string spec;
  bool loops;  // the kernel should loop rather than copy
  int64_t d = 24;
};

NDArray run_case(const std::string& spec, int64_t d, uint64_t seed, NDArray& expect) {
  std::mt19937_64 rng(seed);
  // unequal extents catch stride mix-ups; 'k' is a short batch label
  const std::vector<NDArray> ops = testref::random_operands(
      spec, rng, [d](char c, std::size_t seen) { return c == 'k' ? 3 : d + int64_t(seen % 3); });
  expect = testref::naive_einsum(spec, ops);
  std::vector<Tensor> ts(ops.begin(), ops.end());
  return einsum(spec, ts).value();
}

class PairLoop : public ::testing::TestWithParam<Case> {};

TEST_P(PairLoop, MatchesNaiveLoopsAndAvoidsTheLargeCopy) {
  const Case c = GetParam();
  NDArray expect;
  tn::reset_pair_kernel_stats();
  const NDArray got = run_case(c.spec, c.d, 11, expect);
  const tn::PairKernelStats st = tn::pair_kernel_stats();
  EXPECT_LT(testref::rel_diff(got, expect), 1e-12) << c.spec;
  EXPECT_EQ(st.contractions, 1);
  if (c.loops) {
    EXPECT_EQ(st.looped, 1) << c.spec;
    // only the two 3-index factors (or the small result) may be copied, not a 4-index tensor
    EXPECT_LE(st.permuted_elements, 2 * 26 * 26 * 26) << c.spec;
  } else {
    EXPECT_EQ(st.looped, 0) << c.spec;
  }
}

// The TRG half-plaquettes and every VJP of them (NW_bawy = F3_wxa F2_xyb; its cotangent
// contractions F3bar_wxa = NWbar_bawy F2_xyb, F2bar_xyb = NWbar_bawy F3_wxa), the south-east
// half, and layouts that need no loop (a plain GEMM, a readable batch). Layouts where the
// loop would save a copy but run thin GEMMs far below peak (pair_cost.hpp) must copy:
// 'abcd,bcef->adef' (a loop over a at d = 24: 24 GEMMs of 24 x 576 x 576, ~2.8x slower
// than one permute + one 576^3 GEMM) and the CTMRG step 'aqsy,pqrs->apry' (a loop over a at
// chi 32, D^2 16: 32 GEMMs of 32 x 256 x 256, ~2x slower on one thread), with their VJPs.
// Values are checked at sizes the naive loops finish quickly (d = 16; chi 16, D^2 8: the
// model makes the same choice there), the choice itself at the benchmarked sizes below.
const std::vector<Case> kCases = {
    {"wxa,xyb->bawy", true},  {"bawy,xyb->wxa", true},  {"bawy,wxa->xyb", true},
    {"yzc,zwd->wycd", true},  {"wycd,zwd->yzc", true},  {"wycd,yzc->zwd", true},
    {"abcd,cdef->abef", false, 10}, {"bij,bjk->bik", false},
    {"abcd,bcef->adef", false, 16}, {"adef,bcef->abcd", false, 16}, {"abcd,adef->bcef", false, 16},
};

INSTANTIATE_TEST_SUITE_P(Specs, PairLoop, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) {
                           std::string n = "s" + std::to_string(i.index) + "_";
                           for (char c : i.param.spec)
                             n += (c == ',') ? '_' : (c == '-' ? 'T' : (c == '>' ? 'o' : c));
                           return n;
                         });

// Runs `spec` on random operands with extent(c) per index; returns whether the kernel looped.
bool loops_at(const std::string& spec, const std::function<int64_t(char)>& extent, bool check_values) {
  std::mt19937_64 rng(3);
  const std::vector<NDArray> ops =
      testref::random_operands(spec, rng, [&](char c, std::size_t) { return extent(c); });
  std::vector<Tensor> ts(ops.begin(), ops.end());
  tn::reset_pair_kernel_stats();
  const NDArray got = einsum(spec, ts).value();
  const bool looped = tn::pair_kernel_stats().looped != 0;
  if (check_values) EXPECT_LT(testref::rel_diff(got, testref::naive_einsum(spec, ops)), 1e-12) << spec;
  return looped;
}

// bench_tn_einsum's 'abcd,bcef->adef' at d = 24 and its VJPs: one permute + one GEMM.
TEST(PairLoop, Einsum4AtBenchmarkSizeCopiesRatherThanLoopingThinGemms) {
  for (const std::string spec : {"abcd,bcef->adef", "adef,bcef->abcd", "abcd,adef->bcef"})
    EXPECT_FALSE(loops_at(spec, [](char) { return 24; }, false)) << spec;
}

// TRG's half-plaquettes and their VJPs at chi = 32 (bench_tn_einsum's BM_trg_*, the chi of
// the headline TRG runs) keep looping.
TEST(PairLoop, TrgHalfPlaquettesAtChi32Loop) {
  for (const std::string spec : {"xwa,xyb->bawy", "bawy,xyb->xwa", "bawy,xwa->xyb", "yzc,zwd->wycd"})
    EXPECT_TRUE(loops_at(spec, [](char) { return 32; }, false)) << spec;
}

// The CTMRG network's largest step, aqsy,pqrs->apry with a, y = chi and p, q, r, s = D^2
// (bench_tn_einsum's BM_ctmrg_* at chi 32, D^2 16), and its two VJPs: one GEMM after
// permutations. Values against naive loops at chi 16, D^2 8.
TEST(PairLoop, CtmrgStepCopiesRatherThanLoopingThinGemms) {
  for (const std::string spec : {"aqsy,pqrs->apry", "apry,pqrs->aqsy", "aqsy,apry->pqrs"}) {
    EXPECT_FALSE(loops_at(spec, [](char c) -> int64_t { return (c == 'a' || c == 'y') ? 32 : 16; }, false)) << spec;
    EXPECT_FALSE(loops_at(spec, [](char c) -> int64_t { return (c == 'a' || c == 'y') ? 16 : 8; }, true)) << spec;
  }
}

// A summed loop with a batch label and a result that must be permuted, and a free loop
// next to a batch label: the loop composes with the batch offsets.
TEST(PairLoop, ComposesWithBatchLabels) {
  for (const std::string spec : {"kbawy,kxyb->kwxa", "kwxa,kxyb->kbawy"}) {
    NDArray expect;
    tn::reset_pair_kernel_stats();
    const NDArray got = run_case(spec, 22, 5, expect);
    EXPECT_LT(testref::rel_diff(got, expect), 1e-12) << spec;
    EXPECT_EQ(tn::pair_kernel_stats().looped, 1) << spec;
  }
}

// Gradients run through the same kernel (looping there too): the derivative of <G, NW(F3, F2)> by F3 and F2
// against central differences in a random direction.
TEST(PairLoop, GradientsMatchFiniteDifferences) {
  const int64_t d = 24;
  tn::reset_pair_kernel_stats();
  Tensor F3(NDArray::randn({d, d, d}, 1), true), F2(NDArray::randn({d, d, d}, 2), true);
  const Tensor G(NDArray::randn({d, d, d, d}, 3));
  auto f = [&](const Tensor& a, const Tensor& b) { return vdot(einsum("wxa,xyb->bawy", {a, b}), G); };
  const std::vector<Tensor> g = grad({f(F3, F2)}, {F3, F2});
  EXPECT_EQ(tn::pair_kernel_stats().looped, 3);  // the product and both of its VJPs
  const NDArray v3 = NDArray::randn({d, d, d}, 4), v2 = NDArray::randn({d, d, d}, 5);
  const double h = 1e-6;
  auto at = [&](double t) {
    NoGradGuard ng;
    return f(Tensor(nd::add(F3.value(), nd::mul(v3, NDArray::scalar(t)))),
             Tensor(nd::add(F2.value(), nd::mul(v2, NDArray::scalar(t)))))
        .item();
  };
  const double fd = (at(h) - at(-h)) / (2 * h);
  const double ad = nd::dot(g[0].value(), v3) + nd::dot(g[1].value(), v2);
  EXPECT_NEAR(ad, fd, 1e-7 * std::abs(fd));
}

}  // namespace
