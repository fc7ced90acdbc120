// The Ising site tensor (ising.hpp) and Onsager's exact solution (onsager.hpp).
#include "tnad/solvers/ising.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "tnad/tensornet/einsum.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/solvers/onsager.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {

// T_uldr = sum_s e^{beta h s} M_su M_sl M_sd M_sr with W = M M^T (ising.hpp).
Tensor ising_tensor(const Tensor& beta, const Tensor& J, const Tensor& h) {
  for (const Tensor* t : {&beta, &J, &h})
    if (!t->defined() || t->numel() != 1)
      throw_error("ising_tensor: beta, J and h must be scalars, got shape ",
                  t->defined() ? t->shape() : Shape{});
  const double bj = beta.item() * J.item();
  if (!(bj > 0.0) || !std::isfinite(bj))
    throw_error("ising_tensor: beta * J must be finite and > 0 (sqrt(2 sinh beta J) is the bond "
                "factor), got beta = ", beta.item(), ", J = ", J.item());
  if (!std::isfinite(h.item())) throw_error("ising_tensor: h must be finite, got ", h.item());
  const Tensor K = reshape(beta * J, Shape{}), bh = reshape(beta * h, Shape{});
  // Bond factor M = Q diag(sqrt(2 cosh K), sqrt(2 sinh K)): rows s = +1, -1.
  const Tensor lam = stack({sqrt(2.0 * cosh(K)), sqrt(2.0 * sinh(K))});  // (2)
  const double r = 1.0 / std::sqrt(2.0);
  const Tensor Q = from({2, 2}, {r, r, r, -r});
  const Tensor M = Q * reshape(lam, Shape{1, 2});
  // Field weight e^{beta h s} on the site.
  const Tensor w = exp(stack({bh, -bh}));
  // A contraction order fixed by flops: the same values whether or not the call records.
  PathOptions by_flops;
  by_flops.objective = PathObjective::flops;
  return einsum("s,su,sl,sd,sr->uldr", {w, M, M, M, M}, by_flops);
}

Tensor ising_tensor(double beta, double J, double h) {
  return ising_tensor(scalar(beta), scalar(J), scalar(h));
}

double ising_beta_c() { return 0.5 * std::log(1.0 + std::sqrt(2.0)); }

// ------------------------------------------------------------------ Onsager

namespace {

constexpr double pi = std::numbers::pi;

// AGM of (1, kp) and the sum for E: K = pi / (2 agm), E = K (1 - sum_n 2^(n-1) c_n^2),
// c_0 = k, c_(n+1) = (a_n - b_n)/2 (Abramowitz & Stegun 17.6). Taking k and
// kp = sqrt(1 - k^2) separately keeps kp accurate near k = 1.
void elliptic_ke(double k, double kp, double& K, double& E) {
  if (kp <= 0.0) {
    K = std::numeric_limits<double>::infinity();
    E = 1.0;
    return;
  }
  double a = 1.0, b = kp, c = k, sum = 0.5 * c * c, pow2 = 0.5;
  for (int n = 0; n < 64 && std::abs(c) > 1e-17 * a; ++n) {
    const double an = 0.5 * (a + b);
    c = 0.5 * (a - b);
    b = std::sqrt(a * b);
    a = an;
    pow2 *= 2.0;
    sum += pow2 * c * c;
  }
  K = pi / (2.0 * a);
  E = K * (1.0 - sum);
}

// Adaptive Simpson on [a, b] to absolute tolerance tol (Lyness 1969).
template <class F>
double simpson_rec(const F& f, double a, double b, double fa, double fm, double fb, double whole,
                   double tol, int depth) {
  const double m = 0.5 * (a + b), lm = 0.5 * (a + m), rm = 0.5 * (m + b);
  const double flm = f(lm), frm = f(rm);
  const double left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
  const double right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
  const double diff = left + right - whole;
  if (depth <= 0 || std::abs(diff) <= 15.0 * tol) return left + right + diff / 15.0;
  return simpson_rec(f, a, m, fa, flm, fm, left, 0.5 * tol, depth - 1) +
         simpson_rec(f, m, b, fm, frm, fb, right, 0.5 * tol, depth - 1);
}

template <class F>
double simpson(const F& f, double a, double b, double tol) {
  const double fa = f(a), fb = f(b), fm = f(0.5 * (a + b));
  const double whole = (b - a) / 6.0 * (fa + 4.0 * fm + fb);
  return simpson_rec(f, a, b, fa, fm, fb, whole, tol, 50);
}

}  // namespace

double elliptic_k(double k) {
  if (!(k >= 0.0 && k < 1.0)) throw_error("elliptic_k: modulus must be in [0, 1), got ", k);
  double K, E;
  elliptic_ke(k, std::sqrt((1.0 - k) * (1.0 + k)), K, E);
  return K;
}

double elliptic_e(double k) {
  if (!(k >= 0.0 && k <= 1.0)) throw_error("elliptic_e: modulus must be in [0, 1], got ", k);
  double K, E;
  elliptic_ke(k, std::sqrt((1.0 - k) * (1.0 + k)), K, E);
  return E;
}

OnsagerValues onsager(double beta) {
  if (!(beta > 0.0) || !std::isfinite(beta)) throw_error("onsager: beta must be finite and > 0, got ", beta);
  const double x = 2.0 * beta, sh = std::sinh(x), ch = std::cosh(x), th = std::tanh(x);
  const double k = 2.0 * sh / (ch * ch);
  // 1 - k^2 = (sinh^2 2b - 1)^2 / cosh^4 2b exactly: kp without cancellation near beta_c.
  const double kp = std::abs(sh * sh - 1.0) / (ch * ch);
  OnsagerValues v;
  // (1/2pi) Int_0^pi = (1/pi) Int_0^(pi/2) by symmetry; 1 - k^2 sin^2 t written as
  // cos^2 t + kp^2 sin^2 t (no cancellation at k ~ 1).
  auto integrand = [kp](double t) {
    const double s = std::sin(t), c = std::cos(t);
    return std::log(0.5 * (1.0 + std::sqrt(c * c + kp * kp * s * s)));
  };
  v.ln_z = std::log(2.0 * ch) + simpson(integrand, 0.0, 0.5 * pi, 1e-15) / pi;
  double K, E;
  elliptic_ke(k, kp, K, E);
  const double coth = 1.0 / th, a = 2.0 * th * th - 1.0;
  if (std::isinf(K)) {  // exactly at beta_c: a = 0 and the product a K -> 0
    v.u = -coth;
    v.c = std::numeric_limits<double>::infinity();
  } else {
    v.u = -coth * (1.0 + 2.0 / pi * a * K);
    v.c = 4.0 / pi * (beta * coth) * (beta * coth) * (K - E - (1.0 - th * th) * (0.5 * pi + a * K));
  }
  v.m = beta > ising_beta_c() ? std::pow(1.0 - std::pow(sh, -4.0), 0.125) : 0.0;
  return v;
}

}  // namespace tnad
