// A user's own op, defined outside the library: softplus(x) = log(1 + e^x) with
// d softplus = sigmoid(x) dx. Nothing in libad knows about it.
#include "my_custom_op.hpp"

#include <cmath>

#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"

namespace user {

tnad::Tensor softplus(const tnad::Tensor& x) {
  static const tnad::CustomOp op{
      "softplus",
      [](const std::vector<tnad::NDArray>& in) {
        // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), stable for large |x|
        tnad::NDArray ax = tnad::nd::abs(in[0]);
        return std::vector<tnad::NDArray>{
            tnad::nd::add(tnad::nd::relu(in[0]), tnad::nd::log(tnad::nd::add(tnad::nd::exp(tnad::nd::neg(ax)), 1.0)))};
      },
      [](const std::vector<tnad::Tensor>& in, const std::vector<tnad::Tensor>&, const std::vector<tnad::Tensor>& g) {
        return std::vector<tnad::Tensor>{g[0] * tnad::sigmoid(in[0])};
      }};
  return op({x})[0];
}

}  // namespace user
