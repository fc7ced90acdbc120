// Independent graphs built and differentiated on several std::threads at once.
#include <gtest/gtest.h>

#include <thread>

#include "tnad/ad.hpp"

using namespace tnad;

TEST(Threads, IndependentGraphsGiveCorrectGradients) {
  const int n_threads = 4;
  std::vector<double> got(n_threads), want(n_threads);
  std::vector<std::thread> ts;
  for (int t = 0; t < n_threads; ++t) {
    ts.emplace_back([t, &got, &want] {
      Tensor A = randn({20, 20}, 100 + t, true);
      Tensor x = A;
      for (int k = 0; k < 200; ++k) x = tanh(matmul(x, A) * 0.05) + x * 0.5;
      Tensor loss = sum(x * x);
      // compare <grad, d> against a finite difference, all inside this thread
      Tensor g = grad(loss, A);
      NDArray d = NDArray::randn({20, 20}, 7 + t);
      auto f = [&](double e) {
        NoGradGuard ng;
        Tensor B(nd::axpby(1.0, A.value(), e, d));
        Tensor y = B;
        for (int k = 0; k < 200; ++k) y = tanh(matmul(y, B) * 0.05) + y * 0.5;
        return sum(y * y).item();
      };
      got[t] = nd::dot(g.value(), d);
      want[t] = (f(1e-6) - f(-1e-6)) / 2e-6;
    });
  }
  for (auto& th : ts) th.join();
  for (int t = 0; t < n_threads; ++t) EXPECT_NEAR(got[t], want[t], 1e-5 * std::max(1.0, std::fabs(want[t]))) << t;
}
