// Quantum lattice Hamiltonians on the square lattice, as the bond terms an iPEPS energy
// contracts with reduced density matrices (tnad/tensornet/rdm.hpp; tensornet knows no model).
//
//   H = sum_<ij> h_nn(i, j) + sum_<<ij>> h_nnn(i, j)
//
// with the on-site part of a model folded into the bond term: each site has 4 bonds, so a
// term sum_i o_i becomes (o x 1 + 1 x o) / 4 on every bond. With one site per unit cell and
// the lattice symmetries of a C4v state, the energy per site is
//
//   E = 2 Tr(rho_nn h_nn) + 2 Tr(rho_nnn h_nnn)        (2 bonds and 2 diagonals per site)
//
// Bond matrices are (d^2, d^2), real symmetric, rows (s1 s2) and columns (s1' s2') with s1 the
// slow index: h_(s1 s2),(s1' s2') = <s1 s2| h |s1' s2'>.
//
// Models (spin-1/2 operators S = sigma / 2 unless said otherwise):
//   heisenberg  J S_i.S_j                                       (J > 0: antiferromagnet)
//   xxz         Jz Sz Sz + Jxy (Sx Sx + Sy Sy)
//   j1j2        J1 sum_<ij> S_i.S_j + J2 sum_<<ij>> S_i.S_j        (diagonal bonds need the 2x2 RDM)
//   tfim        -sum_<ij> sz sz - h sum_i sx   (Pauli matrices; ordered for h < 3.04438, Bloete
//               & Deng, PRE 66, 066110 (2002)); the product-state optimum is -2 - h^2/8 for h <= 4
//   custom      any real symmetric d^2 x d^2 bond matrix from the config
//
// Sublattice rotation: a rotation by pi about S^y on one sublattice, U = exp(-i pi S^y),
// maps the Neel state to a ferromagnet, so a one-site (translation-invariant) ansatz can
// describe antiferromagnetic order. U is real (U_{m', m} = (-1)^(S + m') delta_{m', -m}), and
// so is the rotated bond h -> (1 x U)^T h (1 x U): S^y S^y = -(iS^y)(iS^y) with iS^y real.
// Only nearest-neighbour bonds connect the two sublattices: h_nnn is left unrotated.
// For the Heisenberg model the rotated bond is -J (Sx Sx + Sz Sz) + J Sy Sy.
// Trap: the magnetization measured in the rotated frame is the staggered one.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tnad/ad/tensor.hpp"

namespace tnad {

// Spin-S operators, d = 2S + 1, in the S^z basis ordered m = S, S - 1, ..., -S. All real:
// iS^y instead of S^y (S^y S^y = -(iS^y)(iS^y)).
struct SpinOperators {
  Tensor sx, isy, sz, id;  // (d, d)
};
SpinOperators spin_operators(int64_t d);

// U = exp(-i pi S^y) for spin (d - 1)/2: real, (d, d).
Tensor pi_rotation_y(int64_t d);

// (1 x U)^T h (1 x U) for a (d^2, d^2) bond matrix h.
Tensor rotate_second_site(const Tensor& bond, int64_t d);

// a x b as a (d^2, d^2) matrix with rows (s1 s2) (s1 slow).
Tensor kron(const Tensor& a, const Tensor& b);

struct LatticeHamiltonian {
  std::string model;
  int64_t d = 2;
  Tensor nn;   // (d^2, d^2) nearest-neighbour term (on-site parts folded in; rotated if asked)
  Tensor nnn;  // (d^2, d^2) next-nearest-neighbour (diagonal) term, undefined when absent
  bool sublattice_rotation = false;
  // Observables in units of Pauli matrices (sigma = 2 S) rather than spins: tfim.
  bool pauli = false;
};

LatticeHamiltonian heisenberg(double J, bool sublattice_rotation);
LatticeHamiltonian xxz(double jz, double jxy, bool sublattice_rotation);
LatticeHamiltonian j1j2(double j1, double j2, bool sublattice_rotation);
LatticeHamiltonian transverse_field_ising(double h);
// `entries` row-major, d^4 of them (d^2 x d^2); throws tnad::Error unless the size is a
// square of a square, every entry is finite and the matrix is symmetric (|h - h^T| <=
// 1e-12 max |h|). `what` names the source in the message (e.g. a config key).
LatticeHamiltonian custom_bond(const std::vector<double>& entries, bool sublattice_rotation,
                               const std::string& what = "bond matrix");

// sum_ij rho_ij h_ji of a (d, d, d, d) or (d^2, d^2) RDM with a (d^2, d^2) bond matrix.
Tensor bond_expectation(const Tensor& rho, const Tensor& h);

}  // namespace tnad
