#include "op_table_check.hpp"

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/gradcheck.hpp"

namespace tnad::testing {

std::vector<Tensor> make_inputs(const OpInfo& info, const std::vector<Shape>& shapes, uint64_t seed) {
  std::vector<NDArray> vals;
  if (info.sample) {
    vals = info.sample(shapes, seed);
  } else {
    for (size_t i = 0; i < shapes.size(); ++i) vals.push_back(NDArray::rand(shapes[i], seed + 17 * i, info.lo, info.hi));
  }
  std::vector<Tensor> xs;
  for (size_t i = 0; i < vals.size(); ++i) {
    bool d = info.differentiable_inputs.empty() || info.differentiable_inputs[i];
    xs.emplace_back(vals[i], d);
  }
  return xs;
}

std::string op_test_name(const std::string& op_name) {
  std::string s;
  for (char c : op_name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

::testing::AssertionResult check_op_info(const OpInfo& info, int order) {
  uint64_t seed = 1000;
  for (const auto& shapes : info.cases) {
    std::string where = info.name;
    where.append(" with input shapes");
    for (const auto& s : shapes) where.append(" ").append(to_string(s));
    std::vector<Tensor> xs = make_inputs(info, shapes, seed++);
    if (order == 2 && info.max_order < 2) {
      try {
        gradgradcheck(info.fn, xs, info.tolerances);
      } catch (const Error&) {
        continue;
      }
      return ::testing::AssertionFailure() << where << ": declared first-order only, but its second derivative did not raise";
    }
    GradcheckResult r = order == 1 ? gradcheck(info.fn, xs, info.tolerances) : gradgradcheck(info.fn, xs, info.tolerances);
    if (!r.ok) return ::testing::AssertionFailure() << where << " (order " << order << "): " << r.report;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace tnad::testing
