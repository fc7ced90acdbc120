// Gradients through the unrolled CTMRG iterations: reverse mode against central finite
// differences of the same program (a fixed number of iterations), per-iteration
// checkpointing (same gradient, memory of the carried environment per iteration instead of
// the tape), degenerate spectra without NaN.
#include <gtest/gtest.h>

#include <cmath>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/memory.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/peps.hpp"
#include "tnad/tensornet/rdm.hpp"

using namespace tnad;

namespace {

// A random symmetric two-site operator h (d^2 x d^2 as a (d, d, d, d) tensor, legs (s1, s2, s1', s2')).
Tensor random_bond_operator(int64_t d, uint64_t seed) {
  const Tensor h = rand({d, d, d, d}, seed, -1.0, 1.0);
  return h + permute(h, {2, 3, 0, 1});
}

// The energy-like scalar Tr(rho_2x1 h) of A = c4v_symmetrize(B) after exactly `iters`
// iterations (tol = 0): a fixed program, so finite differences see the same one.
CtmrgOptions fixed_iterations(int64_t chi, int iters) {
  CtmrgOptions o;
  o.chi = chi;
  o.tol = 0.0;
  o.max_iter = iters;
  return o;
}
Tensor c4v_energy(const Tensor& B, const Tensor& h, const CtmrgOptions& o) {
  const Tensor A = c4v_symmetrize(B);
  const C4vCtmrg r = ctmrg_c4v(A, o);
  return einsum("abcd,cdab->", rdm2x1(r.env, A), h);
}

// Relative error of the directional derivative <g, v> against (f(B + e v) - f(B - e v)) / 2e,
// the worst over `n` random unit directions.
template <class F>
double directional_error(const F& f, const Tensor& B, const Tensor& g, int n, uint64_t seed) {
  double worst = 0.0;
  for (int k = 0; k < n; ++k) {
    Tensor v = randn(B.shape(), seed + uint64_t(k));
    v = v / norm(v);
    const double e = 1e-5;
    const double fd = (f((B + v * e).detach()).item() - f((B - v * e).detach()).item()) / (2 * e);
    const double ad = nd::dot(g.value(), v.value());
    worst = std::max(worst, std::abs(fd - ad) / std::max(std::abs(fd), 1e-3 * nd::norm(g.value())));
  }
  return worst;
}

TEST(CtmrgGrad, C4vAgainstFiniteDifferences) {
  // D = 2, chi = 8, 20 iterations (chi is reached after two). Measured: 2e-10 .. 2e-8.
  const Tensor h = random_bond_operator(2, 5);
  const CtmrgOptions o = fixed_iterations(8, 20);
  for (uint64_t seed : {1, 2}) {
    const Tensor B = rand({2, 2, 2, 2, 2}, seed, -1.0, 1.0, true);
    const Tensor g = grad(c4v_energy(B, h, o), B);
    const double err = directional_error([&](const Tensor& x) { return c4v_energy(x, h, o); }, B, g, 3, 100 * seed);
    EXPECT_LT(err, 1e-6) << "seed " << seed;
  }
}

TEST(CtmrgGrad, C4vWithRespectToTheInitialEnvironment) {
  const Tensor A = c4v_symmetrize(rand({2, 2, 2, 2, 2}, 3, -1.0, 1.0));
  const Tensor h = random_bond_operator(2, 6);
  const CtmrgOptions o = fixed_iterations(6, 3);
  const C4vEnv e0 = c4v_initial_env(A, 6);
  // A corner must be symmetric: the loss reads (C + C^T) / 2.
  auto f = [&](const Tensor& C) {
    const Tensor Cs = (C + transpose(C)) * 0.5;
    return einsum("abcd,cdab->", rdm2x1(ctmrg_c4v(A, C4vEnv{Cs, e0.T}, o).env, A), h);
  };
  const Tensor C(nd::add(e0.C.value(), nd::mul(NDArray::rand(e0.C.shape(), 7, -1.0, 1.0), 0.1)), true);
  const Tensor g = grad(f(C), C);
  EXPECT_GT(nd::norm(g.value()), 1e-6);
  EXPECT_LT(directional_error(f, C, g, 3, 300), 1e-6);
}

double max_rel_diff(const Tensor& a, const Tensor& b) {
  return nd::max_abs(nd::sub(a.value(), b.value())) / nd::max_abs(b.value());
}

TEST(CtmrgGrad, CheckpointedGradientEqualsPlainAndHoldsOnlyTheEnvironment) {
  // D = 2, chi = 16: the carried environment is C (16 x 16) + T (16 x 4 x 16) = 10240 bytes;
  // one iteration's tape (enlarged corner 64 x 64, its full eigendecomposition, the
  // contractions' intermediates) ~170 kB. Recorded with checkpointing, each iteration keeps
  // its inputs (C, T and the shared double layer): the memory held after the forward grows by
  // one environment per iteration.
  const Tensor h = random_bond_operator(2, 8);
  const Tensor B = rand({2, 2, 2, 2, 2}, 9, -1.0, 1.0, true);
  struct Run {
    Tensor g;
    int64_t held = 0, peak = 0;
  };
  auto run = [&](int iters, bool cp) {
    CtmrgOptions o = fixed_iterations(16, iters);
    o.checkpoint = cp;
    memory::reset_peak();
    const int64_t before = memory::live_bytes();
    Run r;
    const Tensor L = c4v_energy(B, h, o);
    r.held = memory::live_bytes() - before;
    r.g = grad(L, B);
    r.peak = memory::peak_bytes() - before;
    return r;
  };
  const Run plain20 = run(20, false), plain40 = run(40, false);
  const Run cp20 = run(20, true), cp40 = run(40, true);
  EXPECT_LT(max_rel_diff(cp20.g, plain20.g), 1e-12);
  EXPECT_LT(max_rel_diff(cp40.g, plain40.g), 1e-12);
  const double env_bytes = 8.0 * (16 * 16 + 16 * 4 * 16);
  const double per_iteration_cp = double(cp40.held - cp20.held) / 20;
  const double per_iteration_plain = double(plain40.held - plain20.held) / 20;
  EXPECT_LE(per_iteration_cp, 1.05 * env_bytes);
  EXPECT_GE(per_iteration_cp, 0.95 * env_bytes);
  EXPECT_GT(per_iteration_plain, 10 * env_bytes);
  // The backward re-runs one iteration at a time: the peak stays well below the full tape.
  EXPECT_LT(cp40.peak, plain40.peak / 4);
}

TEST(CtmrgGrad, DegenerateSpectraGiveFiniteGradients) {
  // From normal entries the C4v tensor's corner spectra come in exactly degenerate pairs
  // (peps.hpp); the broadened adjoints keep the gradient finite (AnomalyGuard checks every VJP).
  const Tensor B = randn({2, 3, 3, 3, 3}, 21, true);
  const Tensor h = random_bond_operator(2, 10);
  AnomalyGuard anomaly;
  const Tensor g = grad(c4v_energy(B, h, fixed_iterations(12, 6)), B);
  EXPECT_TRUE(nd::all_finite(g.value()));
  EXPECT_GT(nd::norm(g.value()), 0.0);
}

TEST(CtmrgGrad, DirectionalAgainstFiniteDifferences) {
  // No symmetry: Tr(rho_2x1 h) + Tr(rho_1x2 h') of a random A after 6 iterations (24 moves),
  // D = 2, chi = 8, both projector kinds; checkpointed and plain gradients agree. Measured:
  // 1e-10 .. 1e-8. (Entries in [-0.3, 1): with [-1, 1) the full-system iteration at chi = 8
  // is ill-conditioned — its gradient is ~1e3 and finite differences do not settle with the
  // step; ctmrg.hpp, trap 5.)
  const Tensor h = random_bond_operator(2, 11), hv = random_bond_operator(2, 12);
  const Tensor A = rand({2, 2, 2, 2, 2}, 13, -0.3, 1.0, true);
  for (CtmrgProjectors p : {CtmrgProjectors::half_system, CtmrgProjectors::full_system}) {
    CtmrgOptions o = fixed_iterations(8, 6);
    o.projectors = p;
    auto f = [&](const Tensor& x) {
      const Ctmrg r = ctmrg(x, o);
      return einsum("abcd,cdab->", rdm2x1(r.env, x), h) + einsum("abcd,cdab->", rdm1x2(r.env, x), hv);
    };
    const Tensor g = grad(f(A), A);
    EXPECT_LT(directional_error(f, A, g, 3, 400), 1e-6) << "half " << (p == CtmrgProjectors::half_system);
    o.checkpoint = true;
    EXPECT_LT(max_rel_diff(grad(f(A), A), g), 1e-12);
  }
}

}  // namespace

namespace {

// CtmrgOptions::truncated_adjoint = kept_only (the old rule, for comparisons; truncation.hpp)
// reaches the C4v eigh and the directional projectors' SVD: the values are the same bits,
// the gradient is the wrong one (it misses finite differences, which the exact rule matches).
// chi = 3 at D = 2 cuts real weight. Measured: FD error exact 7e-11 .. 2e-9, kept_only
// 5.2e-4 .. 5.6e-4; |g_kept - g_exact| / max|g_exact| 7e-5 .. 2e-4.
TEST(CtmrgGrad, KeptOnlyRuleChangesOnlyTheGradient) {
  const Tensor h = random_bond_operator(2, 21), hv = random_bond_operator(2, 22);
  const Tensor B = rand({2, 2, 2, 2, 2}, 23, -1.0, 1.0, true);
  const Tensor A = rand({2, 2, 2, 2, 2}, 24, -0.3, 1.0, true);
  for (bool c4v : {true, false}) {
    CtmrgOptions o = fixed_iterations(3, c4v ? 20 : 6);
    auto f = [&](const Tensor& x) {
      if (c4v) return c4v_energy(x, h, o);
      const Ctmrg r = ctmrg(x, o);
      return einsum("abcd,cdab->", rdm2x1(r.env, x), h) + einsum("abcd,cdab->", rdm1x2(r.env, x), hv);
    };
    const Tensor& X = c4v ? B : A;
    const Tensor e_exact = f(X);
    const Tensor g_exact = grad(e_exact, X);
    o.truncated_adjoint = TruncatedAdjoint::kept_only;
    const Tensor e_kept = f(X);
    const Tensor g_kept = grad(e_kept, X);
    EXPECT_EQ(e_exact.item(), e_kept.item()) << (c4v ? "c4v" : "directional");
    const double diff = max_rel_diff(g_kept, g_exact);
    const double fd_kept = directional_error(f, X, g_kept, 3, 500);
    o.truncated_adjoint = TruncatedAdjoint::automatic;
    const double fd_exact = directional_error(f, X, g_exact, 3, 500);
    std::printf("[ measure ] %s: |g_kept - g_exact| %.1e, FD error exact %.1e, kept_only %.1e\n",
                c4v ? "c4v" : "directional", diff, fd_exact, fd_kept);
    EXPECT_LT(fd_exact, 1e-6);
    EXPECT_GT(fd_kept, 1e-4);
    EXPECT_GT(diff, 2e-5);
  }
}

}  // namespace

namespace {

// An exactly degenerate corner spectrum: a CTMRG environment (C0, T0) doubled on its chi
// legs, C = C0 (x) 1_2 and T = T0 (x) 1_2, makes the enlarged corner M0 (x) 1_2, every
// eigenvalue twice. The eigh rule drops F o a inside an exact pair, although for some
// losses its limit is finite (docs/adjoints.md, "Degenerate spectra"); C' = diag(w) would be
// hit if the cotangent of C' had an off-diagonal part inside a pair. For a loss that keeps
// the symmetry behind the degeneracy (here the doubling; in physics e.g. SU(2)) that part
// is a multiple of the identity (Schur) and the dropped term is 0: the gradient of one step
// of a gauge-invariant function, sum_u Tr(C' T'_u C' T'_u^T), must match finite differences
// taken along random, degeneracy-breaking directions.
TEST(CtmrgGrad, C4vStepAtAnExactlyDegenerateCornerSpectrum) {
  const Tensor A = c4v_symmetrize(rand({2, 2, 2, 2, 2}, 7, -1.0, 1.0));
  const C4vEnv e0 = ctmrg_c4v(A, fixed_iterations(4, 10)).env;
  NDArray one = NDArray::zeros(Shape{2, 2});
  one.mutable_data()[0] = one.mutable_data()[3] = 1.0;
  const Tensor I2(one);
  const Tensor C = reshape(einsum("xy,st->xsyt", {e0.C, I2}), Shape{8, 8});
  const Tensor T = reshape(einsum("xuX,st->xsuXt", {e0.T, I2}), Shape{8, 4, 8});
  CtmrgOptions o;
  o.chi = 8;  // four exact pairs kept
  auto f = [&](const Tensor& Tin) {
    const C4vEnv e = ctmrg_c4v_step(C4vEnv{C, Tin}, A, o);
    return einsum("ab,buc,cd,aud->", {e.C, e.T, e.C, e.T});
  };
  const Tensor Tv(T.value(), true);
  const Tensor g = grad(f(Tv), Tv);
  EXPECT_TRUE(nd::all_finite(g.value()));
  EXPECT_LT(directional_error(f, Tv.detach(), g, 4, 77), 1e-6);
}

}  // namespace
