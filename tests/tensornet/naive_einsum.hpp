// Test reference: einsum by one loop over every index assignment (no planner, no GEMM,
// no permutation) — independent of the library's implementation.
#pragma once
#include <string>
#include <vector>

#include "tnad/ndarray.hpp"

namespace tnad::testref {

NDArray naive_einsum(const std::string& spec, const std::vector<NDArray>& ops);

// Max |a - b| relative to max(1, max |b|); shapes must match (else +inf).
double rel_diff(const NDArray& a, const NDArray& b);

}  // namespace tnad::testref
