#include "common/spectral.hpp"

#include <algorithm>
#include <cmath>

#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad::linalg_detail {

namespace {
// width^2 must stay a normal number so that x/(x^2 + width^2) is 0, not NaN, at x = 0.
constexpr double kMinWidth = 1e-150;

NDArray widths(const NDArray& scale, double factor) {
  if (!(factor >= 0.0) || !std::isfinite(factor))
    throw_error("linalg: DegeneracyOptions.eps must be finite and >= 0, got a width factor ", factor);
  NDArray w = nd::mul(scale, factor);
  double* p = w.mutable_data();
  for (int64_t i = 0; i < w.numel(); ++i) p[i] = std::max(p[i], kMinWidth);
  return w;
}

// Regularised 1/x for x of shape (..., K[, K]) with per-matrix widths broadcast to it.
Tensor regularized_reciprocal(const Tensor& x, const NDArray& width, const DegeneracyOptions& o) {
  if (o.rule == Broadening::lorentzian) {
    // x / (x^2 + w^2): equals 1/x for |x| >> w, peaks at 1/(2w), is 0 at x = 0.
    return x / (x * x + Tensor(nd::mul(width, width)));
  }
  // Hard cutoff: 1/x where |x| > w, else 0. The masked-out x is replaced by 1 before
  // dividing, so neither the value nor the gradient ever sees 1/0 (the where-NaN trap).
  const NDArray keep = nd::greater(nd::abs(x.value()), width);
  const Tensor mask(keep);
  const Tensor safe_x = where(mask, x, Tensor(1.0));
  return where(mask, 1.0 / safe_x, Tensor(0.0));
}
}  // namespace

NDArray spectrum_scale(const NDArray& values) {
  NDArray s = nd::max(nd::abs(values), {-1}, /*keepdims=*/true);
  double* p = s.mutable_data();
  for (int64_t i = 0; i < s.numel(); ++i)
    if (!(p[i] > 0.0)) p[i] = 1.0;
  return s;
}

Tensor inverse_gaps(const Tensor& w, const NDArray& scale, const DegeneracyOptions& o) {
  const Tensor x = expand_dims(w, -2) - expand_dims(w, -1);  // x_ij = w_j - w_i
  // Width of pair (i, j): sqrt(eps) * max(|w_i|, |w_j|, sqrt(eps) * scale) — relative to
  // the pair itself, so that the well-separated small values of a spectrum spanning many
  // decades (CTMRG corners, TRG) keep their exact 1/gap; floored at eps * scale, where the
  // values themselves are rounding noise of the matrix.
  const double r = std::sqrt(o.eps);
  Shape ws(scale.shape().begin(), scale.shape().end());
  ws.push_back(1);  // (..., 1, 1)
  const NDArray floor = widths(scale, r).reshape(ws);
  // |w| as a column (..., K, 1) and as a row (..., 1, K)
  Shape col(w.shape().begin(), w.shape().end()), row(w.shape().begin(), w.shape().end() - 1);
  col.push_back(1);
  row.push_back(1);
  row.push_back(w.shape().back());
  const NDArray absw = nd::abs(w.value());
  const NDArray pair = nd::maximum(nd::maximum(absw.reshape(col), absw.reshape(row)), floor);
  return regularized_reciprocal(x, widths(pair, r), o);
}

Tensor inverse_sums(const Tensor& s, const NDArray& scale, const DegeneracyOptions& o) {
  const Tensor x = expand_dims(s, -2) + expand_dims(s, -1);
  Shape ws(scale.shape().begin(), scale.shape().end());
  ws.push_back(1);
  return regularized_reciprocal(x, widths(scale, o.eps).reshape(ws), o);
}

Tensor inverse_values(const Tensor& s, const NDArray& scale, const DegeneracyOptions& o) {
  return regularized_reciprocal(s, widths(scale, o.eps), o);
}

}  // namespace tnad::linalg_detail
