// Krylov adjoint solvers for fixed points (fixed_point_solvers.hpp).
#include "tnad/linalg/fixed_point_solvers.hpp"

#include <algorithm>
#include <cmath>
#include <complex>

#include "tnad/ad/error.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/linalg/krylov.hpp"

namespace tnad {
namespace {

// The list as one vector (extra trailing entries, zeros, appended), and back.
NDArray flatten_values(const TensorList& v, int64_t extra) {
  int64_t n = extra;
  for (const Tensor& t : v) n += t.numel();
  NDArray out = NDArray::zeros({n}, "fixed_point flatten");
  double* p = out.mutable_data();
  for (const Tensor& t : v) p = std::copy(t.data(), t.data() + t.numel(), p);
  return out;
}
Tensor flatten(const TensorList& v) { return Tensor(flatten_values(v, 0)); }

TensorList unflatten(const Tensor& flat, const TensorList& like, double scale = 1.0) {
  TensorList r;
  const double* p = flat.data();
  for (const Tensor& t : like) {
    NDArray a = NDArray::from(t.shape(), p);
    if (scale != 1.0) {
      double* q = a.mutable_data();
      for (int64_t i = 0; i < a.numel(); ++i) q[i] *= scale;
    }
    r.emplace_back(std::move(a));
    p += t.numel();
  }
  return r;
}

// The true relative residual |b - (I - J^T) y| / |b| (one J^T).
double true_residual(const TensorListMap& jt, const TensorList& b, const TensorList& y) {
  const double bn = list_norm(b);
  TensorList r = list_axpy(-1.0, list_axpy(-1.0, jt(y), y), b);  // b - (y - J^T y)
  return bn > 0 ? list_norm(r) / bn : list_norm(r);
}

AdjointSolveResult run_gmres(const TensorListMap& jt, const TensorList& b, const AdjointSolveOptions& o, int restart,
                             int already) {
  AdjointSolveResult r;
  r.method = "gmres";
  int calls = 0;
  LinearMap A = [&](const Tensor& v) {
    ++calls;
    TensorList vl = unflatten(v, b);
    return flatten(list_axpy(-1.0, jt(vl), vl));
  };
  SolveOptions so;
  so.tol = o.tol;
  so.max_iter = std::max(1, o.max_iter - already);
  so.restart = restart;
  SolveResult s = gmres(A, flatten(b), so);
  r.y = unflatten(s.x, b);
  r.iterations = calls;
  r.residual = s.residual;
  r.converged = s.converged;
  if (!s.converged) r.note = "GMRES(" + std::to_string(restart) + ") stopped at relative residual " + std::to_string(s.residual);
  return r;
}

}  // namespace

AdjointSolver gmres_adjoint_solver(int restart) {
  if (restart < 1) throw_error("gmres_adjoint_solver: restart must be >= 1, got ", restart);
  return [restart](const TensorListMap& jt, const TensorList& b, const AdjointSolveOptions& o) {
    NoGradGuard ng;
    if (list_norm(b) == 0.0) {
      AdjointSolveResult r;
      r.method = "gmres";
      for (const Tensor& t : b) r.y.push_back(zeros(t.shape()));
      r.converged = true;
      return r;
    }
    return run_gmres(jt, b, o, restart, 0);
  };
}

AdjointSolver arnoldi_adjoint_solver(int krylov_dim) {
  if (krylov_dim < 3) throw_error("arnoldi_adjoint_solver: krylov_dim must be >= 3, got ", krylov_dim);
  return [krylov_dim](const TensorListMap& jt, const TensorList& b, const AdjointSolveOptions& o) {
    NoGradGuard ng;
    AdjointSolveResult r;
    r.method = "arnoldi";
    const double bn = list_norm(b);
    if (bn == 0.0) {
      for (const Tensor& t : b) r.y.push_back(zeros(t.shape()));
      r.converged = true;
      return r;
    }
    int64_t n = 0;
    for (const Tensor& t : b) n += t.numel();
    const TensorList bhat = unflatten(flatten(b), b, 1.0 / bn);
    int calls = 0;
    LinearMap A = [&](const Tensor& v) {  // (y, t) -> (J^T y + t b^, t)
      ++calls;
      const double t = v.data()[n];
      TensorList yl = unflatten(v, b);
      NDArray a = flatten_values(list_axpy(t, bhat, jt(yl)), 1);
      a.mutable_data()[n] = t;
      return Tensor(std::move(a));
    };
    NDArray v0 = NDArray::zeros({n + 1}, "arnoldi_adjoint_solver");
    v0.mutable_data()[n] = 1.0;
    EigenOptions eo;
    eo.nev = 1;
    eo.which = Which::largest_magnitude;
    eo.krylov_dim = std::min<int64_t>(krylov_dim, n + 1);
    eo.tol = o.tol * 1e-2;
    eo.max_restarts = std::max(1, o.max_iter / int(std::max<int64_t>(1, eo.krylov_dim)));
    std::string why;
    if (eo.krylov_dim < 3) {
      why = "problem too small for Arnoldi";
    } else {
      EigenResult e = arnoldi(A, Tensor(std::move(v0)), eo);
      r.iterations = calls;
      const std::complex<double> lambda = e.values.empty() ? std::complex<double>(0) : e.values[0];
      const Tensor& v = e.vectors.empty() ? Tensor() : e.vectors[0];
      const double t = v.defined() ? v.data()[n] : 0.0;
      if (!v.defined() || std::abs(lambda - 1.0) > 1e-6)
        why = "leading eigenvalue of the augmented map is (" + std::to_string(lambda.real()) + ", " +
              std::to_string(lambda.imag()) + "), not 1 (rho(J) >= 1?)";
      else if (std::abs(t) < 1e-8)
        why = "eigenvector of eigenvalue 1 has t ~ 0 (J^T has eigenvalue 1: a gauge mode?)";
      else {
        r.y = unflatten(v, b, bn / t);
        r.residual = true_residual(jt, b, r.y);
        r.iterations = calls + 1;
        r.converged = r.residual <= o.tol;
        if (!e.converged) r.note = "Arnoldi reported no convergence";
        if (r.converged) return r;
        why = "Arnoldi eigenvector gives relative residual " + std::to_string(r.residual);
      }
    }
    const int spent = calls + (r.y.empty() ? 0 : 1);
    AdjointSolveResult g = run_gmres(jt, b, o, krylov_dim, spent);
    g.method = "arnoldi->gmres";
    g.iterations += spent;
    g.note = why + (g.note.empty() ? "" : "; " + g.note);
    return g;
  };
}

AdjointSolver adjoint_solver(const std::string& method) {
  if (method == "neumann") return neumann_solve;
  if (method == "gmres") return gmres_adjoint_solver();
  if (method == "arnoldi") return arnoldi_adjoint_solver();
  throw_error("adjoint_solver: unknown method '", method, "' (choose neumann, gmres or arnoldi)");
}

}  // namespace tnad
