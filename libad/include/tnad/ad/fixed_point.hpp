// Implicit differentiation of a fixed point, and the reusable pullback it is built on.
//
// For a converged iteration x* = f(x*, p) and a loss L(x*(p), p), the implicit function
// theorem gives (Christianson 1994; Liao et al., PRX 9, 031041 (2019), Sec. IV; Francuz,
// Schuch, Vanhecke, PRR 7, 013237 (2025); docs/adjoints.md, "Fixed points (CTMRG)"):
//
//   (I - f_x^T) y = xbar = dL/dx*,        pbar = f_p^T y,
//
// with f_x^T, f_p^T the VJPs of ONE step at (x*, p). fixed_point() returns x* attached to p
// by one node; its VJP records f once at (x*, p) (a Pullback), solves the adjoint system with
// one VJP of that recorded step per solver iteration (the same tape, new seeds: no
// re-recording), then pulls y back to p. Memory: x*, p and one step's tape, independent of
// the number of forward iterations (run them unrecorded: NoGradGuard). The gradient w.r.t.
// the initial iterate is zero (a fixed point does not remember where it started). The
// direct term dL/dp of a loss that also reads p flows through the ordinary graph.
// Cost of one backward: one recorded step plus (solver iterations + 1) backward sweeps of it.
//
// Solvers for (I - J^T) y = b, J^T v one VJP:
//   neumann_solve (built in)  y = sum_k (J^T)^k b, the geometric series. Needs the spectral
//       radius rho(J) < 1 (the forward's own linear convergence factor); about as many
//       iterations as the forward's tail: log(tol) / log(rho).
//   GMRES and the eigen-solver form (the eigenvector of eigenvalue 1 of the augmented map
//       (y, t) -> (J^T y + t b, t), y / t; PEPSKit's default) need Krylov machinery and LAPACK:
//       they live in linalg (tnad/linalg/fixed_point_solvers.hpp) and are passed in as an
//       AdjointSolver, so dependencies keep pointing down.
//
// Traps: (1) x* must be a fixed point element-wise, not up to a gauge: f(x*) = x* exactly
// (CTMRG environments converge only up to signs of the bond bases unless gauge-fixed;
// tnad/tensornet/ctmrg.hpp). FixedPointInfo::defect reports |f(x*) - x*|, and defect_tol
// turns a large one into an error. A gauge mode of f_x (eigenvalue 1) makes I - f_x^T
// singular. (2) The forward must be converged well below the wanted gradient accuracy.
// (3) An unconverged adjoint solve is an error (tnad::Error naming the solver, iterations,
// residual and tolerance), never a silently wrong gradient. (4) Second derivatives through
// the fixed point (a backward under create_graph) are not implemented and raise.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tnad/ad/autograd.hpp"

namespace tnad {

using TensorList = std::vector<Tensor>;

// ---------------------------------------------------------------- reusable pullback
// f recorded once at `inputs` (fresh leaves holding their values: the pullback never
// reaches into the graph behind them); every call backpropagates new cotangents through the
// same tape (retained), so n calls cost n backward sweeps and record nothing (check with
// nodes_created(), node.hpp). Results are plain tensors. Holds the tape until destroyed or
// release()d. Not thread-safe.
class Pullback {
 public:
  Pullback() = default;
  Pullback(const MultiFn& f, const TensorList& inputs);

  const TensorList& outputs() const;  // f(inputs), values (detached)
  // d<cotangents, f>/d inputs[i] for each i in `wrt` (zeros for an input f does not use);
  // cotangents: one per output, undefined = zero.
  TensorList operator()(const TensorList& cotangents, const std::vector<int>& wrt) const;
  TensorList operator()(const TensorList& cotangents) const;  // every input
  int64_t calls() const;          // backward sweeps so far
  int64_t nodes_recorded() const;  // nodes created while recording f
  void release();                  // frees the tape

 private:
  struct State;
  std::shared_ptr<State> s_;
};
inline Pullback pullback(const MultiFn& f, const TensorList& inputs) { return Pullback(f, inputs); }

// ---------------------------------------------------------------- adjoint solvers
// The 2-norm over all entries of all tensors, and a x + y tensor by tensor (values).
double list_norm(const TensorList& v);
TensorList list_axpy(double a, const TensorList& x, const TensorList& y);

using TensorListMap = std::function<TensorList(const TensorList&)>;

struct AdjointSolveOptions {
  double tol = 1e-10;  // stop when |b - (I - J^T) y| <= tol |b| (2-norm over all tensors)
  int max_iter = 200;  // applications of J^T (a Krylov solver's restarts and checks count too)
};

struct AdjointSolveResult {
  TensorList y;
  std::string method;     // "neumann", "gmres", "arnoldi", "arnoldi->gmres" (fallback) ...
  int iterations = 0;     // applications of J^T
  double residual = 0.0;  // |b - (I - J^T) y| / |b| of the returned y
  bool converged = false;
  std::string note;       // why a solver gave up or fell back (empty if nothing to say)
};

// Solves (I - J^T) y = b given jt: v -> J^T v.
using AdjointSolver =
    std::function<AdjointSolveResult(const TensorListMap& jt, const TensorList& b, const AdjointSolveOptions&)>;

// The geometric (Neumann) series y_n = sum_{k<n} (J^T)^k b; stops at the first n whose next
// term (J^T)^n b — exactly the residual of y_n — is below tol |b|. One J^T per iteration.
AdjointSolveResult neumann_solve(const TensorListMap& jt, const TensorList& b, const AdjointSolveOptions& options = {});

// ---------------------------------------------------------------- fixed_point
using FixedPointStep = std::function<TensorList(const TensorList& x, const TensorList& params)>;

struct FixedPointOptions {
  AdjointSolveOptions solve = {};
  AdjointSolver solver = {};  // empty: neumann_solve
  // Largest accepted max|f(x*) - x*| / max|x*| (over all tensors), checked when the backward
  // records f; negative: not checked (always reported in FixedPointInfo::defect).
  double defect_tol = -1.0;
};

// What the backward did (the last backward, if several ran through the same node).
struct FixedPointInfo {
  std::string method;
  int iterations = 0;          // J^T applications of the adjoint solve
  double residual = 0.0;       // relative residual of the adjoint solve
  bool converged = false;
  std::string note;
  double defect = 0.0;         // max|f(x*) - x*| / max|x*|
  int64_t backward_calls = 0;  // backward sweeps through the recorded step (solve + the final f_p^T y)
  int64_t nodes_recorded = 0;  // nodes created recording the step (once per backward)
  int64_t nodes_during_solve = 0;  // nodes created while solving (0: nothing was re-recorded)
};

// x_star: the converged iterate (values; its graph, if any, is ignored); params: what f
// depends on (gradients flow to those that require grad). Returns tensors with x_star's
// values and shapes, recorded as one node on params whose VJP is the implicit rule above.
// f must be deterministic (it is recorded in the backward) and return tensors of x_star's
// shapes. info, if given, is filled when the backward runs.
TensorList fixed_point(const FixedPointStep& f, const TensorList& x_star, const TensorList& params,
                       const FixedPointOptions& options = {}, std::shared_ptr<FixedPointInfo> info = nullptr);

}  // namespace tnad
