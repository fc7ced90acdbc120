#include "brute_force.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

namespace physref {

TorusMoments brute_force_torus(int Lx, int Ly, double beta, double J, double h) {
  const int N = Lx * Ly;
  if (N > 20) throw std::invalid_argument("brute_force_torus: too many sites");
  std::vector<double> H(std::size_t(1) << N), M(H.size());
  double hmin = 1e300;
  for (std::size_t cfg = 0; cfg < H.size(); ++cfg) {
    auto s = [&](int x, int y) { return (cfg >> ((y % Ly) * Lx + (x % Lx))) & 1 ? 1.0 : -1.0; };
    double e = 0, m = 0;
    for (int y = 0; y < Ly; ++y)
      for (int x = 0; x < Lx; ++x) {
        e -= J * s(x, y) * (s(x + 1, y) + s(x, y + 1));
        m += s(x, y);
      }
    e -= h * m;
    H[cfg] = e;
    M[cfg] = m;
    hmin = std::min(hmin, e);
  }
  // Boltzmann weights relative to the ground state (no overflow).
  double z = 0, e1 = 0, e2 = 0, m1 = 0;
  for (std::size_t cfg = 0; cfg < H.size(); ++cfg) {
    const double w = std::exp(-beta * (H[cfg] - hmin));
    z += w;
    e1 += w * H[cfg];
    e2 += w * H[cfg] * H[cfg];
    m1 += w * M[cfg];
  }
  e1 /= z;
  e2 /= z;
  m1 /= z;
  TorusMoments r;
  r.ln_z = (std::log(z) - beta * hmin) / N;
  r.u = e1 / N;
  r.c = beta * beta * (e2 - e1 * e1) / N;
  r.dlnz_dh = beta * m1 / N;
  return r;
}

}  // namespace physref
