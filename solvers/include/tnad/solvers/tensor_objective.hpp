// Bridge from tnad tensors to the flat-vector optimizers (optim.hpp): an objective written
// with Tensor ops becomes an optim::Objective whose gradient comes from reverse-mode AD
// (tnad::grad). Parameters that are several tensors (e.g. the site tensors of an iPEPS)
// are packed into one vector in order, each row-major.
//
//   auto f = tensor_objective([](const Tensor& x) { return sum(x * x); });
//   auto r = optim::minimize(f, x0, *opt, stop);
//
// The tensors passed to f are fresh leaves that require grad; f must return a one-element
// tensor. A parameter the objective does not depend on gets a zero gradient.
#pragma once
#include <functional>
#include <vector>

#include "tnad/ad/shape.hpp"
#include "tnad/solvers/optim.hpp"
#include "tnad/ad/tensor.hpp"

namespace tnad {

optim::Objective tensor_objective(std::function<Tensor(const Tensor&)> f);
optim::Objective tensor_objective(std::vector<Shape> shapes,
                                  std::function<Tensor(const std::vector<Tensor>&)> f);

// Packing tensors <-> flat vectors (row-major, in order).
optim::Vector pack(const std::vector<Tensor>& tensors);
std::vector<Tensor> unpack(const optim::Vector& x, const std::vector<Shape>& shapes,
                           bool requires_grad = false);

}  // namespace tnad
