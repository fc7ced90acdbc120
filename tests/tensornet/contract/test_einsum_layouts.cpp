// Pairwise steps large enough to go through dgemm, in every layout class: transposed
// operands, free indices split around batch indices, results that need a final permute.
#include <gtest/gtest.h>

#include <random>

#include "naive_einsum.hpp"
#include "tnad/tensornet/einsum.hpp"

using namespace tnad;

namespace {

class Layout : public ::testing::TestWithParam<std::string> {};

TEST_P(Layout, GemmPathMatchesNaiveLoops) {
  const std::string spec = GetParam();
  std::mt19937_64 rng(7);
  const std::vector<NDArray> ops = testref::random_operands(spec, rng, [&](char, std::size_t) {
    return std::uniform_int_distribution<int>(5, 9)(rng);
  });
  std::vector<Tensor> ts(ops.begin(), ops.end());
  EXPECT_LT(testref::rel_diff(einsum(spec, ts).value(), testref::naive_einsum(spec, ops)), 1e-12);
}

const std::vector<std::string> kLayouts = {
    "ij,jk->ik",     "ij,kj->ik",      "ji,jk->ik",      "ji,kj->ik",     "ij,jk->ki",
    "ji,kj->ki",     "abc,cd->abd",    "abc,da->dbc",    "abc,bcd->ad",   "abc,bcd->da",
    "abcd,bcef->adef", "abcd,bcef->fade", "abcd,ebcf->afed", "abcd,cdef->efab",
    "bij,bjk->bik",  "ibj,jbk->bik",   "ijb,jkb->kib",   "ibj,bjk->kbi",  "abij,bajk->abik",
    "aib,bij->ajb",  "abc,abd->cdab",  "abc,abd->acd",   "ij,kl->ijkl",   "ij,kl->likj",
    // outer products written column-major (C^T = B^T A^T with a 1-row operand); found by
    // fuzz/fuzz_einsum.cpp: BLAS refused the call (ld 1 < 729) and C stayed unwritten
    "abc,def->defabc", "ab,cde->cdeab",
};

INSTANTIATE_TEST_SUITE_P(Specs, Layout, ::testing::ValuesIn(kLayouts),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n;
                           for (char c : i.param)
                             n += (c == ',') ? '_' : (c == '-' ? 'T' : (c == '>' ? 'o' : c));
                           std::string name = "s";
                           name.append(std::to_string(i.index)).append("_").append(n);
                           return name;
                         });

}  // namespace
