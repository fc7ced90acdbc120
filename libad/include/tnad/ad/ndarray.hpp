// NDArray: a dense, row-major, contiguous array of values. It knows nothing of AD.
//
// - dtype-tagged: float64 is implemented; complex128 is reserved in the tag. The kernels
//   (nd.hpp) are written for double, so complex128 will be an addition of kernels, not a
//   rewrite of this class.
// - The buffer is shared and immutable in spirit: copies of an NDArray share it, and
//   mutable_data() copies first if anyone else holds it (copy on write).
// - Every buffer is counted by tnad::memory (live and peak bytes).
#pragma once
#include <complex>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "tnad/ad/error.hpp"
#include "tnad/ad/shape.hpp"

namespace tnad {

enum class DType : uint8_t { f64, c128 };
const char* dtype_name(DType d);
std::size_t dtype_size(DType d);

class NDArray {
 public:
  NDArray() = default;  // undefined (no shape, no buffer); defined() is false

  // ---- creation. Sizes are checked: a negative extent, an element or byte count that
  // overflows, or an allocation that fails raises tnad::Error naming `op` (the caller:
  // "zeros", "matmul", ...) and the shape. Trap: never compute a size with unchecked
  // int64 products; go through numel(shape, op).
  static NDArray empty(const Shape& shape, DType dt = DType::f64);  // uninitialized
  static NDArray empty(const Shape& shape, const char* op, DType dt = DType::f64);
  static NDArray zeros(const Shape& shape, DType dt = DType::f64);
  static NDArray zeros(const Shape& shape, const char* op, DType dt = DType::f64);
  static NDArray ones(const Shape& shape, DType dt = DType::f64);
  static NDArray full(const Shape& shape, double value, const char* op = "NDArray::full");
  static NDArray scalar(double value);                    // 0-d
  static NDArray arange(double start, double stop, double step = 1.0);
  static NDArray arange(int64_t n) { return arange(0.0, double(n), 1.0); }
  static NDArray eye(int64_t n, int64_t m = -1);
  static NDArray from(const Shape& shape, const std::vector<double>& values);
  static NDArray from(const Shape& shape, const double* values);
  // Deterministic given the seed (std::mt19937_64; libstdc++'s distributions).
  static NDArray randn(const Shape& shape, uint64_t seed, double mean = 0.0, double stddev = 1.0);
  // Uniform in [lo, hi).
  static NDArray rand(const Shape& shape, uint64_t seed, double lo = 0.0, double hi = 1.0);

  // ---- inspection
  bool defined() const { return static_cast<bool>(buf_); }
  const Shape& shape() const { return shape_; }
  int64_t ndim() const { return shape_.size(); }
  int64_t numel() const { return numel_; }
  int64_t size(int64_t axis) const;  // negative axes count from the end
  DType dtype() const { return dtype_; }
  std::size_t nbytes() const { return std::size_t(numel_) * dtype_size(dtype_); }

  // Read access. data() is float64; data_as<T>() checks the dtype.
  const double* data() const { return data_as<double>(); }
  template <class T>
  const T* data_as() const { check_dtype<T>(); return reinterpret_cast<const T*>(buf_.get()); }
  // Write access: copies the buffer first when it is shared (copy on write).
  double* mutable_data() { return mutable_data_as<double>(); }
  template <class T>
  T* mutable_data_as() { check_dtype<T>(); make_unique(); return reinterpret_cast<T*>(buf_.get()); }

  double item() const;                                  // the one element of a size-1 array
  double at(std::initializer_list<int64_t> index) const;  // bounds-checked element read
  std::vector<double> to_vector() const;

  // Views of the same buffer with another shape (free: no copy).
  NDArray reshape(const Shape& new_shape) const;  // one extent may be -1
  NDArray clone() const;                          // a private copy
  bool shares_buffer_with(const NDArray& o) const { return buf_ && buf_ == o.buf_; }
  long buffer_use_count() const { return buf_.use_count(); }

  std::string to_string(int max_per_axis = 6) const;  // numpy-like, elides long axes

 private:
  template <class T>
  void check_dtype() const {
    if (!buf_) throw_error("NDArray: access to an undefined array");
    constexpr DType want = std::is_same_v<T, double> ? DType::f64 : DType::c128;
    static_assert(std::is_same_v<T, double> || std::is_same_v<T, std::complex<double>>);
    if (dtype_ != want)
      throw_error("NDArray: dtype is ", dtype_name(dtype_), ", accessed as ", dtype_name(want));
  }
  void make_unique();

  Shape shape_;
  int64_t numel_ = 0;
  DType dtype_ = DType::f64;
  std::shared_ptr<std::byte[]> buf_;
};

std::ostream& operator<<(std::ostream& os, const NDArray& a);

}  // namespace tnad
