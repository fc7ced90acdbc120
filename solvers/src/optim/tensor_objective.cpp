#include "tnad/solvers/tensor_objective.hpp"

#include <algorithm>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/error.hpp"

namespace tnad {

optim::Vector pack(const std::vector<Tensor>& tensors) {
  optim::Vector x;
  for (const auto& t : tensors) {
    const double* d = t.data();
    x.insert(x.end(), d, d + t.numel());
  }
  return x;
}

std::vector<Tensor> unpack(const optim::Vector& x, const std::vector<Shape>& shapes, bool requires_grad) {
  int64_t total = 0;
  for (const auto& s : shapes) total += numel(s);
  if (total != int64_t(x.size()))
    throw_error("unpack: vector has ", x.size(), " entries, the shapes need ", total);
  std::vector<Tensor> out;
  std::size_t off = 0;
  for (const auto& s : shapes) {
    out.emplace_back(NDArray::from(s, x.data() + off), requires_grad);
    off += std::size_t(numel(s));
  }
  return out;
}

optim::Objective tensor_objective(std::vector<Shape> shapes,
                                  std::function<Tensor(const std::vector<Tensor>&)> f) {
  return [shapes = std::move(shapes), f = std::move(f)](const optim::Vector& x, optim::Vector& g) {
    std::vector<Tensor> params = unpack(x, shapes, true);
    Tensor y = f(params);
    if (!y.defined() || y.numel() != 1)
      throw_error("tensor_objective: the objective must be a one-element tensor, got shape ",
                  y.defined() ? to_string(y.shape()) : std::string("(undefined)"));
    GradOptions opt;
    opt.allow_unused = true;
    std::vector<Tensor> grads = grad({y}, params, {}, opt);
    g.assign(x.size(), 0.0);
    std::size_t off = 0;
    for (std::size_t k = 0; k < params.size(); ++k) {
      const std::size_t n = std::size_t(params[k].numel());
      if (grads[k].defined()) {
        const double* d = grads[k].data();
        std::copy(d, d + n, g.begin() + off);
      }
      off += n;
    }
    return y.item();
  };
}

optim::Objective tensor_objective(std::function<Tensor(const Tensor&)> f) {
  // The size is only known at the first call: keep one shape per call from x.
  return [f = std::move(f)](const optim::Vector& x, optim::Vector& g) {
    auto inner = tensor_objective({Shape{int64_t(x.size())}},
                                  [&f](const std::vector<Tensor>& p) { return f(p[0]); });
    return inner(x, g);
  };
}

}  // namespace tnad
