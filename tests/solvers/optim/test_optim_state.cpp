// Optimizer checkpoints: stop after k steps, save, write to HDF5, read back, load into a
// fresh optimizer and continue: every later iterate must equal the uninterrupted run's
// bit for bit (L-BFGS pairs, Adam moments, step counts, the RNG stream).
#include <gtest/gtest.h>

#include <random>

#include "tnad/ad/error.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/optim.hpp"
#include "util.hpp"

using namespace tnad::optim;
using tnad::runs::Group;

namespace {

struct Case {
  const char* name;
  Options options;
  bool noisy;  // the objective draws gradient noise from the optimizer's rng
};

std::vector<Case> cases() {
  std::vector<Case> c;
  Options lbfgs;
  lbfgs.history = 4;
  c.push_back({"lbfgs", lbfgs, false});
  Options adam;
  adam.method = Method::adam;
  adam.lr = 1e-2;
  adam.seed = 42;
  c.push_back({"adam_noisy", adam, true});
  Options gd;
  gd.method = Method::gd;
  gd.lr = 1e-3;
  c.push_back({"gd", gd, false});
  Options gdls = gd;
  gdls.line_search = true;
  c.push_back({"gd_line_search", gdls, false});
  return c;
}

Objective objective_for(Optimizer*& opt, bool noisy) {
  return [&opt, noisy](const Vector& x, Vector& g) {
    double f = solvers_test::rosenbrock(x, g);
    if (noisy) {
      std::normal_distribution<double> n(0.0, 0.1);
      for (double& gi : g) gi += n(opt->rng());
    }
    return f;
  };
}

}  // namespace

TEST(OptimizerState, ResumedRunContinuesBitForBit) {
  solvers_test::TempDir tmp;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const int total = 60, cut = 23;
    // uninterrupted
    auto a = make_optimizer(c.options);
    Optimizer* pa = a.get();
    Objective fa = objective_for(pa, c.noisy);
    a->start(fa, solvers_test::rosenbrock_start(6));
    std::vector<Vector> xs;
    for (int k = 0; k < total; ++k) {
      a->step(fa);
      xs.push_back(a->x());
    }

    // interrupted at `cut`, saved through an HDF5 file, resumed in a fresh optimizer
    auto b = make_optimizer(c.options);
    Optimizer* pb = b.get();
    Objective fb = objective_for(pb, c.noisy);
    b->start(fb, solvers_test::rosenbrock_start(6));
    for (int k = 0; k < cut; ++k) b->step(fb);
    Group root;
    b->save(root.group("optimizer"));
    const std::string file = tmp / (std::string(c.name) + ".h5");
    tnad::runs::write_h5(file, root);
    Group back = tnad::runs::read_h5(file);

    auto r = make_optimizer(c.options);
    Optimizer* pr = r.get();
    Objective fr = objective_for(pr, c.noisy);
    r->load(back.group("optimizer"));
    EXPECT_EQ(r->steps(), cut);
    EXPECT_EQ(r->evaluations(), b->evaluations());
    for (int k = cut; k < total; ++k) {
      r->step(fr);
      ASSERT_EQ(r->x(), xs[std::size_t(k)]) << "step " << k + 1;  // exact equality, not near
    }
    EXPECT_EQ(r->value(), a->value());
    EXPECT_EQ(r->steps(), a->steps());
  }
}

TEST(OptimizerState, LoadRefusesAMismatchedCheckpoint) {
  Options lbfgs;
  auto a = make_optimizer(lbfgs);
  Objective f = solvers_test::rosenbrock;
  a->start(f, solvers_test::rosenbrock_start(4));
  for (int k = 0; k < 5; ++k) a->step(f);
  Group g;
  a->save(g.group("opt"));

  Options adam;
  adam.method = Method::adam;
  auto b = make_optimizer(adam);
  try {
    b->load(g.group("opt"));
    FAIL() << "loaded an L-BFGS checkpoint into Adam";
  } catch (const tnad::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'lbfgs'"), std::string::npos) << e.what();
  }

  Options small = lbfgs;
  small.history = 2;  // the checkpoint holds more pairs than this history keeps
  EXPECT_THROW(make_optimizer(small)->load(g.group("opt")), tnad::Error);

  Group broken = g;
  broken.group("opt").datasets.erase("s");
  try {
    make_optimizer(lbfgs)->load(broken.group("opt"));
    FAIL();
  } catch (const tnad::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/opt/s"), std::string::npos) << e.what();
  }

  Group badrng = g;
  badrng.group("opt").put("rng", tnad::runs::Dataset::scalar(std::string("not a state")));
  EXPECT_THROW(make_optimizer(lbfgs)->load(badrng.group("opt")), tnad::Error);
}
