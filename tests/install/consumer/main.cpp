// Computes the README's seed example through the installed library, then goes through
// tnad::solvers' dependencies: a TOML text parsed by toml++ and a gradient written to an
// HDF5 file and read back. Exit code 0 only if every value is right.
#include <cmath>
#include <cstdio>
#include <string>

#include "tnad/ad.hpp"
#include "tnad/solvers/config.hpp"
#include "tnad/solvers/h5.hpp"

int main(int argc, char** argv) {
  using namespace tnad;
  Tensor x1 = scalar(2.0, true), x2 = scalar(5.0, true);
  Tensor f = log(x1) + x1 * x2 - sin(x2);
  f.backward();
  std::printf("%.15f %.15f %.15f\n", f.item(), x1.grad().item(), x2.grad().item());
  bool ok = std::fabs(f.item() - 11.652071455223084) < 1e-12 && std::fabs(x1.grad().item() - 5.5) < 1e-14 &&
            std::fabs(x2.grad().item() - 1.7163378145367738) < 1e-12;

  // toml++ behind parse_toml
  const runs::Value doc = runs::parse_toml("[job]\nchi = 16\nbeta = [0.4, 0.5]\n", "consumer.toml");
  const runs::Value* job = doc.find("job");
  ok = ok && job && job->find("chi") && job->find("chi")->i == 16 && job->find("beta")->items.size() == 2;

  // HDF5 behind write_h5 / read_h5
  const std::string path = std::string(argc > 1 ? argv[1] : ".") + "/consumer.h5";
  runs::Group root;
  root.group("results").put("grad", runs::Dataset::of(std::vector<double>{x1.grad().item(), x2.grad().item()}));
  root.set("note", "tnad consumer");
  runs::write_h5(path, root);
  const runs::Group back = runs::read_h5(path);
  const std::vector<double> g = back.group("results").doubles("grad");
  ok = ok && g.size() == 2 && g[0] == x1.grad().item() && g[1] == x2.grad().item() &&
       back.attr_string("note") == "tnad consumer";
  std::printf("toml++ and HDF5 round trip: %s\n", ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
