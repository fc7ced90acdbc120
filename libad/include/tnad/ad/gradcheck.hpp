// Gradient checking against central finite differences, in double precision.
//
// f maps the inputs to a tensor of any shape; it is reduced to the scalar <G, f(x)> with a
// fixed random G, so the VJP sees a generic cotangent. For random unit directions d over
// all inputs that require grad, <grad, d> is compared with (L(x + e d) - L(x - e d)) / 2e.
// For small problems the full Jacobian is compared entry by entry as well.
// gradgradcheck applies the same test to the (create_graph) gradient function itself.
// Accept when |fd - ad| <= atol + rtol * max(|fd|, |ad|).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tnad/ad/tensor.hpp"

namespace tnad {

struct GradcheckOptions {
  double eps = 1e-6;                 // finite-difference step (relative to ||d|| = 1)
  double atol = 1e-5;
  double rtol = 1e-4;
  int directions = 3;                // random directions
  int64_t full_jacobian_max = 256;   // compare the full Jacobian if numel(in) * numel(out) <= this
  uint64_t seed = 1234;
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0.0;
  double max_rel_error = 0.0;
  std::string report;  // the worst mismatch, or a summary
  explicit operator bool() const { return ok; }
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& opt = {});
GradcheckResult gradgradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                              const GradcheckOptions& opt = {});

}  // namespace tnad
