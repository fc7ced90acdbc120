// Krylov solvers for the adjoint system of a fixed point, (I - J^T) y = b, as AdjointSolvers
// for tnad::fixed_point (tnad/ad/fixed_point.hpp): J^T v is one VJP of one recorded step.
// libad's built-in Neumann series needs rho(J) < 1 and as many J^T as the forward's tail;
// these need fewer when rho(J) is close to 1 and work when the series does not converge.
//
//   gmres_adjoint_solver    restarted GMRES (krylov.hpp's gmres) on y -> y - J^T y.
//   arnoldi_adjoint_solver  the eigen-solver form (PEPSKit's default, "Arnoldi"; Francuz,
//       Schuch, Vanhecke, PRR 7, 013237 (2025)): the eigenvector of eigenvalue 1 of the
//       augmented map (y, t) -> (J^T y + t b^, t), b^ = b / |b|, then y = |b| y / t. Eigenvalue
//       1 is the largest in magnitude when rho(J) < 1. Krylov-Schur Arnoldi (krylov.hpp's
//       arnoldi) from (0, 1), so the Krylov space is that of the Neumann series. Falls back
//       to GMRES when the eigenvector has t ~ 0 or the eigenvalue found is not 1
//       (method "arnoldi->gmres", the reason in `note`).
//
// Both work on the list flattened into one real vector (real inner product: the right
// space for R-linear VJPs of steps with conjugation). Iterations count J^T applications,
// the final residual check included; `residual` is the true |b - (I - J^T) y| / |b|.
// Cost: one J^T (one backward of the step) per iteration plus O(m N) vector work; memory
// m + 1 vectors of the iterate's size (m = restart).
#pragma once
#include "tnad/ad/fixed_point.hpp"

namespace tnad {

AdjointSolver gmres_adjoint_solver(int restart = 30);
AdjointSolver arnoldi_adjoint_solver(int krylov_dim = 30);

// The solver named by `method`: "neumann", "gmres" or "arnoldi" (tnad::Error otherwise,
// naming the choices). For configs.
AdjointSolver adjoint_solver(const std::string& method);

}  // namespace tnad
