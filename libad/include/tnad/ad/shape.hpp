// Shape: a small vector of extents with inline storage for up to 6 dimensions
// (tensor-network tensors rarely have more), spilling to the heap beyond. 56 bytes: the
// heap pointer shares its storage with the inline extents (every NDArray and every graph
// node carries shapes, so their size is felt on long tapes).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <vector>

namespace tnad {

class Shape {
 public:
  static constexpr int kInline = 6;
  using value_type = int64_t;

  Shape() = default;
  Shape(std::initializer_list<int64_t> il) { assign(il.begin(), il.end()); }
  explicit Shape(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }
  template <class It>
  Shape(It b, It e) { assign(b, e); }
  Shape(const Shape& o) { assign(o.begin(), o.end()); }
  Shape(Shape&& o) noexcept { move_from(std::move(o)); }
  Shape& operator=(const Shape& o) {
    if (this != &o) { size_ = 0; assign(o.begin(), o.end()); }
    return *this;
  }
  Shape& operator=(Shape&& o) noexcept {
    if (this != &o) { release(); move_from(std::move(o)); }
    return *this;
  }
  ~Shape() { release(); }

  int64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t* data() { return cap_ ? u_.heap : u_.inline_; }
  const int64_t* data() const { return cap_ ? u_.heap : u_.inline_; }
  int64_t* begin() { return data(); }
  int64_t* end() { return data() + size_; }
  const int64_t* begin() const { return data(); }
  const int64_t* end() const { return data() + size_; }
  int64_t& operator[](int64_t i) { return data()[i]; }
  int64_t operator[](int64_t i) const { return data()[i]; }
  int64_t back() const { return data()[size_ - 1]; }

  void push_back(int64_t v) {
    reserve(size_ + 1);
    data()[size_++] = v;
  }
  void pop_back() { --size_; }
  void resize(int64_t n, int64_t fill = 0) {
    reserve(n);
    for (int64_t i = size_; i < n; ++i) data()[i] = fill;
    size_ = static_cast<int32_t>(n);
  }
  void insert(int64_t pos, int64_t v) {
    reserve(size_ + 1);
    int64_t* d = data();
    for (int64_t i = size_; i > pos; --i) d[i] = d[i - 1];
    d[pos] = v;
    ++size_;
  }
  void erase(int64_t pos) {
    int64_t* d = data();
    for (int64_t i = pos; i + 1 < size_; ++i) d[i] = d[i + 1];
    --size_;
  }
  std::vector<int64_t> vec() const { return {begin(), end()}; }

  friend bool operator==(const Shape& a, const Shape& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  void reserve(int64_t n) {
    if (n <= (cap_ ? cap_ : kInline)) return;
    int64_t cap = std::max<int64_t>(n, 2 * kInline);
    auto* p = new int64_t[cap];
    std::memcpy(p, data(), sizeof(int64_t) * size_);
    if (cap_) delete[] u_.heap;
    u_.heap = p;
    cap_ = static_cast<int32_t>(cap);
  }
  template <class It>
  void assign(It b, It e) {
    reserve(static_cast<int64_t>(std::distance(b, e)));
    int64_t* d = data();
    size_ = 0;
    for (; b != e; ++b) d[size_++] = static_cast<int64_t>(*b);
  }
  void move_from(Shape&& o) {
    size_ = o.size_;
    if (o.cap_) {
      u_.heap = o.u_.heap;
      cap_ = o.cap_;
      o.cap_ = 0;
    } else {
      // The whole inline array, a compile-time size: a few vector moves, no libc call
      // (shapes are moved several times per recorded op).
      std::memcpy(u_.inline_, o.u_.inline_, sizeof u_.inline_);
    }
    o.size_ = 0;
  }
  void release() {
    if (cap_) delete[] u_.heap;
    cap_ = 0;
    size_ = 0;
  }

  union Storage {
    int64_t inline_[kInline];
    int64_t* heap;
  } u_;
  int32_t size_ = 0;
  int32_t cap_ = 0;  // 0: the extents are inline; else the capacity of u_.heap
};

// The number of elements, checked: raises tnad::Error naming `op` and the shape when an
// extent is negative or when the product of the nonzero extents (the largest stride times
// its extent) does not fit int64 — a wrapped count would allocate too little and let
// kernels run off the end.
int64_t numel(const Shape& s, const char* op = "numel");
// Row-major (C order) strides in elements (checked like numel).
Shape strides_of(const Shape& s);
std::string to_string(const Shape& s);  // "[2, 3]"
std::ostream& operator<<(std::ostream& os, const Shape& s);
// Normalizes a possibly negative axis against ndim; throws naming `op` when out of range.
int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op);
// numpy broadcasting of two shapes; throws naming `op` and both shapes on mismatch.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace tnad
