// One-operand einsum pieces: reduce (diagonal of repeated labels, sum of dropped labels,
// permutation) and its adjoint embed (broadcast + diagonal embedding).
#include <algorithm>

#include "contract/kernels.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/nd.hpp"

namespace tnad::tn {

namespace {

// The distinct labels of x with their extent and combined stride (a repeated label moves
// along the diagonal: the sum of its axes' strides).
struct Unique {
  std::vector<int> labels;
  std::vector<int64_t> dims, strides;
  bool repeats = false;
};

Unique unique_labels(const Shape& s, const std::vector<int>& lx) {
  Unique u;
  int64_t acc = 1;
  std::vector<int64_t> st(s.size());
  for (int64_t i = s.size() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= s[i];
  }
  for (std::size_t i = 0; i < lx.size(); ++i) {
    auto it = std::find(u.labels.begin(), u.labels.end(), lx[i]);
    if (it == u.labels.end()) {
      u.labels.push_back(lx[i]);
      u.dims.push_back(s[i]);
      u.strides.push_back(st[i]);
    } else {
      u.strides[it - u.labels.begin()] += st[i];
      u.repeats = true;
    }
  }
  return u;
}

int64_t position(const std::vector<int>& v, int l) {
  return std::find(v.begin(), v.end(), l) - v.begin();
}

}  // namespace

NDArray reduce_values(const NDArray& x, const std::vector<int>& lx, const std::vector<int>& ly) {
  const Unique u = unique_labels(x.shape(), lx);
  if (!u.repeats) {
    if (ly == lx) return x;
    std::vector<int64_t> axes;
    std::vector<int> left;
    for (std::size_t i = 0; i < lx.size(); ++i) {
      if (position(ly, lx[i]) == int64_t(ly.size())) axes.push_back(int64_t(i));
      else left.push_back(lx[i]);
    }
    NDArray r = axes.empty() ? x : nd::sum(x, axes, false);
    if (left == ly) return r;
    std::vector<int64_t> p(ly.size());
    for (std::size_t i = 0; i < ly.size(); ++i) p[i] = position(left, ly[i]);
    return nd::permute(r, p);
  }
  // General case: loop over the output, inner loop over the summed labels.
  Shape ys;
  std::vector<int64_t> ostr;  // x strides of the output labels
  for (int l : ly) {
    int64_t k = position(u.labels, l);
    ys.push_back(u.dims[k]);
    ostr.push_back(u.strides[k]);
  }
  std::vector<int64_t> sdim, sstr;  // summed labels
  for (std::size_t k = 0; k < u.labels.size(); ++k) {
    if (position(ly, u.labels[k]) < int64_t(ly.size())) continue;
    sdim.push_back(u.dims[k]);
    sstr.push_back(u.strides[k]);
  }
  NDArray y = NDArray::empty(ys);
  const int64_t ny = y.numel();
  int64_t nsum = 1;
  for (int64_t d : sdim) nsum *= d;
  const double* px = x.data();
  double* py = y.mutable_data();
  const int64_t no = int64_t(ostr.size()), ns = int64_t(sdim.size());
#pragma omp parallel for schedule(static) if (ny * nsum > 32768)
  for (int64_t o = 0; o < ny; ++o) {
    int64_t base = 0, rem = o;
    for (int64_t i = no - 1; i >= 0; --i) {
      base += (rem % ys[i]) * ostr[i];
      rem /= ys[i];
    }
    double acc = 0.0;
    for (int64_t s = 0; s < nsum; ++s) {
      int64_t off = base, r2 = s;
      for (int64_t i = ns - 1; i >= 0; --i) {
        off += (r2 % sdim[i]) * sstr[i];
        r2 /= sdim[i];
      }
      acc += px[off];
    }
    py[o] = acc;
  }
  return y;
}

NDArray embed_values(const NDArray& g, const std::vector<int>& ly, const std::vector<int>& lx,
                     const Shape& x_shape) {
  const Unique u = unique_labels(x_shape, lx);
  if (!u.repeats) {
    if (ly == lx) return g;
    // Bring g's axes into x's order, insert size-1 axes for the broadcast labels.
    std::vector<int> kept;
    for (int l : lx)
      if (position(ly, l) < int64_t(ly.size())) kept.push_back(l);
    NDArray r = g;
    if (kept != ly) {
      std::vector<int64_t> p(kept.size());
      for (std::size_t i = 0; i < kept.size(); ++i) p[i] = position(ly, kept[i]);
      r = nd::permute(g, p);
    }
    Shape with_ones;
    for (std::size_t i = 0; i < lx.size(); ++i)
      with_ones.push_back(position(ly, lx[i]) < int64_t(ly.size()) ? x_shape[i] : 1);
    r = r.reshape(with_ones);
    if (kept.size() == lx.size()) return r;
    return nd::broadcast_to(r, x_shape);
  }
  // General case: zeros, then one write per element of the unique-label index space.
  NDArray x = NDArray::zeros(x_shape);
  const Shape& gs = g.shape();
  std::vector<int64_t> gstr(gs.size());
  {
    int64_t acc = 1;
    for (int64_t i = gs.size() - 1; i >= 0; --i) {
      gstr[i] = acc;
      acc *= gs[i];
    }
  }
  std::vector<int64_t> ustr_g(u.labels.size(), 0);  // stride in g of each unique label (0: broadcast)
  for (std::size_t k = 0; k < u.labels.size(); ++k) {
    int64_t p = position(ly, u.labels[k]);
    if (p < int64_t(ly.size())) ustr_g[k] = gstr[p];
  }
  int64_t total = 1;
  for (int64_t d : u.dims) total *= d;
  const double* pg = g.data();
  double* px = x.mutable_data();
  const int64_t nu = int64_t(u.labels.size());
#pragma omp parallel for schedule(static) if (total > 32768)
  for (int64_t t = 0; t < total; ++t) {
    int64_t ox = 0, og = 0, rem = t;
    for (int64_t i = nu - 1; i >= 0; --i) {
      int64_t q = rem % u.dims[i];
      rem /= u.dims[i];
      ox += q * u.strides[i];
      og += q * ustr_g[i];
    }
    px[ox] = pg[og];
  }
  return x;
}

}  // namespace tnad::tn
