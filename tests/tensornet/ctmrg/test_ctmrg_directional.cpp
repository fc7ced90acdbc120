// The directional CTMRG: agreement with the C4v CTMRG on a symmetric state, the consistency
// of its moves on a state without symmetry (rotated network, partial traces), unit cells
// (gauge-transformed cells against the exact anisotropic Ising magnetization), errors.
#include <gtest/gtest.h>

#include <cmath>

#include "ising_networks.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/solve.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/peps.hpp"
#include "tnad/tensornet/rdm.hpp"

using namespace tnad;

namespace {

double max_diff(const Tensor& a, const Tensor& b) { return nd::max_abs(nd::sub(a.value(), b.value())); }

CtmrgOptions converged(int64_t chi, CtmrgProjectors p = CtmrgProjectors::half_system) {
  CtmrgOptions o;
  o.chi = chi;
  o.tol = 1e-12;
  o.max_iter = 500;
  o.projectors = p;
  return o;
}

TEST(CtmrgDirectional, AgreesWithC4vOnASymmetricState) {
  // D = 2, entries uniform in [-1, 1): corner spectrum down to ~3e-3 at chi = 8, 8e-4 at 16.
  // Measured differences: half system 2e-12 (chi 8 and 16), full system 1e-12 at chi = 8
  // (where it resolves the whole kept spectrum; see ctmrg.hpp on its precision).
  const Tensor A = c4v_symmetrize(rand({2, 2, 2, 2, 2}, 4, -1.0, 1.0));
  for (const auto& [chi, p] : {std::pair{8, CtmrgProjectors::half_system}, std::pair{16, CtmrgProjectors::half_system},
                               std::pair{8, CtmrgProjectors::full_system}}) {
    const CtmrgOptions o = converged(chi, p);
    const C4vCtmrg c = ctmrg_c4v(A, o);
    const Ctmrg r = ctmrg(A, o);
    ASSERT_TRUE(c.info.converged);
    ASSERT_TRUE(r.info.converged) << r.info.error;
    EXPECT_EQ(r.env.C_tl.shape(), c.env.C.shape());
    const Tensor rho = rdm2x1(c.env, A);
    EXPECT_LT(max_diff(rdm2x1(r.env, A), rho), 1e-10) << "chi " << chi;
    EXPECT_LT(max_diff(rdm1x2(r.env, A), rho), 1e-10) << "chi " << chi;
    EXPECT_LT(max_diff(rdm1x1(r.env, A), rdm1x1(c.env, A)), 1e-10) << "chi " << chi;
    // The general rdms of the C4v environment written out for four sides: the same numbers.
    EXPECT_LT(max_diff(rdm2x1(to_ctm_env(c.env), A), rho), 1e-15);
  }
}

// A site tensor rotated like the network (rotate_ccw_site on its virtual legs).
Tensor rotate_site_tensor(const Tensor& A) { return permute(A, {0, 4, 1, 2, 3}); }

TEST(CtmrgDirectional, RotatedStateAndPartialTraces) {
  // No symmetry: A from uniform entries in [-0.3, 1), a state with short correlations, so
  // that chi = 24 converges the environment to ~1e-10 (with entries in [-1, 1) the
  // truncation error is still 2e-6 at chi = 16 and these checks hold only to ~1e-5).
  const Tensor A = rand({2, 2, 2, 2, 2}, 31, -0.3, 1.0);
  const Ctmrg r = ctmrg(A, converged(24));
  ASSERT_TRUE(r.info.converged);
  const Tensor rho1 = rdm1x1(r.env, A), rho_h = rdm2x1(r.env, A), rho_v = rdm1x2(r.env, A);
  EXPECT_GT(max_diff(rho_h, rho_v), 1e-3) << max_diff(rho_h, rho_v);  // really anisotropic
  // Partial traces of the pairs give the one-site matrix (a property of the converged
  // environment: T_t and T_b are fixed points of the column transfer matrix, etc.).
  EXPECT_LT(max_diff(einsum("abcb->ac", rho_h), rho1), 1e-9);
  EXPECT_LT(max_diff(einsum("abad->bd", rho_h), rho1), 1e-9);
  EXPECT_LT(max_diff(einsum("abcb->ac", rho_v), rho1), 1e-9);
  EXPECT_LT(max_diff(einsum("abad->bd", rho_v), rho1), 1e-9);
  // The network rotated by 90 degrees counterclockwise: its horizontal pair (left, right)
  // is the original vertical pair (top, bottom).
  const Tensor B = rotate_site_tensor(A);
  const Ctmrg q = ctmrg(B, converged(24));
  ASSERT_TRUE(q.info.converged);
  EXPECT_LT(max_diff(rdm2x1(q.env, B), rho_v), 1e-9);
  EXPECT_LT(max_diff(rdm1x2(q.env, B), permute(rho_h, {1, 0, 3, 2})), 1e-9);
  // One step by hand equals one iteration; one left move leaves the right side alone.
  CtmrgOptions one = converged(16);
  one.max_iter = 1;
  const CtmEnv e0 = initial_env(A);
  const CtmEnv s = ctmrg_step(e0, double_layer(A), one);
  EXPECT_EQ(max_diff(s.T_l, ctmrg(A, e0, one).env.T_l), 0.0);
  const CtmEnv m = ctmrg_move_left(e0, A, one);
  EXPECT_EQ(max_diff(m.C_tr, e0.C_tr), 0.0);
  EXPECT_EQ(max_diff(m.T_r, e0.T_r), 0.0);
  EXPECT_EQ(m.T_l.size(0), 4 * 4);  // chi D^2 -> min(chi, 16)
}

// a with the matrix G on one leg: leg 3 (r) -> sum_r' a_{u l d r'} G_{r' r}; leg 1 (l) ->
// sum_l' G_{l l'} a_{u l' d r}, and likewise on u / d.
Tensor on_right(const Tensor& a, const Tensor& G) { return einsum("uldx,xr->uldr", a, G); }
Tensor on_left(const Tensor& a, const Tensor& G) { return einsum("lx,uxdr->uldr", G, a); }
Tensor on_down(const Tensor& a, const Tensor& G) { return einsum("ulxr,xd->uldr", a, G); }
Tensor on_up(const Tensor& a, const Tensor& G) { return einsum("ux,xldr->uldr", G, a); }

TEST(CtmrgDirectional, GaugeTransformedUnitCellsGiveTheExactMagnetization) {
  // Anisotropic Ising (K_x = 0.7, K_y = 0.42; m exact, see test_ctmrg_ising.cpp), written as
  // Lx x Ly cells of different tensors: a gauge G G^-1 on the horizontal bonds from column 0
  // to column 1 and H H^-1 on the vertical bonds from row 0 to row 1. The network, hence m at
  // every site, is unchanged; a cell mixed up in the bookkeeping would not be.
  const double kx = 0.7, ky = 0.42;
  const double exact = std::pow(1 - std::pow(std::sinh(2 * kx) * std::sinh(2 * ky), -2), 0.125);
  const Tensor a = ising_test::site(kx, ky, 1.0, 1.0), b = ising_test::site(kx, ky, 1.0, -1.0);
  const Tensor G = eye(2) + rand({2, 2}, 41, -0.4, 0.4), H = eye(2) + rand({2, 2}, 42, -0.4, 0.4);
  const Tensor Gi = inv(G), Hi = inv(H);
  for (const auto& cell : {std::pair<int64_t, int64_t>{2, 1}, {1, 2}, {2, 2}}) {
    const int64_t Lx = cell.first, Ly = cell.second;  // not a structured binding: lambdas capture it (clang 14)
    auto gauged = [&](const Tensor& t, int64_t x, int64_t y) {
      Tensor s = t;
      if (Lx == 2) s = x == 0 ? on_right(s, G) : on_left(s, Gi);
      if (Ly == 2) s = y == 0 ? on_down(s, H) : on_up(s, Hi);
      return s;
    };
    std::vector<Tensor> as, bs;
    for (int64_t y = 0; y < Ly; ++y)
      for (int64_t x = 0; x < Lx; ++x) {
        as.push_back(gauged(a, x, y));
        bs.push_back(gauged(b, x, y));
      }
    const CtmrgCell r = ctmrg(as, initial_env(as, Lx, Ly), converged(16));
    ASSERT_TRUE(r.info.converged) << Lx << "x" << Ly;
    for (int64_t y = 0; y < Ly; ++y)
      for (int64_t x = 0; x < Lx; ++x) {
        const CtmEnv& e = r.env.at(x, y);
        const std::size_t i = std::size_t(y * Lx + x);
        const double m = (network_value_1x1(e, bs[i]) / network_value_1x1(e, as[i])).item();
        EXPECT_NEAR(m, exact, 1e-11) << Lx << "x" << Ly << " site " << x << "," << y;
      }
  }
}

TEST(CtmrgDirectional, ErrorsNameTheCause) {
  const Tensor A = rand({2, 2, 2, 2, 2}, 51);
  auto expect_error = [](auto&& f, const std::string& what) {
    try {
      f();
      ADD_FAILURE() << "no error, expected one mentioning " << what;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  CtmrgOptions o;
  CtmEnv e = initial_env(A);
  CtmEnv bad = e;
  bad.T_t = zeros({4, 4, 3});
  expect_error([&] { ctmrg(A, bad, o); }, "bond dimensions do not match");
  bad = e;
  bad.T_l = zeros({4, 9, 4});
  expect_error([&] { ctmrg(A, bad, o); }, "in-leg");
  expect_error([&] { ctmrg(std::vector<Tensor>{A, A}, initial_env(std::vector<Tensor>{A}, 1, 1), o); }, "Lx * Ly");
  expect_error([&] { initial_env(std::vector<Tensor>{A, A, A}, 2, 1); }, "Lx * Ly");
  o.tol = -1;
  expect_error([&] { ctmrg(A, o); }, "tol");
}

}  // namespace
