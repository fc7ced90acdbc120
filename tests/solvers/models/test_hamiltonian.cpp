// Quantum bond Hamiltonians (hamiltonian.hpp) against matrices written out by hand, spin
// algebra, spectra, product-state energies in closed form, and the validation of custom
// bond matrices.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "tnad/ad/error.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/eigh.hpp"
#include "tnad/solvers/hamiltonian.hpp"

using namespace tnad;

namespace {

void expect_matrix(const Tensor& got, const std::vector<double>& want, int64_t n, double tol = 1e-15) {
  ASSERT_EQ(got.shape(), (Shape{n, n}));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      EXPECT_NEAR(got.value().at({i, j}), want[std::size_t(i * n + j)], tol) << "(" << i << ", " << j << ")";
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  return max(abs(a - b)).item();
}

// <psi x psi| h |psi x psi> of a product state.
double product_expectation(const Tensor& h, const std::vector<double>& psi) {
  const auto d = int64_t(psi.size());
  std::vector<double> pp;
  for (double a : psi)
    for (double b : psi) pp.push_back(a * b);
  const Tensor v = from({d * d}, pp);
  return vdot(v, matmul(h, v)).item();
}

TEST(SpinOperators, SatisfyTheAngularMomentumAlgebra) {
  for (int64_t d : {1, 2, 3, 4, 5}) {
    SCOPED_TRACE(d);
    const SpinOperators s = spin_operators(d);
    const double S = 0.5 * double(d - 1);
    // [Sx, Sy] = i Sz  <=>  [Sx, iSy] = -Sz
    const Tensor comm = matmul(s.sx, s.isy) - matmul(s.isy, s.sx);
    EXPECT_LT(max_abs_diff(comm, -1.0 * s.sz), 1e-14);
    // [Sz, Sx] = i Sy  <=> [Sz, Sx] = iSy
    EXPECT_LT(max_abs_diff(matmul(s.sz, s.sx) - matmul(s.sx, s.sz), s.isy), 1e-14);
    // S^2 = Sx^2 + Sy^2 + Sz^2 = S(S+1), with Sy^2 = -(iSy)^2
    const Tensor S2 = matmul(s.sx, s.sx) - matmul(s.isy, s.isy) + matmul(s.sz, s.sz);
    EXPECT_LT(max_abs_diff(S2, S * (S + 1) * eye(d)), 1e-13);
    EXPECT_NEAR(s.sz.value().at({0, 0}), S, 0.0);  // m = S first
  }
}

TEST(SpinOperators, PiRotationAboutYFlipsSxAndSz) {
  for (int64_t d : {2, 3, 4}) {
    SCOPED_TRACE(d);
    const SpinOperators s = spin_operators(d);
    const Tensor U = pi_rotation_y(d);
    auto conj = [&](const Tensor& o) { return matmul(matmul(U, o, true, false), U); };
    EXPECT_LT(max_abs_diff(matmul(U, U, true, false), eye(d)), 1e-15);  // orthogonal
    EXPECT_LT(max_abs_diff(conj(s.sx), -1.0 * s.sx), 1e-14);
    EXPECT_LT(max_abs_diff(conj(s.sz), -1.0 * s.sz), 1e-14);
    EXPECT_LT(max_abs_diff(conj(s.isy), s.isy), 1e-14);
  }
  // spin 1/2: exp(-i pi Sy) = cos(pi/2) - 2 i Sy sin(pi/2) = [[0, -1], [1, 0]]
  expect_matrix(pi_rotation_y(2), {0, -1, 1, 0}, 2);
}

TEST(Heisenberg, BondMatrixWrittenOutByHand) {
  // S.S in the basis uu, ud, du, dd
  expect_matrix(heisenberg(1.0, false).nn,
                {0.25, 0, 0, 0, 0, -0.25, 0.5, 0, 0, 0.5, -0.25, 0, 0, 0, 0, 0.25}, 4);
  // rotated: -Sz Sz - Sx Sx + Sy Sy (uu <-> dd couple, ud and du are diagonal)
  expect_matrix(heisenberg(2.0, true).nn,
                {-0.5, 0, 0, -1.0, 0, 0.5, 0, 0, 0, 0, 0.5, 0, -1.0, 0, 0, -0.5}, 4);
}

TEST(Heisenberg, SingletTripletSpectrumSurvivesTheRotation) {
  for (bool rot : {false, true}) {
    const Tensor w = eigvalsh(heisenberg(1.3, rot).nn);
    EXPECT_NEAR(w.value().at({0}), -0.75 * 1.3, 1e-14);
    for (int64_t i = 1; i < 4; ++i) EXPECT_NEAR(w.value().at({i}), 0.25 * 1.3, 1e-14);
  }
}

TEST(Heisenberg, NeelProductStateHasEnergyMinusOneHalfPerSite) {
  // rotated frame: the Neel state is |up> on every site; E = 2 bonds x <h> = 2 x (-1/4)
  const LatticeHamiltonian H = heisenberg(1.0, true);
  EXPECT_EQ(2.0 * product_expectation(H.nn, {1.0, 0.0}), -0.5);
  // unrotated, the ferromagnet |up up> costs +1/4 per bond
  EXPECT_EQ(2.0 * product_expectation(heisenberg(1.0, false).nn, {1.0, 0.0}), 0.5);
}

TEST(Xxz, IsotropicPointIsHeisenbergAndIsingLimitIsDiagonal) {
  for (bool rot : {false, true}) {
    EXPECT_LT(max_abs_diff(xxz(0.7, 0.7, rot).nn, heisenberg(0.7, rot).nn), 1e-16);
    // Jxy = 0: Jz Sz Sz, unchanged (up to the sign of the rotated site) by the rotation
    expect_matrix(xxz(2.0, 0.0, rot).nn,
                  rot ? std::vector<double>{-0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, -0.5}
                      : std::vector<double>{0.5, 0, 0, 0, 0, -0.5, 0, 0, 0, 0, -0.5, 0, 0, 0, 0, 0.5},
                  4);
  }
  // XY point (Jz = 0): S+S- + S-S+ hops ud <-> du with amplitude Jxy / 2
  expect_matrix(xxz(0.0, 1.0, false).nn, {0, 0, 0, 0, 0, 0, 0.5, 0, 0, 0.5, 0, 0, 0, 0, 0, 0}, 4);
}

TEST(J1J2, DiagonalTermIsTheUnrotatedHeisenbergBond) {
  const LatticeHamiltonian H = j1j2(1.0, 0.5, true);
  EXPECT_LT(max_abs_diff(H.nn, heisenberg(1.0, true).nn), 1e-16);
  ASSERT_TRUE(H.nnn.defined());
  EXPECT_LT(max_abs_diff(H.nnn, heisenberg(0.5, false).nn), 1e-16);
  const LatticeHamiltonian H0 = j1j2(1.0, 0.0, true);
  EXPECT_EQ(max(abs(H0.nnn)).item(), 0.0);
  EXPECT_FALSE(heisenberg(1.0, true).nnn.defined());
}

TEST(TransverseFieldIsing, ProductStateEnergyIsTheClosedForm) {
  // psi = (cos t/2, sin t/2): <sz> = cos t, <sx> = sin t, E = -2 cos^2 t - h sin t
  for (double h : {0.0, 0.5, 2.0, 3.5}) {
    const LatticeHamiltonian H = transverse_field_ising(h);
    EXPECT_TRUE(H.pauli);
    for (double t : {0.0, 0.3, 1.1, std::numbers::pi / 2}) {
      const double e = 2.0 * product_expectation(H.nn, {std::cos(t / 2), std::sin(t / 2)});
      EXPECT_NEAR(e, -2.0 * std::cos(t) * std::cos(t) - h * std::sin(t), 1e-14) << h << " " << t;
    }
    // the product-state optimum sin t = h / 4: -2 - h^2 / 8
    const double t = std::asin(h / 4);
    EXPECT_NEAR(2.0 * product_expectation(H.nn, {std::cos(t / 2), std::sin(t / 2)}), -2.0 - h * h / 8, 1e-14);
  }
}

TEST(CustomBond, TakesAnyRealSymmetricMatrix) {
  const Tensor ref = heisenberg(1.0, false).nn;
  const std::vector<double> entries = ref.value().to_vector();
  for (bool rot : {false, true}) {
    const LatticeHamiltonian H = custom_bond(entries, rot);
    EXPECT_EQ(H.d, 2);
    EXPECT_LT(max_abs_diff(H.nn, heisenberg(1.0, rot).nn), 1e-16);
  }
  // d = 3 (spin-1 Heisenberg), 81 entries
  const SpinOperators s = spin_operators(3);
  const Tensor h1 = kron(s.sx, s.sx) - kron(s.isy, s.isy) + kron(s.sz, s.sz);
  const LatticeHamiltonian H3 = custom_bond(h1.value().to_vector(), true);
  EXPECT_EQ(H3.d, 3);
  // spin-1 bond: S_tot(S_tot+1)/2 - 2 -> -2, -1, 1
  const Tensor w = eigvalsh(H3.nn);
  EXPECT_NEAR(w.value().at({0}), -2.0, 1e-13);
  EXPECT_NEAR(w.value().at({8}), 1.0, 1e-13);
}

TEST(CustomBond, RejectsWrongSizeAsymmetryAndNonFiniteEntriesNamingTheSource) {
  auto message = [](const std::vector<double>& v) {
    try {
      custom_bond(v, false, "[job] bond_matrix");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string m = message(std::vector<double>(15, 0.0));
  EXPECT_NE(m.find("[job] bond_matrix: has 15 entries"), std::string::npos) << m;
  EXPECT_NE(message({}).find("has 0 entries"), std::string::npos);
  std::vector<double> a(16, 0.0);
  a[1] = 1.0;
  m = message(a);
  EXPECT_NE(m.find("not symmetric: entry (0, 1) = 1 but (1, 0) = 0"), std::string::npos) << m;
  a[4] = 1.0;
  a[5] = std::nan("");
  m = message(a);
  EXPECT_NE(m.find("entry (1, 1) is nan"), std::string::npos) << m;
}

TEST(BondExpectation, IsTheTraceOfRhoTimesH) {
  const Tensor h = heisenberg(1.0, false).nn;
  // the singlet projector: <S.S> = -3/4
  const double r = 1.0 / std::sqrt(2.0);
  const Tensor v = from({4}, {0, r, -r, 0});
  const Tensor rho = reshape(matmul(reshape(v, Shape{4, 1}), reshape(v, Shape{1, 4})), Shape{2, 2, 2, 2});
  EXPECT_NEAR(bond_expectation(rho, h).item(), -0.75, 1e-15);
  EXPECT_THROW(bond_expectation(from({3}, {1, 2, 3}), h), Error);
}

}  // namespace
