// The C4v CTMRG and the reduced density matrices of its environment: exact product states,
// the internal consistency of a converged environment, warm starts, the reported
// convergence, errors. (Physics against exact results: test_ctmrg_ising.cpp; gradients:
// test_ctmrg_grad.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "tnad/ad/error.hpp"
#include "tnad/ad/memory.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/eigh.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/peps.hpp"
#include "tnad/tensornet/rdm.hpp"

using namespace tnad;

namespace {

double max_diff(const Tensor& a, const Tensor& b) { return nd::max_abs(nd::sub(a.value(), b.value())); }

// A C4v-symmetric site tensor from uniform random entries in [0, 1).
Tensor random_c4v(int64_t d, int64_t D, uint64_t seed) { return c4v_symmetrize(rand({d, D, D, D, D}, seed)); }

TEST(CtmrgC4v, ProductStateD1IsExact) {
  const Tensor A = rand({3, 1, 1, 1, 1}, 11, -1.0, 1.0);
  CtmrgOptions o;
  o.chi = 4;
  const C4vCtmrg r = ctmrg_c4v(A, o);
  EXPECT_TRUE(r.info.converged);
  const Tensor v = reshape(A, {3});
  const Tensor rho1 = einsum("s,t->st", v, v) / vdot(v, v);
  EXPECT_LT(max_diff(rdm1x1(r.env, A), rho1), 1e-14);
  EXPECT_LT(max_diff(rdm2x1(r.env, A), einsum("ac,bd->abcd", rho1, rho1)), 1e-14);
}

TEST(CtmrgC4v, ProductStateWithBondDimensionTwoIsExact) {
  // A = A0 (x) v (x) v (x) v (x) v: a product state written with D = 2; the environment is
  // rank one on every bond (the discarded eigenvalues are zero, dropped by rel_cutoff).
  const Tensor A0 = rand({2}, 12, -1.0, 1.0), v = from({2}, {0.8, -0.3});
  const Tensor A = einsum("p,u,l,d,r->puldr", {A0, v, v, v, v});
  CtmrgOptions o;
  o.chi = 8;
  const C4vCtmrg r = ctmrg_c4v(A, o);
  EXPECT_TRUE(r.info.converged);
  EXPECT_EQ(r.env.C.size(0), 1);
  const Tensor rho1 = einsum("s,t->st", A0, A0) / vdot(A0, A0);
  EXPECT_LT(max_diff(rdm1x1(r.env, A), rho1), 1e-14);
  EXPECT_LT(max_diff(rdm2x1(r.env, A), einsum("ac,bd->abcd", rho1, rho1)), 1e-14);
}

TEST(CtmrgC4v, ConvergedEnvironmentIsConsistent) {
  const int64_t d = 2, D = 2;
  const Tensor A = random_c4v(d, D, 21);
  CtmrgOptions o;
  o.chi = 24;
  o.tol = 1e-12;
  o.max_iter = 500;
  const C4vCtmrg r = ctmrg_c4v(A, o);
  ASSERT_TRUE(r.info.converged) << r.info.error;
  EXPECT_EQ(r.env.C.shape(), (Shape{24, 24}));
  EXPECT_EQ(r.env.T.shape(), (Shape{24, D * D, 24}));
  const Tensor rho1 = rdm1x1(r.env, A), rho2 = rdm2x1(r.env, A);
  EXPECT_NEAR(trace(rho1).item(), 1.0, 1e-14);
  EXPECT_NEAR(einsum("abab->", rho2).item(), 1.0, 1e-14);
  EXPECT_LT(max_diff(rho1, transpose(rho1)), 1e-12);
  // Hermitian, and the mirror l <-> r of a C4v state exchanges the two sites.
  EXPECT_LT(max_diff(rho2, permute(rho2, {2, 3, 0, 1})), 1e-12);
  EXPECT_LT(max_diff(rho2, permute(rho2, {1, 0, 3, 2})), 1e-10);
  // Tracing out one site of the pair gives the one-site matrix: the edge T is the fixed point
  // of the column transfer matrix only at convergence, so this tests the environment.
  EXPECT_LT(max_diff(einsum("abcb->ac", rho2), rho1), 1e-9);
  // Positive semidefinite.
  EXPECT_GT(rho1.value().at({0, 0}), 0.0);
  EXPECT_GT(rho1.value().at({1, 1}), 0.0);
  EXPECT_GE(rho1.value().at({0, 0}) * rho1.value().at({1, 1}), rho1.value().at({0, 1}) * rho1.value().at({1, 0}));
}

TEST(CtmrgC4v, WarmStartFromAConvergedEnvironmentStopsAtOnce) {
  const Tensor A = random_c4v(2, 2, 22);
  CtmrgOptions o;
  o.chi = 16;
  o.tol = 1e-11;
  o.max_iter = 500;
  const C4vCtmrg cold = ctmrg_c4v(A, o);
  ASSERT_TRUE(cold.info.converged);
  EXPECT_GT(cold.info.iterations, 5);
  const C4vCtmrg warm = ctmrg_c4v(A, cold.env.detach(), o);
  EXPECT_TRUE(warm.info.converged);
  EXPECT_LE(warm.info.iterations, 2);
  EXPECT_LT(max_diff(rdm2x1(warm.env, A), rdm2x1(cold.env, A)), 1e-10);
  // The same with an initial environment of smaller chi: it grows back to chi.
  const C4vCtmrg grown = ctmrg_c4v(A, c4v_initial_env(A, 2), o);
  EXPECT_EQ(grown.env.C.size(0), 16);
  EXPECT_LT(max_diff(rdm2x1(grown.env, A), rdm2x1(cold.env, A)), 1e-9);
}

TEST(CtmrgC4v, InitialEnvironmentIsTheOpenBoundary) {
  const Tensor A = random_c4v(2, 2, 23);
  const Tensor a = double_layer(A);
  const C4vEnv e = c4v_initial_env(A, 16);
  const Tensor C = einsum("uldr->rd", a), T = einsum("uldr->ldr", a);
  EXPECT_LT(max_diff(e.C, C / norm(C)), 1e-15);
  EXPECT_LT(max_diff(e.T, T / norm(T)), 1e-15);
  // chi below D^2: cut by the eigenvectors of C.
  const C4vEnv small = c4v_initial_env(A, 2);
  EXPECT_EQ(small.C.shape(), (Shape{2, 2}));
  EXPECT_EQ(small.T.shape(), (Shape{2, 4, 2}));
  // A 4-leg tensor is taken as the double layer itself.
  const C4vEnv same = c4v_initial_env(a, 16);
  EXPECT_LT(max_diff(same.T, e.T), 1e-15);
}

TEST(CtmrgC4v, ReportsTheIterationCapAndTheTruncation) {
  const Tensor A = random_c4v(2, 3, 24);
  CtmrgOptions o;
  o.chi = 10;
  o.max_iter = 3;
  o.tol = 1e-14;
  const C4vCtmrg r = ctmrg_c4v(A, o);
  EXPECT_FALSE(r.info.converged);
  EXPECT_EQ(r.info.iterations, 3);
  EXPECT_GT(r.info.error, 1e-14);
  EXPECT_GT(r.info.truncation_error, 0.0);
  EXPECT_LT(r.info.truncation_error, 1.0);
  // One step by hand gives the same environment as one iteration of the loop.
  o.max_iter = 1;
  const C4vCtmrg one = ctmrg_c4v(A, o);
  double err = -1;
  const C4vEnv step = ctmrg_c4v_step(c4v_initial_env(A, o.chi), double_layer(A), o, &err);
  EXPECT_EQ(max_diff(step.C, one.env.C), 0.0);
  EXPECT_EQ(max_diff(step.T, one.env.T), 0.0);
  EXPECT_EQ(err, one.info.truncation_error);
}

TEST(CtmrgC4v, KeepsWholeMultiplets) {
  // Two identical decoupled layers, A = A1 (x) A1: from the (product) open boundary the
  // enlarged corner is M1 (x) M1 up to a basis permutation, with eigenvalues w_i w_j, exactly
  // two-fold degenerate for i != j.
  const Tensor A1 = random_c4v(2, 2, 25);
  const Tensor A = reshape(einsum("puldr,qULDR->pquUlLdDrR", A1, A1), {4, 4, 4, 4, 4});
  const C4vEnv e0 = c4v_initial_env(A, 16);
  const Tensor M = reshape(einsum("xy,xuX,ylY,uldr->XrYd", {e0.C, e0.T, e0.T, double_layer(A)}), {256, 256});
  std::vector<double> w = nd::abs(eigvalsh(M).value()).to_vector();
  std::sort(w.begin(), w.end(), std::greater<double>());
  auto degenerate = [&](std::size_t k) { return w[k - 1] - w[k] <= 1e-10 * w[k - 1]; };
  std::size_t cut = 2;  // the first k whose cut splits a pair
  while (!degenerate(cut)) ++cut;
  ASSERT_LT(cut, 40u);
  CtmrgOptions o;
  o.chi = int64_t(cut);
  const C4vEnv with = ctmrg_c4v_step(e0, A, o);
  const std::size_t k = std::size_t(with.C.size(0));
  EXPECT_LT(k, cut);
  EXPECT_FALSE(degenerate(k));
  EXPECT_GT(w[k - 1] - w[k], 1e-6 * w[k - 1]);
  o.truncation.keep_multiplets = false;
  EXPECT_EQ(ctmrg_c4v_step(e0, A, o).C.size(0), int64_t(cut));
}

TEST(CtmrgC4v, PairDensityMatrixNeverFormsTheDoubleLayerWithTheEnvironment) {
  // D = 4, chi = 32: the ket and bra layers are contracted one at a time, so the largest
  // intermediate has chi^2 D^4 d^2 elements (8.4 MB; planned cost O(chi^3 D^4 d + chi^2 D^6 d^2)),
  // never a chi^2 D^8 array (67e6 elements, 537 MB). Measured: ~18 MB above the inputs.
  const int64_t d = 2, D = 4, chi = 32;
  const Tensor A = random_c4v(d, D, 27);
  const Tensor C = rand({chi, chi}, 28), T = rand({chi, D * D, chi}, 29);
  const C4vEnv e{C + transpose(C), T + permute(T, {2, 1, 0})};
  memory::reset_peak();
  const int64_t before = memory::live_bytes();
  const Tensor rho = rdm2x1(e, A);
  const double extra = double(memory::peak_bytes() - before);
  EXPECT_LT(extra, 8.0 * 4 * chi * chi * D * D * D * D * d * d);  // 4 such arrays: 34 MB
  EXPECT_NEAR(einsum("abab->", rho).item(), 1.0, 1e-12);
}

TEST(CtmrgC4v, ErrorsNameTheCause) {
  const Tensor A = random_c4v(2, 2, 26);
  CtmrgOptions o;
  auto expect_error = [](auto&& f, const std::string& what) {
    try {
      f();
      ADD_FAILURE() << "no error, expected one mentioning " << what;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect_error([&] { ctmrg_c4v(rand({2, 2, 2, 2, 2}, 1), o); }, "not C4v-symmetric");
  expect_error([&] { ctmrg_c4v(zeros({2, 2, 3, 2, 2}), o); }, "(d, D, D, D, D)");
  o.chi = 0;
  expect_error([&] { ctmrg_c4v(A, o); }, "chi");
  o.chi = 4;
  o.max_iter = 0;
  expect_error([&] { ctmrg_c4v(A, o); }, "max_iter");
  o.max_iter = 10;
  const C4vEnv e = c4v_initial_env(A, 4);
  expect_error([&] { ctmrg_c4v(A, C4vEnv{e.C, zeros({4, 9, 4})}, o); }, "T (chi, 4, chi)");
  expect_error([&] { ctmrg_c4v(A, C4vEnv{zeros({3, 3}), e.T}, o); }, "C (chi, chi)");
  expect_error([&] { rdm2x1(e, zeros({2, 3, 3, 3, 3})); }, "in-leg");
  expect_error([&] { rdm1x1(e, zeros({2, 2, 2, 2})); }, "rdm1x1");
  Tensor bad = A.detach();
  bad.value();
  std::vector<double> v = A.value().to_vector();
  v[3] = std::nan("");
  expect_error([&] { ctmrg_c4v(from(A.shape(), v), o); }, "NaN");
}

}  // namespace
