// Job "minimize": a differentiable test objective written with tnad tensors, minimized by
// the configured optimizer. It exercises the whole run machinery (configs, optimizers,
// checkpoints, resume, sweeps) until the physics jobs exist, and stays as the smoke test.
//
//   rosenbrock  f(x) = sum_i 100 (x_(i+1) - x_i^2)^2 + (1 - x_i)^2   (chained; min 0 at x = 1)
//               Rosenbrock 1960; the curved valley makes gradient methods crawl and tests
//               the line search.
//   quadratic   f(x) = x.A x / 2 - b.x with A = Q diag(l) Q^T, l log-spaced in
//               [1, condition], Q a product of three random Householder reflections, and
//               b = A x* for a random x*: min -b.x*/2 at x*. The condition number is exact,
//               so iteration counts can be compared with theory.
//
// The gradient always comes from tnad::grad through the tensor expression.
// `noise` adds Gaussian noise of that standard deviation to every gradient component,
// drawn from the optimizer's random generator (it emulates a stochastic gradient, e.g. a
// sampled energy, and proves that a resumed run replays the random stream).
// `step_delay` sleeps in every evaluation to emulate an expensive objective (demos, and
// the tests that kill a run at a random moment); a SIGINT/SIGTERM cuts the sleep short
// (the value does not depend on it), so that a long delay does not delay the checkpoint.
//
// Limits: `condition` <= 1e12 -- A's smallest eigenvalue 1 must stand above the round-off
// of its largest (condition * 2^-52), else the condition number is not what was asked for
// and, far beyond, |g|^2 overflows; the quadratic stores A densely, so dim <= 5000 for it.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "tnad/ad/nd.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/solvers/registry.hpp"
#include "tnad/solvers/run.hpp"
#include "tnad/solvers/tensor_objective.hpp"
#include "optim/test_functions.hpp"

namespace tnad::runs {

namespace {

constexpr int64_t kMaxQuadraticDim = 5000;

class Minimize final : public OptimizationJob {
 public:
  explicit Minimize(const Config& c) : OptimizationJob(c) {
    const Params& p = c.job;
    objective_ = p.string("objective");
    n_ = p.integer("dim");
    seed_ = uint64_t(p.integer("seed"));
    noise_ = p.number("noise");
    delay_ = p.number("step_delay");
    start_ = p.string("start");
    x0_ = p.floats("x0");
    if (!x0_.empty() && int64_t(x0_.size()) != n_)
      p.fail("x0", "has " + std::to_string(x0_.size()) + " entries, dim = " + std::to_string(n_));
    if (objective_ == "rosenbrock") {
      if (n_ < 2) p.fail("dim", "rosenbrock needs dim >= 2");
      xstar_.assign(std::size_t(n_), 1.0);
      fstar_ = 0.0;
    } else {
      if (n_ > kMaxQuadraticDim)
        p.fail("dim", "the quadratic stores A densely (dim^2 numbers): must be <= " + std::to_string(kMaxQuadraticDim));
      std::mt19937_64 rng(seed_);
      A_ = Tensor(testfn::conditioned_spd(n_, p.number("condition"), rng));
      std::normal_distribution<double> normal;
      xstar_.resize(std::size_t(n_));
      for (auto& v : xstar_) v = normal(rng);
      Tensor xs = from(Shape{n_}, xstar_);
      b_ = matmul(A_, xs);
      fstar_ = -0.5 * nd::dot(b_.value(), xs.value());
    }
    f_ = objective_ == "rosenbrock"
             ? tensor_objective(testfn::rosenbrock)
             : tensor_objective([this](const Tensor& x) {
                 return 0.5 * vdot(x, matmul(A_, x)) - vdot(b_, x);
               });
  }

 protected:
  optim::Vector initial_point() override {
    if (!x0_.empty()) return x0_;
    optim::Vector x(std::size_t(n_), 0.0);
    if (start_ == "random") {
      std::mt19937_64 rng(seed_ + 1);
      std::normal_distribution<double> normal;
      for (auto& v : x) v = normal(rng);
    } else if (objective_ == "rosenbrock") {
      for (int64_t i = 0; i < n_; ++i) x[std::size_t(i)] = i % 2 == 0 ? -1.2 : 1.0;  // the classic start
    }
    return x;
  }

  double evaluate(const optim::Vector& x, optim::Vector& g) override {
    if (delay_ > 0) {
      // delay_ <= one day (the schema): the end time cannot overflow
      const auto end = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(delay_));
      while (!pending_signal()) {
        const auto left = end - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) break;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(20)));
      }
    }
    double v = f_(x, g);
    if (noise_ > 0) {
      std::normal_distribution<double> normal(0.0, noise_);
      for (auto& gi : g) gi += normal(optimizer().rng());
    }
    return v;
  }

  void add_results(Group& r) const override {
    const auto& x = optimizer().x();
    double dist = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) dist = std::max(dist, std::abs(x[i] - xstar_[i]));
    r.put("minimum", Dataset::scalar(fstar_));
    r.put("x_star", Dataset::of(xstar_));
    r.put("distance_to_minimum", Dataset::scalar(dist));
  }

 private:
  std::string objective_, start_;
  int64_t n_ = 2;
  uint64_t seed_ = 0;
  double noise_ = 0.0, delay_ = 0.0, fstar_ = 0.0;
  optim::Vector x0_, xstar_;
  Tensor A_, b_;
  optim::Objective f_;
};

}  // namespace

JobType minimize_job_type() {
  JobType t;
  t.name = "minimize";
  t.summary = "minimize a test function (Rosenbrock or a conditioned quadratic) written with tnad tensors";
  t.uses_optimizer = true;
  t.params = {
      Param::string("objective", "rosenbrock", "test function").one_of({"rosenbrock", "quadratic"}),
      Param::integer("dim", 2, "number of variables").at_least(1).at_most(100000),
      Param::floating("condition", 100.0, "quadratic: condition number of A").at_least(1.0).at_most(1e12),
      Param::integer("seed", 0, "quadratic: seed of A and x*; random start: seed + 1").at_least(0),
      Param::string("start", "standard", "starting point (x0 overrides)").one_of({"standard", "random"}),
      Param::floats("x0", {}, "explicit starting point ([]: use start)"),
      Param::floating("noise", 0.0, "std. dev. of Gaussian noise added to the gradient").at_least(0.0),
      Param::floating("step_delay", 0.0, "seconds to sleep per evaluation (emulates a costly objective)")
          .at_least(0.0)
          .at_most(86400.0)
          .may_change_on_resume(),
  };
  t.make = [](const Config& c) { return std::make_unique<Minimize>(c); };
  return t;
}

}  // namespace tnad::runs
