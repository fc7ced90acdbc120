// nd::permute — out[i_0..i_{n-1}] = a[i_perm...]: out axis k is input axis perm[k].
// (Initial version: a strided gather over contiguous output rows; the [contract] work
// replaces it with a cache-blocked kernel.)
#include <numeric>

#include "parallel.hpp"
#include "tnad/nd.hpp"

namespace tnad::nd {

NDArray permute(const NDArray& a, const std::vector<int64_t>& perm) {
  const int64_t n = a.ndim();
  if (int64_t(perm.size()) != n)
    throw_error("permute: permutation of length ", perm.size(), " for a tensor of shape ", a.shape());
  std::vector<bool> seen(n, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= n || seen[p])
      throw_error("permute: [", [&] { std::string s; for (auto q : perm) s += std::to_string(q) + " "; return s; }(),
                  "] is not a permutation of ", n, " axes (shape ", a.shape(), ")");
    seen[p] = true;
  }
  bool identity = true;
  for (int64_t k = 0; k < n; ++k) identity = identity && perm[k] == k;
  if (identity) return a;

  Shape in_st = strides_of(a.shape());
  Shape out_shape, st;
  for (int64_t k = 0; k < n; ++k) {
    out_shape.push_back(a.shape()[perm[k]]);
    st.push_back(in_st[perm[k]]);
  }
  NDArray out = NDArray::empty(out_shape);
  const int64_t total = out.numel();
  if (total == 0) return out;
  const double* x = a.data();
  double* y = out.mutable_data();
  const int64_t inner = out_shape[n - 1];
  const int64_t inner_st = st[n - 1];
  const int64_t rows = total / inner;
  detail::parallel_for(
      rows,
      [&](int64_t r) {
        int64_t off = 0, rem = r;
        for (int64_t d = n - 2; d >= 0; --d) {
          off += (rem % out_shape[d]) * st[d];
          rem /= out_shape[d];
        }
        double* yr = y + r * inner;
        for (int64_t j = 0; j < inner; ++j) yr[j] = x[off + j * inner_st];
      },
      std::max<int64_t>(1, detail::kParallelThreshold / inner));
  return out;
}

}  // namespace tnad::nd
