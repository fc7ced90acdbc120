// The three methods behind make_optimizer (optim.hpp). Internal header.
#pragma once
#include <deque>

#include "tnad/solvers/optim.hpp"

namespace tnad::optim::detail {

double dot(const Vector& a, const Vector& b);
double norm(const Vector& a);

class GradientDescent final : public Optimizer {
 public:
  using Optimizer::Optimizer;

 protected:
  Proposal propose(const Objective& f) override;
  void commit(const Proposal& p) override;
  void reset() override;
  void save_method(runs::Group& g) const override;
  void load_method(const runs::Group& g) override;

 private:
  // previous accepted step length and slope g.d, for the next initial trial (N&W 3.60)
  double prev_alpha_ = 0.0, prev_slope_ = 0.0, pending_alpha_ = 0.0, pending_slope_ = 0.0;
};

class Adam final : public Optimizer {
 public:
  using Optimizer::Optimizer;

 protected:
  Proposal propose(const Objective& f) override;
  void commit(const Proposal& p) override;
  void reset() override;
  void save_method(runs::Group& g) const override;
  void load_method(const runs::Group& g) override;

 private:
  Vector m_, v_, pending_m_, pending_v_;
};

class LBFGS final : public Optimizer {
 public:
  using Optimizer::Optimizer;

 protected:
  Proposal propose(const Objective& f) override;
  void commit(const Proposal& p) override;
  void reset() override;
  void save_method(runs::Group& g) const override;
  void load_method(const runs::Group& g) override;

 private:
  Vector direction() const;  // -H g by the two-loop recursion
  struct Pair {
    Vector s, y;
    double rho;  // 1 / s.y
  };
  std::deque<Pair> pairs_;
  bool pending_reset_ = false;  // the proposal came from a steepest-descent restart
};

}  // namespace tnad::optim::detail
