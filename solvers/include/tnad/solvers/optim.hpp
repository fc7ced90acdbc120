// Optimizers on a flat parameter vector with a value-and-gradient callback (line_search.hpp
// defines Vector and Objective). Tensor-valued objectives reach them through
// tensor_objective.hpp, which packs tnad::Tensor parameters and takes gradients by AD.
//
//   optim::Options o;  o.method = optim::Method::lbfgs;  o.history = 20;
//   auto opt = optim::make_optimizer(o);
//   auto r = optim::minimize(f, x0, *opt, {.max_steps = 500, .grad_tol = 1e-10});
//
// Methods
// - gd:    x <- x - lr g. With line_search, steepest descent with a strong-Wolfe search
//          (first trial a_k = a_{k-1} g_{k-1}.d_{k-1} / g_k.d_k, N&W eq. 3.60).
// - adam:  Kingma & Ba 2015, Algorithm 1, bias-corrected moments m, v.
// - lbfgs: Nocedal & Wright Algorithm 7.4 (two-loop recursion) + 7.5 with a strong-Wolfe
//          line search; H0 = (s.y / y.y) I from the newest pair (N&W eq. 7.20); `history`
//          pairs kept. A pair with s.y <= 1e-12 |s||y| is skipped (it would break positive
//          definiteness); a failed line search restarts from steepest descent once before
//          the optimizer reports it cannot make progress (usually: converged to round-off).
//
// One step() is one iteration (possibly several objective evaluations). step() has the
// strong exception guarantee: if the objective throws or fixed-step methods hit a
// non-finite value, the optimizer state is unchanged and a tnad::Error names the step.
//
// Checkpointing: save() writes everything that determines the future (x, f, g, counters,
// the previous value used by energy_tol, the RNG, Adam moments, the L-BFGS pairs), so that
// load() + step() continues bit for bit like the uninterrupted run.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "tnad/solvers/group.hpp"
#include "tnad/solvers/line_search.hpp"

namespace tnad::optim {

enum class Method { gd, adam, lbfgs };
const char* to_string(Method m);
Method method_from_string(const std::string& s);  // throws naming the valid choices

struct Options {
  Method method = Method::lbfgs;
  double lr = 1e-2;                  // gd, adam: step size
  bool line_search = false;          // gd: strong-Wolfe line search instead of a fixed lr
  double beta1 = 0.9, beta2 = 0.999; // adam: moment decay rates
  double eps = 1e-8;                 // adam: denominator guard
  int history = 10;                  // lbfgs: number of (s, y) pairs kept
  LineSearchOptions line;            // lbfgs, gd with line_search
  uint64_t seed = 0;                 // seed of rng() (stochastic objectives)
};

struct StopCriteria {
  int64_t max_steps = 1000;
  double grad_tol = 1e-8;    // stop when ||g||_2 <= grad_tol
  double energy_tol = 0.0;   // stop when |f_k - f_(k-1)| <= energy_tol (0: off)
};

enum class StopReason { none, grad_tol, energy_tol, max_steps, no_progress };
const char* to_string(StopReason r);

struct StepInfo {
  int64_t step = 0;        // iterations completed, 1 after the first step()
  double value = 0.0;      // f(x_k)
  double grad_norm = 0.0;  // ||g(x_k)||_2
  double step_norm = 0.0;  // ||x_k - x_(k-1)||_2
  int evaluations = 0;     // objective calls in this step
};

class Optimizer {
 public:
  explicit Optimizer(const Options& o);
  virtual ~Optimizer() = default;
  Method method() const { return opt_.method; }
  const Options& options() const { return opt_; }

  // Evaluates f(x0) and resets all state (counters, moments, history, rng from the seed).
  void start(const Objective& f, Vector x0);
  StepInfo step(const Objective& f);
  StopReason should_stop(const StopCriteria& c) const;

  bool started() const { return started_; }
  const Vector& x() const { return x_; }
  double value() const { return f_; }
  const Vector& gradient() const { return g_; }
  double grad_norm() const;
  int64_t steps() const { return steps_; }
  int64_t evaluations() const { return evals_; }
  // Random numbers for stochastic objectives (e.g. sampled energies): part of the state.
  std::mt19937_64& rng() { return rng_; }

  void save(runs::Group& g) const;
  // Throws tnad::Error naming what is missing or does not match (method, size).
  void load(const runs::Group& g);

 protected:
  struct Proposal {
    Vector x, g;
    double f = 0.0;
    int evaluations = 0;
    bool progress = true;  // false: no decrease found (x unchanged)
  };
  // Computes the next iterate from the current state without changing it; commit() then
  // updates the method's own state. Splitting the two gives the strong exception guarantee.
  virtual Proposal propose(const Objective& f) = 0;
  virtual void commit(const Proposal& p) = 0;
  virtual void reset() = 0;
  virtual void save_method(runs::Group& g) const = 0;
  virtual void load_method(const runs::Group& g) = 0;
  // Fixed-step methods refuse a non-finite objective (lower the step size).
  void check_finite(const Proposal& p) const;

  Options opt_;
  Vector x_, g_;
  double f_ = 0.0, prev_f_ = 0.0;
  bool started_ = false, has_prev_ = false, stalled_ = false;
  int64_t steps_ = 0, evals_ = 0;
  std::mt19937_64 rng_;
};

std::unique_ptr<Optimizer> make_optimizer(const Options& o);

struct Result {
  Vector x;
  double value = 0.0, grad_norm = 0.0;
  int64_t steps = 0, evaluations = 0;
  StopReason reason = StopReason::none;
};
// Runs opt from x0 until a stop criterion holds; on_step (optional) sees every step.
Result minimize(const Objective& f, Vector x0, Optimizer& opt, const StopCriteria& stop,
                const std::function<void(const StepInfo&)>& on_step = {});

}  // namespace tnad::optim
