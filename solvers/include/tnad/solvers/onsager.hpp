// Onsager's exact solution of the 2D Ising model (square lattice, J = 1, h = 0, N -> inf),
// the reference that TRG/HOTRG results are compared with (runs record the errors).
//
//   k = 2 sinh 2b / cosh^2 2b                         (k = 1 at beta_c)
//   ln Z / N = ln(2 cosh 2b) + (1/2pi) Int_0^pi ln[(1 + sqrt(1 - k^2 sin^2 t)) / 2] dt
//   u = -d lnZ/d b = -coth 2b [1 + (2/pi)(2 tanh^2 2b - 1) K(k)]
//   C = b^2 d^2 lnZ / d b^2
//     = (4/pi)(b coth 2b)^2 {K(k) - E(k) - (1 - tanh^2 2b)[pi/2 + (2 tanh^2 2b - 1) K(k)]}
//   m = (1 - sinh(2b)^-4)^(1/8) for b > beta_c (Yang), else 0
// (Onsager 1944; Huang, Statistical Mechanics, ch. 15.) K, E: complete elliptic integrals
// of modulus k, computed by the arithmetic-geometric mean (quadratic convergence, exact to
// rounding for every k < 1); the ln Z integral by adaptive Simpson quadrature to 1e-14.
// Trap: K(k) diverges logarithmically at beta_c (k = 1), so C is +inf there and u is
// finite only because (2 tanh^2 2b - 1) -> 0 cancels it: at |k - 1| < 1e-15 u returns the
// limit -sqrt 2 and C returns +inf. J != 1 is beta -> beta J (u scales by J).
#pragma once

namespace tnad {

struct OnsagerValues {
  double ln_z = 0;   // ln Z / N
  double u = 0;      // energy per site
  double c = 0;      // specific heat per site
  double m = 0;      // spontaneous magnetization
};

OnsagerValues onsager(double beta);

// Complete elliptic integrals K(k), E(k) of modulus 0 <= k < 1 (AGM).
double elliptic_k(double k);
double elliptic_e(double k);

}  // namespace tnad
