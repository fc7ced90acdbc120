// Pairwise contraction as one batched GEMM over strided views (TTGT without the T's that
// strides and transpose flags make unnecessary; see docs/adjoints.md, "Contractions").
//
// Every label of the pair falls in one group: batch (A, B, C), M (A, C), N (B, C) or K (A, B).
// A GEMM reads a tensor T without a copy when each of its two groups occupies consecutive axes
// of T ("fuses" to one stride) and one of the two groups has unit stride (row- or column-major
// matrix; the other stride becomes the leading dimension). Batch labels may sit anywhere:
// the batch loop adds their offsets. Fused orders must agree between the tensors sharing a
// group (K in A and B, M in A and C, N in B and C). We pick the cheapest set of tensors to
// permute (by element count) that makes all three readable; C being "permuted" means GEMM
// writes a temporary that is then permuted into the requested order. Where that copies a
// large tensor, looping over one label may avoid it; the two are compared by the modelled
// time of their copies and GEMMs (choose_layout, pair_cost.hpp).
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <climits>

#include "contract/kernels.hpp"
#include "contract/pair_cost.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"

namespace tnad::tn {

namespace {

enum Group : int8_t { kNone = -1, kBatch = 0, kM = 1, kN = 2, kK = 3 };

// A tensor seen through its labels, size-1 axes dropped.
struct View {
  std::vector<int> labels;
  std::vector<int64_t> dims, strides;
  int64_t numel = 1;
};

View make_view(const Shape& s, const std::vector<int>& labels) {
  View v;
  std::vector<int64_t> st(s.size());
  int64_t acc = 1;
  for (int64_t i = s.size() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= s[i];
  }
  for (int64_t i = 0; i < s.size(); ++i) {
    if (s[i] == 1) continue;
    v.labels.push_back(labels[i]);
    v.dims.push_back(s[i]);
    v.strides.push_back(st[i]);
  }
  v.numel = acc;
  return v;
}

struct Fused {
  bool ok = true;
  std::vector<int> order;  // labels of the group in T's axis order
  int64_t stride = 0;      // stride of the fused index (0 for an empty group)
  int64_t extent = 1;
};

Fused fuse(const View& t, const std::vector<int8_t>& group, Group g) {
  Fused f;
  int64_t last = -2;
  for (std::size_t i = 0; i < t.labels.size(); ++i) {
    if (group[t.labels[i]] != g) continue;
    if (last >= 0 && last != int64_t(i) - 1) f.ok = false;
    last = int64_t(i);
    f.order.push_back(t.labels[i]);
    f.extent *= t.dims[i];
    f.stride = t.strides[i];
  }
  return f;
}

struct Readable {
  bool ok = false;
  Fused x, y;
};

Readable readable(const View& t, const std::vector<int8_t>& group, Group gx, Group gy) {
  Readable r;
  r.x = fuse(t, group, gx);
  r.y = fuse(t, group, gy);
  r.ok = r.x.ok && r.y.ok &&
         (r.x.order.empty() || r.y.order.empty() || r.x.stride == 1 || r.y.stride == 1);
  return r;
}

// A strided matrix; normalized so that cs == 1 (row-major, ld = rs) or rs == 1 (column-major,
// ld = cs) with ld >= the extent it must cover.
struct Mat {
  int64_t rows, cols, rs, cs;
};

Mat normalize(Mat m) {
  if (m.cols <= 1) {
    m.cs = 1;
    m.rs = std::max<int64_t>(m.rs, 1);
  } else if (m.rows <= 1) {
    if (m.cs == 1) m.rs = m.cols;
    else m.rs = 1;
  }
  if (m.cs == 1) m.rs = std::max(m.rs, m.cols);
  else m.cs = std::max(m.cs, m.rows);
  return m;
}

Mat transposed(const Mat& m) { return {m.cols, m.rows, m.cs, m.rs}; }

void check_blas_int(int64_t v) {
  if (v > INT_MAX) throw_error("contract: extent ", v, " exceeds the BLAS integer range");
}

// C = A B for row-major or column-major strided matrices, via one cblas_dgemm.
// `in_parallel`: one of several products run side by side inside our OpenMP loop.
void gemm(Mat c, double* pc, Mat a, const double* pa, Mat b, const double* pb, bool accumulate = false,
          bool in_parallel = false) {
  if (c.cs != 1) {  // column-major C: compute C^T = B^T A^T in row-major
    c = transposed(c);
    std::swap(a, b);
    std::swap(pa, pb);
    // normalized again: a normalized m x 1 matrix (ld 1) is, transposed, a 1 x m matrix whose
    // ld must still be >= m for BLAS (else dgemm rejects the call and leaves C unwritten)
    a = normalize(transposed(a));
    b = normalize(transposed(b));
  }
  const bool ta = a.cs != 1, tb = b.cs != 1;
  const int64_t lda = ta ? a.cs : a.rs, ldb = tb ? b.cs : b.rs;
  for (int64_t v : {c.rows, c.cols, a.cols, lda, ldb, c.rs}) check_blas_int(v);
  if (in_parallel)
    nd::gemm_blocked(ta, tb, c.rows, c.cols, a.cols, pa, lda, pb, ldb, pc, c.rs, accumulate);
  else
    nd::gemm(ta, tb, c.rows, c.cols, a.cols, pa, lda, pb, ldb, pc, c.rs, accumulate);
}

// Small products: a plain loop beats a BLAS call's fixed overhead.
void small_gemm(const Mat& c, double* pc, const Mat& a, const double* pa, const Mat& b,
                const double* pb) {
  if (c.cs == 1 && b.cs == 1) {
    for (int64_t i = 0; i < c.rows; ++i) {
      double* crow = pc + i * c.rs;
      for (int64_t j = 0; j < c.cols; ++j) crow[j] = 0.0;
      for (int64_t p = 0; p < a.cols; ++p) {
        const double av = pa[i * a.rs + p * a.cs];
        const double* brow = pb + p * b.rs;
        for (int64_t j = 0; j < c.cols; ++j) crow[j] += av * brow[j];
      }
    }
    return;
  }
  for (int64_t i = 0; i < c.rows; ++i)
    for (int64_t j = 0; j < c.cols; ++j) {
      double s = 0.0;
      for (int64_t p = 0; p < a.cols; ++p) s += pa[i * a.rs + p * a.cs] * pb[p * b.rs + j * b.cs];
      pc[i * c.rs + j * c.cs] = s;
    }
}

std::vector<int64_t> perm_to(const std::vector<int>& from, const std::vector<int>& to) {
  std::vector<int64_t> p(to.size());
  for (std::size_t i = 0; i < to.size(); ++i)
    p[i] = std::find(from.begin(), from.end(), to[i]) - from.begin();
  return p;
}

bool is_identity(const std::vector<int64_t>& p) {
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i] != int64_t(i)) return false;
  return true;
}

// Permutes a (squeezed) tensor with labels `from` into the order `to`.
NDArray permute_labels(const NDArray& x, const View& v, const std::vector<int>& to) {
  auto p = perm_to(v.labels, to);
  NDArray sq = x.reshape(Shape(v.dims));
  if (is_identity(p)) return sq;
  return nd::permute(sq, p);
}

std::vector<int> concat(std::initializer_list<const std::vector<int>*> parts) {
  std::vector<int> r;
  for (auto* p : parts) r.insert(r.end(), p->begin(), p->end());
  return r;
}

std::vector<int> in_order_of(const std::vector<int>& labels, const std::vector<int8_t>& group,
                             Group g) {
  std::vector<int> r;
  for (int l : labels)
    if (l < int(group.size()) && group[l] == g) r.push_back(l);
  return r;
}

bool has_label(const std::vector<int>& v, int l) { return std::find(v.begin(), v.end(), l) != v.end(); }

struct Layout {
  int mask = 7;        // permute: bit 0 A, bit 1 B, bit 2 C (GEMM writes a temporary)
  int loop = -1;       // a free or summed label iterated over like a batch label; -1: none
  int64_t copied = 0;  // elements copied by the permutations
  double cost = 0;     // modelled seconds of one core (pair_cost.hpp)
};

// The cheapest set of tensors to permute for this grouping (mask 7 is always feasible).
Layout cheapest_mask(const View& va, const View& vb, const View& vc, const std::vector<int8_t>& group) {
  const Readable ra = readable(va, group, kM, kK), rb = readable(vb, group, kK, kN),
                 rc = readable(vc, group, kM, kN);
  Layout best;
  best.copied = va.numel + vb.numel + vc.numel + 1;
  for (int mask = 0; mask < 8; ++mask) {
    const bool pa = mask & 1, pb = mask & 2, pc = mask & 4;
    if ((!pa && !ra.ok) || (!pb && !rb.ok) || (!pc && !rc.ok)) continue;
    if (!pa && !pc && ra.x.order != rc.x.order) continue;  // M
    if (!pa && !pb && ra.y.order != rb.x.order) continue;  // K
    if (!pb && !pc && rb.y.order != rc.y.order) continue;  // N
    const int64_t copied = (pa ? va.numel : 0) + (pb ? vb.numel : 0) + (pc ? vc.numel : 0);
    if (copied < best.copied) best = {mask, -1, copied, 0.0};
  }
  return best;
}

// The layout plan, priced by pair_cost.hpp: the permutations' copies plus the GEMM calls,
// each GEMM by its shape. A large tensor whose free (or summed) labels are split by a label
// of the other group cannot be read as a matrix; instead of copying it, one label l can be
// looped over like a batch label (stride 0 in the operand without it; a summed l adds its
// iterations into C), which leaves the rest readable or the copies on the small operands —
// at the price of dim(l) GEMMs each dim(l) times thinner. TRG's half-plaquettes gain:
// NW_bawy = sum_x F_xwa F_xyb (free labels a w | y b interleave) loops over b and writes each
// b-slice of NW straight from a 1024 x 32 x 32 GEMM, with the chi^3 factors permuted
// instead of the chi^4 result. 'abcd,bcef->adef' at d = 24 does not: looping over a would
// spare one d^4 copy but run 24 GEMMs of 24 x 576 x 576, whose operand B is re-packed for
// each 24 rows (~2.5x the time of one permute + one 576^3 GEMM).
Layout choose_layout(const View& va, const View& vb, const View& vc, const std::vector<int8_t>& group,
                     const std::vector<int64_t>& dim_of) {
  auto extent = [&](const std::vector<int8_t>& grp, Group g) {
    int64_t e = 1;
    for (std::size_t l = 0; l < grp.size(); ++l)
      if (grp[l] == g) e *= dim_of[l];
    return e;
  };
  auto price = [&](Layout lay, const std::vector<int8_t>& grp) {
    lay.cost = permute_cost(lay.copied) +
               double(extent(grp, kBatch)) * gemm_cost(extent(grp, kM), extent(grp, kN), extent(grp, kK));
    return lay;
  };
  Layout best = price(cheapest_mask(va, vb, vc, group), group);
  if (best.copied == 0) return best;
  std::vector<int> count(4, 0);
  for (std::size_t l = 0; l < group.size(); ++l)
    if (group[l] != kNone) ++count[std::size_t(group[l])];
  for (std::size_t l = 0; l < group.size(); ++l) {
    const int8_t g = group[l];
    if (g != kM && g != kN && g != kK) continue;
    if (count[std::size_t(g)] < 2) continue;  // the group would vanish: no GEMM left
    if (g == kK && vc.numel > (int64_t(1) << 20)) continue;  // per-thread copies of C
    std::vector<int8_t> looped = group;
    looped[l] = kBatch;
    Layout c = price(cheapest_mask(va, vb, vc, looped), looped);
    c.loop = int(l);
    if (g == kK) c.cost += permute_cost(vc.numel);  // zeroing and adding the copies of C
    if (c.cost < best.cost) best = c;
  }
  return best;
}

struct Counters {
  std::atomic<int64_t> contractions{0}, looped{0}, permuted_elements{0};
};
Counters& stats() {
  static Counters c;
  return c;
}

}  // namespace

PairKernelStats pair_kernel_stats() {
  const Counters& c = stats();
  return {c.contractions.load(), c.looped.load(), c.permuted_elements.load()};
}

void reset_pair_kernel_stats() {
  Counters& c = stats();
  c.contractions = 0;
  c.looped = 0;
  c.permuted_elements = 0;
}

void check_pair_labels(const char* op, const Shape& sa, const std::vector<int>& la,
                       const Shape& sb, const std::vector<int>& lb, const std::vector<int>& lc) {
  auto fail = [&](auto&&... what) {
    throw_error(op, ": ", what..., " (shapes ", to_string(sa), " and ", to_string(sb), ")");
  };
  if (int64_t(la.size()) != sa.size() || int64_t(lb.size()) != sb.size())
    fail("label count does not match the number of axes");
  auto has = [](const std::vector<int>& v, int l) {
    return std::find(v.begin(), v.end(), l) != v.end();
  };
  for (const auto* v : {&la, &lb, &lc}) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      if ((*v)[i] < 0) fail("negative label id");
      if (std::count(v->begin(), v->end(), (*v)[i]) != 1) fail("repeated label ", (*v)[i]);
    }
  }
  for (std::size_t i = 0; i < la.size(); ++i) {
    if (!has(lb, la[i]) && !has(lc, la[i])) fail("label ", la[i], " of A is in neither B nor C");
    auto j = std::find(lb.begin(), lb.end(), la[i]);
    if (j != lb.end() && sb[j - lb.begin()] != sa[i])
      fail("label ", la[i], " has dimension ", sa[i], " in A but ", sb[j - lb.begin()], " in B");
  }
  for (int l : lb)
    if (!has(la, l) && !has(lc, l)) fail("label ", l, " of B is in neither A nor C");
  for (int l : lc)
    if (!has(la, l) && !has(lb, l)) fail("label ", l, " of C is in neither A nor B");
}

std::vector<int> natural_result_order(const std::vector<int>& la, const std::vector<int>& lb,
                                      const std::vector<int>& keep) {
  auto has = [](const std::vector<int>& v, int l) {
    return std::find(v.begin(), v.end(), l) != v.end();
  };
  std::vector<int> batch, m, n;
  for (int l : la) {
    if (!has(keep, l)) continue;
    (has(lb, l) ? batch : m).push_back(l);
  }
  for (int l : lb)
    if (has(keep, l) && !has(la, l)) n.push_back(l);
  return concat({&batch, &m, &n});
}

NDArray contract_pair_values(const NDArray& a_in, const std::vector<int>& la,
                             const NDArray& b_in, const std::vector<int>& lb,
                             const std::vector<int>& lc) {
  int max_label = 0;
  for (const auto* v : {&la, &lb, &lc})
    for (int l : *v) max_label = std::max(max_label, l);
  std::vector<int64_t> dim_of(max_label + 1, 1);
  for (std::size_t i = 0; i < la.size(); ++i) dim_of[la[i]] = a_in.shape()[i];
  for (std::size_t i = 0; i < lb.size(); ++i) dim_of[lb[i]] = b_in.shape()[i];
  Shape c_shape;
  for (int l : lc) c_shape.push_back(dim_of[l]);

  std::vector<int8_t> group(max_label + 1, kNone);
  {
    std::vector<char> ia(max_label + 1, 0), ib(max_label + 1, 0), ic(max_label + 1, 0);
    for (int l : la) ia[l] = 1;
    for (int l : lb) ib[l] = 1;
    for (int l : lc) ic[l] = 1;
    for (int l = 0; l <= max_label; ++l) {
      if (dim_of[l] == 1) continue;  // size-1 axes play no role in the layout
      if (ia[l] && ib[l]) group[l] = ic[l] ? kBatch : kK;
      else if (ia[l]) group[l] = kM;
      else if (ib[l]) group[l] = kN;
    }
  }
  if (numel(c_shape) == 0) return NDArray::zeros(c_shape);
  if (a_in.numel() == 0 || b_in.numel() == 0) return NDArray::zeros(c_shape);

  View va = make_view(a_in.shape(), la), vb = make_view(b_in.shape(), lb), vc = make_view(c_shape, lc);

  // The layout: which tensors to permute (the cheapest feasible set), and possibly one label
  // to loop over (below) instead of permuting a large tensor.
  const Layout lay = choose_layout(va, vb, vc, group, dim_of);
  if (lay.loop >= 0) group[lay.loop] = kBatch;
  const bool pa = lay.mask & 1, pb = lay.mask & 2, pc = lay.mask & 4;
  const Readable ra = readable(va, group, kM, kK), rb = readable(vb, group, kK, kN), rc = readable(vc, group, kM, kN);
  const std::vector<int> ord_m = !pa ? ra.x.order : (!pc ? rc.x.order : in_order_of(va.labels, group, kM));
  const std::vector<int> ord_k = !pa ? ra.y.order : (!pb ? rb.x.order : in_order_of(va.labels, group, kK));
  const std::vector<int> ord_n = !pb ? rb.y.order : (!pc ? rc.y.order : in_order_of(vb.labels, group, kN));
  // Batch labels of C (true batch, and a looped free label), then a looped summed label.
  const std::vector<int> ord_batch_c = in_order_of(vc.labels, group, kBatch);
  std::vector<int> ord_batch = ord_batch_c;
  const bool loop_sums = lay.loop >= 0 && !has_label(vc.labels, lay.loop);
  if (loop_sums) ord_batch.push_back(lay.loop);
  auto batch_of = [&](const View& v) {
    std::vector<int> r;
    for (int l : ord_batch)
      if (has_label(v.labels, l)) r.push_back(l);
    return r;
  };

  NDArray a = a_in.reshape(Shape(va.dims)), b = b_in.reshape(Shape(vb.dims));
  if (pa) {
    const auto bat = batch_of(va);
    auto to = concat({&bat, &ord_m, &ord_k});
    a = permute_labels(a_in, va, to);
    Shape s;
    for (int l : to) s.push_back(dim_of[l]);
    va = make_view(s, to);
  }
  if (pb) {
    const auto bat = batch_of(vb);
    auto to = concat({&bat, &ord_k, &ord_n});
    b = permute_labels(b_in, vb, to);
    Shape s;
    for (int l : to) s.push_back(dim_of[l]);
    vb = make_view(s, to);
  }
  View vt = vc;  // the layout GEMM writes
  if (pc) {
    auto to = concat({&ord_batch_c, &ord_m, &ord_n});
    Shape s;
    for (int l : to) s.push_back(dim_of[l]);
    vt = make_view(s, to);
  }
  NDArray t = NDArray::empty(pc ? Shape(vt.dims) : c_shape);
  {
    auto& st = stats();
    st.contractions.fetch_add(1, std::memory_order_relaxed);
    if (lay.loop >= 0) st.looped.fetch_add(1, std::memory_order_relaxed);
    st.permuted_elements.fetch_add((pa ? va.numel : 0) + (pb ? vb.numel : 0) + (pc ? vt.numel : 0),
                                   std::memory_order_relaxed);
  }

  auto stride_in = [](const View& v, int l) -> int64_t {
    for (std::size_t i = 0; i < v.labels.size(); ++i)
      if (v.labels[i] == l) return v.strides[i];
    return 0;  // absent: the loop label in the operand without it
  };
  auto group_stride = [&](const View& v, const std::vector<int>& ord) -> int64_t {
    return ord.empty() ? 0 : stride_in(v, ord.back());
  };
  auto extent = [&](const std::vector<int>& ord) {
    int64_t e = 1;
    for (int l : ord) e *= dim_of[l];
    return e;
  };
  const int64_t m = extent(ord_m), n = extent(ord_n), k = extent(ord_k);
  Mat ma = normalize({m, k, group_stride(va, ord_m), group_stride(va, ord_k)});
  Mat mb = normalize({k, n, group_stride(vb, ord_k), group_stride(vb, ord_n)});
  Mat mc = normalize({m, n, group_stride(vt, ord_m), group_stride(vt, ord_n)});

  // Batch offsets.
  const std::size_t nbl = ord_batch.size();
  std::vector<int64_t> bd(nbl), bsa(nbl), bsb(nbl), bsc(nbl);
  int64_t nbatch = 1;
  for (std::size_t i = 0; i < nbl; ++i) {
    int l = ord_batch[i];
    bd[i] = dim_of[l];
    bsa[i] = stride_in(va, l);
    bsb[i] = stride_in(vb, l);
    bsc[i] = stride_in(vt, l);
    nbatch *= bd[i];
  }
  const double* pa_data = a.data();
  const double* pb_data = b.data();
  double* pt = t.mutable_data();
  auto offsets = [&](int64_t idx, int64_t& oa, int64_t& ob, int64_t& oc) {
    oa = ob = oc = 0;
    for (int64_t i = int64_t(nbl) - 1; i >= 0; --i) {
      int64_t q = idx % bd[i];
      idx /= bd[i];
      oa += q * bsa[i];
      ob += q * bsb[i];
      oc += q * bsc[i];
    }
  };
  const double work = double(m) * double(n) * double(k);
  // GEMMs side by side on the threads (each serial) rather than one after another (each
  // threaded): mid-sized products in a loop or a batch.
  const bool side_by_side = nbatch > 1 && work <= 128.0 * 128.0 * 128.0;
  // Trap: a BLAS call must not sit inside an OpenMP region that is not running in parallel
  // (an if(false) region): OpenBLAS then opens an active region nested in it, with a team
  // of freshly created threads on every call. Serial loops below are plain loops.
  auto run = [&](int64_t bi, double* dst, bool accumulate, bool in_parallel) {
    int64_t oa, ob, oc;
    offsets(bi, oa, ob, oc);
    gemm(mc, dst + oc, ma, pa_data + oa, mb, pb_data + ob, accumulate, in_parallel);
  };
  if (loop_sums) {
    // Iterations of the summed loop label add into the same C slice: each thread sums its
    // share of the iterations into its own zeroed copy of C (choose_layout keeps C small),
    // then the copies are added.
    std::fill(pt, pt + t.numel(), 0.0);
    const int nt = side_by_side ? std::max(1, std::min<int>(omp_get_max_threads(), int(nbatch))) : 1;
    if (nt == 1) {
      for (int64_t bi = 0; bi < nbatch; ++bi) run(bi, pt, true, false);
    } else {
      std::vector<NDArray> parts;
      for (int i = 1; i < nt; ++i) parts.push_back(NDArray::zeros(t.shape()));
#pragma omp parallel num_threads(nt)
      {
        const int id = omp_get_thread_num();
        double* dst = id == 0 ? pt : parts[std::size_t(id - 1)].mutable_data();
        const int64_t lo = nbatch * id / nt, hi = nbatch * (id + 1) / nt;
        for (int64_t bi = lo; bi < hi; ++bi) run(bi, dst, true, true);
      }
      for (const NDArray& q : parts) nd::add_into(t, q);
    }
  } else if (work <= 4096.0) {
    const bool par = work * double(nbatch) > 65536.0 && nbatch > 1;
#pragma omp parallel for schedule(static) if (par)
    for (int64_t bi = 0; bi < nbatch; ++bi) {
      int64_t oa, ob, oc;
      offsets(bi, oa, ob, oc);
      small_gemm(mc, pt + oc, ma, pa_data + oa, mb, pb_data + ob);
    }
  } else if (side_by_side) {
#pragma omp parallel for schedule(static)
    for (int64_t bi = 0; bi < nbatch; ++bi) run(bi, pt, false, true);
  } else {
    for (int64_t bi = 0; bi < nbatch; ++bi) run(bi, pt, false, false);
  }
  if (!pc) return t;
  NDArray c = permute_labels(t, vt, vc.labels);
  return c.reshape(c_shape);
}

}  // namespace tnad::tn
