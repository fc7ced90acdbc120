// Test reference: einsum by one loop over every index assignment (no planner, no GEMM,
// no permutation) — independent of the library's implementation.
#pragma once
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tnad/ad/ndarray.hpp"

namespace tnad::testref {

NDArray naive_einsum(const std::string& spec, const std::vector<NDArray>& ops);

// Random normal operands for the subscripts `spec` (before any "->"): index c gets
// extent(c, n) when first met, n = indices met before it. rng is drawn in order: extents as
// they are met, then one seed per operand.
std::vector<NDArray> random_operands(const std::string& spec, std::mt19937_64& rng,
                                     const std::function<int64_t(char, std::size_t)>& extent);

// Max |a - b| relative to max(1, max |b|); shapes must match (else +inf).
double rel_diff(const NDArray& a, const NDArray& b);

}  // namespace tnad::testref
