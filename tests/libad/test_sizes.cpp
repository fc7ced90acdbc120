// Size computations are checked: a negative extent, an element or byte count that
// overflows, or an allocation the system refuses is a tnad::Error naming the op and the
// shape, never a wrapped count (a too-small buffer that kernels then run past) or a
// std::bad_alloc.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <new>

#include "tnad/ad.hpp"

using namespace tnad;

#define EXPECT_ERROR_MENTIONS(stmt, ...)                                                        \
  do {                                                                                          \
    try {                                                                                       \
      stmt;                                                                                     \
      ADD_FAILURE() << "no tnad::Error from " #stmt;                                            \
    } catch (const tnad::Error& e) {                                                            \
      std::string msg = e.what();                                                               \
      for (const char* part : {__VA_ARGS__})                                                    \
        EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;     \
    } catch (const std::exception& e) {                                                         \
      ADD_FAILURE() << "not a tnad::Error from " #stmt ": " << e.what();                        \
    }                                                                                           \
  } while (0)

namespace {
constexpr int64_t k31 = int64_t(1) << 31, k40 = int64_t(1) << 40;
}

TEST(Sizes, ElementCountThatOverflowsRaises) {
  // 2^80 elements: a plain product wraps to 0.
  EXPECT_ERROR_MENTIONS(numel(Shape{k40, k40}), "numel", "[1099511627776, 1099511627776]", "overflows");
  EXPECT_ERROR_MENTIONS(zeros({k40, k40}), "zeros", "[1099511627776, 1099511627776]");
  EXPECT_ERROR_MENTIONS(NDArray::empty(Shape{k40, k40, 3}), "[1099511627776, 1099511627776, 3]");
  // An empty array with huge other extents would still overflow its strides.
  EXPECT_ERROR_MENTIONS(zeros({0, k40, k40}), "zeros", "[0, 1099511627776, 1099511627776]");
  EXPECT_ERROR_MENTIONS(strides_of(Shape{k40, k40}), "strides_of");
  EXPECT_EQ(numel(Shape{0, k40}), 0);
  EXPECT_EQ(numel(Shape{k31, k31}), int64_t(1) << 62);
}

TEST(Sizes, ByteCountThatOverflowsRaises) {
  // 2^62 elements fit an int64, their 2^65 bytes do not fit a size_t: the buffer would be
  // tiny and sum() would read far past it.
  EXPECT_ERROR_MENTIONS(zeros({k31, k31}), "zeros", "[2147483648, 2147483648]", "bytes");
  EXPECT_ERROR_MENTIONS(ones({k31, k31}), "ones", "[2147483648, 2147483648]");
  EXPECT_ERROR_MENTIONS(full({k31, k31}, 2.0), "full", "[2147483648, 2147483648]");
  EXPECT_ERROR_MENTIONS(randn({k31, k31}, 1), "randn", "[2147483648, 2147483648]");
}

TEST(Sizes, NegativeExtentsRaise) {
  EXPECT_ERROR_MENTIONS(zeros({-1, 3}), "zeros", "negative", "[-1, 3]");
  EXPECT_ERROR_MENTIONS(NDArray::zeros(Shape{2, -3}), "negative", "[2, -3]");
  EXPECT_ERROR_MENTIONS(numel(Shape{4, -2}), "negative");
  EXPECT_ERROR_MENTIONS(eye(-2), "eye", "negative");
  EXPECT_ERROR_MENTIONS(broadcast_to(ones({1}), Shape{-4}), "negative");
}

TEST(Sizes, AllocationFailureIsAnErrorNamingOpAndShape) {
  // 2^47 doubles = 1 PiB: beyond any address space a process gets.
  const int64_t n = int64_t(1) << 47;
  EXPECT_ERROR_MENTIONS(zeros({n}), "zeros", "out of memory", "[140737488355328]", "PiB");
  EXPECT_ERROR_MENTIONS(NDArray::empty(Shape{n}), "NDArray::empty", "out of memory");
  // The same from a kernel that computes its output shape (from empty operands).
  EXPECT_ERROR_MENTIONS(matmul(zeros({n, 0}), zeros({0, 1})), "matmul", "out of memory", "[140737488355328, 1]");
}

TEST(Sizes, KernelsCheckTheShapesTheyCompute) {
  // Broadcasting two empty arrays whose other extents multiply past int64.
  Tensor a = zeros({0, k40, 1}), b = zeros({0, 1, k40});
  EXPECT_ERROR_MENTIONS(a + b, "add", "[0, 1099511627776, 1099511627776]");
  EXPECT_ERROR_MENTIONS(where(a, a, b), "[0, 1099511627776, 1099511627776]");
  // matmul's output [2^40, 2^40] from empty operands.
  EXPECT_ERROR_MENTIONS(matmul(zeros({k40, 0}), zeros({0, k40})), "matmul", "[1099511627776, 1099511627776]");
  // reshape's target, concatenate's summed extent.
  EXPECT_ERROR_MENTIONS(reshape(zeros({0}), Shape{k40, k40, 0}), "reshape");
  const int64_t k62 = int64_t(1) << 62;
  EXPECT_ERROR_MENTIONS(concatenate({zeros({0, k62}), zeros({0, k62})}, 1), "concatenate");
  EXPECT_ERROR_MENTIONS(nd::diag_embed(NDArray::zeros(Shape{k40, 0}), 0, k40), "diag_embed", "[1099511627776, 0, 1099511627776]");
}

TEST(Sizes, BlasIntegerRange) {
  // OpenBLAS takes 32-bit extents: a larger one is refused before any pointer is read.
  const int64_t big = int64_t(1) << 31;
  EXPECT_ERROR_MENTIONS(nd::gemm(false, false, big, 1, 1, nullptr, 1, nullptr, 1, nullptr, 1), "matmul", "BLAS");
  EXPECT_ERROR_MENTIONS(nd::gemm(false, false, 1, 1, 1, nullptr, big, nullptr, 1, nullptr, 1), "BLAS");
}

TEST(Sizes, OtherComputedSizes) {
  EXPECT_ERROR_MENTIONS(NDArray::arange(0.0, 1e300), "arange");
  EXPECT_ERROR_MENTIONS(NDArray::arange(0.0, std::numeric_limits<double>::quiet_NaN()), "arange");
  EXPECT_ERROR_MENTIONS(NDArray::arange(0.0, std::numeric_limits<double>::infinity()), "arange");
  EXPECT_EQ(NDArray::arange(0.0, 3.0).numel(), 3);
  EXPECT_ERROR_MENTIONS(nd::slice_scatter(NDArray::zeros(Shape{2}), Shape{4}, 0, 0, 4, 0), "slice_scatter", "step");
  EXPECT_ERROR_MENTIONS(NDArray::from(Shape{k40, k40}, std::vector<double>{1.0}), "from");
}
