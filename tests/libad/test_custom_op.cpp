#include <gtest/gtest.h>

#include <cmath>

#include "my_custom_op.hpp"
#include "tnad/ad.hpp"

using namespace tnad;

TEST(CustomOp, ForwardValue) {
  Tensor x = from({3}, {-3.0, 0.0, 2.0});
  Tensor y = user::softplus(x);
  // log(1 + u) rounds 1 + u first: absolute accuracy is a few eps, not relative.
  EXPECT_NEAR(y.value().at({0}), std::log1p(std::exp(-3.0)), 4 * 2.2e-16);
  EXPECT_NEAR(y.value().at({1}), std::log(2.0), 1e-15);
  EXPECT_NEAR(y.value().at({2}), std::log1p(std::exp(2.0)), 1e-14);
}

TEST(CustomOp, GradcheckFirstAndSecondOrder) {
  auto f = [](const std::vector<Tensor>& x) { return user::softplus(x[0]) * x[0]; };
  std::vector<Tensor> x{randn({2, 3}, 4, true)};
  auto r1 = gradcheck(f, x);
  EXPECT_TRUE(r1.ok) << r1.report;
  auto r2 = gradgradcheck(f, x);  // its VJP uses sigmoid, so it is differentiable again
  EXPECT_TRUE(r2.ok) << r2.report;
}

TEST(CustomOp, NodeCarriesItsName) {
  Tensor x = randn({2}, 1, true);
  Tensor y = user::softplus(x);
  ASSERT_TRUE(y.grad_fn());
  EXPECT_EQ(y.grad_fn()->name(), "softplus");
  EXPECT_NE(to_dot(y).find("softplus"), std::string::npos);
}

TEST(CustomOp, WrongGradientShapeIsAnError) {
  CustomOp bad{"bad_shape",
               [](const std::vector<NDArray>& x) { return std::vector<NDArray>{nd::exp(x[0])}; },
               [](const std::vector<Tensor>&, const std::vector<Tensor>&, const std::vector<Tensor>&) {
                 return std::vector<Tensor>{ones({7})};
               }};
  Tensor x = randn({3}, 2, true);
  Tensor y = sum(bad({x})[0]);
  try {
    y.backward();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("bad_shape"), std::string::npos) << m;
    EXPECT_NE(m.find("[7]"), std::string::npos) << m;
  }
}
