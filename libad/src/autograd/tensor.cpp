#include <ostream>
#include <sstream>

#include "autograd/tensor_impl.hpp"
#include "tnad/ad/autograd.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/version.hpp"
#include "autograd/engine.hpp"
#include "tnad/ad/pool.hpp"

namespace tnad {

const char* version() { return TNAD_VERSION; }
const char* git_revision() { return TNAD_GIT_REVISION; }

Tensor::Tensor(NDArray value, bool requires_grad)
    : impl_(std::allocate_shared<TensorImpl>(detail::PoolAllocator<TensorImpl>())) {
  if (!value.defined()) throw_error("Tensor: constructed from an undefined NDArray");
  impl_->value = std::move(value);
  impl_->requires_grad = requires_grad;
}

Tensor::Tensor(double s) : Tensor(NDArray::scalar(s)) {}

const NDArray& Tensor::value() const {
  if (!impl_) throw_error("Tensor: use of an undefined tensor");
  return impl_->value;
}

bool Tensor::requires_grad() const { return impl_ && (impl_->requires_grad || impl_->grad_fn); }

Tensor& Tensor::requires_grad_(bool on) {
  if (!impl_) throw_error("requires_grad_: undefined tensor");
  if (impl_->grad_fn)
    throw_error("requires_grad_: only leaves can change requires_grad (this tensor was made by '",
                impl_->grad_fn->name(), "'); use detach() first");
  impl_->requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const { return !impl_ || !impl_->grad_fn; }

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<Node> none;
  return impl_ ? impl_->grad_fn : none;
}
int Tensor::output_index() const { return impl_ ? impl_->output_index : 0; }
Tensor Tensor::grad() const { return impl_ ? impl_->grad : Tensor(); }
void Tensor::zero_grad() {
  if (impl_) impl_->grad = Tensor();
}
Tensor Tensor::detach() const { return Tensor(value()); }

void Tensor::backward(const Tensor& grad_output, bool retain_graph, bool create_graph) const {
  GradOptions opt;
  opt.create_graph = create_graph;
  opt.retain_graph = retain_graph || create_graph;
  if (!requires_grad())
    throw_error("backward: tensor of shape ", shape(), " does not require grad (no leaf that requires grad was used to compute it)");
  detail::run_backward_accumulate({*this}, grad_output.defined() ? std::vector<Tensor>{grad_output} : std::vector<Tensor>{},
                          opt);
}

namespace {
void check_inplace(const Tensor& t, const char* op) {
  if (!t.defined()) throw_error(op, ": undefined tensor");
  if (grad_enabled() && t.requires_grad())
    throw_error(op, ": in-place change of a tensor that requires grad while recording; wrap it in a NoGradGuard (e.g. an optimizer update)");
}
}  // namespace

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  if (!(src.shape() == shape())) throw_error("copy_: source shape ", src.shape(), " differs from ", shape());
  impl_->value = src.value();  // shares the buffer; copy on write protects both
  ++impl_->version;
  return *this;
}
Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_inplace(*this, "add_");
  if (!(other.shape() == shape())) throw_error("add_: shape ", other.shape(), " differs from ", shape());
  impl_->value = nd::axpby(1.0, impl_->value, alpha, other.value());
  ++impl_->version;
  return *this;
}
Tensor& Tensor::mul_(double s) {
  check_inplace(*this, "mul_");
  impl_->value = nd::mul(impl_->value, s);
  ++impl_->version;
  return *this;
}
Tensor& Tensor::zero_() {
  check_inplace(*this, "zero_");
  impl_->value = NDArray::zeros(shape(), "zero_");
  ++impl_->version;
  return *this;
}
uint64_t Tensor::version() const { return impl_ ? impl_->version : 0; }

std::string Tensor::to_string() const {
  if (!impl_) return "Tensor(undefined)";
  std::string s = impl_->value.to_string();
  s.replace(0, 7, "Tensor");
  if (impl_->grad_fn) s.insert(s.size() - 1, ", grad_fn=" + impl_->grad_fn->name());
  else if (impl_->requires_grad) s.insert(s.size() - 1, ", requires_grad=true");
  return s;
}
std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

Tensor zeros(const Shape& s, bool rg) { return Tensor(NDArray::zeros(s, "zeros"), rg); }
Tensor ones(const Shape& s, bool rg) { return Tensor(NDArray::ones(s), rg); }
Tensor full(const Shape& s, double v, bool rg) { return Tensor(NDArray::full(s, v, "full"), rg); }
Tensor scalar(double v, bool rg) { return Tensor(NDArray::scalar(v), rg); }
Tensor arange(int64_t n) { return Tensor(NDArray::arange(n)); }
Tensor eye(int64_t n, int64_t m) { return Tensor(NDArray::eye(n, m)); }
Tensor from(const Shape& s, const std::vector<double>& v, bool rg) { return Tensor(NDArray::from(s, v), rg); }
Tensor randn(const Shape& s, uint64_t seed, bool rg) { return Tensor(NDArray::randn(s, seed), rg); }
Tensor rand(const Shape& s, uint64_t seed, double lo, double hi, bool rg) {
  return Tensor(NDArray::rand(s, seed, lo, hi), rg);
}

// ---- modes
NoGradGuard::NoGradGuard() : prev_(detail::mode().grad_enabled) { detail::mode().grad_enabled = false; }
NoGradGuard::~NoGradGuard() { detail::mode().grad_enabled = prev_; }
EnableGradGuard::EnableGradGuard() : prev_(detail::mode().grad_enabled) { detail::mode().grad_enabled = true; }
EnableGradGuard::~EnableGradGuard() { detail::mode().grad_enabled = prev_; }
bool grad_enabled() { return detail::mode().grad_enabled; }
AnomalyGuard::AnomalyGuard() : prev_(detail::mode().anomaly) { detail::mode().anomaly = true; }
AnomalyGuard::~AnomalyGuard() { detail::mode().anomaly = prev_; }
bool anomaly_enabled() { return detail::mode().anomaly; }

NameScope::NameScope(const std::string& name) : prev_len_(detail::mode().scope.size()) {
  auto& s = detail::mode().scope;
  if (!s.empty()) s += '/';
  s += name;
}
NameScope::~NameScope() { detail::mode().scope.resize(prev_len_); }
const std::string& NameScope::current() { return detail::mode().scope; }

}  // namespace tnad
