// The C4v iPEPS energy (ipeps.hpp) against exact values: the Neel product state, the
// transverse-field Ising product-state optimum in closed form, the Ising model's exact
// correlation length; its gradient against central finite differences (plain and
// checkpointed CTMRG); J1-J2 at J2 = 0 against Heisenberg; a short D = 2 optimization; the
// fixed-point gradient (both ansatzes) against the unrolled one at a converged environment;
// the unit-cell energy against the single-site one and the Neel state.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/gradcheck.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/eigh.hpp"
#include "tnad/linalg/fixed_point_solvers.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/rdm.hpp"
#include "tnad/solvers/ipeps.hpp"
#include "tnad/solvers/ising.hpp"
#include "tnad/solvers/optim.hpp"
#include "tnad/solvers/tensor_objective.hpp"

using namespace tnad;

namespace {

constexpr double kQmc = -0.6694421;  // Sandvik & Evertz 2010: no iPEPS energy may go below

CtmrgOptions fixed_steps(int64_t chi, int steps) {
  CtmrgOptions o;
  o.chi = chi;
  o.max_iter = steps;
  o.tol = 0.0;  // exactly `steps` iterations: a smooth function of A for finite differences
  return o;
}

TEST(IpepsEnergy, NeelProductStateIsMinusOneHalfAtAnyBondDimension) {
  const LatticeHamiltonian H = heisenberg(1.0, true);
  for (int64_t D : {1, 2, 3}) {
    SCOPED_TRACE(D);
    const Tensor A = product_peps_tensor({1.0, 0.0}, D, 0.0, 0);
    CtmrgOptions o;
    o.chi = 4;
    const C4vEnergy e = c4v_energy(A, H, o);
    EXPECT_NEAR(e.energy.item(), -0.5, 1e-15);
    const GroundStateObservables obs = c4v_observables(e.state, e.ctm.env, H);
    EXPECT_NEAR(obs.energy, -0.5, 1e-15);
    EXPECT_NEAR(obs.mz, 0.5, 1e-15);  // staggered magnetization of the Neel state
    EXPECT_NEAR(obs.mx, 0.0, 1e-15);
    EXPECT_NEAR(obs.magnetization, 0.5, 1e-15);
    EXPECT_EQ(obs.correlation_length, 0.0);  // a product state has no correlations
  }
  // unrotated, the same tensor is the ferromagnet: +1/2
  EXPECT_NEAR(c4v_energy(product_peps_tensor({1.0, 0.0}, 1, 0.0, 0), heisenberg(1.0, false), CtmrgOptions{}).energy.item(),
              0.5, 1e-15);
}

TEST(IpepsEnergy, TransverseFieldIsingD1OptimumIsTheClosedForm) {
  // the best product state: -2 - h^2/8 for h <= 4 (sin t = h/4), -h above
  for (double h : {0.5, 2.0, 3.5, 5.0}) {
    SCOPED_TRACE(h);
    const LatticeHamiltonian H = transverse_field_ising(h);
    CtmrgOptions o;
    o.chi = 1;
    auto f = tensor_objective([&](const Tensor& A) { return c4v_energy(reshape(A, Shape{2, 1, 1, 1, 1}), H, o).energy; });
    optim::Options oo;
    auto opt = optim::make_optimizer(oo);
    // start between the two product states |up> and |+>
    const optim::Result r = optim::minimize(f, {0.9, 0.3}, *opt, {.max_steps = 200, .grad_tol = 1e-11});
    const double want = h <= 4 ? -2.0 - h * h / 8 : -h;
    EXPECT_NEAR(r.value, want, 1e-12);
    EXPECT_GE(r.value, want - 1e-14);  // variational
    // the magnetizations of the optimum: <sx> = h/4, <sz> = sqrt(1 - (h/4)^2)
    Tensor A = from({2, 1, 1, 1, 1}, r.x);
    const C4vEnergy e = c4v_energy(A, H, o);
    const GroundStateObservables obs = c4v_observables(e.state, e.ctm.env, H);
    const double sx = std::min(h / 4, 1.0);
    EXPECT_NEAR(obs.mx, sx, 1e-6);
    EXPECT_NEAR(std::abs(obs.mz), std::sqrt(1 - sx * sx), 1e-5);
  }
}

TEST(IpepsEnergy, GradientMatchesFiniteDifferencesPlainAndCheckpointed) {
  struct Case {
    int64_t D, chi;
    LatticeHamiltonian H;
  };
  for (const Case& c : {Case{2, 8, heisenberg(1.0, true)}, Case{2, 6, transverse_field_ising(2.5)},
                        Case{3, 9, xxz(1.0, 0.6, true)}}) {
    SCOPED_TRACE(c.H.model + " D " + std::to_string(c.D));
    const Tensor A = random_peps_tensor(c.H.d, c.D, 7);
    for (bool cp : {false, true}) {
      CtmrgOptions o = fixed_steps(c.chi, 12);
      o.checkpoint = cp;
      GradcheckOptions g;
      g.eps = 1e-5;
      g.atol = 1e-8;
      g.rtol = 1e-5;
      g.directions = 3;
      g.full_jacobian_max = 0;
      const GradcheckResult r =
          gradcheck([&](const std::vector<Tensor>& x) { return c4v_energy(x[0], c.H, o).energy; },
                    {Tensor(A.value(), true)}, g);
      EXPECT_TRUE(r.ok) << (cp ? "checkpointed: " : "plain: ") << r.report;
    }
    // checkpointing changes the memory, not the numbers
    Tensor x1(A.value(), true), x2(A.value(), true);
    CtmrgOptions o = fixed_steps(c.chi, 12);
    const Tensor g1 = grad(c4v_energy(x1, c.H, o).energy, x1);
    o.checkpoint = true;
    const Tensor g2 = grad(c4v_energy(x2, c.H, o).energy, x2);
    EXPECT_LT(max(abs(g1 - g2)).item(), 1e-13);
  }
}

TEST(IpepsEnergy, J1J2AtJ2ZeroEqualsHeisenbergAndJ2AddsTheDiagonalBond) {
  const Tensor A = random_peps_tensor(2, 2, 3);
  CtmrgOptions o;
  o.chi = 8;
  Tensor x1(A.value(), true), x2(A.value(), true);
  const C4vEnergy h = c4v_energy(x1, heisenberg(1.0, true), o);
  const C4vEnergy j = c4v_energy(x2, j1j2(1.0, 0.0, true), o);
  EXPECT_NEAR(j.energy.item(), h.energy.item(), 1e-14);
  const Tensor gh = grad(h.energy, x1), gj = grad(j.energy, x2);
  EXPECT_LT(max(abs(gh - gj)).item(), 1e-13);
  // the J2 part is linear in J2: E(J2) - E(0) = 2 J2 <S.S>_diagonal, and for the Neel state
  // (one sublattice: a ferromagnetic diagonal pair) <S.S> = 1/4
  const C4vEnergy half = c4v_energy(A, j1j2(1.0, 0.5, true), o), one = c4v_energy(A, j1j2(1.0, 1.0, true), o);
  EXPECT_NEAR(one.energy.item() - h.energy.item(), 2.0 * (half.energy.item() - h.energy.item()), 1e-13);
  const Tensor neel = product_peps_tensor({1.0, 0.0}, 2, 0.0, 0);
  EXPECT_NEAR(c4v_energy(neel, j1j2(1.0, 0.5, true), o).energy.item(), -0.5 + 2 * 0.5 * 0.25, 1e-14);
}

TEST(IpepsEnergy, EmbeddingInALargerBondDimensionKeepsTheState) {
  const LatticeHamiltonian H = heisenberg(1.0, true);
  const Tensor A = random_peps_tensor(2, 2, 11);
  CtmrgOptions o;
  o.chi = 16;
  o.tol = 1e-12;
  o.max_iter = 200;
  const double e2 = c4v_energy(A, H, o).energy.item();
  const double e3 = c4v_energy(embed_peps_tensor(c4v_peps_state(A), 3, 0.0, 0), H, o).energy.item();
  EXPECT_NEAR(e3, e2, 1e-10);
  // noise on the new entries changes the energy at second order only
  const double en = c4v_energy(embed_peps_tensor(c4v_peps_state(A), 3, 1e-3, 5), H, o).energy.item();
  EXPECT_NEAR(en, e2, 1e-4);
  EXPECT_NE(en, e2);
  EXPECT_THROW(embed_peps_tensor(A, 1, 0.0, 0), Error);
}

TEST(IpepsEnergy, IsingCorrelationLengthFromTheEdgeTransferMatrix) {
  // 2D Ising above T_c: along an axis xi^-1 = ln coth K - 2K = 2 (K* - K) (Onsager; McCoy &
  // Wu, "The Two-Dimensional Ising Model", ch. XI); the C4v CTMRG takes the 4-leg weight
  // tensor. The boundary's correlation length converges from below, slowly in chi (finite
  // entanglement; the spin channel sits on the edge of a continuum): at K = 0.3, 1.532 (chi 8),
  // 1.557 (16), 1.566 (32) against 1.5789. The second eigenvalue must be the spin channel (the
  // energy channel would give about xi / 2).
  const double K = 0.30, exact = 1.0 / (std::log(1.0 / std::tanh(K)) - 2 * K);
  double previous = 0;
  for (int64_t chi : {8, 16, 32}) {
    SCOPED_TRACE(chi);
    CtmrgOptions o;
    o.chi = chi;
    o.tol = 1e-13;
    o.max_iter = 3000;
    const C4vCtmrg c = ctmrg_c4v(ising_tensor(K), o);
    ASSERT_TRUE(c.info.converged);
    const std::vector<double> s = c4v_transfer_spectrum(c.env, 3);
    ASSERT_EQ(s.size(), 3u);
    if (chi == 16) {  // the Krylov eigenvalues against a dense eigensolver of the formed matrix
      const Tensor& T = c.env.T;
      const Tensor E = reshape(einsum("asb,cse->acbe", T, T), Shape{chi * chi, chi * chi});
      std::vector<double> w = eigvalsh(0.5 * (E + transpose(E))).value().to_vector();
      for (double& x : w) x = std::abs(x);
      std::sort(w.begin(), w.end(), std::greater<>());
      for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(s[i], w[i] / w[0], 1e-9) << i;
    }
    EXPECT_EQ(s[0], 1.0);
    EXPECT_GE(s[1], s[2]);
    const double xi = correlation_length(s);
    EXPECT_GT(xi, previous);
    EXPECT_LT(xi, exact);
    EXPECT_NEAR(xi, exact, (chi == 32 ? 0.01 : 0.04) * exact);
    previous = xi;
  }
}

TEST(IpepsEnergy, ShortD2OptimizationGoesBelowMinus0655AndStaysAboveQmc) {
  const LatticeHamiltonian H = heisenberg(1.0, true);
  CtmrgOptions o;
  o.chi = 8;
  o.tol = 1e-9;
  o.max_iter = 60;
  auto f = tensor_objective([&](const Tensor& A) { return c4v_energy(reshape(A, Shape{2, 2, 2, 2, 2}), H, o).energy; });
  optim::Options oo;
  auto opt = optim::make_optimizer(oo);
  double lowest = 0;
  const optim::Result r = optim::minimize(f, random_peps_tensor(2, 2, 0).value().to_vector(), *opt,
                                          {.max_steps = 40, .grad_tol = 1e-7},
                                          [&](const optim::StepInfo& s) { lowest = std::min(lowest, s.value); });
  EXPECT_LT(r.value, -0.655);
  EXPECT_GT(lowest, kQmc);
}

TEST(IpepsEnergy, SingleSiteAnsatzAgreesWithC4vOnASymmetricStateAndHasAnExactGradient) {
  // a C4v-symmetric state: the directional CTMRG's energy equals the C4v one (both converged)
  const Tensor A = c4v_peps_state(random_peps_tensor(2, 2, 5));
  CtmrgOptions o;
  o.chi = 12;
  o.tol = 1e-12;
  o.max_iter = 400;
  for (const LatticeHamiltonian& H : {heisenberg(1.0, true), j1j2(1.0, 0.3, true), transverse_field_ising(2.0)}) {
    SCOPED_TRACE(H.model);
    const double ec = c4v_energy(A, H, o).energy.item();
    const SiteEnergy s = single_site_energy(A, H, o);
    EXPECT_NEAR(s.energy.item(), ec, 1e-9);
    const GroundStateObservables oc = c4v_observables(c4v_peps_state(A), c4v_energy(A, H, o).ctm.env, H),
                                 os = single_site_observables(s.state, s.ctm.env, H);
    EXPECT_NEAR(os.magnetization, oc.magnetization, 1e-8);
    // the transfer spectra (Arnoldi, both directions) are those of the C4v environment (Lanczos)
    ASSERT_EQ(os.transfer_spectrum.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(os.transfer_spectrum[i], oc.transfer_spectrum[i], 1e-7) << i;
    EXPECT_GT(oc.correlation_length, 0.0);
    EXPECT_NEAR(os.correlation_length, oc.correlation_length, 1e-6 * oc.correlation_length);
    EXPECT_NEAR(os.correlation_length_vertical, oc.correlation_length, 1e-6 * oc.correlation_length);
  }
  // the Neel state, and the gradient of a generic (non-symmetric) tensor
  EXPECT_NEAR(single_site_energy(product_peps_tensor({1.0, 0.0}, 2, 0.0, 0), heisenberg(1.0, true), o).energy.item(),
              -0.5, 1e-14);
  const LatticeHamiltonian H = heisenberg(1.0, true);
  const CtmrgOptions f = fixed_steps(6, 6);
  GradcheckOptions g;
  g.eps = 1e-5;
  g.atol = 1e-8;
  g.rtol = 1e-5;
  g.full_jacobian_max = 0;
  const GradcheckResult r = gradcheck([&](const std::vector<Tensor>& x) { return single_site_energy(x[0], H, f).energy; },
                                      {Tensor(random_peps_tensor(2, 2, 8).value(), true)}, g);
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(IpepsEnergy, SingleSiteBondEnergiesOfDecoupledChainsAreTheExactChainValues) {
  // A C4v-unrelated check of both bonds of a non-symmetric state: A_{s u l d r} = B_{s l r}
  // delta_{u 0} delta_{d 0} is a product of independent horizontal chains, each the iMPS of B.
  // Exact: the horizontal bond from the iMPS transfer matrix E = sum_s B_s x B_s (its leading
  // left and right eigenvectors by power iteration), the vertical bond from rho_1 x rho_1.
  const LatticeHamiltonian H = heisenberg(1.0, true);
  const int64_t D = 2;
  const std::vector<double> b = NDArray::rand({2, D, D}, 5, -1.0, 1.0).to_vector();
  std::vector<double> a(std::size_t(2 * D * D * D * D), 0.0);
  for (int64_t s = 0; s < 2; ++s)
    for (int64_t l = 0; l < D; ++l)
      for (int64_t r = 0; r < D; ++r) a[std::size_t(((s * D * D + l) * D) * D + r)] = b[std::size_t((s * D + l) * D + r)];
  const Tensor B = from({2, D, D}, b);
  const Tensor E = reshape(einsum("slr,sLR->lLrR", {B, B}), Shape{D * D, D * D});
  Tensor left = ones({1, D * D}), right = ones({D * D, 1});
  for (int i = 0; i < 2000; ++i) {
    left = matmul(left, E);
    left = left / norm(left);
    right = matmul(E, right);
    right = right / norm(right);
  }
  const Tensor lt = reshape(left, Shape{D, D}), rt = reshape(right, Shape{D, D});
  const Tensor rho1 = einsum("lL,slr,SLR,rR->sS", {lt, B, B, rt});
  const Tensor rho2 = einsum("lL,alm,ALM,bmr,BMR,rR->abAB", {lt, B, B, B, B, rt});
  const Tensor r1 = rho1 / trace(rho1);
  const double horizontal = bond_expectation(rho2 / trace(reshape(rho2, Shape{4, 4})), H.nn).item();
  const double vertical = bond_expectation(einsum("aA,bB->abAB", {r1, r1}), H.nn).item();
  ASSERT_GT(std::abs(horizontal - vertical), 0.1);  // a strongly anisotropic state
  // Fixed steps: the corners of this state have rank one, their spectra say nothing about the
  // edges (which converge along the chains).
  const CtmrgOptions o = fixed_steps(8, 200);
  const SiteEnergy s = single_site_energy(from({2, D, D, D, D}, a), H, o);
  EXPECT_NEAR(bond_expectation(rdm2x1(s.ctm.env, s.state), H.nn).item(), horizontal, 1e-11);
  EXPECT_NEAR(bond_expectation(rdm1x2(s.ctm.env, s.state), H.nn).item(), vertical, 1e-11);
  EXPECT_NEAR(s.energy.item(), horizontal + vertical, 1e-11);
  // The convergence test must not stop on the rank-one corners' constant spectra: with the
  // default criterion (tol, iteration cap) the run converges to the same exact values.
  CtmrgOptions d;
  d.chi = 8;
  d.tol = 1e-12;
  d.max_iter = 1000;
  const SiteEnergy c = single_site_energy(from({2, D, D, D, D}, a), H, d);
  EXPECT_TRUE(c.ctm.info.converged);
  EXPECT_GT(c.ctm.info.iterations, 5);
  EXPECT_NEAR(bond_expectation(rdm2x1(c.ctm.env, c.state), H.nn).item(), horizontal, 1e-9);
  EXPECT_NEAR(bond_expectation(rdm1x2(c.ctm.env, c.state), H.nn).item(), vertical, 1e-9);
}

TEST(IpepsEnergy, SingleSiteRotatingTheTensorSwapsTheBondEnergiesAndMirroringKeepsThem) {
  // (s, u, l, d, r) -> (s, r, u, l, d): the lattice rotated by 90 degrees, horizontal <-> vertical;
  // by 180 degrees and the left-right mirror: the same bonds (h_nn is symmetric under the swap
  // of its sites, rotated or not).
  const LatticeHamiltonian H = heisenberg(1.0, true);
  const Tensor A(NDArray::rand({2, 2, 2, 2, 2}, 11, -0.3, 1.0));
  CtmrgOptions o;
  o.chi = 16;
  o.tol = 1e-12;
  o.max_iter = 500;
  const auto bonds = [&](const Tensor& X) {
    const SiteEnergy s = single_site_energy(X, H, o);
    EXPECT_TRUE(s.ctm.info.converged);
    return std::pair{bond_expectation(rdm2x1(s.ctm.env, s.state), H.nn).item(),
                     bond_expectation(rdm1x2(s.ctm.env, s.state), H.nn).item()};
  };
  const auto [h, v] = bonds(A);
  ASSERT_GT(std::abs(h - v), 0.05);  // not a C4v-symmetric state
  const auto [h90, v90] = bonds(permute(A, {0, 4, 1, 2, 3}));
  const auto [h180, v180] = bonds(permute(A, {0, 3, 4, 1, 2}));
  const auto [hm, vm] = bonds(permute(A, {0, 1, 4, 3, 2}));
  EXPECT_NEAR(h90, v, 1e-9);
  EXPECT_NEAR(v90, h, 1e-9);
  EXPECT_NEAR(h180, h, 1e-9);
  EXPECT_NEAR(v180, v, 1e-9);
  EXPECT_NEAR(hm, h, 1e-9);
  EXPECT_NEAR(vm, v, 1e-9);
  // and the gradient of a tensor with entries of both signs, at chi = 8, along random directions
  GradcheckOptions g;
  g.eps = 1e-5;
  g.atol = 1e-8;
  g.rtol = 1e-6;
  g.directions = 3;
  g.full_jacobian_max = 0;
  const GradcheckResult r =
      gradcheck([&](const std::vector<Tensor>& x) { return single_site_energy(x[0], H, fixed_steps(8, 10)).energy; },
                {Tensor(NDArray::rand({2, 2, 2, 2, 2}, 9, -1.0, 1.0), true)}, g);
  EXPECT_TRUE(r.ok) << r.report;
}

// At a converged environment the unrolled CTMRG's gradient is the implicit one (the
// iterations' dependence on the start has died out): the two must agree to the forward's
// convergence. Both ansatzes, each adjoint solver; the same energy value.
TEST(IpepsEnergy, FixedPointGradientEqualsTheUnrolledOneAtAConvergedEnvironment) {
  const LatticeHamiltonian H = heisenberg(1.0, true);
  CtmrgOptions o;
  o.chi = 8;
  o.tol = 1e-13;
  o.max_iter = 2000;
  const Tensor A0 = random_peps_tensor(2, 2, 11);
  for (bool c4v : {true, false}) {
    SCOPED_TRACE(c4v ? "c4v" : "single-site");
    Tensor xu(A0.value(), true);
    const Tensor eu = c4v ? c4v_energy(xu, H, o).energy : single_site_energy(xu, H, o).energy;
    const Tensor gu = grad(eu, xu);
    const double scale = max(abs(gu)).item();
    ASSERT_GT(scale, 1e-3);  // a generic point, not a stationary one
    for (const char* method : {"neumann", "gmres", "arnoldi"}) {
      SCOPED_TRACE(method);
      FixedPointOptions fp;
      fp.solver = adjoint_solver(method);
      fp.solve.tol = 1e-12;
      fp.solve.max_iter = 1000;
      auto info = std::make_shared<FixedPointInfo>();
      Tensor xf(A0.value(), true);
      const Tensor ef = c4v ? c4v_energy_fixed_point(xf, H, o, fp, info).energy
                            : single_site_energy_fixed_point(xf, H, o, fp, info).energy;
      EXPECT_NEAR(ef.item(), eu.item(), 1e-12);
      const Tensor gf = grad(ef, xf);
      EXPECT_TRUE(info->converged);
      EXPECT_GT(info->iterations, 0);
      EXPECT_LT(info->residual, 1e-12);
      EXPECT_LT(max(abs(gf - gu)).item(), 1e-6 * scale);
    }
  }
}

TEST(IpepsEnergy, BadInputsAreErrors) {
  const LatticeHamiltonian H = heisenberg(1.0, true);
  EXPECT_THROW(c4v_energy(zeros({2, 2, 2, 2}), H, CtmrgOptions{}), Error);         // not a site tensor
  EXPECT_THROW(c4v_energy(zeros({2, 2, 2, 2, 2}), H, CtmrgOptions{}), Error);      // no C4v part
  EXPECT_THROW(c4v_energy(random_peps_tensor(3, 2, 0), H, CtmrgOptions{}), Error);  // d = 3 vs spin 1/2
  const C4vEnergy e = c4v_energy(random_peps_tensor(2, 2, 0), H, CtmrgOptions{});
  const C4vEnv env = e.ctm.env.detach();
  EXPECT_THROW(c4v_energy(random_peps_tensor(2, 3, 0), H, CtmrgOptions{}, &env), Error);  // D^2 = 9 vs 4
}

// ---- unit cells
// U A: the pi rotation about S^y on the physical leg, (U A)_{s'...} = sum_s U_{s' s} A_{s...}.
Tensor rotated(const Tensor& A) { return einsum("ts,suldr->tuldr", pi_rotation_y(A.size(0)), A); }

TEST(IpepsEnergy, CellOfOneTensorIsTheSingleSiteStateWithAndWithoutTheRotation) {
  // D = 2, chi = 16, converged: (1) a 2x2 cell of copies of A with the rotated Hamiltonian is
  // the single-site state of A; (2) A on sublattice A, U A on sublattice B with the
  // unrotated Hamiltonian is the same state (Heisenberg and J1-J2: the plaquette RDMs).
  // (2) has the same double layers as (1), hence the same environment: equal to rounding.
  // (1) vs one site: the cell sweep grows the boundaries in another order than the one-site
  // iteration, so the two truncated fixed points agree only to about the truncation error
  // (measured 3e-6 at chi = 12 for entries in [-0.3, 1)); entries in [0, 1) (a weakly
  // entangled state) have a truncation error below 1e-13 here.
  CtmrgOptions o;
  o.chi = 16;
  o.tol = 1e-12;
  o.max_iter = 300;
  const Tensor A = random_peps_tensor(2, 2, 5, 0.0);
  const Tensor UA = rotated(A);
  for (const double J2 : {0.0, 0.5}) {
    SCOPED_TRACE("J2 = " + std::to_string(J2));
    const LatticeHamiltonian rot = J2 == 0.0 ? heisenberg(1.0, true) : j1j2(1.0, J2, true);
    const LatticeHamiltonian plain = J2 == 0.0 ? heisenberg(1.0, false) : j1j2(1.0, J2, false);
    const SiteEnergy one = single_site_energy(A, rot, o);
    ASSERT_TRUE(one.ctm.info.converged);
    const CellEnergy copies = cell_energy({A, A, A, A}, 2, 2, rot, o);
    ASSERT_TRUE(copies.ctm.info.converged);
    const CellEnergy neel = cell_energy({A, UA, UA, A}, 2, 2, plain, o);
    ASSERT_TRUE(neel.ctm.info.converged);
    std::printf("J2 = %.1f: single site %.14f, 2x2 copies %.14f, 2x2 A / UA unrotated %.14f (truncation %.1e, %.1e)\n",
                J2, one.energy.item(), copies.energy.item(), neel.energy.item(), one.ctm.info.truncation_error,
                copies.ctm.info.truncation_error);
    EXPECT_NEAR(copies.energy.item(), one.energy.item(), 1e-10);
    EXPECT_NEAR(neel.energy.item(), one.energy.item(), 1e-10);
    EXPECT_NEAR(neel.energy.item(), copies.energy.item(), 1e-13);
    // the magnetization is the staggered one: the same size on every site, opposite signs
    const GroundStateObservables ob = cell_observables(neel.states, neel.ctm.env, plain);
    const GroundStateObservables os = single_site_observables(one.state, one.ctm.env, rot, 0);
    EXPECT_NEAR(ob.magnetization, os.magnetization, 1e-9);
    EXPECT_NEAR(ob.site_mz[0], -ob.site_mz[1], 1e-9);
    EXPECT_NEAR(ob.site_mz[0], ob.site_mz[3], 1e-9);
  }
}

TEST(IpepsEnergy, CellNeelProductStateWithoutRotationIsMinusOneHalf) {
  // D = 1: up on (x + y) even, down on odd; every bond <S.S> = -1/4, two bonds per site.
  const LatticeHamiltonian H = heisenberg(1.0, false);
  const Tensor up = product_peps_tensor({1.0, 0.0}, 1, 0.0, 0), down = product_peps_tensor({0.0, 1.0}, 1, 0.0, 0);
  CtmrgOptions o;
  o.chi = 2;
  const CellEnergy e = cell_energy({up, down, down, up}, 2, 2, H, o);
  EXPECT_NEAR(e.energy.item(), -0.5, 1e-14);
  const GroundStateObservables ob = cell_observables(e.states, e.ctm.env, H);
  EXPECT_NEAR(ob.magnetization, 0.5, 1e-14);
  EXPECT_NEAR(ob.site_mz[1], -0.5, 1e-14);
  // the same state in a 1x1 cell is a ferromagnet: +1/4 per bond
  EXPECT_NEAR(cell_energy({up}, 1, 1, H, o).energy.item(), 0.5, 1e-14);
}

TEST(IpepsEnergy, CellFixedPointGradientEqualsTheUnrolledOne) {
  // 2x2 cell of distinct D = 2 tensors, Heisenberg without rotation, chi = 8, converged.
  const LatticeHamiltonian H = heisenberg(1.0, false);
  CtmrgOptions o;
  o.chi = 8;
  o.tol = 1e-13;
  o.max_iter = 400;
  std::vector<Tensor> A;
  for (uint64_t i = 0; i < 4; ++i) {
    Tensor a = random_peps_tensor(2, 2, 70 + i, -0.3);
    a.requires_grad_(true);
    A.push_back(a);
  }
  FixedPointOptions fp;
  fp.solve.tol = 1e-12;
  fp.solve.max_iter = 1000;
  fp.solver = gmres_adjoint_solver();
  auto info = std::make_shared<FixedPointInfo>();
  const CellEnergy f = cell_energy_fixed_point(A, 2, 2, H, o, fp, info);
  const std::vector<Tensor> gf = grad({f.energy}, A);
  EXPECT_TRUE(info->converged);
  const CellEnergy u = cell_energy(A, 2, 2, H, o);
  ASSERT_TRUE(u.ctm.info.converged);
  const std::vector<Tensor> gu = grad({u.energy}, A);
  EXPECT_NEAR(f.energy.item(), u.energy.item(), 1e-12);
  double diff = 0, gmax = 0;
  for (std::size_t i = 0; i < A.size(); ++i) {
    diff = std::max(diff, nd::max_abs(nd::sub(gf[i].value(), gu[i].value())));
    gmax = std::max(gmax, nd::max_abs(gu[i].value()));
  }
  std::printf("2x2 cell: E %.12f, max|g_fp - g_unrolled| / max|g| = %.2e (%d J^T)\n", u.energy.item(), diff / gmax,
              info->iterations);
  EXPECT_LT(diff / gmax, 1e-6);
}

}  // namespace
