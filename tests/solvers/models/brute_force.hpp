// Exact partition functions of small Ising tori by enumerating all 2^N configurations:
// the reference for TRG/HOTRG runs that keep every singular value (no truncation).
#pragma once

namespace physref {

struct TorusMoments {
  double ln_z;     // ln Z / N
  double u;        // <H> / N = -d(ln Z/N)/d beta
  double c;        // beta^2 (<H^2> - <H>^2) / N
  double dlnz_dh;  // d(ln Z/N)/dh = beta <sum s> / N
};

// Lx x Ly torus, H = -J sum_<ij> s_i s_j - h sum s_i, every site bonded to its right and
// lower neighbour with periodic wrap (so a 2-site direction has two bonds per pair, as in
// the tensor network). Lx * Ly <= 20.
TorusMoments brute_force_torus(int Lx, int Ly, double beta, double J, double h);

}  // namespace physref
