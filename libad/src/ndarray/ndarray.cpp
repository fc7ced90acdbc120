#include "tnad/ad/ndarray.hpp"

#include <cmath>
#include <cstring>
#include <iomanip>
#include <limits>
#include <ostream>
#include <random>
#include <sstream>

#include "tnad/ad/memory.hpp"
#include "tnad/ad/pool.hpp"

namespace tnad {

// ---------------------------------------------------------------- Shape helpers
int64_t numel(const Shape& s, const char* op) {
  int64_t span = 1;
  bool empty = false;
  for (int64_t d : s) {
    if (d < 0) throw_error(op, ": negative extent ", d, " in shape ", s);
    if (d == 0) {
      empty = true;
    } else if (__builtin_mul_overflow(span, d, &span)) {
      throw_error(op, ": shape ", s, " is too large: the product of its extents overflows int64");
    }
  }
  return empty ? 0 : span;
}

Shape strides_of(const Shape& s) {
  numel(s, "strides_of");  // no stride overflows
  Shape st;
  st.resize(s.size());
  int64_t acc = 1;
  for (int64_t i = s.size() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

std::string to_string(const Shape& s) {
  std::string out = "[";
  for (int64_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << to_string(s); }

int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op) {
  int64_t a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim)
    throw_error(op, ": axis ", axis, " is out of range for a tensor with ", ndim, " dimensions");
  return a;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  int64_t n = std::max(a.size(), b.size());
  Shape out;
  out.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw_error(op, ": shapes ", a, " and ", b, " cannot be broadcast together (axis ", i,
                  ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// ---------------------------------------------------------------- dtype
const char* dtype_name(DType d) { return d == DType::f64 ? "float64" : "complex128"; }
std::size_t dtype_size(DType d) { return d == DType::f64 ? 8 : 16; }

// ---------------------------------------------------------------- storage
namespace {
// Counts every buffer's bytes in tnad::memory. Small buffers (0-d tensors, short vectors)
// are one pooled allocation holding the control block and the data (allocate_shared);
// larger ones get their own 64-byte aligned block from buffer_allocate, whose large sizes
// stay mapped in the buffer cache after free (memory.hpp).
template <class T>
struct CountingAlloc {
  using value_type = T;
  CountingAlloc() = default;
  template <class U>
  CountingAlloc(const CountingAlloc<U>&) {}
  T* allocate(std::size_t n) {
    memory::detail::on_alloc(n * sizeof(T));
    return static_cast<T*>(detail::pool_allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) {
    memory::detail::on_free(n * sizeof(T));
    detail::pool_deallocate(p, n * sizeof(T));
  }
  template <class U>
  bool operator==(const CountingAlloc<U>&) const { return true; }
};

constexpr std::size_t kSmallBuffer = 512;  // bytes; fits the pool with its control block

struct BufferDeleter {
  std::size_t bytes;
  void operator()(std::byte* p) const noexcept {
    memory::detail::on_free(bytes);
    detail::buffer_deallocate(p, bytes);
  }
};

// "1.5 GiB (1610612736 bytes)"
std::string byte_count(uint64_t n) {
  static const char* const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = double(n);
  int u = 0;
  while (v >= 1024.0 && u < 6) {
    v /= 1024.0;
    ++u;
  }
  std::ostringstream os;
  os << std::setprecision(3) << v << ' ' << unit[u];
  if (u > 0) os << " (" << n << " bytes)";
  return os.str();
}

std::shared_ptr<std::byte[]> allocate_bytes(std::size_t n) {
  if (n <= kSmallBuffer)
    // allocate_shared's storage is aligned for max_align_t (16 bytes): enough for double
    // and complex<double>.
    return std::allocate_shared_for_overwrite<std::byte[]>(CountingAlloc<std::byte>(),
                                                           n == 0 ? 1 : n);
  auto* p = static_cast<std::byte*>(detail::buffer_allocate(n));
  memory::detail::on_alloc(n);
  // If the control block cannot be allocated, shared_ptr calls the deleter on p itself.
  return std::shared_ptr<std::byte[]>(p, BufferDeleter{n}, detail::PoolAllocator<std::byte>());
}
}  // namespace

NDArray NDArray::empty(const Shape& shape, DType dt) { return empty(shape, "NDArray::empty", dt); }

NDArray NDArray::empty(const Shape& shape, const char* op, DType dt) {
  const int64_t count = tnad::numel(shape, op);
  const std::size_t item = dtype_size(dt);
  if (uint64_t(count) > uint64_t(std::numeric_limits<std::ptrdiff_t>::max()) / item)
    throw_error(op, ": an array of shape ", shape, " (", count, " ", dtype_name(dt),
                " elements) needs more than 2^63 bytes");
  const std::size_t bytes = std::size_t(count) * item;
  NDArray a;
  try {
    a.buf_ = allocate_bytes(bytes);
  } catch (const std::bad_alloc&) {
    throw_error(op, ": out of memory allocating ", byte_count(bytes), " for an array of shape ", shape, " (",
                dtype_name(dt), "); tnad arrays already hold ", byte_count(uint64_t(memory::live_bytes())));
  }
  a.shape_ = shape;
  a.numel_ = count;
  a.dtype_ = dt;
  return a;
}

NDArray NDArray::zeros(const Shape& shape, DType dt) { return zeros(shape, "NDArray::zeros", dt); }

NDArray NDArray::zeros(const Shape& shape, const char* op, DType dt) {
  NDArray a = empty(shape, op, dt);
  std::memset(a.buf_.get(), 0, a.nbytes());
  return a;
}

NDArray NDArray::full(const Shape& shape, double value, const char* op) {
  NDArray a = empty(shape, op);
  double* p = reinterpret_cast<double*>(a.buf_.get());
  std::fill(p, p + a.numel_, value);
  return a;
}

NDArray NDArray::ones(const Shape& shape, DType dt) {
  if (dt != DType::f64) throw_error("NDArray::ones: complex128 is not implemented yet");
  return full(shape, 1.0, "ones");
}

NDArray NDArray::scalar(double value) { return full(Shape{}, value, "scalar"); }

NDArray NDArray::arange(double start, double stop, double step) {
  if (step == 0.0) throw_error("arange: step must be nonzero");
  const double count = std::ceil((stop - start) / step);
  if (!(count < 9.2e18))  // also NaN (a non-finite bound)
    throw_error("arange: ", count, " elements from start ", start, " to stop ", stop, " by step ", step);
  int64_t n = std::max<int64_t>(0, int64_t(count));
  NDArray a = empty(Shape{n}, "arange");
  double* p = a.mutable_data();
  for (int64_t i = 0; i < n; ++i) p[i] = start + double(i) * step;
  return a;
}

NDArray NDArray::eye(int64_t n, int64_t m) {
  if (m < 0) m = n;
  NDArray a = zeros(Shape{n, m}, "eye");
  double* p = a.mutable_data();
  for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = 1.0;
  return a;
}

NDArray NDArray::from(const Shape& shape, const std::vector<double>& values) {
  const int64_t n = tnad::numel(shape, "from");
  if (int64_t(values.size()) != n)
    throw_error("NDArray::from: ", values.size(), " values for shape ", shape, " (", n, " elements)");
  return from(shape, values.data());
}

NDArray NDArray::from(const Shape& shape, const double* values) {
  NDArray a = empty(shape, "from");
  std::memcpy(a.buf_.get(), values, a.nbytes());
  return a;
}

NDArray NDArray::randn(const Shape& shape, uint64_t seed, double mean, double stddev) {
  NDArray a = empty(shape, "randn");
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> dist(mean, stddev);
  double* p = reinterpret_cast<double*>(a.buf_.get());
  for (int64_t i = 0; i < a.numel_; ++i) p[i] = dist(rng);
  return a;
}

NDArray NDArray::rand(const Shape& shape, uint64_t seed, double lo, double hi) {
  NDArray a = empty(shape, "rand");
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  double* p = reinterpret_cast<double*>(a.buf_.get());
  for (int64_t i = 0; i < a.numel_; ++i) p[i] = dist(rng);
  return a;
}

int64_t NDArray::size(int64_t axis) const {
  return shape_[normalize_axis(axis, ndim(), "NDArray::size")];
}

double NDArray::item() const {
  if (numel_ != 1) throw_error("item: tensor of shape ", shape_, " has ", numel_, " elements, not 1");
  return data()[0];
}

double NDArray::at(std::initializer_list<int64_t> index) const {
  if (int64_t(index.size()) != ndim())
    throw_error("at: ", index.size(), " indices for a tensor of shape ", shape_);
  int64_t off = 0, k = 0;
  for (int64_t i : index) {
    int64_t d = shape_[k];
    int64_t j = i < 0 ? i + d : i;
    if (j < 0 || j >= d) throw_error("at: index ", i, " out of range for axis ", k, " of shape ", shape_);
    off = off * d + j;
    ++k;
  }
  return data()[off];
}

std::vector<double> NDArray::to_vector() const { return {data(), data() + numel_}; }

NDArray NDArray::reshape(const Shape& new_shape) const {
  Shape s = new_shape;
  int64_t known = 1, infer = -1;
  for (int64_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) throw_error("reshape: more than one -1 in ", new_shape);
      infer = i;
    } else if (s[i] < 0) {
      throw_error("reshape: negative extent in ", new_shape);
    } else if (__builtin_mul_overflow(known, s[i], &known)) {
      throw_error("reshape: target shape ", new_shape, " is too large: the product of its extents overflows int64");
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel_ % known != 0)
      throw_error("reshape: cannot reshape ", shape_, " into ", new_shape);
    s[infer] = numel_ / known;
  }
  if (tnad::numel(s, "reshape") != numel_)
    throw_error("reshape: cannot reshape ", shape_, " (", numel_, " elements) into ", new_shape);
  NDArray r = *this;
  r.shape_ = s;
  return r;
}

NDArray NDArray::clone() const {
  NDArray r = empty(shape_, "clone", dtype_);
  std::memcpy(r.buf_.get(), buf_.get(), nbytes());
  return r;
}

void NDArray::make_unique() {
  if (buf_.use_count() > 1) *this = clone();
}

namespace {
void print_rec(std::ostream& os, const NDArray& a, int64_t axis, int64_t offset, int maxn, int indent) {
  const Shape& s = a.shape();
  if (axis == a.ndim()) {
    os << a.data()[offset];
    return;
  }
  int64_t n = s[axis];
  int64_t stride = 1;
  for (int64_t k = axis + 1; k < a.ndim(); ++k) stride *= s[k];
  os << '[';
  for (int64_t i = 0; i < n; ++i) {
    if (n > maxn && i == maxn / 2) {
      os << "...";
      i = n - maxn / 2 - 1;
      if (i < n - 1) os << ", ";
      continue;
    }
    if (i) {
      os << ',';
      if (axis + 1 < a.ndim()) os << '\n' << std::string(indent + 1, ' ');
      else os << ' ';
    }
    print_rec(os, a, axis + 1, offset + i * stride, maxn, indent + 1);
  }
  os << ']';
}
}  // namespace

std::string NDArray::to_string(int max_per_axis) const {
  if (!defined()) return "NDArray(undefined)";
  std::ostringstream os;
  os << std::setprecision(6);
  os << "NDArray(";
  print_rec(os, *this, 0, 0, std::max(2, max_per_axis), 8);
  os << ", shape=" << shape_ << ", dtype=" << dtype_name(dtype_) << ")";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const NDArray& a) { return os << a.to_string(); }

}  // namespace tnad
