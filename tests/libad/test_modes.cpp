#include <gtest/gtest.h>

#include "tnad/ad.hpp"

using namespace tnad;

TEST(Modes, NoGradRecordsNothing) {
  Tensor x = ones({3}, true);
  Tensor y;
  {
    NoGradGuard ng;
    EXPECT_FALSE(grad_enabled());
    y = exp(x) * 2.0;
  }
  EXPECT_TRUE(grad_enabled());
  EXPECT_FALSE(y.requires_grad());
  EXPECT_FALSE(y.grad_fn());
  Tensor z = exp(x);
  EXPECT_TRUE(z.requires_grad());
  EXPECT_EQ(z.grad_fn()->name(), "exp");
}

TEST(Modes, NoGradIsThreadLocal) {
  NoGradGuard ng;
  bool other = false;
  std::thread t([&] { other = grad_enabled(); });
  t.join();
  EXPECT_TRUE(other);
  EXPECT_FALSE(grad_enabled());
}

TEST(Modes, AnomalyNamesTheOp) {
  // sqrt at 0: forward is 0, backward 0.5/0 = Inf.
  Tensor x = zeros({2}, true);
  Tensor y;
  {
    AnomalyGuard ag;
    NameScope s("my_model");
    y = sum(sqrt(x));
  }
  {
    AnomalyGuard ag;
    try {
      y.backward();
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      std::string m = e.what();
      EXPECT_NE(m.find("sqrt"), std::string::npos) << m;
      EXPECT_NE(m.find("NaN or Inf"), std::string::npos) << m;
      EXPECT_NE(m.find("my_model"), std::string::npos) << m;
      EXPECT_NE(m.find("created at"), std::string::npos) << m;
    }
  }
  // Without anomaly mode the same backward silently gives Inf.
  Tensor x2 = zeros({2}, true);
  sum(sqrt(x2)).backward();
  EXPECT_TRUE(std::isinf(x2.grad().value().at({0})));
}

TEST(Modes, VersionCounterDetectsModificationOfSavedTensors) {
  Tensor w = randn({3}, 1, true);
  Tensor c = randn({3}, 2);        // saved by mul as an input
  Tensor y = sum(w * c);
  c.add_(ones({3}));               // modify after it was saved
  try {
    y.backward();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("mul"), std::string::npos) << m;
    EXPECT_NE(m.find("modified in place"), std::string::npos) << m;
  }
}

TEST(Modes, ModifyingAnUnsavedTensorIsFine) {
  Tensor w = randn({3}, 1, true);
  Tensor c = randn({3}, 2);
  Tensor y = sum(w + c);  // add saves nothing
  c.add_(ones({3}));
  y.backward();
  EXPECT_DOUBLE_EQ(w.grad().value().at({1}), 1.0);
}
