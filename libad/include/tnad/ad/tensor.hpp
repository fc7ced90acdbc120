// Tensor: what users hold. An NDArray value plus, when it requires grad and recording is
// on, a link to the node that produced it (its grad_fn). Copies of a Tensor are handles
// to the same tensor (like torch.Tensor); ops return new tensors.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "tnad/ad/ndarray.hpp"

namespace tnad {

class Node;
struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;  // undefined: an absent value or gradient
  Tensor(NDArray value, bool requires_grad = false);
  Tensor(double scalar);  // 0-d constant, so that `x * 2.0` and `2.0 * x` read naturally

  bool defined() const { return static_cast<bool>(impl_); }
  const NDArray& value() const;
  const Shape& shape() const { return value().shape(); }
  int64_t ndim() const { return value().ndim(); }
  int64_t numel() const { return value().numel(); }
  int64_t size(int64_t axis) const { return value().size(axis); }
  double item() const { return value().item(); }
  const double* data() const { return value().data(); }

  // ---- autograd
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);  // only on leaves
  bool is_leaf() const;                    // no grad_fn
  const std::shared_ptr<Node>& grad_fn() const;
  int output_index() const;                // which output of grad_fn this is
  Tensor grad() const;                     // accumulated by backward(); undefined if none
  void zero_grad();                        // drops the accumulated gradient
  Tensor detach() const;                   // same value, no graph, no grad
  // Accumulates d(this)/d(leaves) * grad_output into every reachable leaf's grad().
  // A non-scalar tensor needs grad_output. retain_graph defaults to create_graph.
  void backward(const Tensor& grad_output = Tensor(), bool retain_graph = false,
                bool create_graph = false) const;

  // ---- in place (bump the version counter; a node that saved this tensor raises in
  // backward). Not allowed on a tensor that requires grad while recording is on.
  Tensor& copy_(const Tensor& src);
  Tensor& add_(const Tensor& other, double alpha = 1.0);  // this += alpha * other
  Tensor& mul_(double s);
  Tensor& zero_();
  uint64_t version() const;

  std::string to_string() const;
  // Identity of the underlying tensor (handles compare equal if they are the same tensor).
  const TensorImpl* id() const { return impl_.get(); }

  // internal: used by the engine and the op builder
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- creation (constants unless requires_grad is set)
Tensor zeros(const Shape& shape, bool requires_grad = false);
Tensor ones(const Shape& shape, bool requires_grad = false);
Tensor full(const Shape& shape, double value, bool requires_grad = false);
Tensor scalar(double value, bool requires_grad = false);
Tensor arange(int64_t n);
Tensor eye(int64_t n, int64_t m = -1);
Tensor from(const Shape& shape, const std::vector<double>& values, bool requires_grad = false);
Tensor randn(const Shape& shape, uint64_t seed, bool requires_grad = false);
Tensor rand(const Shape& shape, uint64_t seed, double lo = 0.0, double hi = 1.0,
            bool requires_grad = false);

// ---- recording modes (thread-local)
// Inside a NoGradGuard no graph is recorded: results have no grad_fn.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;
 private:
  bool prev_;
};
// Turns recording back on inside a NoGradGuard (used by checkpoint's recomputation).
class EnableGradGuard {
 public:
  EnableGradGuard();
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;
 private:
  bool prev_;
};
bool grad_enabled();

// Inside an AnomalyGuard every gradient a node's vjp produces is checked for NaN/Inf;
// the first one raises tnad::Error naming the op, its input shapes, the name scope and
// the place it was created.
class AnomalyGuard {
 public:
  AnomalyGuard();
  ~AnomalyGuard();
  AnomalyGuard(const AnomalyGuard&) = delete;
  AnomalyGuard& operator=(const AnomalyGuard&) = delete;
 private:
  bool prev_;
};
bool anomaly_enabled();

// A label for the nodes created in its lifetime (shown by anomaly errors and to_dot),
// e.g. NameScope s("trg step 3"). Nested scopes join with '/'.
class NameScope {
 public:
  explicit NameScope(const std::string& name);
  ~NameScope();
  NameScope(const NameScope&) = delete;
  NameScope& operator=(const NameScope&) = delete;
  static const std::string& current();
 private:
  std::size_t prev_len_;
};

}  // namespace tnad
