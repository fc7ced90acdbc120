// Quantum lattice Hamiltonians as bond matrices (hamiltonian.hpp).
#include "tnad/solvers/hamiltonian.hpp"

#include <cmath>

#include "tnad/ad/error.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/tensornet/einsum.hpp"

namespace tnad {

namespace {

Tensor matrix(int64_t n, const std::vector<double>& v) { return from({n, n}, v); }

void check_dim(int64_t d, const char* what) {
  if (d < 1 || d > 64) throw_error(what, ": physical dimension d must be in [1, 64], got ", d);
}

// J (Sx Sx + Sy Sy)-type bonds: a Sx Sx + b Sy Sy + c Sz Sz.
Tensor spin_bond(double a, double b, double c, int64_t d) {
  const SpinOperators s = spin_operators(d);
  // Sy Sy = -(iSy)(iSy)
  return a * kron(s.sx, s.sx) - b * kron(s.isy, s.isy) + c * kron(s.sz, s.sz);
}

LatticeHamiltonian spin_half(std::string model, Tensor nn, bool rotate) {
  LatticeHamiltonian H;
  H.model = std::move(model);
  H.d = 2;
  H.sublattice_rotation = rotate;
  H.nn = rotate ? rotate_second_site(nn, 2) : nn;
  return H;
}

}  // namespace

SpinOperators spin_operators(int64_t d) {
  check_dim(d, "spin_operators");
  // m_i = S - i; S^+ |m> = sqrt(S(S+1) - m(m+1)) |m+1>: (S^+)_{i-1, i}.
  const double S = 0.5 * double(d - 1);
  std::vector<double> sp(std::size_t(d * d), 0.0), sz(std::size_t(d * d), 0.0);
  for (int64_t i = 0; i < d; ++i) {
    const double m = S - double(i);
    sz[std::size_t(i * d + i)] = m;
    if (i > 0) sp[std::size_t((i - 1) * d + i)] = std::sqrt(S * (S + 1) - m * (m + 1));
  }
  const Tensor Sp = matrix(d, sp), Sm = transpose(Sp);
  SpinOperators o;
  o.sx = 0.5 * (Sp + Sm);
  o.isy = 0.5 * (Sp - Sm);  // i S^y = i (S+ - S-)/(2i)
  o.sz = matrix(d, sz);
  o.id = eye(d);
  return o;
}

Tensor pi_rotation_y(int64_t d) {
  check_dim(d, "pi_rotation_y");
  // U_{m', m} = (-1)^(S + m') delta_{m', -m}; with i = S - m': (-1)^(2S - i) = (-1)^(d - 1 - i)
  std::vector<double> u(std::size_t(d * d), 0.0);
  for (int64_t i = 0; i < d; ++i) u[std::size_t(i * d + (d - 1 - i))] = (d - 1 - i) % 2 == 0 ? 1.0 : -1.0;
  return matrix(d, u);
}

Tensor kron(const Tensor& a, const Tensor& b) {
  if (a.ndim() != 2 || b.ndim() != 2) throw_error("kron: expects two matrices, got ", a.shape(), " and ", b.shape());
  const int64_t m = a.size(0) * b.size(0), n = a.size(1) * b.size(1);
  return reshape(einsum("ac,bd->abcd", a, b), Shape{m, n});
}

Tensor rotate_second_site(const Tensor& bond, int64_t d) {
  check_dim(d, "rotate_second_site");
  if (bond.shape() != Shape{d * d, d * d})
    throw_error("rotate_second_site: bond matrix must be (", d * d, ", ", d * d, "), got ", bond.shape());
  const Tensor W = kron(eye(d), pi_rotation_y(d));
  return matmul(matmul(W, bond, true, false), W);
}

LatticeHamiltonian heisenberg(double J, bool rotate) {
  if (!std::isfinite(J)) throw_error("heisenberg: J must be finite, got ", J);
  return spin_half("heisenberg", spin_bond(J, J, J, 2), rotate);
}

LatticeHamiltonian xxz(double jz, double jxy, bool rotate) {
  if (!std::isfinite(jz) || !std::isfinite(jxy)) throw_error("xxz: Jz and Jxy must be finite, got ", jz, ", ", jxy);
  return spin_half("xxz", spin_bond(jxy, jxy, jz, 2), rotate);
}

LatticeHamiltonian j1j2(double j1, double j2, bool rotate) {
  if (!std::isfinite(j1) || !std::isfinite(j2)) throw_error("j1j2: J1 and J2 must be finite, got ", j1, ", ", j2);
  LatticeHamiltonian H = spin_half("j1j2", spin_bond(j1, j1, j1, 2), rotate);
  // the diagonal pairs sit on one sublattice: no rotation
  H.nnn = spin_bond(j2, j2, j2, 2);
  return H;
}

LatticeHamiltonian transverse_field_ising(double h) {
  if (!std::isfinite(h)) throw_error("transverse_field_ising: h must be finite, got ", h);
  const Tensor X = from({2, 2}, {0, 1, 1, 0}), Z = from({2, 2}, {1, 0, 0, -1}), I = eye(2);
  LatticeHamiltonian H;
  H.model = "tfim";
  H.d = 2;
  H.pauli = true;
  // -sz sz - h (sx x 1 + 1 x sx) / 4: each site is shared by 4 bonds
  H.nn = -1.0 * kron(Z, Z) - (h / 4.0) * (kron(X, I) + kron(I, X));
  return H;
}

LatticeHamiltonian custom_bond(const std::vector<double>& entries, bool rotate, const std::string& what) {
  const auto n4 = int64_t(entries.size());
  int64_t d = 1;
  while (d * d * d * d < n4) ++d;
  if (n4 == 0 || d * d * d * d != n4)
    throw_error(what, ": has ", n4, " entries; a bond matrix of local dimension d has d^4 (16 for d = 2, 81 for d = 3)");
  check_dim(d, what.c_str());
  const int64_t n = d * d;
  double scale = 0;
  for (int64_t i = 0; i < n4; ++i) {
    if (!std::isfinite(entries[std::size_t(i)]))
      throw_error(what, ": entry (", i / n, ", ", i % n, ") is ", entries[std::size_t(i)], "; all must be finite");
    scale = std::max(scale, std::abs(entries[std::size_t(i)]));
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      const double a = entries[std::size_t(i * n + j)], b = entries[std::size_t(j * n + i)];
      if (std::abs(a - b) > 1e-12 * scale)
        throw_error(what, ": is not symmetric: entry (", i, ", ", j, ") = ", a, " but (", j, ", ", i, ") = ", b,
                    " (a real Hamiltonian is a symmetric matrix)");
    }
  LatticeHamiltonian H;
  H.model = "custom";
  H.d = d;
  H.sublattice_rotation = rotate;
  const Tensor h = from({n, n}, entries);
  H.nn = rotate ? rotate_second_site(h, d) : h;
  return H;
}

Tensor bond_expectation(const Tensor& rho, const Tensor& h) {
  const int64_t n = h.size(0);
  if (h.ndim() != 2 || h.size(1) != n || rho.numel() != n * n)
    throw_error("bond_expectation: RDM of shape ", rho.shape(), " does not match the bond matrix ", h.shape());
  // Tr(rho h) = sum_ij rho_ij h_ji
  return vdot(reshape(rho, Shape{n, n}), transpose(h));
}

}  // namespace tnad
