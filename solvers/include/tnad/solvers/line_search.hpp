// Line search for the strong Wolfe conditions along a descent direction d:
//
//   f(x + a d) <= f(x) + c1 a g.d              (sufficient decrease, Armijo)
//   |g(x + a d).d| <= c2 |g.d|                 (curvature, "strong")
//
// Nocedal & Wright, Numerical Optimization (2nd ed.), Algorithms 3.5 (bracketing) and 3.6
// (zoom), with safeguarded cubic interpolation as in minFunc / torch.optim.LBFGS.
// With 0 < c1 < c2 < 1 an accepted step has s.y > 0, which keeps the L-BFGS inverse
// Hessian positive definite.
//
// Near a minimum the decrease c1 a g.d drowns in the round-off of f (|f| >> its change):
// Armijo then rejects every step and the optimizer stalls far above the gradient
// tolerance. A trial whose value is within approx_eps |f(x)| of f(x) is therefore judged
// by the derivative instead: g(x + a d).d <= (2 c1 - 1) g.d, the "approximate Wolfe"
// condition of Hager & Zhang, SIAM J. Optim. 16, 170 (2005), eq. (23) -- for a quadratic
// it is exactly the Armijo condition, written without cancellation.
//
// Other traps handled: a non-finite f(x + a d) (overflow far along d) is treated as
// "too far" and the step shrinks instead of propagating NaN; an interpolation that lands
// on the bracket ends is moved inside (no stalling); the search stops once the bracket is
// below the resolution of x, returning the best point seen.
#pragma once
#include <functional>
#include <vector>

namespace tnad::optim {

using Vector = std::vector<double>;
// f(x) with its gradient written into grad (same size as x). The optimizers never call it
// with a grad of the wrong size.
using Objective = std::function<double(const Vector& x, Vector& grad)>;

struct LineSearchOptions {
  double c1 = 1e-4;    // sufficient decrease
  double c2 = 0.9;     // curvature (0.9 for quasi-Newton, 0.1 for steepest descent/CG)
  int max_evaluations = 25;
  double approx_eps = 1e-10;  // relative f tolerance for the approximate Wolfe test
};

struct LineSearchResult {
  double alpha = 0.0;  // accepted step length (0 when nothing better than x was found)
  double value = 0.0;  // f(x + alpha d)
  Vector grad;         // g(x + alpha d)
  int evaluations = 0;
  bool wolfe = false;      // both strong Wolfe conditions hold at alpha
  bool decreased = false;  // a step was accepted (value < f(x), or equal within round-off)
};

// x, f0 = f(x), g0 = g(x); d must be a descent direction (g0.d < 0); alpha0 > 0 is the
// first trial step. Throws tnad::Error if g0.d >= 0.
LineSearchResult strong_wolfe(const Objective& f, const Vector& x, double f0, const Vector& g0,
                              const Vector& d, double alpha0, const LineSearchOptions& opt = {});

}  // namespace tnad::optim
