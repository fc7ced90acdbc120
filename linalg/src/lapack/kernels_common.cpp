// Shape checks, error messages and the sign convention shared by the kernels.
#include <cmath>
#include <vector>

#include "lapack/kernels.hpp"
#include "tnad/ad/nd.hpp"

namespace tnad::linalg_detail {

MatrixBatch matrix_batch(const NDArray& a, const char* op) {
  if (!a.defined()) throw_error(op, ": input is undefined");
  if (a.dtype() != DType::f64)
    throw_error(op, ": input ", a.shape(), " has dtype ", dtype_name(a.dtype()),
                "; only float64 is implemented");
  if (a.ndim() < 2)
    throw_error(op, ": input of shape ", a.shape(), " is not a matrix (needs shape [..., m, n])");
  MatrixBatch b;
  b.batch = Shape(a.shape().begin(), a.shape().end() - 2);
  b.count = numel(b.batch);
  b.m = a.size(-2);
  b.n = a.size(-1);
  if (b.m == 0 || b.n == 0) throw_error(op, ": input of shape ", a.shape(), " has an empty matrix");
  return b;
}

void require_square(const MatrixBatch& b, const NDArray& a, const char* op) {
  if (b.m != b.n) throw_error(op, ": input of shape ", a.shape(), " is not square (", b.m, " x ", b.n, ")");
}

void require_finite(const NDArray& a, const char* op) {
  if (!nd::all_finite(a)) throw_error(op, ": input of shape ", a.shape(), " contains NaN or Inf");
}

void lapack_error(const char* op, const char* routine, int info, int64_t index, const Shape& shape,
                  const char* reason) {
  throw_error(op, ": LAPACK ", routine, " failed (info = ", info, ") on matrix ", index,
              " of input ", shape, ": ", reason);
}

Shape with_matrix(const Shape& batch, int64_t r, int64_t c) {
  Shape s = batch;
  s.push_back(r);
  s.push_back(c);
  return s;
}
Shape with_vector(const Shape& batch, int64_t k) {
  Shape s = batch;
  s.push_back(k);
  return s;
}

void fix_signs(double* U, int64_t rows, int64_t ldu, int64_t k, double* Vh, int64_t ldvh) {
  // One row-major pass tracking each column's first largest-|.| entry (a column walk
  // would miss the cache on every element of a large U).
  std::vector<double> best_abs(k, -1.0), best_val(k, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const double* row = U + r * ldu;
    for (int64_t j = 0; j < k; ++j) {
      const double v = std::abs(row[j]);
      if (v > best_abs[j]) {
        best_abs[j] = v;
        best_val[j] = row[j];
      }
    }
  }
  std::vector<char> flip(k);
  bool any = false;
  for (int64_t j = 0; j < k; ++j) any |= (flip[j] = best_val[j] < 0.0);
  if (!any) return;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < k; ++j)
      if (flip[j]) U[r * ldu + j] = -U[r * ldu + j];
  if (Vh)
    for (int64_t j = 0; j < k; ++j)
      if (flip[j])
        for (int64_t c = 0; c < ldvh; ++c) Vh[j * ldvh + c] = -Vh[j * ldvh + c];
}

}  // namespace tnad::linalg_detail
