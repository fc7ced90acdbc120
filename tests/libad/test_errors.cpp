// Each user error is a tnad::Error naming the op and the shapes.
#include <gtest/gtest.h>

#include "tnad/ad.hpp"

using namespace tnad;

#define EXPECT_ERROR_MENTIONS(stmt, ...)                                              \
  do {                                                                                \
    try {                                                                             \
      stmt;                                                                           \
      ADD_FAILURE() << "no tnad::Error from " #stmt;                                  \
    } catch (const tnad::Error& e) {                                                  \
      std::string msg = e.what();                                                     \
      for (const char* part : {__VA_ARGS__})                                          \
        EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg; \
    }                                                                                 \
  } while (0)

TEST(Errors, ShapeMismatch) {
  Tensor a = ones({2, 3}), b = ones({4, 3});
  EXPECT_ERROR_MENTIONS(a + b, "add", "[2, 3]", "[4, 3]");
  EXPECT_ERROR_MENTIONS(matmul(ones({2, 3}), ones({4, 5})), "matmul", "[2, 3]", "[4, 5]");
  EXPECT_ERROR_MENTIONS(reshape(ones({2, 3}), Shape{4}), "reshape", "[2, 3]", "[4]");
  EXPECT_ERROR_MENTIONS(concatenate({ones({2, 3}), ones({3, 3})}, 1), "concatenate", "[3, 3]", "[2, 3]");
}

TEST(Errors, BadAxes) {
  EXPECT_ERROR_MENTIONS(sum(ones({2, 3}), {2}), "sum", "axis 2");
  EXPECT_ERROR_MENTIONS(permute(ones({2, 3}), {0, 0}), "permute", "[2, 3]");
  EXPECT_ERROR_MENTIONS(squeeze(ones({2, 3}), 0), "squeeze", "[2, 3]");
  EXPECT_ERROR_MENTIONS(index(ones({2, 3}), 1, 5), "index", "5", "[2, 3]");
}

TEST(Errors, BackwardOfNonScalarNeedsGradOutputs) {
  Tensor x = ones({3}, true);
  Tensor y = x * 2.0;
  EXPECT_ERROR_MENTIONS(y.backward(), "non-scalar", "[3]");
  y.backward(ones({3}));  // with grad_outputs it works
  EXPECT_DOUBLE_EQ(x.grad().value().at({0}), 2.0);
}

TEST(Errors, GradWithRespectToATensorThatDoesNotRequireGrad) {
  Tensor x = ones({3}, true), c = ones({3});
  Tensor y = sum(x * c);
  EXPECT_ERROR_MENTIONS(grad({y}, {c}), "input 0", "does not require grad", "[3]");
  EXPECT_ERROR_MENTIONS(grad({sum(c)}, {x}), "output 0", "does not require grad");
}

TEST(Errors, UnusedInput) {
  Tensor x = ones({3}, true), z = ones({2}, true);
  Tensor y = sum(x);
  EXPECT_ERROR_MENTIONS(grad({y}, {z}), "not used", "[2]");
  GradOptions o;
  o.allow_unused = true;
  auto g = grad({y}, {z}, {}, o);
  EXPECT_EQ(nd::max_abs(g[0].value()), 0.0);
}

TEST(Errors, SecondBackwardThroughFreedGraph) {
  Tensor x = ones({3}, true);
  Tensor y = sum(exp(x));
  y.backward();
  EXPECT_ERROR_MENTIONS(y.backward(), "second time", "retain_graph");
}

TEST(Errors, GradOutputShape) {
  Tensor x = ones({3}, true);
  Tensor y = x * 2.0;
  EXPECT_ERROR_MENTIONS(grad({y}, {x}, {ones({4})}), "grad_output 0", "[4]", "[3]");
}

TEST(Errors, InPlaceOnATensorThatRequiresGrad) {
  Tensor x = ones({3}, true);
  EXPECT_ERROR_MENTIONS(x.add_(ones({3})), "add_", "requires grad");
  NoGradGuard ng;
  x.add_(ones({3}));  // allowed without recording, like an optimizer step
  EXPECT_EQ(x.value().at({0}), 2.0);
}
