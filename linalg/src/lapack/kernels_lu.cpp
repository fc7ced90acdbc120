// LU-based kernels (solve, inverse, determinant) and triangular solves. These use
// LAPACKE's row-major interface (it transposes internally; O(n^2) next to O(n^3)).
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "lapack/kernels.hpp"

namespace tnad::linalg_detail {

std::shared_ptr<const LuFactors> lu_factor(const NDArray& A, const char* op) {
  const MatrixBatch b = matrix_batch(A, op);
  require_square(b, A, op);
  require_finite(A, op);
  const int64_t n = b.n;
  auto f = std::make_shared<LuFactors>();
  f->dims = b;
  f->lu = A.clone();
  f->pivots.assign(b.count * n, 0);
  double* lu = f->lu.mutable_data();
  int* piv = f->pivots.data();
  for_each_matrix(b.count, 2 * n * n * n / 3, [&](int64_t i) {
    const int info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, int(n), int(n), lu + i * n * n, int(n), piv + i * n);
    if (info > 0)
      throw_error(op, ": matrix ", i, " of input ", A.shape(), " is singular (LAPACK dgetrf info = ", info,
                  ": U(", info, ",", info, ") is exactly zero)");
    if (info < 0) lapack_error(op, "dgetrf", info, i, A.shape(), "illegal argument");
  });
  return f;
}

NDArray lu_solve(const LuFactors& f, const NDArray& B, bool transpose, const char* op) {
  const int64_t n = f.dims.n;
  const MatrixBatch bb = matrix_batch(B, op);
  if (bb.batch != f.dims.batch || bb.m != n)
    throw_error(op, ": right-hand side ", B.shape(), " does not match the factored matrices ",
                f.lu.shape());
  require_finite(B, op);
  const int64_t k = bb.n;
  NDArray X = B.clone();
  double* x = X.mutable_data();
  const double* lu = f.lu.data();
  const int* piv = f.pivots.data();
  for_each_matrix(f.dims.count, 2 * n * n * k, [&](int64_t i) {
    const int info = LAPACKE_dgetrs(LAPACK_ROW_MAJOR, transpose ? 'T' : 'N', int(n), int(k), lu + i * n * n,
                                    int(n), piv + i * n, x + i * n * k, int(k));
    if (info != 0) lapack_error(op, "dgetrs", info, i, B.shape(), "illegal argument");
  });
  return X;
}

NDArray inverse(const NDArray& A, const char* op) {
  auto f = lu_factor(A, op);
  const int64_t n = f->dims.n;
  NDArray Y = f->lu;  // shares the buffer until written: copy on write
  double* y = Y.mutable_data();
  const int* piv = f->pivots.data();
  for_each_matrix(f->dims.count, 2 * n * n * n, [&](int64_t i) {
    const int info = LAPACKE_dgetri(LAPACK_ROW_MAJOR, int(n), y + i * n * n, int(n), piv + i * n);
    if (info > 0) throw_error(op, ": matrix ", i, " of input ", A.shape(), " is singular (LAPACK dgetri info = ", info, ")");
    if (info < 0) lapack_error(op, "dgetri", info, i, A.shape(), "illegal argument");
  });
  return Y;
}

DetParts det_parts(const NDArray& A, const char* op) {
  const MatrixBatch b = matrix_batch(A, op);
  require_square(b, A, op);
  require_finite(A, op);
  const int64_t n = b.n;
  DetParts d{NDArray::empty(b.batch), NDArray::empty(b.batch), false};
  NDArray lu = A.clone();
  double* l = lu.mutable_data();
  double* sign = d.sign.mutable_data();
  double* logabs = d.logabs.mutable_data();
  std::vector<char> near(b.count, 0);
  for_each_matrix(b.count, 2 * n * n * n / 3, [&](int64_t i) {
    std::vector<int> piv(n);
    double* Li = l + i * n * n;
    const int info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, int(n), int(n), Li, int(n), piv.data());
    if (info < 0) lapack_error(op, "dgetrf", info, i, A.shape(), "illegal argument");
    double sg = 1.0, la = 0.0, umax = 0.0, umin = std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < n; ++j) {
      const double u = Li[j * n + j];
      if (piv[j] != j + 1) sg = -sg;
      if (u < 0) sg = -sg;
      umax = std::max(umax, std::abs(u));
      umin = std::min(umin, std::abs(u));
      la += std::log(std::abs(u));  // -inf for an exact zero pivot (info > 0)
    }
    if (info > 0 || umin == 0.0) {
      sg = 0.0;
      la = -std::numeric_limits<double>::infinity();
    }
    sign[i] = sg;
    logabs[i] = la;
    near[i] = !(umin > 1e-12 * umax);
  });
  d.near_singular = std::any_of(near.begin(), near.end(), [](char c) { return c != 0; });
  return d;
}

NDArray triangular_solve(const NDArray& A, const NDArray& B, bool upper, bool left, bool transpose,
                         bool unit_diagonal, const char* op) {
  const MatrixBatch b = matrix_batch(A, op);
  require_square(b, A, op);
  require_finite(A, op);
  const MatrixBatch bb = matrix_batch(B, op);
  if (bb.batch != b.batch || (left ? bb.m : bb.n) != b.n)
    throw_error(op, ": right-hand side ", B.shape(), " does not match the triangular matrices ", A.shape());
  require_finite(B, op);
  const int64_t n = b.n, rows = bb.m, cols = bb.n;
  const double* a = A.data();
  if (!unit_diagonal) {
    for (int64_t i = 0; i < b.count; ++i)
      for (int64_t j = 0; j < n; ++j)
        if (a[i * n * n + j * n + j] == 0.0)
          throw_error(op, ": matrix ", i, " of input ", A.shape(), " is singular (diagonal entry ", j,
                      " is zero)");
  }
  NDArray X = B.clone();
  double* x = X.mutable_data();
  for_each_matrix(b.count, n * n * (left ? cols : rows), [&](int64_t i) {
    cblas_dtrsm(CblasRowMajor, left ? CblasLeft : CblasRight, upper ? CblasUpper : CblasLower,
                transpose ? CblasTrans : CblasNoTrans, unit_diagonal ? CblasUnit : CblasNonUnit, int(rows),
                int(cols), 1.0, a + i * n * n, int(n), x + i * rows * cols, int(cols));
  });
  return X;
}

}  // namespace tnad::linalg_detail
