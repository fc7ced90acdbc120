// Krylov solvers on linear maps of tensors: conjugate gradients (cg, batched_cg), restarted
// GMRES (gmres), and a few eigenpairs of a symmetric map (lanczos) or eigenvalues of a
// general map (arnoldi). docs/adjoints.md, "Krylov", says where tnad uses them (the
// option-B Sylvester solve of svd_truncated, CTMRG transfer-matrix spectra, fixed-point
// differentiation).
//
// A map is any function Tensor -> Tensor of the same shape (a matrix never formed: a
// transfer matrix applied by contractions, a Jacobian-vector product ...); vectors are
// tensors of any shape, with the inner product <x, y> = vdot(x, y) over all entries.
// Everything works on values: the solvers run under NoGradGuard, read .value() of their
// inputs and return plain tensors (differentiate through a solve with an op of your own
// whose adjoint is another solve, as svd_truncated does).
//
// Results never pass off an unconverged answer as converged: `converged` is false when
// the tolerance was not met within max_iter (or CG met a direction of non-positive
// curvature), and the result holds the last iterate; the caller decides whether to throw.
//
// Methods and costs (N = numel, m = Krylov dimension):
//   cg          Hestenes-Stiefel, optional preconditioner M^-1; SPD maps. One map
//               application and O(N) per iteration. Converges like
//               ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^iterations.
//   batched_cg  k independent SPD systems A_j x_j = b_j (the rows of B), solved side by
//               side: one call of the map per iteration on all rows still iterating (so
//               that it can be one GEMM), each row with its own step lengths and stopping
//               test; converged rows leave the block (Sylvester solves, shifted systems).
//   gmres       GMRES(restart) (Saad & Schultz 1986): Arnoldi with classical Gram-Schmidt
//               done twice, the small least-squares problem by LAPACK dgels; any
//               nonsingular map. O(m N) memory and O(m^2 N) work per cycle; the true
//               residual |b - A x| is recomputed after every cycle (one more map call).
//   lanczos     symmetric maps: Lanczos with full reorthogonalization and thick restarts
//               (Wu & Simon 2000), Ritz values from LAPACK dsyev of the projected matrix.
//   arnoldi     general real maps: Krylov-Schur restarts (Stewart 2001), the projected
//               problem by LAPACK dgees / dtrevc / dtrsen; eigenvalues complex in general.
// Traps: CG on an indefinite or singular map stops at the first non-positive curvature
// (converged = false). Restarted GMRES can stagnate on strongly nonnormal maps (raise
// `restart`). An eigenvalue cluster wider than the Krylov space converges slowly (raise
// krylov_dim). A start vector orthogonal to a wanted eigenvector never finds it: start
// from a random tensor, not a structured one.
#pragma once
#include <complex>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "tnad/ad/tensor.hpp"

namespace tnad {

// x -> A x, the output of the input's shape.
using LinearMap = std::function<Tensor(const Tensor&)>;
// Batched form: `rows` is (r, ...) = the rows of the systems listed in `systems` (indices
// into the rows of the right-hand side, ascending); returns A_j applied to each row, (r, ...).
using RowsMap = std::function<Tensor(const Tensor& rows, std::span<const int64_t> systems)>;

struct SolveOptions {
  double tol = 1e-12;  // stop when |b - A x| <= tol * |b| (per row for batched_cg)
  int max_iter = 1000;  // map applications (GMRES: inner iterations; the residual checks are extra)
  int restart = 30;     // GMRES: Krylov dimension of one cycle
};

struct SolveResult {
  Tensor x;
  int iterations = 0;     // map applications spent on iterations
  double residual = 0.0;  // relative: |b - A x| / |b| (CG: the recurrence's value; GMRES: recomputed)
  bool converged = false;
};

// Solves A x = b for a symmetric positive definite map. x0: start (default 0);
// preconditioner: z = M^-1 r for an SPD M ~ A (default none).
SolveResult cg(const LinearMap& A, const Tensor& b, const SolveOptions& options = {}, const Tensor& x0 = {},
               const LinearMap& preconditioner = {});

struct BatchedSolveResult {
  Tensor x;                      // (k, ...) like B
  std::vector<int> iterations;   // per row
  std::vector<double> residual;  // per row, relative (0 for a zero right-hand side)
  std::vector<bool> converged;   // per row
  bool all_converged = false;
};

// Solves A_j x_j = B_j for every row j of B (k, ...) (SPD A_j), starting from 0.
// preconditioner: z_j = M_j^-1 r_j, same calling convention as A.
BatchedSolveResult batched_cg(const RowsMap& A, const Tensor& B, const SolveOptions& options = {},
                              const RowsMap& preconditioner = {});

// Solves A x = b for a general nonsingular map. x0: start (default 0).
SolveResult gmres(const LinearMap& A, const Tensor& b, const SolveOptions& options = {}, const Tensor& x0 = {});

enum class Which {
  largest_magnitude,   // largest |lambda|
  largest_algebraic,   // largest lambda (arnoldi: largest real part)
  smallest_algebraic,  // smallest lambda (arnoldi: smallest real part)
};

struct EigenOptions {
  int64_t nev = 1;       // how many eigenvalues
  Which which = Which::largest_magnitude;
  double tol = 1e-12;    // converged when |A v - lambda v| <= tol * max |Ritz value| for all nev
  int max_restarts = 200;
  int64_t krylov_dim = 0;  // subspace size m (0: max(2 nev + 1, 20)); at least nev + 2, at most N
};

struct SymmetricEigenResult {
  std::vector<double> values;     // nev, in the order of `which`
  std::vector<Tensor> vectors;    // unit norm, of v0's shape, largest-|.| entry positive
  std::vector<double> residuals;  // |A v - lambda v| (Krylov estimate |f| |e_m^T y|)
  int iterations = 0;             // map applications
  int restarts = 0;
  bool converged = false;
};
// nev eigenpairs of a symmetric map, which = largest_magnitude / largest_algebraic /
// smallest_algebraic. v0: start vector (defines the shape; must be nonzero).
SymmetricEigenResult lanczos(const LinearMap& A, const Tensor& v0, const EigenOptions& options = {});

struct EigenResult {
  std::vector<std::complex<double>> values;  // nev, in the order of `which`
  // For a real eigenvalue its unit eigenvector (largest-|.| entry positive); for a complex
  // one an undefined Tensor (tensors are real).
  std::vector<Tensor> vectors;
  std::vector<double> residuals;  // |A v - lambda v| (Krylov estimate, complex v for complex lambda)
  int iterations = 0;
  int restarts = 0;
  bool converged = false;
};
// nev eigenvalues of a general real map (a conjugate pair may make the Krylov-Schur
// restart keep one more). v0: start vector (defines the shape; must be nonzero).
EigenResult arnoldi(const LinearMap& A, const Tensor& v0, const EigenOptions& options = {});

}  // namespace tnad
