// tnad::Error — every failure a user can cause (bad shapes, bad axes, bad config,
// LAPACK failure, unreadable file) is thrown as this type. The message names the op
// or key and the shapes or values involved. Never abort() on user input.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace tnad {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... A>
std::string cat(A&&... a) {
  std::ostringstream os;
  (os << ... << std::forward<A>(a));
  return os.str();
}
}  // namespace detail

// throw_error("matmul: ", shape_a, " vs ", shape_b) — concatenates with operator<<.
template <class... A>
[[noreturn]] void throw_error(A&&... a) {
  throw Error(detail::cat(std::forward<A>(a)...));
}

}  // namespace tnad
