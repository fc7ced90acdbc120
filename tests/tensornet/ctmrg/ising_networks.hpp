// The 2D classical Ising model (J = 1, h = 0) written out by hand for the CTMRG checks, from
// the bond-weight split of solvers/include/tnad/solvers/ising.hpp:
//   W(b) = [[e^b, e^-b], [e^-b, e^b]] = M M^T,  M = Q diag(sqrt(2 cosh b), sqrt(2 sinh b)),
//   Q = [[1, 1], [1, -1]] / sqrt 2 (rows: s = +1, -1).
// weight tensor  a_uldr = sum_s M_su M_sl M_sd M_sr         (= ising_tensor(b))
// impurity       b_uldr = sum_s s M_su M_sl M_sd M_sr       (sigma inserted at the site)
// anisotropic couplings: the split of W(beta J_x) on the horizontal legs (l, r), of W(beta J_y)
// on the vertical ones (u, d) — not C4v-symmetric.
// Ising PEPS     A_{s u l d r} = M'_su M'_sl M'_sd M'_sr with M' the split of W(beta / 2):
//   |psi> = sum_s prod_<ij> e^{beta s_i s_j / 2} |s>, so <psi|psi> = Z(beta) and the diagonal
//   of its reduced density matrices is the Boltzmann distribution of the Ising model at beta.
#pragma once
#include <cmath>
#include <vector>

#include "tnad/ad/tensor.hpp"

namespace ising_test {

inline std::vector<double> bond_split(double b) {
  const double c = std::sqrt(2 * std::cosh(b)), s = std::sqrt(2 * std::sinh(b)), q = 1 / std::sqrt(2.0);
  return {q * c, q * s, q * c, -q * s};  // M[s][k], row-major
}

// sum_s w_s My_su Mx_sl My_sd Mx_sr: horizontal bonds at beta_x (= beta J_x), vertical at beta_y.
inline tnad::Tensor site(double beta_x, double beta_y, double w_up, double w_down) {
  const std::vector<double> Mx = bond_split(beta_x), My = bond_split(beta_y);
  std::vector<double> v(16, 0.0);
  const double w[2] = {w_up, w_down};
  for (int s = 0; s < 2; ++s)
    for (int u = 0; u < 2; ++u)
      for (int l = 0; l < 2; ++l)
        for (int d = 0; d < 2; ++d)
          for (int r = 0; r < 2; ++r)
            v[std::size_t(((u * 2 + l) * 2 + d) * 2 + r)] +=
                w[s] * My[std::size_t(2 * s + u)] * Mx[std::size_t(2 * s + l)] * My[std::size_t(2 * s + d)] * Mx[std::size_t(2 * s + r)];
  return tnad::from({2, 2, 2, 2}, v);
}
inline tnad::Tensor weight(double beta) { return site(beta, beta, 1.0, 1.0); }
inline tnad::Tensor impurity(double beta) { return site(beta, beta, 1.0, -1.0); }

inline tnad::Tensor peps(double beta) {
  const std::vector<double> M = bond_split(beta / 2);
  std::vector<double> v(32, 0.0);
  for (int s = 0; s < 2; ++s)
    for (int u = 0; u < 2; ++u)
      for (int l = 0; l < 2; ++l)
        for (int d = 0; d < 2; ++d)
          for (int r = 0; r < 2; ++r)
            v[std::size_t((((s * 2 + u) * 2 + l) * 2 + d) * 2 + r)] =
                M[std::size_t(2 * s + u)] * M[std::size_t(2 * s + l)] * M[std::size_t(2 * s + d)] * M[std::size_t(2 * s + r)];
  return tnad::from({2, 2, 2, 2, 2}, v);
}

}  // namespace ising_test
