// Job: one kind of calculation that `tnad run` drives step by step (run.hpp), with
// checkpoints between steps. The driver owns files, progress, signals and resume; a job
// owns only its numbers:
//
//   start()           fresh state (optionally a record for step 0, e.g. the initial energy)
//   step()            one unit of work -> the values to append to /history
//   stop_reason()     "" while work is left, else why it stopped
//   save_state(g)     everything the future depends on (bit-exact continuation)
//   load_state(g)     the inverse, on --resume
//   write_results(g)  final observables -> /results
//
// OptimizationJob is the base for variational jobs: it owns the optimizer built from
// [optimizer] and the stopping criteria, records objective / grad_norm per step and
// checkpoints the optimizer state; a subclass only supplies the starting point and the
// objective with its gradient (usually tnad tensors + tnad::grad, tensor_objective.hpp).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tnad/solvers/config.hpp"
#include "tnad/solvers/group.hpp"
#include "tnad/solvers/optim.hpp"

namespace tnad::runs {

// The values of one step, in the order the progress line shows them. The driver adds
// "step" and "seconds"; names become /history datasets.
struct StepRecord {
  std::vector<std::pair<std::string, double>> values;
  void add(std::string name, double v) { values.emplace_back(std::move(name), v); }
};

class Job {
 public:
  virtual ~Job() = default;
  virtual std::optional<StepRecord> start() = 0;
  virtual StepRecord step() = 0;
  virtual std::string stop_reason() const = 0;
  virtual int64_t steps() const = 0;  // steps completed
  virtual void save_state(Group& state) const = 0;
  virtual void load_state(const Group& state) = 0;
  virtual void write_results(Group& results) const = 0;
};

class OptimizationJob : public Job {
 public:
  explicit OptimizationJob(const Config& config);

  std::optional<StepRecord> start() override;
  StepRecord step() override;
  std::string stop_reason() const override;
  int64_t steps() const override { return opt_->steps(); }
  // /state/optimizer (optim::Optimizer::save) + /state/job (save_extra)
  void save_state(Group& state) const override;
  void load_state(const Group& state) override;
  // objective, grad_norm, steps, evaluations, converged, x + add_results; stop_reason attr.
  void write_results(Group& results) const override;

  optim::Optimizer& optimizer() { return *opt_; }
  const optim::Optimizer& optimizer() const { return *opt_; }

 protected:
  virtual optim::Vector initial_point() = 0;
  virtual double evaluate(const optim::Vector& x, optim::Vector& grad) = 0;
  virtual void add_results(Group& /*results*/) const {}
  virtual void add_record(StepRecord& /*record*/) const {}
  virtual void save_extra(Group& /*job_state*/) const {}
  virtual void load_extra(const Group& /*job_state*/) {}

 private:
  optim::Objective objective();
  std::unique_ptr<optim::Optimizer> opt_;
  optim::StopCriteria stop_;
  int last_evaluations_ = 0;
};

// [optimizer] section -> optimizer settings and stopping criteria.
optim::Options optimizer_options(const Params& p);
optim::StopCriteria stop_criteria(const Params& p);

}  // namespace tnad::runs
