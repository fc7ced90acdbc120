// Computes the README's seed example through the installed library.
#include <cmath>
#include <cstdio>

#include "tnad/ad.hpp"

int main() {
  using namespace tnad;
  Tensor x1 = scalar(2.0, true), x2 = scalar(5.0, true);
  Tensor f = log(x1) + x1 * x2 - sin(x2);
  f.backward();
  std::printf("%.15f %.15f %.15f\n", f.item(), x1.grad().item(), x2.grad().item());
  bool ok = std::fabs(f.item() - 11.652071455223084) < 1e-12 && std::fabs(x1.grad().item() - 5.5) < 1e-14 &&
            std::fabs(x2.grad().item() - 1.7163378145367738) < 1e-12;
  return ok ? 0 : 1;
}
