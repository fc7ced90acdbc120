// Internal: value-level (NDArray, no AD) LAPACK kernels of tnad::linalg and the batch
// helpers they share. Row-major buffers throughout; each kernel says how it maps the
// row-major matrix onto LAPACK's column-major view (a row-major A is LAPACK's A^T).
#pragma once
#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

#include <omp.h>

#include "tnad/ad/error.hpp"
#include "tnad/ad/ndarray.hpp"

namespace tnad::linalg_detail {

// ---- shapes and checks
struct MatrixBatch {
  Shape batch;        // leading axes
  int64_t count = 1;  // numel(batch)
  int64_t m = 0, n = 0;
};
// Requires ndim >= 2, float64, non-empty matrices; names `op` and the shape on failure.
MatrixBatch matrix_batch(const NDArray& a, const char* op);
void require_square(const MatrixBatch& b, const NDArray& a, const char* op);
void require_finite(const NDArray& a, const char* op);
// "svd: LAPACK dgesdd failed (info = 3) on matrix 2 of input [4, 5, 5]: <reason>"
[[noreturn]] void lapack_error(const char* op, const char* routine, int info, int64_t index,
                               const Shape& shape, const char* reason);
Shape with_matrix(const Shape& batch, int64_t r, int64_t c);
Shape with_vector(const Shape& batch, int64_t k);

// Runs f(i) for i in [0, count): in parallel over the batch when there is more than one
// matrix and each is small enough that single-threaded LAPACK per matrix wins (OpenBLAS's
// OpenMP build runs serially inside a parallel region, so nothing is oversubscribed);
// serially otherwise, letting BLAS thread each call. The exception of the lowest failing
// index is rethrown (exceptions must not cross the OpenMP region).
template <class F>
void for_each_matrix(int64_t count, int64_t flops_per_matrix, F&& f) {
  const bool parallel = count > 1 && !omp_in_parallel() &&
                        (count >= omp_get_max_threads() || flops_per_matrix < (int64_t(1) << 24));
  if (!parallel) {
    for (int64_t i = 0; i < count; ++i) f(i);
    return;
  }
  std::exception_ptr err;
  int64_t err_index = count;
#pragma omp parallel for schedule(dynamic)
  for (int64_t i = 0; i < count; ++i) {
    try {
      f(i);
    } catch (...) {
#pragma omp critical(tnad_linalg_batch_error)
      if (i < err_index) {
        err_index = i;
        err = std::current_exception();
      }
    }
  }
  if (err) std::rethrow_exception(err);
}

// Runs the BLAS calls inside LAPACK on this thread only, for its lifetime. OpenBLAS's
// OpenMP build threads every call with omp_get_max_threads() threads; in dsytrd (half of it
// BLAS-2 dsymv, memory-bound) and in dormtr with k << n columns (dlarfb's GEMMs are
// n x k x 32) that costs more than it gives at n <= 1024. n = 512, k = 32, 2 threads:
// dsytrd 9.1 -> 7.2 ms, dormtr 2.4 -> 1.6 ms serial; with OMP_WAIT_POLICY=passive (the
// threads sleep between calls) 23.8 -> 7.0 and 7.3 -> 1.6. In the D = 4, chi = 32 C4v
// gradient: warm 1.05 -> 1.00 s (active), 1.53 -> 1.01 s (passive). dstedc up to
// n = 512 too (kSerialStedcMaxN; its gain is ~2 % of that gradient). omp_set_num_threads
// sets only the calling thread's ICV, so other threads are unaffected.
class SerialBlas {
 public:
  explicit SerialBlas(bool on) : saved_(on && !omp_in_parallel() ? omp_get_max_threads() : 0) {
    if (saved_ > 1) omp_set_num_threads(1);
  }
  ~SerialBlas() {
    if (saved_ > 1) omp_set_num_threads(saved_);
  }
  SerialBlas(const SerialBlas&) = delete;
  SerialBlas& operator=(const SerialBlas&) = delete;

 private:
  int saved_;
};
inline constexpr int64_t kSerialLapackMaxN = 1024;
inline constexpr int64_t kSerialStedcMaxN = 512;

// Kernel scratch space in an NDArray buffer rather than a std::vector: sizes of 100s of KiB
// and more come back from libad's buffer cache already resident (memory.hpp), where glibc
// would map and page-fault a fresh block on every call (a CG solve's six m x k blocks were
// a fifth of TRG's page faults). Counted in tnad::memory like any buffer.
class Scratch {
 public:
  explicit Scratch(int64_t n) : a_(NDArray::empty(Shape{n})), p_(a_.mutable_data()) {}
  Scratch(const double* first, int64_t n) : Scratch(n) { std::copy(first, first + n, p_); }
  double* data() { return p_; }
  double& operator[](int64_t i) { return p_[i]; }
  void fill(double v) { std::fill(p_, p_ + a_.numel(), v); }

 private:
  NDArray a_;
  double* p_;
};

// ---- SVD
struct SvdFactors {
  NDArray U, S, Vh;  // (..., m, K|m), (..., K), (..., K|n, n)
};
// Thin (or full_matrices) SVD with the sign convention of svd.hpp.
SvdFactors svd_factors(const NDArray& A, bool full_matrices, const char* op);
NDArray singular_values(const NDArray& A, const char* op);
// Randomized range finder + SVD of the sketch; returns l = min(rank + oversampling, K)
// approximate triplets (descending, sign convention applied).
SvdFactors randomized_svd_factors(const NDArray& A, int64_t rank, int64_t oversampling,
                                  int power_iterations, uint64_t seed, const char* op);
// Makes the largest-|.| entry of each of the first `k` columns of U positive, flipping the
// matching rows of Vh (Vh may be null). U is rows x ldu, row-major.
void fix_signs(double* U, int64_t rows, int64_t ldu, int64_t k, double* Vh, int64_t ldvh);

// Approximate leading left singular pairs of M (orthonormal columns W (..., m, p) and values
// sw (..., p)): a preconditioner for shifted_gram_solve. Empty (undefined W) = none.
struct GramDeflation {
  NDArray W, sw;
};
// M given implicitly as P_U A P_V (P_U = I - U U^H, P_V = I - V V^H, V = Vh^H): U (..., m, q),
// Vh (..., q, n). Undefined U = M is the matrix passed itself.
struct GramProjectors {
  NDArray U, Vh;
};
// Solves, for each column j, (s_j^2 I - M M^H) x_j = r_j (CG; SPD when s_j > |M|_2).
// M (..., m, n), s (..., k), R (..., m, k) -> X (..., m, k). With `deflation`, CG is
// preconditioned by the exact inverse on span(W) (kernels_svd.cpp); the solution is the
// same, only the iteration count changes. With `projectors`, the first argument is A and
// M = P_U A P_V is applied without being formed (the same two m x n GEMMs per iteration).
NDArray shifted_gram_solve(const NDArray& M, const NDArray& s, const NDArray& R, const char* op,
                           const GramDeflation& deflation = {}, const GramProjectors& projectors = {});

// ---- eigh (on (A + A^H)/2); w ascending, V columns
struct EighFactors {
  NDArray w, V;
};
EighFactors eigh_factors(const NDArray& A, bool vectors, const char* op);
// The same decomposition kept in two factors, A = Q T Q^T (dsytrd: Householder reflectors)
// and T = Z diag(w) Z^T (dstedc on the tridiagonal T), so that V = Q Z is never formed
// whole: a caller that needs k columns of V, or V X / V^T X for thin n x k blocks X, pays
// O(n^2 k) each (dormtr) instead of dsyevd's O(n^3) back-transformation of all n vectors
// (at n = 512 that was 17 of dsyevd's 29 ms). eigh_truncated's forward and exact adjoint.
struct TridiagonalEigh {
  int64_t count = 0, n = 0;
  NDArray w;           // (count, n) ascending
  NDArray Z;           // (count, n, n): row j = eigenvector j of T (LAPACK's column-major Z)
  NDArray reflectors;  // (count, n (n - 1) / 2): column c of dsytrd's 'L' output, rows c+1..n-1
  NDArray tau;         // (count, max(n - 1, 1))
};
TridiagonalEigh tridiagonal_eigh(const NDArray& A, const char* op);
// X <- Q X (transpose false) or Q^T X (true) for matrix i; X is n x k column-major (ld n).
void apply_q(const TridiagonalEigh& f, int64_t i, bool transpose, double* X, int64_t k);
// V = Q Z_cols for matrix i: the eigenvectors cols[0..k) (all n when cols is null) as the
// columns of a row-major n x k V.
void eigenvectors(const TridiagonalEigh& f, int64_t i, const int64_t* cols, int64_t k, double* V);

// ---- QR (reduced, diag(R) >= 0)
struct QrFactors {
  NDArray Q, R;
};
QrFactors qr_factors(const NDArray& A, const char* op);

// ---- Cholesky (of (A + A^H)/2), lower
NDArray cholesky_factor(const NDArray& A, const char* op);

// ---- LU (getrf) of a batch of square matrices, kept for solves with A and A^H.
struct LuFactors {
  NDArray lu;               // (..., n, n) packed L\U (row-major)
  std::vector<int> pivots;  // count * n, 1-based (LAPACK)
  MatrixBatch dims;
};
// Throws (naming op, shape, matrix index) if a matrix is exactly singular.
std::shared_ptr<const LuFactors> lu_factor(const NDArray& A, const char* op);
// Solves A X = B (transpose: A^H X = B). B (..., n, k) with A's batch.
NDArray lu_solve(const LuFactors& f, const NDArray& B, bool transpose, const char* op);
NDArray inverse(const NDArray& A, const char* op);
// sign and log|det| from an LU that tolerates singular matrices; near_singular is set
// when some matrix has min |u_ii| <= 1e-12 max |u_ii|.
struct DetParts {
  NDArray sign, logabs;  // batch shape
  bool near_singular = false;
};
DetParts det_parts(const NDArray& A, const char* op);
// Triangular solve with A's `upper` (else lower) triangle, op(A) = A or A^T (transpose):
// left: op(A) X = B, B (..., n, k); right: X op(A) = B, B (..., k, n). Throws on a zero
// diagonal (unless unit_diagonal). Batches of A and B must agree.
NDArray triangular_solve(const NDArray& A, const NDArray& B, bool upper, bool left, bool transpose,
                         bool unit_diagonal, const char* op);

}  // namespace tnad::linalg_detail
