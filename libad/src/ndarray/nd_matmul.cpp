// matmul through BLAS dgemm. Row-major throughout: cblas_dgemm(CblasRowMajor, ...)
// with the transpose flags standing in for copies. Batches (leading axes, numpy
// broadcasting) of small matrices run in parallel with single-threaded dgemm inside
// (OpenBLAS's OpenMP build runs serially inside an active parallel region — but nests a
// fresh team inside an inactive one, an `if (false)` region: never call it from there).
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "tnad/ad/nd.hpp"

namespace tnad::nd {

// Tall-skinny products (m >> n, n <= 48, long k: A^T Y and A Y with Y m x 32 in the
// truncated-SVD adjoint, the TRG half-plaquettes' VJPs) run ~1.3-1.7x faster in OpenBLAS
// as their transpose C^T = op(B)^T op(A)^T, which is short-wide; the n x m result is then
// transposed (m n << m k entries). Measured on 1024 x 1024 by 32: 1.36 -> 0.81 ms (A^T Y),
// 1.02 -> 0.79 ms (A Y); no gain from n = 128 on.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* A, int64_t lda,
          const double* B, int64_t ldb, double* C, int64_t ldc, bool accumulate) {
  // BLAS takes 32-bit ints (OpenBLAS without INTERFACE64): a larger extent would wrap.
  constexpr int64_t kMax = std::numeric_limits<blasint>::max();
  if (m > kMax || n > kMax || k > kMax || lda > kMax || ldb > kMax || ldc > kMax)
    throw_error("matmul: a ", m, " x ", k, " by ", k, " x ", n, " product (leading dimensions ", lda, ", ", ldb, ", ", ldc,
                ") exceeds the BLAS integer range (", kMax, ")");
  const auto ta = trans_a ? CblasTrans : CblasNoTrans;
  const auto tb = trans_b ? CblasTrans : CblasNoTrans;
  const double beta = accumulate ? 1.0 : 0.0;
  if (!(n <= 48 && m >= 8 * n && k >= 256)) {
    cblas_dgemm(CblasRowMajor, ta, tb, int(m), int(n), int(k), 1.0, A, int(lda), B, int(ldb), beta, C, int(ldc));
    return;
  }
  thread_local std::vector<double> ct;  // per thread: batched calls run in parallel
  ct.resize(std::size_t(m * n));
  cblas_dgemm(CblasRowMajor, trans_b ? CblasNoTrans : CblasTrans, trans_a ? CblasNoTrans : CblasTrans, int(n), int(m),
              int(k), 1.0, B, int(ldb), A, int(lda), 0.0, ct.data(), int(m));
  // (C may hold garbage when not accumulating: never read it then, 0 * NaN is NaN)
  for (int64_t r = 0; r < m; ++r) {
    double* row = C + r * ldc;
    if (accumulate)
      for (int64_t c = 0; c < n; ++c) row[c] += ct[std::size_t(c * m + r)];
    else
      for (int64_t c = 0; c < n; ++c) row[c] = ct[std::size_t(c * m + r)];
  }
}

// Row blocks of about 2^18 multiply-adds, at least 8 rows. Measured with 2 threads, each
// running its own products on OpenBLAS 0.3.21: 32 products (1024 x 32)(32 x 32) in 0.53 ms
// as blocks of 128-256 rows against 0.92 ms whole; 32 products (1024 x 32)^T (1024 x 32) in
// 0.71 ms as blocks of 8-16 rows against 1.1-1.3 ms whole or as blocks of 4.
void gemm_blocked(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* A, int64_t lda,
                  const double* B, int64_t ldb, double* C, int64_t ldc, bool accumulate) {
  const int64_t rows = std::max<int64_t>(8, (int64_t(1) << 18) / std::max<int64_t>(1, n * k));
  for (int64_t r0 = 0; r0 < m; r0 += rows) {
    const int64_t r = std::min(rows, m - r0);
    // row r0 of op(A): row r0 of A, or column r0 of A^T's storage
    gemm(trans_a, trans_b, r, n, k, trans_a ? A + r0 : A + r0 * lda, lda, B, ldb, C + r0 * ldc, ldc, accumulate);
  }
}

NDArray matmul(const NDArray& a_in, const NDArray& b_in, bool trans_a, bool trans_b) {
  if (a_in.ndim() == 0 || b_in.ndim() == 0)
    throw_error("matmul: operands must have at least 1 dimension, got ", a_in.shape(), " and ", b_in.shape());
  const bool a_vec = a_in.ndim() == 1, b_vec = b_in.ndim() == 1;
  if ((a_vec && trans_a) || (b_vec && trans_b)) throw_error("matmul: transpose flag on a 1-D operand");
  NDArray a = a_vec ? a_in.reshape(Shape{1, a_in.size(0)}) : a_in;
  NDArray b = b_vec ? b_in.reshape(Shape{b_in.size(0), 1}) : b_in;

  const int64_t m = trans_a ? a.size(-1) : a.size(-2);
  const int64_t ka = trans_a ? a.size(-2) : a.size(-1);
  const int64_t kb = trans_b ? b.size(-1) : b.size(-2);
  const int64_t n = trans_b ? b.size(-2) : b.size(-1);
  if (ka != kb)
    throw_error("matmul: inner dimensions differ: ", a_in.shape(), (trans_a ? "^T" : ""), " @ ",
                b_in.shape(), (trans_b ? "^T" : ""), " (", ka, " vs ", kb, ")");
  const int64_t k = ka;

  Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(ba, bb, "matmul (batch axes)");
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  const int64_t nbatch = numel(batch, "matmul");
  NDArray out = NDArray::empty(out_shape, "matmul");
  double* C = out.mutable_data();
  if (k == 0) {
    std::memset(C, 0, out.nbytes());
  } else if (out.numel() > 0) {
    const double* A = a.data();
    const double* B = b.data();
    const int64_t sa = m * k, sb = k * n, sc = m * n;
    // Offsets of each broadcast batch entry in a and b.
    auto offset = [&](const Shape& bs, int64_t idx) {
      int64_t off = 0, mul = 1;
      for (int64_t d = batch.size() - 1, e = bs.size() - 1; d >= 0; --d, --e) {
        int64_t i = idx % batch[d];
        idx /= batch[d];
        if (e >= 0) {
          if (bs[e] != 1) off += i * mul;
          mul *= bs[e];
        }
      }
      return off;
    };
    const int64_t lda = trans_a ? m : k, ldb = trans_b ? k : n;
    // side by side: one product per thread at a time, as row blocks (gemm_blocked)
    auto gemm_i = [&](int64_t i, bool side_by_side) {
      (side_by_side ? gemm_blocked : gemm)(trans_a, trans_b, m, n, k, A + offset(ba, i) * sa, lda,
                                           B + offset(bb, i) * sb, ldb, C + i * sc, n, false);
    };
    if (nbatch > 1 && double(m) * double(n) * double(k) <= 128.0 * 128 * 128) {
#pragma omp parallel for schedule(dynamic)
      for (int64_t i = 0; i < nbatch; ++i) gemm_i(i, true);
    } else {
      for (int64_t i = 0; i < nbatch; ++i) gemm_i(i, false);
    }
  }
  if (a_vec && b_vec) return out.reshape(Shape(batch));
  if (a_vec) {
    Shape s = batch;
    s.push_back(n);
    return out.reshape(s);
  }
  if (b_vec) {
    Shape s = batch;
    s.push_back(m);
    return out.reshape(s);
  }
  return out;
}

}  // namespace tnad::nd
