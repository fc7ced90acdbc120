// nd::permute — out[i_0..i_{n-1}] = a[i_perm...]: out axis k is input axis perm[k].
//
// A cache-blocked, OpenMP-parallel out-of-place transposition after HPTT (Springer, Su,
// Bientinesi, arXiv:1704.04374; linalg-adjoints.md 5.3):
//  1. size-1 axes are dropped and axes that are adjacent, in the same order, in both the
//     source and the destination are fused (a permutation of a reshaped tensor often is a
//     2-D or 3-D transpose); if what is left is the identity, the result is a free reshape;
//  2. if the stride-1 axis is the same on both sides, rows of that length are copied
//     (memcpy-like, the fast path);
//  3. otherwise the two stride-1 axes (the input's last, the output's last) are blocked into
//     tiles, each transposed through a small register micro-kernel, so that every cache line
//     read and written is used whole; the other axes and the tiles are one parallel loop.
// When the shared stride-1 axis of (2) is shorter than a cache line, (3) runs instead on
// "elements" of that many doubles, so reads and writes stay line-sized.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "parallel.hpp"
#include "tnad/nd.hpp"

namespace tnad::nd {

namespace {

constexpr int64_t kTile = 32;  // doubles per tile side: 2 x 8 KiB in L1

// The permutation after dropping size-1 axes and fusing runs that stay adjacent.
struct Reduced {
  std::vector<int64_t> dims;  // input extents (fused)
  std::vector<int64_t> perm;  // output axis k is reduced input axis perm[k]
};

Reduced reduce(const Shape& shape, const std::vector<int64_t>& perm) {
  const int64_t n = shape.size();
  // Drop size-1 axes.
  std::vector<int64_t> newid(n, -1), d;
  for (int64_t i = 0; i < n; ++i)
    if (shape[i] != 1) {
      newid[i] = int64_t(d.size());
      d.push_back(shape[i]);
    }
  std::vector<int64_t> p;
  for (int64_t k = 0; k < n; ++k)
    if (newid[perm[k]] >= 0) p.push_back(newid[perm[k]]);
  // Fuse output-consecutive axes that are input-consecutive: groups [start, end] in input ids.
  std::vector<std::pair<int64_t, int64_t>> groups;  // in output order
  for (std::size_t k = 0; k < p.size(); ++k) {
    if (!groups.empty() && groups.back().second + 1 == p[k]) groups.back().second = p[k];
    else groups.emplace_back(p[k], p[k]);
  }
  std::vector<std::size_t> by_input(groups.size());
  std::iota(by_input.begin(), by_input.end(), 0);
  std::sort(by_input.begin(), by_input.end(),
            [&](std::size_t x, std::size_t y) { return groups[x].first < groups[y].first; });
  Reduced r;
  std::vector<int64_t> rank(groups.size());
  for (std::size_t j = 0; j < by_input.size(); ++j) {
    const auto& g = groups[by_input[j]];
    int64_t e = 1;
    for (int64_t i = g.first; i <= g.second; ++i) e *= d[i];
    r.dims.push_back(e);
    rank[by_input[j]] = int64_t(j);
  }
  for (std::size_t k = 0; k < groups.size(); ++k) r.perm.push_back(rank[k]);
  return r;
}

// Transposes an (na x nb) tile of `e`-double elements: out[ia*1 + ib*osb] = in[ia*isa + ib*1]
// (strides in elements of e doubles).
template <int E>
inline void tile_fixed(const double* __restrict in, double* __restrict out, int64_t na, int64_t nb,
                       int64_t isa, int64_t osb) {
  if (na == kTile && nb == kTile) {
    // Full tile in 4 x 4 blocks: each block reads 4 input rows and writes 4 output rows.
    for (int64_t b0 = 0; b0 < kTile; b0 += 4)
      for (int64_t a0 = 0; a0 < kTile; a0 += 4) {
        const double* src = in + (a0 * isa + b0) * E;
        double* dst = out + (a0 + b0 * osb) * E;
        for (int j = 0; j < 4; ++j)
          for (int i = 0; i < 4; ++i)
            for (int e = 0; e < E; ++e) dst[(i + j * osb) * E + e] = src[(i * isa + j) * E + e];
      }
    return;
  }
  for (int64_t ib = 0; ib < nb; ++ib)
    for (int64_t ia = 0; ia < na; ++ia)
      for (int e = 0; e < E; ++e) out[(ia + ib * osb) * E + e] = in[(ia * isa + ib) * E + e];
}

inline void tile_generic(const double* __restrict in, double* __restrict out, int64_t na,
                         int64_t nb, int64_t isa, int64_t osb, int64_t e) {
  for (int64_t ib = 0; ib < nb; ++ib)
    for (int64_t ia = 0; ia < na; ++ia)
      std::memcpy(out + (ia + ib * osb) * e, in + (ia * isa + ib) * e, sizeof(double) * e);
}

}  // namespace

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

  Shape out_shape;
  for (int64_t k = 0; k < n; ++k) out_shape.push_back(a.shape()[perm[k]]);
  if (a.numel() == 0) return NDArray::empty(out_shape);
  const Reduced r = reduce(a.shape(), perm);
  const int64_t m = int64_t(r.dims.size());
  bool same = true;
  for (int64_t k = 0; k < m; ++k) same = same && r.perm[k] == k;
  if (same) return a.reshape(out_shape);  // only size-1 axes moved: a free reshape

  NDArray out = NDArray::empty(out_shape);
  const double* x = a.data();
  double* y = out.mutable_data();
  const int64_t total = a.numel();

  // Strides (in doubles) of the reduced input axes, in the input and in the output.
  std::vector<int64_t> is(m), os_of_in(m);
  {
    int64_t acc = 1;
    for (int64_t i = m - 1; i >= 0; --i) {
      is[i] = acc;
      acc *= r.dims[i];
    }
    acc = 1;
    for (int64_t k = m - 1; k >= 0; --k) {
      os_of_in[r.perm[k]] = acc;
      acc *= r.dims[r.perm[k]];
    }
  }

  // Element size: the shared innermost axis when both sides end with it.
  int64_t elem = 1;
  int64_t mm = m;
  if (r.perm[m - 1] == m - 1) {
    elem = r.dims[m - 1];
    mm = m - 1;
    if (elem >= 8 || mm < 2) {
      // Fast path: contiguous rows of `elem` doubles, in output order.
      const int64_t rows = total / elem;
      std::vector<int64_t> od(mm), ost(mm);
      for (int64_t k = 0; k < mm; ++k) {
        od[k] = r.dims[r.perm[k]];
        ost[k] = is[r.perm[k]];
      }
      detail::parallel_for(
          rows,
          [&](int64_t row) {
            int64_t off = 0, rem = row;
            for (int64_t k = mm - 1; k >= 0; --k) {
              off += (rem % od[k]) * ost[k];
              rem /= od[k];
            }
            std::memcpy(y + row * elem, x + off, sizeof(double) * elem);
          },
          std::max<int64_t>(1, detail::kParallelThreshold / elem));
      return out;
    }
  }
  // Tiled transpose over elements of `elem` doubles: axis A is the output's innermost
  // (element-)axis, B the input's innermost; the rest are outer loops.
  const int64_t A = r.perm[mm - 1], B = mm - 1;
  const int64_t na = r.dims[A], nb = r.dims[B];
  const int64_t isa = is[A] / elem, osb = os_of_in[B] / elem;
  std::vector<int64_t> od, ist, ost;  // outer axes (in output order): extents, strides
  for (int64_t k = 0; k < mm; ++k) {
    const int64_t i = r.perm[k];
    if (i == A || i == B) continue;
    od.push_back(r.dims[i]);
    ist.push_back(is[i]);
    ost.push_back(os_of_in[i]);
  }
  const int64_t ta = (na + kTile - 1) / kTile, tb = (nb + kTile - 1) / kTile;
  int64_t outer = 1;
  for (int64_t d : od) outer *= d;
  const int64_t items = outer * ta * tb;
  const int64_t no = int64_t(od.size());
  auto work = [&](int64_t it) {
    const int64_t jb = it % tb;
    const int64_t ja = (it / tb) % ta;
    int64_t rem = it / (ta * tb), xo = 0, yo = 0;
    for (int64_t k = no - 1; k >= 0; --k) {
      const int64_t q = rem % od[k];
      rem /= od[k];
      xo += q * ist[k];
      yo += q * ost[k];
    }
    const int64_t a0 = ja * kTile, b0 = jb * kTile;
    const int64_t ca = std::min(kTile, na - a0), cb = std::min(kTile, nb - b0);
    const double* src = x + xo + (a0 * isa + b0) * elem;
    double* dst = y + yo + (a0 + b0 * osb) * elem;
    switch (elem) {
      case 1: tile_fixed<1>(src, dst, ca, cb, isa, osb); break;
      case 2: tile_fixed<2>(src, dst, ca, cb, isa, osb); break;
      case 4: tile_fixed<4>(src, dst, ca, cb, isa, osb); break;
      default: tile_generic(src, dst, ca, cb, isa, osb, elem); break;
    }
  };
  detail::parallel_for(items, work,
                       std::max<int64_t>(1, detail::kParallelThreshold / (kTile * kTile * elem)));
  return out;
}

}  // namespace tnad::nd
