#include "tnad/solvers/job.hpp"

#include "tnad/ad/error.hpp"

namespace tnad::runs {

optim::Options optimizer_options(const Params& p) {
  optim::Options o;
  const std::string method = p.string("method");
  o.method = optim::method_from_string(method);
  o.seed = uint64_t(p.integer("seed"));
  if (method == "gd" || method == "adam") o.lr = p.number("lr");
  if (method == "gd") o.line_search = p.boolean("line_search");
  if (method == "adam") {
    o.beta1 = p.number("beta1");
    o.beta2 = p.number("beta2");
    o.eps = p.number("eps");
  }
  if (method == "lbfgs") o.history = int(p.integer("history"));
  if (method == "gd" || method == "lbfgs") {
    o.line.c1 = p.number("c1");
    o.line.c2 = p.number("c2");
    o.line.max_evaluations = int(p.integer("max_line_search"));
  }
  return o;
}

optim::StopCriteria stop_criteria(const Params& p) {
  optim::StopCriteria s;
  s.max_steps = p.integer("max_steps");
  s.grad_tol = p.number("grad_tol");
  s.energy_tol = p.number("energy_tol");
  return s;
}

OptimizationJob::OptimizationJob(const Config& c)
    : opt_(optim::make_optimizer(optimizer_options(c.optimizer))), stop_(stop_criteria(c.optimizer)) {}

optim::Objective OptimizationJob::objective() {
  return [this](const optim::Vector& x, optim::Vector& g) { return evaluate(x, g); };
}

std::optional<StepRecord> OptimizationJob::start() {
  opt_->start(objective(), initial_point());
  return start_record();
}

StepRecord OptimizationJob::start_record() {
  StepRecord r;
  r.add(objective_name(), opt_->value());
  r.add("grad_norm", opt_->grad_norm());
  r.add("step_norm", 0.0);
  r.add("evaluations", 1.0);
  add_record(r);
  return r;
}

StepRecord OptimizationJob::step() {
  if (opt_->should_stop(stop_) != optim::StopReason::none && has_next_stage()) {
    const int64_t first = steps() + 1, before = evaluations();
    ++stage_;
    enter_next_stage();
    opt_->start(objective(), initial_point());
    first_step_ = first;
    evaluations_before_ = before;
    return start_record();
  }
  optim::StepInfo info = opt_->step(objective());
  StepRecord r;
  r.add(objective_name(), info.value);
  r.add("grad_norm", info.grad_norm);
  r.add("step_norm", info.step_norm);
  r.add("evaluations", double(info.evaluations));
  add_record(r);
  return r;
}

std::string OptimizationJob::stage_stop_reason() const {
  optim::StopReason r = opt_->should_stop(stop_);
  return r == optim::StopReason::none ? "" : optim::to_string(r);
}

std::string OptimizationJob::stop_reason() const {
  std::string r = stage_stop_reason();
  return !r.empty() && has_next_stage() ? std::string() : r;
}

void OptimizationJob::save_state(Group& state) const {
  if (stage_ > 0) {  // (single-stage files stay as they were)
    state.set("stage", int64_t(stage_));
    state.set("stage_first_step", first_step_);
    state.set("stage_evaluations_before", evaluations_before_);
  }
  opt_->save(state.group("optimizer"));
  Group& j = state.group("job");
  save_extra(j);
}

void OptimizationJob::load_state(const Group& state) {
  const bool staged = state.has_attr("stage");
  stage_ = staged ? int(state.attr_int("stage")) : 0;
  first_step_ = staged ? state.attr_int("stage_first_step") : 0;
  evaluations_before_ = staged ? state.attr_int("stage_evaluations_before") : 0;
  if (stage_ < 0 || first_step_ < 0 || evaluations_before_ < 0)
    throw_error(state.path(), ": invalid stage attributes (stage ", stage_, ", first step ", first_step_, ")");
  opt_->load(state.group("optimizer"));
  if (state.has_group("job")) load_extra(state.group("job"));
}

void OptimizationJob::write_results(Group& r) const {
  const std::string reason = stop_reason();
  r.set("stop_reason", reason.empty() ? std::string("running") : reason);
  r.put("objective", Dataset::scalar(opt_->value()));
  r.put("grad_norm", Dataset::scalar(opt_->grad_norm()));
  r.put("steps", Dataset::scalar(steps()));
  r.put("evaluations", Dataset::scalar(evaluations()));
  r.put("converged", Dataset::scalar(int64_t(reason == "grad_tol" || reason == "energy_tol")));
  r.put("x", Dataset::of(opt_->x()));
  add_results(r);
}

}  // namespace tnad::runs
