// nd::permute — out[i_0..i_{n-1}] = a[i_perm...]: out axis k is input axis perm[k].
//
// A cache-blocked, OpenMP-parallel out-of-place transposition after HPTT (Springer, Su,
// Bientinesi, arXiv:1704.04374; docs/adjoints.md, "Contractions"):
//  1. size-1 axes are dropped and axes that are adjacent, in the same order, in both the
//     source and the destination are fused (a permutation of a reshaped tensor often is a
//     2-D or 3-D transpose); if what is left is the identity, the result is a free reshape;
//  2. if the stride-1 axis is the same on both sides and at least a cache line long, rows
//     of that length are copied (the fast path); if it is shorter, its rows are treated as
//     the "elements" of the remaining permutation;
//  3. otherwise a 2-D tile is blocked over side B = the input's innermost axes and side
//     A = the output's innermost axes (each grown from the stride-1 axis outwards until it
//     spans >= 32 elements, so small tensor-network bonds (2, 4, 16) still give line-sized
//     rows). Inside a side the memory is contiguous on one end (B in the input, A in the
//     output) and given by a table of offsets on the other. Tiles of 32 x 32 are transposed
//     by a register micro-kernel (AVX2 8 x 8 blocks where the CPU has it: every cache line
//     read and written is used whole); outputs much larger than the caches are written with
//     streaming stores. The outer axes and the tiles form one parallel loop.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define TNAD_PERMUTE_AVX2 1
#endif

#include "ndarray/parallel.hpp"
#include "tnad/ad/nd.hpp"

namespace tnad::nd {

namespace {

constexpr int64_t kTile = 32;   // elements per tile side
constexpr int64_t kTileArea = kTile * kTile;
constexpr int64_t kSide = 32;   // a tile side is grown until it spans this many elements
constexpr std::size_t kStreamBytes = std::size_t(16) << 20;

// The permutation after dropping size-1 axes and fusing runs that stay adjacent.
struct Reduced {
  std::vector<int64_t> dims;  // input extents (fused)
  std::vector<int64_t> perm;  // output axis k is reduced input axis perm[k]
};

Reduced reduce(const Shape& shape, const std::vector<int64_t>& perm) {
  const int64_t n = shape.size();
  std::vector<int64_t> newid(n, -1), d;
  for (int64_t i = 0; i < n; ++i)
    if (shape[i] != 1) {
      newid[i] = int64_t(d.size());
      d.push_back(shape[i]);
    }
  std::vector<int64_t> p;
  for (int64_t k = 0; k < n; ++k)
    if (newid[perm[k]] >= 0) p.push_back(newid[perm[k]]);
  // Output-consecutive axes that are input-consecutive fuse: groups [first, last] of input ids.
  std::vector<std::pair<int64_t, int64_t>> groups;
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

// A tile side: axes (outer first) with their extents and the strides on the far side.
struct Side {
  std::vector<int64_t> dims, stride;
  std::vector<int64_t> table;  // all offsets, when the side is not huge
  int64_t extent() const {
    int64_t e = 1;
    for (int64_t d : dims) e *= d;
    return e;
  }
  void build_table() {
    if (extent() > (int64_t(1) << 16)) return;
    table.resize(extent());
    offsets(0, extent(), table.data());
  }
  // Offsets of [first, first + count): a view of the table, or computed into buf.
  const int64_t* get(int64_t first, int64_t count, int64_t* buf) const {
    if (!table.empty()) return table.data() + first;
    offsets(first, count, buf);
    return buf;
  }
  // Offsets of the indices [first, first + count) of the side, innermost axis fastest.
  void offsets(int64_t first, int64_t count, int64_t* out) const {
    const int64_t k = int64_t(dims.size());
    int64_t idx[16], off = 0, rem = first;
    for (int64_t j = k - 1; j >= 0; --j) {
      idx[j] = rem % dims[j];
      rem /= dims[j];
      off += idx[j] * stride[j];
    }
    for (int64_t t = 0; t < count; ++t) {
      out[t] = off;
      for (int64_t j = k - 1; j >= 0; --j) {  // odometer step
        off += stride[j];
        if (++idx[j] < dims[j]) break;
        off -= idx[j] * stride[j];
        idx[j] = 0;
      }
    }
  }
};

// One tile: out[bo[ib] + ia] = in[ai[ia] + ib] for ia < na, ib < nb, in units of E doubles.
// `ai` are the input offsets of the tile's A indices, `bo` the output offsets of its B ones.
template <int E>
void tile_scalar(const double* __restrict in, double* __restrict out, const int64_t* ai,
                 const int64_t* bo, int64_t na, int64_t nb) {
  for (int64_t ib = 0; ib < nb; ++ib) {
    double* d = out + bo[ib] * E;
    for (int64_t ia = 0; ia < na; ++ia)
      for (int e = 0; e < E; ++e) d[ia * E + e] = in[(ai[ia] + ib) * E + e];
  }
}

void tile_elements(const double* __restrict in, double* __restrict out, const int64_t* ai,
                   const int64_t* bo, int64_t na, int64_t nb, int64_t e) {
  for (int64_t ib = 0; ib < nb; ++ib)
    for (int64_t ia = 0; ia < na; ++ia)
      std::memcpy(out + (bo[ib] + ia) * e, in + (ai[ia] + ib) * e, sizeof(double) * e);
}

#ifdef TNAD_PERMUTE_AVX2
// 4 x 4 doubles through registers: input rows s[i] (4 consecutive B values each) become
// output rows d[j] (4 consecutive A values each).
template <bool Stream>
__attribute__((target("avx2"), always_inline)) inline void block4(const double* s0, const double* s1,
                                                   const double* s2, const double* s3, double* d0,
                                                   double* d1, double* d2, double* d3) {
  __m256d r0 = _mm256_loadu_pd(s0), r1 = _mm256_loadu_pd(s1), r2 = _mm256_loadu_pd(s2),
          r3 = _mm256_loadu_pd(s3);
  __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1),
          t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
  __m256d o0 = _mm256_permute2f128_pd(t0, t2, 0x20), o1 = _mm256_permute2f128_pd(t1, t3, 0x20),
          o2 = _mm256_permute2f128_pd(t0, t2, 0x31), o3 = _mm256_permute2f128_pd(t1, t3, 0x31);
  if constexpr (Stream) {
    _mm256_stream_pd(d0, o0);
    _mm256_stream_pd(d1, o1);
    _mm256_stream_pd(d2, o2);
    _mm256_stream_pd(d3, o3);
  } else {
    _mm256_storeu_pd(d0, o0);
    _mm256_storeu_pd(d1, o1);
    _mm256_storeu_pd(d2, o2);
    _mm256_storeu_pd(d3, o3);
  }
}

// 8 x 8 with the 16 row pointers formed once: 8 input lines in, 8 output lines out.
template <bool Stream>
__attribute__((target("avx2"), always_inline)) inline void block8(const double* in, double* out,
                                                                  const int64_t* ai,
                                                                  const int64_t* bo, int64_t a0,
                                                                  int64_t b0) {
  const double* s[8];
  double* d[8];
  for (int i = 0; i < 8; ++i) {
    s[i] = in + ai[a0 + i] + b0;
    d[i] = out + bo[b0 + i] + a0;
  }
  block4<Stream>(s[0], s[1], s[2], s[3], d[0], d[1], d[2], d[3]);
  block4<Stream>(s[4], s[5], s[6], s[7], d[0] + 4, d[1] + 4, d[2] + 4, d[3] + 4);
  block4<Stream>(s[0] + 4, s[1] + 4, s[2] + 4, s[3] + 4, d[4], d[5], d[6], d[7]);
  block4<Stream>(s[4] + 4, s[5] + 4, s[6] + 4, s[7] + 4, d[4] + 4, d[5] + 4, d[6] + 4, d[7] + 4);
}

// A tile of single doubles in 8 x 8 blocks (8 whole input lines in, 8 whole output lines
// out, so nothing must stay cached until a later block; with power-of-two strides the rows
// of a tile alias in L1), then 4 x 4 blocks and single elements at the ragged edges. With
// Stream, columns before the first cache-line aligned one are written by scalar code, so that
// every 8 x 8 block streams whole lines (a partly written line costs a read at the memory).
template <bool Stream>
__attribute__((target("avx2"))) void tile_avx2(const double* __restrict in, double* __restrict out,
                                               const int64_t* ai, const int64_t* bo, int64_t na,
                                               int64_t nb) {
  int64_t lead = 0;
  if constexpr (Stream)
    lead = std::min<int64_t>(na, ((64 - (reinterpret_cast<uintptr_t>(out) & 63)) & 63) / 8);
  const int64_t na8 = lead + ((na - lead) & ~int64_t(7)), nb8 = nb & ~int64_t(7);
  const int64_t na4 = lead + ((na - lead) & ~int64_t(3)), nb4 = nb & ~int64_t(3);
  // Streamed: along A (each output line completed at once); cached: along B.
  if constexpr (Stream) {
    for (int64_t a0 = lead; a0 < na8; a0 += 8)
      for (int64_t b0 = 0; b0 < nb8; b0 += 8) block8<true>(in, out, ai, bo, a0, b0);
  } else {
    for (int64_t b0 = 0; b0 < nb8; b0 += 8)
      for (int64_t a0 = lead; a0 < na8; a0 += 8) block8<false>(in, out, ai, bo, a0, b0);
  }
  for (int64_t a0 = lead; a0 < na4; a0 += 4)
    for (int64_t b0 = (a0 < na8 ? nb8 : 0); b0 < nb4; b0 += 4)
      block4<false>(in + ai[a0] + b0, in + ai[a0 + 1] + b0, in + ai[a0 + 2] + b0,
                    in + ai[a0 + 3] + b0, out + bo[b0] + a0, out + bo[b0 + 1] + a0,
                    out + bo[b0 + 2] + a0, out + bo[b0 + 3] + a0);
  for (int64_t ib = 0; ib < nb; ++ib) {
    double* d = out + bo[ib];
    for (int64_t ia = 0; ia < lead; ++ia) d[ia] = in[ai[ia] + ib];
    for (int64_t ia = (ib < nb4 ? na4 : lead); ia < na; ++ia) d[ia] = in[ai[ia] + ib];
  }
  if constexpr (Stream) _mm_sfence();  // streamed stores are weakly ordered
}

// Elements of 2 doubles (a shared innermost axis of extent 2, e.g. a spin-1/2 index): 4 x 4
// blocks of pairs, each input and output row segment one 64-byte line, pairs moved as
// 128-bit halves of 256-bit registers.
__attribute__((target("avx2"))) void tile_avx2_pairs(const double* __restrict in,
                                                     double* __restrict out, const int64_t* ai,
                                                     const int64_t* bo, int64_t na, int64_t nb) {
  const int64_t na4 = na & ~int64_t(3), nb4 = nb & ~int64_t(3);
  for (int64_t b0 = 0; b0 < nb4; b0 += 4)
    for (int64_t a0 = 0; a0 < na4; a0 += 4) {
      __m256d lo[4], hi[4];
      for (int i = 0; i < 4; ++i) {
        const double* s = in + (ai[a0 + i] + b0) * 2;
        lo[i] = _mm256_loadu_pd(s);      // pairs b0, b0 + 1
        hi[i] = _mm256_loadu_pd(s + 4);  // pairs b0 + 2, b0 + 3
      }
      double* d0 = out + (bo[b0] + a0) * 2;
      double* d1 = out + (bo[b0 + 1] + a0) * 2;
      double* d2 = out + (bo[b0 + 2] + a0) * 2;
      double* d3 = out + (bo[b0 + 3] + a0) * 2;
      _mm256_storeu_pd(d0, _mm256_permute2f128_pd(lo[0], lo[1], 0x20));
      _mm256_storeu_pd(d0 + 4, _mm256_permute2f128_pd(lo[2], lo[3], 0x20));
      _mm256_storeu_pd(d1, _mm256_permute2f128_pd(lo[0], lo[1], 0x31));
      _mm256_storeu_pd(d1 + 4, _mm256_permute2f128_pd(lo[2], lo[3], 0x31));
      _mm256_storeu_pd(d2, _mm256_permute2f128_pd(hi[0], hi[1], 0x20));
      _mm256_storeu_pd(d2 + 4, _mm256_permute2f128_pd(hi[2], hi[3], 0x20));
      _mm256_storeu_pd(d3, _mm256_permute2f128_pd(hi[0], hi[1], 0x31));
      _mm256_storeu_pd(d3 + 4, _mm256_permute2f128_pd(hi[2], hi[3], 0x31));
    }
  for (int64_t ib = 0; ib < nb; ++ib) {
    double* d = out + bo[ib] * 2;
    for (int64_t ia = (ib < nb4 ? na4 : 0); ia < na; ++ia) {
      const double* s = in + (ai[ia] + ib) * 2;
      d[ia * 2] = s[0];
      d[ia * 2 + 1] = s[1];
    }
  }
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

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
  if (a.numel() == 0) return NDArray::empty(out_shape, "permute");
  const Reduced r = reduce(a.shape(), perm);
  int64_t m = int64_t(r.dims.size());
  bool same = true;
  for (int64_t k = 0; k < m; ++k) same = same && r.perm[k] == k;
  if (same) return a.reshape(out_shape);  // only size-1 axes moved: a free reshape

  NDArray out = NDArray::empty(out_shape, "permute");
  const double* x = a.data();
  double* y = out.mutable_data();
  const int64_t total = a.numel();

  // Strides of the reduced input axes in the input and in the output.
  std::vector<int64_t> is(m), os(m);
  {
    int64_t acc = 1;
    for (int64_t i = m - 1; i >= 0; --i) {
      is[i] = acc;
      acc *= r.dims[i];
    }
    acc = 1;
    for (int64_t k = m - 1; k >= 0; --k) {
      os[r.perm[k]] = acc;
      acc *= r.dims[r.perm[k]];
    }
  }

  // A shared innermost axis: long rows are copied whole; short ones become the element.
  int64_t elem = 1;
  if (r.perm[m - 1] == m - 1) {
    elem = r.dims[m - 1];
    const int64_t mm = m - 1;
    if (elem >= 8 || mm < 2) {
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
    m = mm;
    for (int64_t i = 0; i < m; ++i) {
      is[i] /= elem;
      os[i] /= elem;
    }
  }
  std::vector<int64_t> out_order(r.perm.begin(), r.perm.begin() + m);  // input axis per output axis

  // The two tile sides, grown outwards from the stride-1 axes; side B first gets the input's
  // innermost axis, side A the output's, then each takes the next axis on its own side while
  // it spans fewer than kSide elements and the axis is not on the other side.
  std::vector<char> owner(m, 0);  // 0 outer, 'A', 'B'
  std::vector<int64_t> side_a, side_b;  // outer first, innermost last
  owner[m - 1] = 'B';
  side_b.push_back(m - 1);
  owner[out_order[m - 1]] = 'A';
  side_a.push_back(out_order[m - 1]);
  int64_t na = r.dims[out_order[m - 1]], nb = r.dims[m - 1];
  for (int64_t i = m - 2; i >= 0 && nb < kSide && owner[i] == 0; --i) {
    owner[i] = 'B';
    side_b.insert(side_b.begin(), i);
    nb *= r.dims[i];
  }
  for (int64_t k = m - 2; k >= 0 && na < kSide && owner[out_order[k]] == 0; --k) {
    owner[out_order[k]] = 'A';
    side_a.insert(side_a.begin(), out_order[k]);
    na *= r.dims[out_order[k]];
  }
  // A indices: consecutive in the output, offsets in the input; B the other way round.
  Side sa, sb;
  for (int64_t i : side_a) {
    sa.dims.push_back(r.dims[i]);
    sa.stride.push_back(is[i]);
  }
  for (int64_t i : side_b) {
    sb.dims.push_back(r.dims[i]);
    sb.stride.push_back(os[i]);
  }
  sa.build_table();
  sb.build_table();
  // Tiles of about kTile^2 elements: a narrow side lets the other one run longer.
  const int64_t tile_b = std::min(nb, kTile);
  const int64_t tile_a = std::min(na, std::max(kTile, kTileArea / tile_b));
  std::vector<int64_t> od, ist, ost;  // outer axes in output order
  for (int64_t k = 0; k < m; ++k) {
    const int64_t i = out_order[k];
    if (owner[i]) continue;
    od.push_back(r.dims[i]);
    ist.push_back(is[i] * elem);
    ost.push_back(os[i] * elem);
  }
  int64_t outer = 1;
  for (int64_t d : od) outer *= d;
  const int64_t no = int64_t(od.size());

  // Streaming needs every output row of every tile at the same offset within a cache line.
  bool stream = false;
  int64_t a_shift = 0;  // A columns before the first line-aligned one: a tile of their own
#ifdef TNAD_PERMUTE_AVX2
  const bool avx2 = elem == 1 && have_avx2();
  const bool avx2_pairs = elem == 2 && have_avx2();
  // Stream (bypass the caches) only results much larger than L2; smaller results are about
  // to be read again.
  stream = avx2 && a.nbytes() >= kStreamBytes;
  for (int64_t st : sb.stride) stream = stream && st % 8 == 0;
  for (int64_t st : ost) stream = stream && st % 8 == 0;
  if (stream)
    a_shift = std::min<int64_t>(na, ((64 - (reinterpret_cast<uintptr_t>(y) & 63)) & 63) / 8);
#endif
  const int64_t ta = (a_shift > 0) + (na - a_shift + tile_a - 1) / tile_a;
  const int64_t tb = (nb + tile_b - 1) / tile_b;
  const int64_t items = outer * ta * tb;
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
    const int64_t a0 = (a_shift > 0 && ja > 0) ? a_shift + (ja - 1) * tile_a : ja * tile_a;
    const int64_t a1 = (a_shift > 0 && ja == 0) ? a_shift : std::min(na, a0 + tile_a);
    const int64_t b0 = jb * tile_b;
    const int64_t ca = a1 - a0, cb = std::min(tile_b, nb - b0);
    const double* src = x + xo + b0 * elem;  // B is contiguous in the input
    double* dst = y + yo + a0 * elem;        // A is contiguous in the output
    int64_t abuf[kTileArea], bbuf[kTile];
    const int64_t* ai = sa.get(a0, ca, abuf);
    const int64_t* bo = sb.get(b0, cb, bbuf);
#ifdef TNAD_PERMUTE_AVX2
    if (avx2) {
      if (stream) tile_avx2<true>(src, dst, ai, bo, ca, cb);
      else tile_avx2<false>(src, dst, ai, bo, ca, cb);
      return;
    }
    if (avx2_pairs) {
      tile_avx2_pairs(src, dst, ai, bo, ca, cb);
      return;
    }
#endif
    switch (elem) {
      case 1: tile_scalar<1>(src, dst, ai, bo, ca, cb); break;
      case 2: tile_scalar<2>(src, dst, ai, bo, ca, cb); break;
      case 4: tile_scalar<4>(src, dst, ai, bo, ca, cb); break;
      default: tile_elements(src, dst, ai, bo, ca, cb, elem); break;
    }
  };
  detail::parallel_for(items, work,
                       std::max<int64_t>(1, detail::kParallelThreshold / (tile_a * tile_b * elem)));
  return out;
}

}  // namespace tnad::nd
