// Test-side exact solution of the 2D Ising model (J = 1, h = 0), computed here from the
// formulas of docs/physics.md ("2D Ising model: exact results") by tanh-sinh quadrature
// of the defining integrals — independently of the library's AGM / adaptive-Simpson
// implementation (onsager.hpp), which the tests compare against it.
#pragma once

namespace physref {

struct Exact {
  double ln_z, u, c;
};

// Int_a^b f by double-exponential (tanh-sinh) quadrature; endpoint peaks of any width are
// resolved because the nodes cluster double-exponentially at the ends.
double tanh_sinh(double (*f)(double, const double*), const double* params, double a, double b);

double ellipk_quad(double kp);  // K(k) = Int_0^(pi/2) dt / sqrt(cos^2 t + kp^2 sin^2 t)
double ellipe_quad(double kp);  // E(k) = Int_0^(pi/2) sqrt(cos^2 t + kp^2 sin^2 t) dt
Exact exact(double beta);
double beta_c();

}  // namespace physref
