// Internal: a contraction written as a network of labelled operands, the common form that
// einsum subscripts and ncon label lists are both parsed into. Pure bookkeeping, no values.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tnad/ad/shape.hpp"

namespace tnad::tn {

// Label ids are dense 0..L-1. The planner stores label sets as fixed bitsets of this size.
constexpr int kMaxLabels = 256;

struct Network {
  const char* op = "einsum";               // for error messages: "einsum" / "ncon" / ...
  std::vector<std::vector<int>> inputs;    // label ids per operand in axis order (may repeat)
  std::vector<int> output;                 // label ids of the result in axis order (unique)
  std::vector<int64_t> dims;               // extent of each label id
  std::vector<std::string> names;          // each label as the user wrote it: "a", "3", "-1"
  std::vector<Shape> shapes;               // operand shapes (for messages and the plan key)

  int num_labels() const { return static_cast<int>(dims.size()); }
  int num_operands() const { return static_cast<int>(inputs.size()); }
  // "ab" when every name is one character, else "(1,2)".
  std::string subscript(const std::vector<int>& labels) const;
  // "ab,bc->ac"
  std::string spec() const;
  // "[2, 3], [3, 4]"
  std::string shapes_string() const;
};

// numpy.einsum subscripts: letters a-z A-Z, ',' between operands, optional '->' and output;
// spaces are ignored. Implicit output: the indices that appear exactly once, in alphabetical
// (ASCII) order. Throws tnad::Error naming the index and the shapes on any inconsistency.
Network parse_einsum(std::string_view spec, const std::vector<Shape>& shapes);

// ncon convention: positive labels are contracted and appear exactly twice (possibly in the
// same tensor: a trace); negative labels are open, each once, and -1, -2, ... give the order
// of the result's axes.
Network ncon_network(const std::vector<std::vector<int>>& labels, const std::vector<Shape>& shapes);

// tensordot: the last/first `axes` pairs of a and b (or the explicit lists) are contracted;
// the result has a's free axes then b's, in order.
Network tensordot_network(const Shape& a, const Shape& b, const std::vector<int64_t>& axes_a,
                          const std::vector<int64_t>& axes_b);

}  // namespace tnad::tn
