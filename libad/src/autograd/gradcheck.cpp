#include "tnad/ad/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"

namespace tnad {
namespace {

struct Checker {
  const GradcheckFn& f;
  std::vector<Tensor> inputs;
  std::vector<int> diff;  // indices of the inputs that require grad
  NDArray G;              // fixed random cotangent
  GradcheckResult res;
  const GradcheckOptions& opt;

  // Builds the inputs at x + t * d (d over the differentiable inputs), as fresh leaves
  // that keep their requires_grad flags (f may itself call grad, as in gradgradcheck).
  std::vector<Tensor> at(const std::vector<NDArray>& d, double t) const {
    std::vector<Tensor> xs;
    size_t k = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      bool is_diff = k < diff.size() && diff[k] == int(i);
      if (is_diff) {
        xs.emplace_back(t == 0.0 ? inputs[i].value() : nd::axpby(1.0, inputs[i].value(), t, d[k]), true);
        ++k;
      } else {
        xs.push_back(inputs[i].detach());
      }
    }
    return xs;
  }

  double loss(const std::vector<NDArray>& d, double t) const {
    EnableGradGuard eg;
    Tensor y = f(at(d, t));
    return nd::dot(G, y.value());
  }

  void compare(double ad, double fd, const std::string& what) {
    double abs_err = std::fabs(ad - fd);
    double scale = std::max(std::fabs(ad), std::fabs(fd));
    double rel_err = scale > 0 ? abs_err / scale : 0.0;
    bool ok = abs_err <= opt.atol + opt.rtol * scale;
    if (abs_err > res.max_abs_error) res.max_abs_error = abs_err;
    if (rel_err > res.max_rel_error) res.max_rel_error = rel_err;
    if (!ok) {
      std::ostringstream os;
      os.precision(12);
      os << what << ": analytic " << ad << " vs finite difference " << fd << " (abs err " << abs_err
         << ", rel err " << rel_err << ")";
      if (res.ok || abs_err > worst_) {
        res.report = os.str();
        worst_ = abs_err;
      }
      res.ok = false;
    }
  }
  double worst_ = 0.0;
};

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
  Checker c{f, inputs, {}, {}, {}, opt};
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad()) c.diff.push_back(int(i));
  if (c.diff.empty()) throw_error("gradcheck: no input requires grad");

  // Analytic gradient of L = <G, f(x)>.
  std::vector<NDArray> none;
  std::vector<Tensor> xs = c.at(none, 0.0);
  std::vector<Tensor> dx;
  for (int i : c.diff) dx.push_back(xs[i]);
  Tensor y;
  {
    EnableGradGuard eg;
    y = f(xs);
  }
  c.G = NDArray::randn(y.shape(), opt.seed);
  std::vector<NDArray> g;
  if (y.requires_grad()) {
    GradOptions go;
    go.allow_unused = true;
    go.retain_graph = true;
    for (auto& t : grad({y}, dx, {Tensor(c.G)}, go)) g.push_back(t.value());
  } else {
    for (auto& t : dx) g.push_back(NDArray::zeros(t.shape(), "gradcheck"));
  }

  // Random unit directions.
  for (int k = 0; k < opt.directions; ++k) {
    std::vector<NDArray> d;
    double n2 = 0;
    for (size_t j = 0; j < dx.size(); ++j) {
      d.push_back(NDArray::randn(dx[j].shape(), opt.seed + 1000 * (k + 1) + j));
      n2 += nd::dot(d.back(), d.back());
    }
    double inv = n2 > 0 ? 1.0 / std::sqrt(n2) : 0.0;
    double ad = 0;
    for (size_t j = 0; j < d.size(); ++j) {
      d[j] = nd::mul(d[j], inv);
      ad += nd::dot(g[j], d[j]);
    }
    double fd = (c.loss(d, opt.eps) - c.loss(d, -opt.eps)) / (2 * opt.eps);
    c.compare(ad, fd, "direction " + std::to_string(k));
  }

  // Full Jacobian, entry by entry, for small problems.
  int64_t n_in = 0;
  for (auto& t : dx) n_in += t.numel();
  if (n_in * y.numel() <= opt.full_jacobian_max) {
    std::vector<NDArray> basis;
    for (auto& t : dx) basis.push_back(NDArray::zeros(t.shape(), "gradcheck"));
    // rows: analytic d y_j / d x via VJP with e_j
    std::vector<std::vector<NDArray>> rows;
    for (int64_t j = 0; j < y.numel(); ++j) {
      NDArray e = NDArray::zeros(y.shape(), "gradcheck");
      e.mutable_data()[j] = 1.0;
      std::vector<NDArray> r;
      if (y.requires_grad()) {
        GradOptions go;
        go.allow_unused = true;
        go.retain_graph = true;
        for (auto& t : grad({y}, dx, {Tensor(e)}, go)) r.push_back(t.value());
      } else {
        for (auto& t : dx) r.push_back(NDArray::zeros(t.shape(), "gradcheck"));
      }
      rows.push_back(std::move(r));
    }
    for (size_t j = 0; j < dx.size(); ++j) {
      for (int64_t p = 0; p < dx[j].numel(); ++p) {
        basis[j].mutable_data()[p] = 1.0;
        NDArray yp, ym;
        {
          EnableGradGuard eg;
          yp = f(c.at(basis, opt.eps)).value();
          ym = f(c.at(basis, -opt.eps)).value();
        }
        basis[j].mutable_data()[p] = 0.0;
        for (int64_t q = 0; q < y.numel(); ++q) {
          double fd = (yp.data()[q] - ym.data()[q]) / (2 * opt.eps);
          double ad = rows[q][j].data()[p];
          c.compare(ad, fd, "d out[" + std::to_string(q) + "] / d input " + std::to_string(c.diff[j]) + "[" +
                                std::to_string(p) + "]");
        }
      }
    }
  }
  if (c.res.ok) {
    std::ostringstream os;
    os << "ok: max abs err " << c.res.max_abs_error << ", max rel err " << c.res.max_rel_error;
    c.res.report = os.str();
  }
  return c.res;
}

// Second order: gradcheck of x -> grad_x <G, f(x)> (recorded with create_graph).
GradcheckResult gradgradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
  Tensor y0;
  {
    EnableGradGuard eg;
    std::vector<Tensor> xs;
    for (auto& t : inputs) xs.push_back(t.requires_grad() ? Tensor(t.value(), true) : t.detach());
    y0 = f(xs);
  }
  Tensor G(NDArray::randn(y0.shape(), opt.seed + 77));
  GradcheckFn first = [&f, G](const std::vector<Tensor>& xs) {
    std::vector<Tensor> dx;
    for (auto& t : xs)
      if (t.requires_grad()) dx.push_back(t);
    Tensor y = f(xs);
    if (!y.requires_grad()) return zeros(Shape{0});
    GradOptions go;
    go.create_graph = true;
    go.allow_unused = true;
    std::vector<Tensor> gs = grad({y}, dx, {G}, go);
    std::vector<Tensor> flat;
    for (auto& g : gs) flat.push_back(reshape(g, Shape{-1}));
    return concatenate(flat, 0);
  };
  GradcheckOptions o2 = opt;
  o2.seed = opt.seed + 5;
  return gradcheck(first, inputs, o2);
}

}  // namespace tnad
