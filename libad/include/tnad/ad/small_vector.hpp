// SmallVec<T, N>: a vector that keeps up to N elements inline and spills to the heap
// beyond. Graph nodes use it for their edges, shapes and saved tensors, and a VJP returns
// its gradients in one, so recording or back-propagating a typical op (1-2 inputs, 1
// output) makes no allocation besides the node itself.
//
// The header is one pointer (to the inline buffer or the heap block) and two 32-bit
// counts: 16 bytes, and begin() is a plain load with no inline-or-heap branch.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tnad {

template <class T, std::size_t N>
class SmallVec {
  static_assert(N >= 1, "SmallVec needs an inline capacity of at least one element");

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVec() = default;
  SmallVec(std::initializer_list<T> il) {
    reserve(il.size());
    for (const T& v : il) push_back(v);
  }
  SmallVec(const std::vector<T>& v) {  // NOLINT: implicit on purpose
    reserve(v.size());
    for (const T& x : v) push_back(x);
  }
  SmallVec(std::vector<T>&& v) {  // NOLINT
    reserve(v.size());
    for (T& x : v) push_back(std::move(x));
  }
  SmallVec(const SmallVec& o) {
    reserve(o.size_);
    for (const T& x : o) push_back(x);
  }
  SmallVec(SmallVec&& o) noexcept { steal(std::move(o)); }
  SmallVec& operator=(const SmallVec& o) {
    if (this != &o) {
      clear();
      reserve(o.size_);
      for (const T& x : o) push_back(x);
    }
    return *this;
  }
  SmallVec& operator=(SmallVec&& o) noexcept {
    if (this != &o) {
      destroy_all();
      steal(std::move(o));
    }
    return *this;
  }
  SmallVec& operator=(std::initializer_list<T> il) {
    clear();
    reserve(il.size());
    for (const T& v : il) push_back(v);
    return *this;
  }
  ~SmallVec() { destroy_all(); }

  // Lets a SmallVec stand where a std::vector is expected (e.g. Node::vjp's result).
  operator std::vector<T>() const& { return std::vector<T>(begin(), end()); }  // NOLINT
  operator std::vector<T>() && {                                               // NOLINT
    std::vector<T> v;
    v.reserve(size_);
    for (T& x : *this) v.push_back(std::move(x));
    return v;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return ptr_; }
  const T* data() const { return ptr_; }
  T* begin() { return ptr_; }
  T* end() { return ptr_ + size_; }
  const T* begin() const { return ptr_; }
  const T* end() const { return ptr_ + size_; }
  T& operator[](std::size_t i) { return ptr_[i]; }
  const T& operator[](std::size_t i) const { return ptr_[i]; }
  T& front() { return ptr_[0]; }
  T& back() { return ptr_[size_ - 1]; }
  const T& back() const { return ptr_[size_ - 1]; }
  T& at(std::size_t i) {
    if (i >= size_) throw std::out_of_range("SmallVec::at");
    return ptr_[i];
  }
  const T& at(std::size_t i) const {
    if (i >= size_) throw std::out_of_range("SmallVec::at");
    return ptr_[i];
  }

  void reserve(std::size_t n) {
    if (n <= cap_) return;
    T* p = static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(alignof(T))));
    for (std::size_t i = 0; i < size_; ++i) {
      new (p + i) T(std::move(ptr_[i]));
      ptr_[i].~T();
    }
    free_heap();
    ptr_ = p;
    cap_ = static_cast<uint32_t>(n);
  }
  template <class... A>
  T& emplace_back(A&&... a) {
    if (size_ == cap_) reserve(std::size_t(cap_) * 2);
    T* p = new (ptr_ + size_) T(std::forward<A>(a)...);
    ++size_;
    return *p;
  }
  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  void pop_back() { ptr_[--size_].~T(); }
  void resize(std::size_t n) {
    reserve(n);
    while (size_ < n) emplace_back();
    while (size_ > n) ptr_[--size_].~T();
  }
  void clear() {
    for (std::size_t i = 0; i < size_; ++i) ptr_[i].~T();
    size_ = 0;
  }
  // Frees heap storage too (used when a node releases what it saved).
  void release_storage() { destroy_all(); }

 private:
  T* inline_ptr() { return reinterpret_cast<T*>(inline_); }
  bool on_heap() const { return ptr_ != reinterpret_cast<const T*>(inline_); }
  void free_heap() {
    if (on_heap()) ::operator delete(ptr_, std::align_val_t(alignof(T)));
    ptr_ = inline_ptr();
    cap_ = N;
  }
  void destroy_all() {
    clear();
    free_heap();
  }
  // Precondition: *this holds nothing and no heap block.
  void steal(SmallVec&& o) {
    if (o.on_heap()) {
      ptr_ = o.ptr_;
      cap_ = o.cap_;
      size_ = o.size_;
      o.ptr_ = o.inline_ptr();
      o.cap_ = N;
      o.size_ = 0;
    } else {
      for (std::size_t i = 0; i < o.size_; ++i) new (ptr_ + i) T(std::move(o.ptr_[i]));
      size_ = o.size_;
      o.clear();
    }
  }

  T* ptr_ = inline_ptr();
  uint32_t size_ = 0;
  uint32_t cap_ = N;
  alignas(T) unsigned char inline_[N * sizeof(T)];
};

}  // namespace tnad
