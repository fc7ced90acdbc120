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
// It may run in stages (e.g. growing iPEPS bond dimensions): when a stage's optimizer
// stops and has_next_stage() is true, the next step() calls enter_next_stage() and restarts
// the optimizer from initial_point() (any number of variables). That step's row is the
// evaluation of the new starting point; the stopping criteria apply to each stage; steps()
// and the evaluation count go on across stages.
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
  int64_t steps() const override { return first_step_ + opt_->steps(); }
  // /state/optimizer (optim::Optimizer::save) + /state/job (save_extra)
  void save_state(Group& state) const override;
  void load_state(const Group& state) override;
  // objective, grad_norm, steps, evaluations, converged, x + add_results; stop_reason attr.
  void write_results(Group& results) const override;

  optim::Optimizer& optimizer() { return *opt_; }
  const optim::Optimizer& optimizer() const { return *opt_; }
  int stage() const { return stage_; }                      // 0 for the first stage
  int64_t evaluations() const { return evaluations_before_ + opt_->evaluations(); }  // all stages
  // Why the current stage's optimizer stops ("" while it runs).
  std::string stage_stop_reason() const;

 protected:
  virtual optim::Vector initial_point() = 0;
  virtual double evaluate(const optim::Vector& x, optim::Vector& grad) = 0;
  // The name of the objective's /history column and progress field ("energy", say).
  virtual std::string objective_name() const { return "objective"; }
  virtual void add_results(Group& /*results*/) const {}
  virtual void add_record(StepRecord& /*record*/) const {}
  virtual void save_extra(Group& /*job_state*/) const {}
  virtual void load_extra(const Group& /*job_state*/) {}
  // Stages: whether another stage follows the current one, and the switch to it (called
  // before initial_point() is asked for the new stage's start; stage() is already new).
  virtual bool has_next_stage() const { return false; }
  virtual void enter_next_stage() {}

 private:
  optim::Objective objective();
  StepRecord start_record();
  std::unique_ptr<optim::Optimizer> opt_;
  optim::StopCriteria stop_;
  int stage_ = 0;
  int64_t first_step_ = 0;          // global step number of the current stage's start
  int64_t evaluations_before_ = 0;  // objective evaluations of the finished stages
};

// [optimizer] section -> optimizer settings and stopping criteria.
optim::Options optimizer_options(const Params& p);
optim::StopCriteria stop_criteria(const Params& p);

}  // namespace tnad::runs
