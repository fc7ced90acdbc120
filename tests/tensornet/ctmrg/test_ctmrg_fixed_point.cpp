// Gauge-fixed CTMRG and its fixed-point gradient (ctmrg.hpp, "Gauge" and "Fixed-point
// gradient"): the environment converges element-wise (x* = f(x*)), and the implicit
// gradient of an energy-type scalar Tr(rho_2x1 h) agrees with backprop through all the
// iterations and with central finite differences of the converged program; the same for
// Lx x Ly unit cells of distinct and of identical tensors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/fixed_point.hpp"
#include "tnad/ad/memory.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/fixed_point_solvers.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/peps.hpp"
#include "tnad/tensornet/rdm.hpp"

using namespace tnad;

namespace {

Tensor random_bond_operator(int64_t d, uint64_t seed) {
  const Tensor h = rand({d, d, d, d}, seed, -1.0, 1.0);
  return h + permute(h, {2, 3, 0, 1});
}
double max_rel_diff(const Tensor& a, const Tensor& b) {
  return nd::max_abs(nd::sub(a.value(), b.value())) / nd::max_abs(b.value());
}
Tensor energy(const C4vEnv& env, const Tensor& A, const Tensor& h) { return einsum("abcd,cdab->", rdm2x1(env, A), h); }

CtmrgOptions converged(int64_t chi) {
  CtmrgOptions o;
  o.chi = chi;
  o.tol = 1e-13;
  o.max_iter = 400;
  return o;
}

// The adjoint solve of the gradient checks: tight enough that the fixed-point gradient is
// exact to the forward's convergence.
FixedPointOptions tight(const AdjointSolver& solver) {
  FixedPointOptions fp;
  fp.solve.tol = 1e-12;
  fp.solve.max_iter = 1000;
  fp.defect_tol = 1e-9;
  fp.solver = solver;
  return fp;
}

TEST(CtmrgFixedPoint, GaugeFixedC4vEnvironmentConvergesElementWise) {
  // D = 2, chi = 8, uniform random entries in [-1, 1).
  const Tensor A = c4v_symmetrize(rand({2, 2, 2, 2, 2}, 1, -1.0, 1.0));
  const CtmrgOptions o = converged(8);
  const C4vCtmrg r = ctmrg_c4v(A, o);
  ASSERT_TRUE(r.info.converged);
  std::printf("gauge fixed: %d iterations, last element-wise change %.2e\n", r.info.iterations, r.info.env_change);
  EXPECT_GE(r.info.env_change, 0.0);
  EXPECT_LT(r.info.env_change, 1e-10);
  // x* is a fixed point of the step element-wise: C and T both.
  const C4vEnv next = ctmrg_c4v_step(r.env, A, o);
  EXPECT_LT(max_rel_diff(next.C, r.env.C), 1e-10);
  EXPECT_LT(max_rel_diff(next.T, r.env.T), 1e-10);
  // Without the gauge fix the spectra converge as well, the tensors only up to signs.
  CtmrgOptions raw = o;
  raw.fix_gauge = false;
  const C4vCtmrg u = ctmrg_c4v(A, raw);
  ASSERT_TRUE(u.info.converged);
  std::printf("raw: %d iterations, last element-wise change %.2e\n", u.info.iterations, u.info.env_change);
  const C4vEnv unext = ctmrg_c4v_step(u.env, A, raw);
  EXPECT_LT(max_rel_diff(unext.C, u.env.C), 1e-10);
  EXPECT_LT(nd::max_abs(nd::sub(nd::abs(unext.T.value()), nd::abs(u.env.T.value()))), 1e-10);
  // The two environments differ by a sign pattern only: same observables.
  EXPECT_NEAR(energy(r.env, A, random_bond_operator(2, 3)).item(), energy(u.env, A, random_bond_operator(2, 3)).item(),
              1e-12);
}

struct Agreement {
  double fp_vs_unrolled = 0, fd_fp = 0;
  int solver_iterations = 0;
};

Agreement check(int64_t D, int64_t chi, uint64_t seed, const AdjointSolver& solver, bool with_fd) {
  const Tensor h = random_bond_operator(2, seed + 50);
  const Tensor B = rand({2, D, D, D, D}, seed, -1.0, 1.0, true);
  const CtmrgOptions o = converged(chi);
  Agreement a;
  // Fixed point: forward unrecorded, one step recorded in the backward.
  const FixedPointOptions fp = tight(solver);
  auto info = std::make_shared<FixedPointInfo>();
  const Tensor A = c4v_symmetrize(B);
  const C4vCtmrg rf = ctmrg_c4v_fixed_point(A, o, fp, info);
  EXPECT_TRUE(rf.info.converged);
  const Tensor g_fp = grad(energy(rf.env, A, h), B);
  EXPECT_TRUE(info->converged);
  EXPECT_EQ(info->nodes_during_solve, 0);
  a.solver_iterations = info->iterations;
  // Unrolled: every iteration recorded, from the open boundary.
  const Tensor A2 = c4v_symmetrize(B);  // a fresh graph: the first grad freed A's
  const C4vCtmrg ru = ctmrg_c4v(A2, o);
  const Tensor g_un = grad(energy(ru.env, A2, h), B);
  a.fp_vs_unrolled = max_rel_diff(g_fp, g_un);
  std::printf("D=%lld chi=%lld %s: %d CTMRG iterations, adjoint %d J^T (residual %.1e), defect %.1e, "
              "max|g_fp - g_unrolled| / max|g| = %.2e\n",
              (long long)D, (long long)chi, info->method.c_str(), ru.info.iterations, info->iterations, info->residual,
              info->defect, a.fp_vs_unrolled);
  if (with_fd) {
    auto f = [&](const Tensor& x) {
      NoGradGuard ng;
      const Tensor Ax = c4v_symmetrize(x);
      return energy(ctmrg_c4v(Ax, o).env, Ax, h).item();
    };
    for (uint64_t k = 0; k < 2; ++k) {
      Tensor v = randn(B.shape(), 900 + seed + k);
      v = v / norm(v);
      const double e = 1e-5;
      const double fd = (f((B + v * e).detach()) - f((B - v * e).detach())) / (2 * e);
      const double ad = nd::dot(g_fp.value(), v.value());
      const double rel = std::abs(fd - ad) / std::max(std::abs(fd), 1e-3 * nd::norm(g_fp.value()));
      std::printf("  direction %llu: fd %.10f  fixed-point %.10f  rel %.1e\n", (unsigned long long)k, fd, ad, rel);
      a.fd_fp = std::max(a.fd_fp, rel);
    }
  }
  return a;
}

TEST(CtmrgFixedPoint, C4vGradientMatchesUnrolledAndFiniteDifferencesD2) {
  const Agreement a = check(2, 8, 1, {}, true);  // Neumann
  EXPECT_LT(a.fp_vs_unrolled, 1e-6);
  EXPECT_LT(a.fd_fp, 1e-6);
  const Agreement g = check(2, 8, 1, gmres_adjoint_solver(), false);
  EXPECT_LT(g.fp_vs_unrolled, 1e-6);
  EXPECT_LT(g.solver_iterations, a.solver_iterations + 5);
}

TEST(CtmrgFixedPoint, C4vGradientMatchesUnrolledD3) {
  const Agreement a = check(3, 12, 2, arnoldi_adjoint_solver(), false);
  EXPECT_LT(a.fp_vs_unrolled, 1e-6);
}

TEST(CtmrgFixedPoint, C4vFixedPointMemoryIsOneStepNotTheIterations) {
  // D = 2, chi = 16, converged (23 iterations): the unrolled forward keeps every
  // iteration's tape; the fixed-point forward keeps only x* and A, its backward one step's
  // tape plus the solver's vectors.
  const Tensor h = random_bond_operator(2, 60);
  const Tensor B = rand({2, 2, 2, 2, 2}, 62, -1.0, 1.0, true);
  const CtmrgOptions o = converged(16);
  struct Run {
    Tensor g;
    int64_t held = 0, peak = 0;
  };
  auto run = [&](bool fixed) {
    memory::reset_peak();
    const int64_t before = memory::live_bytes();
    Run r;
    const Tensor A = c4v_symmetrize(B);
    FixedPointOptions fp;
    fp.solve.tol = 1e-12;
    const C4vEnv env = fixed ? ctmrg_c4v_fixed_point(A, o, fp).env : ctmrg_c4v(A, o).env;
    const Tensor L = energy(env, A, h);
    r.held = memory::live_bytes() - before;
    r.g = grad(L, B);
    r.peak = memory::peak_bytes() - before;
    return r;
  };
  const Run un = run(false), fx = run(true);
  std::printf("held after forward: unrolled %lld B, fixed point %lld B; peak: unrolled %lld B, fixed point %lld B\n",
              (long long)un.held, (long long)fx.held, (long long)un.peak, (long long)fx.peak);
  EXPECT_LT(max_rel_diff(fx.g, un.g), 1e-6);
  // Both hold the energy's own tape (rdm2x1, ~0.4 MB); measured: held 4.9 MB vs 0.44 MB,
  // peak 5.1 MB vs 0.60 MB (23 iterations).
  EXPECT_LT(fx.held * 5, un.held);
  EXPECT_LT(fx.peak * 4, un.peak);
}

TEST(CtmrgFixedPoint, NonUniqueFixedPointIsAnErrorNotAWrongGradient) {
  // This tensor's corner spectrum comes in exact pairs +-w starting with the largest (two
  // equally dominant sectors, a state with period 2 that one C4v site cannot represent
  // uniquely): the step's Jacobian has eigenvalue 1 (measured: 1.000000, then 0.62), a
  // family of fixed points, so (I - f_x^T) y = xbar has no solution; the solvers stall
  // (Neumann at residual ~0.3) and the backward raises.
  const Tensor h = random_bond_operator(2, 60);
  const Tensor B = rand({2, 2, 2, 2, 2}, 61, -1.0, 1.0, true);
  const Tensor A = c4v_symmetrize(B);
  FixedPointOptions fp;
  fp.solve.tol = 1e-10;
  auto info = std::make_shared<FixedPointInfo>();
  const C4vCtmrg r = ctmrg_c4v_fixed_point(A, converged(8), fp, info);
  ASSERT_TRUE(r.info.converged);
  EXPECT_LT(r.info.env_change, 1e-10);  // it does converge element-wise
  const double w0 = r.env.C.value().data()[0], w1 = r.env.C.value().data()[9];
  EXPECT_NEAR(w0, -w1, 1e-10 * std::abs(w0));
  EXPECT_THROW(grad(energy(r.env, A, h), B), Error);
  EXPECT_FALSE(info->converged);
  EXPECT_GT(info->residual, 1e-2);
}

// ---- directional, single site: no symmetry, Tr(rho_2x1 h) + Tr(rho_1x2 h').
Tensor energy_dir(const CtmEnv& env, const Tensor& A, const Tensor& h, const Tensor& hv) {
  return einsum("abcd,cdab->", rdm2x1(env, A), h) + einsum("abcd,cdab->", rdm1x2(env, A), hv);
}

TEST(CtmrgFixedPoint, GaugeFixedDirectionalEnvironmentConvergesElementWise) {
  // D = 2, chi = 8, entries in [-0.3, 1) (test_ctmrg_grad.cpp: full-system is ill-conditioned
  // for [-1, 1) at chi = 8; half system here).
  const Tensor A = rand({2, 2, 2, 2, 2}, 13, -0.3, 1.0);
  const CtmrgOptions o = converged(8);
  const Ctmrg r = ctmrg(A, o);
  ASSERT_TRUE(r.info.converged);
  std::printf("directional, gauge fixed: %d iterations, last element-wise change %.2e\n", r.info.iterations,
              r.info.env_change);
  EXPECT_GE(r.info.env_change, 0.0);
  EXPECT_LT(r.info.env_change, 1e-10);
  const CtmEnv next = ctmrg_step(r.env, A, o);
  const Tensor* x[8] = {&r.env.C_tl, &r.env.C_tr, &r.env.C_br, &r.env.C_bl, &r.env.T_t, &r.env.T_r, &r.env.T_b, &r.env.T_l};
  const Tensor* y[8] = {&next.C_tl, &next.C_tr, &next.C_br, &next.C_bl, &next.T_t, &next.T_r, &next.T_b, &next.T_l};
  for (int i = 0; i < 8; ++i) EXPECT_LT(max_rel_diff(*y[i], *x[i]), 1e-10) << "tensor " << i;
  CtmrgOptions raw = o;
  raw.fix_gauge = false;
  const Ctmrg u = ctmrg(A, raw);
  std::printf("directional, raw: %d iterations, last element-wise change %.2e\n", u.info.iterations, u.info.env_change);
  const Tensor h = random_bond_operator(2, 3), hv = random_bond_operator(2, 4);
  EXPECT_NEAR(energy_dir(r.env, A, h, hv).item(), energy_dir(u.env, A, h, hv).item(), 1e-11);
}

TEST(CtmrgFixedPoint, DirectionalGradientMatchesUnrolledAndFiniteDifferencesD2) {
  const Tensor h = random_bond_operator(2, 11), hv = random_bond_operator(2, 12);
  const Tensor A = rand({2, 2, 2, 2, 2}, 13, -0.3, 1.0, true);
  const CtmrgOptions o = converged(8);
  const FixedPointOptions fp = tight(gmres_adjoint_solver());
  auto info = std::make_shared<FixedPointInfo>();
  const Ctmrg rf = ctmrg_fixed_point(A, o, fp, info);
  const Tensor g_fp = grad(energy_dir(rf.env, A, h, hv), A);
  EXPECT_TRUE(info->converged);
  EXPECT_EQ(info->nodes_during_solve, 0);
  const Ctmrg ru = ctmrg(A, o);
  const Tensor g_un = grad(energy_dir(ru.env, A, h, hv), A);
  const double agree = max_rel_diff(g_fp, g_un);
  std::printf("directional D=2 chi=8 %s: %d CTMRG iterations, adjoint %d J^T (residual %.1e), defect %.1e, "
              "max|g_fp - g_unrolled| / max|g| = %.2e\n",
              info->method.c_str(), ru.info.iterations, info->iterations, info->residual, info->defect, agree);
  EXPECT_LT(agree, 1e-6);
  auto f = [&](const Tensor& x) {
    NoGradGuard ng;
    return energy_dir(ctmrg(x, o).env, x, h, hv).item();
  };
  for (uint64_t k = 0; k < 2; ++k) {
    Tensor v = randn(A.shape(), 700 + k);
    v = v / norm(v);
    const double e = 1e-5;
    const double fd = (f((A + v * e).detach()) - f((A - v * e).detach())) / (2 * e);
    const double ad = nd::dot(g_fp.value(), v.value());
    std::printf("  direction %llu: fd %.10f  fixed-point %.10f\n", (unsigned long long)k, fd, ad);
    EXPECT_LT(std::abs(fd - ad), 1e-6 * std::max(std::abs(fd), 1e-3 * nd::norm(g_fp.value())));
  }
}

// ---- unit cells: every bond of the cell, horizontal (h) and vertical (hv).
Tensor energy_cell(const CtmCellEnv& env, const std::vector<Tensor>& A, const Tensor& h, const Tensor& hv) {
  Tensor e = zeros({});
  for (int64_t y = 0; y < env.Ly; ++y)
    for (int64_t x = 0; x < env.Lx; ++x)
      e = e + einsum("abcd,cdab->", rdm2x1(env, A, x, y), h) + einsum("abcd,cdab->", rdm1x2(env, A, x, y), hv);
  return e;
}

std::vector<Tensor> random_cell(int64_t n, int64_t D, uint64_t seed, bool identical, bool requires_grad = false) {
  std::vector<Tensor> A;
  for (int64_t i = 0; i < n; ++i)
    A.push_back(rand({2, D, D, D, D}, identical ? seed : seed + uint64_t(i), -0.3, 1.0, requires_grad));
  return A;
}

// max over the cell's tensors of max|x - y| / max|y|
double cell_rel_diff(const CtmCellEnv& a, const CtmCellEnv& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.site.size(); ++i) {
    const CtmEnv& x = a.site[i];
    const CtmEnv& y = b.site[i];
    for (const auto& [p, q] : {std::pair{x.C_tl, y.C_tl}, {x.C_tr, y.C_tr}, {x.C_br, y.C_br}, {x.C_bl, y.C_bl},
                               {x.T_t, y.T_t}, {x.T_r, y.T_r}, {x.T_b, y.T_b}, {x.T_l, y.T_l}}) {
      if (!(p.shape() == q.shape())) return 1e300;
      m = std::max(m, max_rel_diff(p, q));
    }
  }
  return m;
}

TEST(CtmrgFixedPoint, GaugeFixedCellEnvironmentConvergesElementWise) {
  // D = 2, chi = 8, entries in [-0.3, 1): a 2x2 cell of distinct tensors, a 2x2 cell of one
  // tensor repeated (its four environments are translates: the same bond spectra, and each
  // cut's SVD signs are chosen independently), a 3x2 cell of distinct tensors.
  const Tensor h = random_bond_operator(2, 3), hv = random_bond_operator(2, 4);
  struct Case {
    int64_t Lx, Ly;
    bool identical;
  };
  for (const Case c : {Case{2, 2, false}, Case{2, 2, true}, Case{3, 2, false}}) {
    SCOPED_TRACE(std::to_string(c.Lx) + "x" + std::to_string(c.Ly) + (c.identical ? " identical" : " distinct"));
    const std::vector<Tensor> A = random_cell(c.Lx * c.Ly, 2, 21, c.identical);
    const CtmrgOptions o = converged(8);
    const CtmrgCell r = ctmrg(A, initial_env(A, c.Lx, c.Ly), o);
    ASSERT_TRUE(r.info.converged);
    std::printf("%lldx%lld %s, gauge fixed: %d iterations, last element-wise change %.2e\n", (long long)c.Lx,
                (long long)c.Ly, c.identical ? "identical" : "distinct", r.info.iterations, r.info.env_change);
    EXPECT_GE(r.info.env_change, 0.0);
    EXPECT_LT(r.info.env_change, 1e-10);
    // x* = f(x*) element-wise, every tensor of every site.
    EXPECT_LT(cell_rel_diff(ctmrg_step(r.env, A, o), r.env), 1e-10);
    // Without the gauge fix: converged spectra, tensors that still jump by O(1).
    CtmrgOptions raw = o;
    raw.fix_gauge = false;
    const CtmrgCell u = ctmrg(A, initial_env(A, c.Lx, c.Ly), raw);
    ASSERT_TRUE(u.info.converged);
    std::printf("    raw: %d iterations, last element-wise change %.2e\n", u.info.iterations, u.info.env_change);
    EXPECT_GT(u.info.env_change, 1e-2);
    // Same observables on every bond.
    EXPECT_NEAR(energy_cell(r.env, A, h, hv).item(), energy_cell(u.env, A, h, hv).item(), 1e-10);
  }
}

TEST(CtmrgFixedPoint, CellGradientMatchesUnrolledAndFiniteDifferencesD2) {
  // 2x2 cell of distinct tensors, D = 2, chi = 8: d/dA of every A[i].
  const Tensor h = random_bond_operator(2, 31), hv = random_bond_operator(2, 32);
  const std::vector<Tensor> A = random_cell(4, 2, 41, false, true);
  const CtmrgOptions o = converged(8);
  const FixedPointOptions fp = tight(gmres_adjoint_solver());
  auto info = std::make_shared<FixedPointInfo>();
  const CtmrgCell rf = ctmrg_fixed_point(A, initial_env(A, 2, 2), o, fp, info);
  ASSERT_TRUE(rf.info.converged);
  const std::vector<Tensor> g_fp = grad({energy_cell(rf.env, A, h, hv)}, A);
  EXPECT_TRUE(info->converged);
  // Nothing re-recorded: the only nodes made during the solve are the gradient accumulators
  // of the step's unused inputs (in a cell sweep, the boundaries of all but the first column
  // are overwritten before they are read), at most one per input per J^T application.
  const int64_t n_inputs = 4 * 8;
  std::printf("nodes: one step %lld, during the solve %lld (%d J^T)\n", (long long)info->nodes_recorded,
              (long long)info->nodes_during_solve, info->iterations);
  EXPECT_LE(info->nodes_during_solve, int64_t(info->iterations + 1) * n_inputs);
  EXPECT_LT(info->nodes_during_solve, info->nodes_recorded);  // one re-recorded step per J^T: >= 9x more
  const CtmrgCell ru = ctmrg(A, initial_env(A, 2, 2), o);
  const std::vector<Tensor> g_un = grad({energy_cell(ru.env, A, h, hv)}, A);
  double agree = 0, gmax = 0;
  for (std::size_t i = 0; i < A.size(); ++i) {
    agree = std::max(agree, nd::max_abs(nd::sub(g_fp[i].value(), g_un[i].value())));
    gmax = std::max(gmax, nd::max_abs(g_un[i].value()));
  }
  agree /= gmax;
  std::printf("2x2 cell D=2 chi=8 %s: %d CTMRG iterations, adjoint %d J^T (residual %.1e), defect %.1e, "
              "max|g_fp - g_unrolled| / max|g| = %.2e\n",
              info->method.c_str(), ru.info.iterations, info->iterations, info->residual, info->defect, agree);
  EXPECT_LT(agree, 1e-6);
  auto f = [&](const std::vector<Tensor>& x) {
    NoGradGuard ng;
    return energy_cell(ctmrg(x, initial_env(x, 2, 2), o).env, x, h, hv).item();
  };
  double gnorm = 0;
  for (const Tensor& g : g_fp) gnorm += nd::dot(g.value(), g.value());
  gnorm = std::sqrt(gnorm);
  for (uint64_t k = 0; k < 2; ++k) {
    std::vector<Tensor> v;
    double vn = 0;
    for (std::size_t i = 0; i < A.size(); ++i) {
      v.push_back(randn(A[i].shape(), 800 + 10 * k + i));
      vn += nd::dot(v.back().value(), v.back().value());
    }
    const double e = 1e-5;
    std::vector<Tensor> plus, minus;
    double ad = 0;
    for (std::size_t i = 0; i < A.size(); ++i) {
      v[i] = v[i] / std::sqrt(vn);
      plus.push_back((A[i] + v[i] * e).detach());
      minus.push_back((A[i] - v[i] * e).detach());
      ad += nd::dot(g_fp[i].value(), v[i].value());
    }
    const double fd = (f(plus) - f(minus)) / (2 * e);
    std::printf("  direction %llu: fd %.10f  fixed-point %.10f\n", (unsigned long long)k, fd, ad);
    EXPECT_LT(std::abs(fd - ad), 1e-6 * std::max(std::abs(fd), 1e-3 * gnorm));
  }
}

}  // namespace
