// einsum against one-loop reference sums, for hand-picked subscripts of every kind.
#include <gtest/gtest.h>

#include <random>

#include "naive_einsum.hpp"
#include "tnad/tensornet/einsum.hpp"

using namespace tnad;

namespace {

// Random operands for `spec`, each index given a random extent in [2, 4].
std::vector<NDArray> random_operands(const std::string& spec, uint64_t seed, int lo = 2, int hi = 4) {
  std::mt19937_64 rng(seed);
  return testref::random_operands(spec, rng, [&](char, std::size_t) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  });
}

void expect_matches(const std::string& spec, uint64_t seed) {
  auto ops = random_operands(spec, seed);
  std::vector<Tensor> ts(ops.begin(), ops.end());
  NDArray got = einsum(spec, ts).value();
  NDArray want = testref::naive_einsum(spec, ops);
  EXPECT_LT(testref::rel_diff(got, want), 1e-12) << spec << "\n got " << got << "\nwant " << want;
}

class EinsumSpec : public ::testing::TestWithParam<std::string> {};

TEST_P(EinsumSpec, MatchesNaiveLoops) {
  for (uint64_t seed : {1u, 2u, 3u}) expect_matches(GetParam(), seed);
}

const std::vector<std::string> kSpecs = {
    // one operand: permutations, traces, diagonals, sums
    "ij->ji", "ijk->kij", "ii->", "ii->i", "iij->j", "iji->ij", "iii->i", "ijk->", "ij->j",
    "ijk->ki", "ij", "ji", "aabb->ab", "abab->",
    // two operands: GEMM in every transpose combination, free reshapes
    "ij,jk->ik", "ij,kj->ik", "ji,jk->ik", "ji,kj->ik", "ij,jk->ki", "ij,kj->ki", "ij,jk",
    "abcd,bcef->adef", "abcd,cdef->abef", "abcd,efab->cdef", "abcd,dcba->", "abc,cb->a",
    // vectors, outer products, scalars, 0-d operands
    "i,i->", "i,j->ij", "i,j->ji", "ij,k->ikj", "ab,->ba", ",->", "i,->i", "ab,cd->abcd",
    // Hadamard / batch indices, also not leading
    "ij,ij->ij", "ij,ji->ij", "ij,ij->", "ij,ij->i", "bij,bjk->bik", "ibj,jbk->bik",
    "ijb,jkb->kib", "abc,abc->b", "ab,b->ab", "ab,ab->ba",
    // traces inside operands of a product
    "aab,bc->ac", "iij,jkk->ik", "ab,b->a", "a,ab->b",
    // three operands, hyperedges
    "ab,bc,cd->ad", "abc,cd,db->a", "ab,ab,ab->ab", "ab,ac,ad->abcd", "i,i,i->", "ab,bc,ca->",
    "ijk,jl,kl->il", "ab,ab,ab->", "i,j,k->kji",
    // four to six operands
    "ab,bc,cd,da->", "ab,bc,cd,de->ae", "ai,bi,ci,di->abcd", "ij,jk,kl,lm,mn->in",
    "ab,bc,cd,de,ef->af", "ab,apc,bqd,pqrs,crx,dsy->xy", "ab,bc,cd,de,ef,fa->",
    "a,b,c,d,e,f->fedcba", "abc,bcd,cde,def,efa,fab->",
};

INSTANTIATE_TEST_SUITE_P(Specs, EinsumSpec, ::testing::ValuesIn(kSpecs),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n;
                           for (char c : i.param)
                             n += (c == ',') ? '_' : (c == '-' ? 'T' : (c == '>' ? 'o' : c));
                           std::string name = "s";
                           name.append(std::to_string(i.index)).append("_").append(n);
                           return name;
                         });

TEST(Einsum, VariadicFormAndImplicitOutputSortsAlphabetically) {
  Tensor a = randn({2, 3}, 1), b = randn({3, 4}, 2);
  // "ba,ac" implicit: output indices 'b','c' in alphabetical order -> shape [2, 4]... b is
  // a's first axis (2), c is b's second (4).
  Tensor c = einsum("ba,ac", a, b);
  EXPECT_EQ(c.shape(), Shape({2, 4}));
  EXPECT_LT(testref::rel_diff(c.value(), testref::naive_einsum("ba,ac->bc", {a.value(), b.value()})),
            1e-13);
  Tensor d = einsum("ij,jk->ki", a, b);
  EXPECT_EQ(d.shape(), Shape({4, 2}));
}

TEST(Einsum, UpperAndLowerCaseAreDistinct) {
  Tensor a = randn({2, 3}, 3), b = randn({3, 4}, 4);
  Tensor c = einsum("aA,AB->aB", a, b);
  EXPECT_LT(testref::rel_diff(c.value(), testref::naive_einsum("ab,bc->ac", {a.value(), b.value()})),
            1e-13);
}

TEST(Einsum, SpacesAreIgnored) {
  Tensor a = randn({2, 3}, 5), b = randn({3, 4}, 6);
  EXPECT_LT(testref::rel_diff(einsum(" ij , jk -> ik ", a, b).value(),
                              testref::naive_einsum("ij,jk->ik", {a.value(), b.value()})),
            1e-13);
}

TEST(Einsum, ZeroExtentGivesZerosOfTheRightShape) {
  Tensor a = randn({2, 0}, 7), b = randn({0, 3}, 8);
  Tensor c = einsum("ij,jk->ik", a, b);
  ASSERT_EQ(c.shape(), Shape({2, 3}));
  for (double v : c.value().to_vector()) EXPECT_EQ(v, 0.0);
  Tensor d = einsum("ij,jk->ikj", a, b);
  EXPECT_EQ(d.shape(), Shape({2, 3, 0}));
}

}  // namespace
