// Job "ising-thermo": ln Z, energy and specific heat of the 2D Ising model on a grid of
// inverse temperatures, by TRG or HOTRG and (nested) automatic differentiation — the first
// headline result of Liao, Liu, Wang, Xiang, PRX 9, 031041 (2019), Fig. 1.
//
// Each beta point is one step (the first is step 0, computed by start()): /history gets
// beta, u, C, ln Z, d lnZ/dh, and for h = 0 Onsager's exact values and the errors, plus
// the largest discarded weight and the bond dimension of the last RG step. Points are
// independent and deterministic, so a resumed run equals an uninterrupted one bit for bit;
// /state keeps the points done so far, /results all of them at the end (docs/files.md).
#include <algorithm>
#include <cmath>
#include <limits>

#include "tnad/solvers/ising.hpp"
#include "tnad/solvers/ising_thermo.hpp"
#include "tnad/solvers/onsager.hpp"
#include "tnad/solvers/registry.hpp"

namespace tnad::runs {

namespace {

std::vector<double> beta_grid(const Params& p) {
  std::vector<double> grid;
  if (p.given("beta")) {
    for (const char* k : {"beta_min", "beta_max", "beta_step"})
      if (p.given(k)) p.fail(k, "give either beta = [...] or beta_min / beta_max / beta_step, not both");
    grid = p.floats("beta");
    if (grid.empty()) p.fail("beta", "is empty");
  } else {
    const double lo = p.number("beta_min"), hi = p.number("beta_max"), st = p.number("beta_step");
    if (hi < lo) p.fail("beta_max", "is below beta_min = " + std::to_string(lo));
    // Points lo + i * step up to hi (hi included when it is on the grid up to rounding).
    const double n = std::floor((hi - lo) / st + 1e-9);
    if (n > 100000) p.fail("beta_step", "gives more than 100000 points");
    for (int64_t i = 0; i <= int64_t(n); ++i) grid.push_back(lo + double(i) * st);
  }
  for (double b : grid)
    if (!(b > 0.0) || !std::isfinite(b)) p.fail(p.given("beta") ? "beta" : "beta_min", "every beta must be > 0");
  return grid;
}

class IsingThermo final : public Job {
 public:
  explicit IsingThermo(const Config& c) {
    const Params& p = c.job;
    grid_ = beta_grid(p);
    o_.method = rg_method(p.string("method"));
    o_.order = int(p.integer("order"));
    o_.J = p.number("J");
    o_.h = p.number("h");
    TruncationOptions& t = o_.rg.truncation;
    t.max_rank = p.integer("chi");
    o_.rg.steps = int(p.integer("steps"));
    t.keep_multiplets = p.boolean("keep_multiplets");
    t.multiplet_tol = p.number("multiplet_tol");
    t.rel_cutoff = p.number("rel_cutoff");
    t.method = p.string("svd") == "randomized" ? SvdMethod::randomized : SvdMethod::full;
    t.oversampling = p.integer("oversampling");
    t.power_iterations = int(p.integer("power_iterations"));
    t.degeneracy.rule = p.string("broadening") == "cutoff" ? Broadening::cutoff : Broadening::lorentzian;
    t.degeneracy.eps = p.number("broadening_eps");
    const std::string& cp = p.string("checkpoint");
    o_.rg.checkpoint = cp == "every_step" ? ChainCheckpoint::every_step
                       : cp == "sqrt"     ? ChainCheckpoint::sqrt
                                          : ChainCheckpoint::none;
    if (o_.method == RgMethod::hotrg && p.given("svd")) p.fail("svd", "applies to method = \"trg\" only (HOTRG uses eigh)");
    exact_ = o_.h == 0.0;
  }

  std::optional<StepRecord> start() override { return compute_next(); }
  StepRecord step() override { return compute_next(); }
  std::string stop_reason() const override { return done() >= grid_.size() ? "beta_grid_done" : ""; }
  int64_t steps() const override { return int64_t(done()) - 1; }

  void save_state(Group& g) const override {
    g.put("beta", Dataset::of(beta_));
    g.put("ln_z", Dataset::of(ln_z_));
    g.put("u", Dataset::of(u_));
    g.put("c", Dataset::of(c_));
    g.put("dlnz_dh", Dataset::of(dlnz_dh_));
    g.put("discarded_weight", Dataset::of(dw_, {int64_t(done()), o_.rg.steps}));
    g.put("bond_dim", Dataset::of(dims_, {int64_t(done()), o_.rg.steps}));
  }

  void load_state(const Group& g) override {
    beta_ = g.doubles("beta");
    ln_z_ = g.doubles("ln_z");
    u_ = g.doubles("u");
    c_ = g.doubles("c");
    dlnz_dh_ = g.doubles("dlnz_dh");
    dw_ = g.doubles("discarded_weight");
    dims_ = g.dataset("bond_dim").ints("/state/job bond_dim");
    const std::size_t n = beta_.size();
    if (ln_z_.size() != n || u_.size() != n || c_.size() != n || dlnz_dh_.size() != n ||
        dw_.size() != n * std::size_t(o_.rg.steps) || dims_.size() != dw_.size() || n > grid_.size())
      throw_error(g.path(), ": inconsistent ising-thermo state (", n, " points)");
    for (std::size_t i = 0; i < n; ++i)
      if (beta_[i] != grid_[i]) throw_error(g.path(), ": point ", i, " has beta ", beta_[i], ", the grid ", grid_[i]);
  }

  void write_results(Group& r) const override {
    r.set("stop_reason", stop_reason());
    r.set("method", to_string(o_.method));
    r.set("chi", o_.rg.truncation.max_rank);
    r.set("rg_steps", int64_t(o_.rg.steps));
    r.set("sites_log2", int64_t(o_.rg.steps));
    r.put("beta", Dataset::of(beta_));
    r.put("ln_z", Dataset::of(ln_z_));
    r.put("u", Dataset::of(u_));
    r.put("c", Dataset::of(c_));
    r.put("dlnz_dh", Dataset::of(dlnz_dh_));
    r.put("discarded_weight", Dataset::of(dw_, {int64_t(done()), o_.rg.steps}));
    r.put("bond_dim", Dataset::of(dims_, {int64_t(done()), o_.rg.steps}));
    if (!c_.empty() && o_.order >= 2) {
      const auto peak = std::max_element(c_.begin(), c_.end());
      r.put("c_peak_beta", Dataset::scalar(beta_[std::size_t(peak - c_.begin())]));
    }
    if (!exact_) return;
    std::vector<double> lz, u, c;
    double e_lz = 0, e_u = 0;
    for (double b : beta_) {
      const OnsagerValues v = onsager(b * o_.J);
      lz.push_back(v.ln_z);
      u.push_back(o_.J * v.u);
      c.push_back(v.c);
    }
    for (std::size_t i = 0; i < beta_.size(); ++i) {
      e_lz = std::max(e_lz, std::abs(ln_z_[i] - lz[i]));
      if (o_.order >= 1) e_u = std::max(e_u, std::abs(u_[i] - u[i]));
    }
    r.put("ln_z_exact", Dataset::of(lz));
    r.put("u_exact", Dataset::of(u));
    r.put("c_exact", Dataset::of(c));
    r.put("max_abs_err_ln_z", Dataset::scalar(e_lz));
    if (o_.order >= 1) r.put("max_abs_err_u", Dataset::scalar(e_u));
    r.put("beta_c", Dataset::scalar(ising_beta_c() / o_.J));
  }

 private:
  std::size_t done() const { return beta_.size(); }

  StepRecord compute_next() {
    const double beta = grid_[done()];
    const ThermoPoint t = ising_thermo(beta, o_);
    beta_.push_back(beta);
    ln_z_.push_back(t.ln_z);
    u_.push_back(t.u);
    c_.push_back(t.c);
    dlnz_dh_.push_back(t.dlnz_dh);
    dw_.insert(dw_.end(), t.discarded_weight.begin(), t.discarded_weight.end());
    dims_.insert(dims_.end(), t.bond_dim.begin(), t.bond_dim.end());
    StepRecord r;
    r.add("beta", beta);
    if (o_.order >= 1) r.add("u", t.u);
    if (o_.order >= 2) r.add("c", t.c);
    r.add("ln_z", t.ln_z);
    if (o_.order >= 1) r.add("dlnz_dh", t.dlnz_dh);
    if (exact_) {
      // Onsager with beta -> beta J: ln Z and C are functions of beta J, u scales with J.
      const OnsagerValues v = onsager(beta * o_.J);
      r.add("ln_z_exact", v.ln_z);
      r.add("err_ln_z", t.ln_z - v.ln_z);
      if (o_.order >= 1) {
        r.add("u_exact", o_.J * v.u);
        r.add("err_u", t.u - o_.J * v.u);
      }
      if (o_.order >= 2) {
        r.add("c_exact", v.c);
        r.add("err_c", t.c - v.c);
      }
    }
    double dw = 0;
    for (double w : t.discarded_weight) dw = std::max(dw, w);
    r.add("max_discarded_weight", dw);
    r.add("bond_dim", t.bond_dim.empty() ? 0.0 : double(t.bond_dim.back()));
    return r;
  }

  ThermoOptions o_;
  std::vector<double> grid_;
  bool exact_ = true;
  std::vector<double> beta_, ln_z_, u_, c_, dlnz_dh_, dw_;
  std::vector<int64_t> dims_;
};

}  // namespace

JobType ising_thermo_job_type() {
  JobType t;
  t.name = "ising-thermo";
  t.summary = "ln Z, energy and specific heat of the 2D Ising model by TRG/HOTRG and nested AD";
  t.uses_optimizer = false;
  // Defaults come from the option structs (rg.hpp, options.hpp, ising_thermo.hpp), so the
  // schema never restates them.
  const ThermoOptions d;
  const TruncationOptions& dt = d.rg.truncation;
  auto name = [](Broadening b) { return std::string(b == Broadening::cutoff ? "cutoff" : "lorentzian"); };
  auto checkpoint_name = [](ChainCheckpoint c) {
    return std::string(c == ChainCheckpoint::every_step ? "every_step" : c == ChainCheckpoint::sqrt ? "sqrt" : "none");
  };
  t.params = {
      Param::string("method", to_string(d.method), "coarse-graining: Levin-Nave TRG or HOTRG").one_of({"trg", "hotrg"}),
      Param::integer("chi", dt.max_rank, "bond dimension kept").at_least(2).at_most(256),
      Param::integer("steps", d.rg.steps, "RG steps: a torus of 2^steps sites").at_least(1).at_most(200),
      Param::floats("beta", {}, "explicit inverse temperatures (else the beta_min/max/step grid)"),
      Param::floating("beta_min", 0.40, "first inverse temperature of the grid").above(0.0),
      Param::floating("beta_max", 0.50, "last inverse temperature of the grid (included)").above(0.0),
      Param::floating("beta_step", 0.0025, "grid spacing").above(0.0),
      Param::floating("J", d.J, "coupling (ferromagnetic)").above(0.0),
      Param::floating("h", d.h, "magnetic field (Onsager values only for h = 0)"),
      Param::integer("order", d.order, "derivatives: 0 ln Z, 1 + u and d lnZ/dh, 2 + C").at_least(0).at_most(2),
      Param::string("svd", dt.method == SvdMethod::randomized ? "randomized" : "full",
                    "TRG truncated SVD: full (dgesdd) or randomized")
          .one_of({"full", "randomized"}),
      Param::integer("oversampling", dt.oversampling, "randomized SVD: extra sketch columns").at_least(0),
      Param::integer("power_iterations", dt.power_iterations, "randomized SVD: power iterations").at_least(0),
      Param::boolean("keep_multiplets", dt.keep_multiplets, "never cut through a degenerate multiplet"),
      Param::floating("multiplet_tol", dt.multiplet_tol, "relative gap below which neighbours form a multiplet")
          .at_least(0.0)
          .at_most(kMaxMultipletTol),
      Param::floating("rel_cutoff", dt.rel_cutoff, "drop singular values / eigenvalues <= rel_cutoff * max")
          .at_least(0.0)
          .below(1.0),
      Param::string("broadening", name(dt.degeneracy.rule), "regularisation of 1/(s_i - s_j) in the adjoints")
          .one_of({"cutoff", "lorentzian"}),
      Param::floating("broadening_eps", dt.degeneracy.eps, "relative width of that regularisation").at_least(0.0),
      Param::string("checkpoint", checkpoint_name(d.rg.checkpoint), "checkpointing of the RG steps in the backward (memory vs time)")
          .one_of({"none", "every_step", "sqrt"}),
  };
  t.make = [](const Config& c) { return std::make_unique<IsingThermo>(c); };
  return t;
}

}  // namespace tnad::runs
