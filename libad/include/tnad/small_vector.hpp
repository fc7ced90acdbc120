// SmallVec<T, N>: a vector that keeps up to N elements inline and spills to the heap
// beyond. Graph nodes use it for their edges and shapes, so recording a typical op
// (1-2 inputs, 1 output) costs one allocation for the node instead of five.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tnad {

template <class T, std::size_t N>
class SmallVec {
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

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return ptr(); }
  const T* data() const { return ptr(); }
  T* begin() { return ptr(); }
  T* end() { return ptr() + size_; }
  const T* begin() const { return ptr(); }
  const T* end() const { return ptr() + size_; }
  T& operator[](std::size_t i) { return ptr()[i]; }
  const T& operator[](std::size_t i) const { return ptr()[i]; }
  T& back() { return ptr()[size_ - 1]; }
  T& at(std::size_t i) {
    if (i >= size_) throw std::out_of_range("SmallVec::at");
    return ptr()[i];
  }
  const T& at(std::size_t i) const {
    if (i >= size_) throw std::out_of_range("SmallVec::at");
    return ptr()[i];
  }

  void reserve(std::size_t n) {
    if (n <= cap()) return;
    T* p = static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(alignof(T))));
    for (std::size_t i = 0; i < size_; ++i) {
      new (p + i) T(std::move(ptr()[i]));
      ptr()[i].~T();
    }
    free_heap();
    heap_ = p;
    heap_cap_ = n;
  }
  template <class... A>
  T& emplace_back(A&&... a) {
    if (size_ == cap()) reserve(cap() * 2);
    T* p = new (ptr() + size_) T(std::forward<A>(a)...);
    ++size_;
    return *p;
  }
  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  void resize(std::size_t n) {
    reserve(n);
    while (size_ < n) emplace_back();
    while (size_ > n) ptr()[--size_].~T();
  }
  void clear() {
    for (std::size_t i = 0; i < size_; ++i) ptr()[i].~T();
    size_ = 0;
  }
  // Frees heap storage too (used when a node releases what it saved).
  void release_storage() { destroy_all(); }

 private:
  std::size_t cap() const { return heap_ ? heap_cap_ : N; }
  T* ptr() { return heap_ ? heap_ : reinterpret_cast<T*>(inline_); }
  const T* ptr() const { return heap_ ? heap_ : reinterpret_cast<const T*>(inline_); }
  void free_heap() {
    if (heap_) ::operator delete(heap_, std::align_val_t(alignof(T)));
    heap_ = nullptr;
    heap_cap_ = 0;
  }
  void destroy_all() {
    clear();
    free_heap();
  }
  void steal(SmallVec&& o) {
    if (o.heap_) {
      heap_ = o.heap_;
      heap_cap_ = o.heap_cap_;
      size_ = o.size_;
      o.heap_ = nullptr;
      o.heap_cap_ = 0;
      o.size_ = 0;
    } else {
      for (std::size_t i = 0; i < o.size_; ++i) new (ptr() + i) T(std::move(o.ptr()[i]));
      size_ = o.size_;
      o.clear();
    }
  }

  alignas(T) unsigned char inline_[N * sizeof(T)];
  T* heap_ = nullptr;
  std::size_t size_ = 0;
  std::size_t heap_cap_ = 0;
};

}  // namespace tnad
