// Job "ipeps": the ground state of a square-lattice Hamiltonian (hamiltonian.hpp) as a
// one-site iPEPS, by L-BFGS (or any [optimizer]) on the energy per site with the gradient by
// AD through CTMRG (ipeps.hpp) — the second headline result of Liao, Liu, Wang, Xiang, PRX 9,
// 031041 (2019), Sec. V. ansatz = "c4v": one C4v-symmetric tensor and the C4v CTMRG (their
// setting); "single-site": one tensor without point-group symmetry, directional CTMRG;
// "unit-cell": an Lx x Ly cell of independent tensors (key unit_cell = [Lx, Ly]), directional
// CTMRG on the cell, the energy averaged over every bond of the cell (ipeps.hpp).
//
// Stages: bond dimensions D_start, D_start + 1, ..., D, each started from the previous
// stage's optimum embedded in the larger D with small noise; the [optimizer] stopping
// criteria apply to each stage. Every step's /history row carries its stage's D and chi.
// State: the optimizer (x = the raw tensor A, d D^4 numbers), the (symmetrized) tensor and
// CTMRG environment of the accepted point (the warm start of the next evaluations, the
// embedding of the next stage) and the summaries of the finished stages, so that a run
// killed at any moment resumes bit for bit. The layout is in docs/files.md.
//
// Gradient modes (key `gradient`): "unrolled" back-propagates through every CTMRG iteration
// (memory grows with the iterations); "checkpointed" the same with per-iteration
// checkpointing (less memory, one more forward); "fixed_point" runs the CTMRG unrecorded and
// differentiates its converged, gauge-fixed environment by the implicit function theorem
// (Francuz, Schuch, Vanhecke, PRR 7, 013237 (2025); tnad/tensornet/ctmrg.hpp): memory of one
// step, an adjoint linear solve ((I - f_x^T) y = dE/dx*, key fixed_point_solver) per gradient.
// Trap: an adjoint solve that does not converge (a nearly critical or period-2 environment)
// gives no gradient, and a CTMRG stopped by ctm_max_iter is no fixed point (the implicit rule
// would silently give the gradient of another function); either way the evaluation falls
// back to the unrolled gradient (from the same start), says so on stderr once, and counts it
// in /history (gradient_fallbacks) rather than ending a long run.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "tnad/ad/autograd.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/memory.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/ad/tensor.hpp"
#include "tnad/linalg/fixed_point_solvers.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/ipeps.hpp"
#include "tnad/solvers/registry.hpp"
#include "tnad/tensornet/rdm.hpp"

namespace tnad::runs {

namespace {

int64_t auto_chi(int64_t D) { return std::max(D * D, 10 * D); }

std::string fmt_g(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

// The model of [job] and the keys it reads (any other model key given is an error).
// bipartite_cell: the ansatz is a unit cell with even Lx and Ly, which holds a Neel pattern
// without the rotation (sublattice_rotation = "auto" is then off).
LatticeHamiltonian build_model(const Params& p, bool bipartite_cell) {
  const std::string& m = p.string("model");
  const std::vector<std::string> all = {"J", "Jz", "Jxy", "J2", "h", "bond_matrix"};
  std::vector<std::string> uses;
  if (m == "heisenberg") uses = {"J"};
  if (m == "xxz") uses = {"Jz", "Jxy"};
  if (m == "j1j2") uses = {"J", "J2"};
  if (m == "tfim") uses = {"h"};
  if (m == "custom") uses = {"bond_matrix"};
  for (const auto& k : all)
    if (p.given(k) && std::find(uses.begin(), uses.end(), k) == uses.end())
      p.fail(k, "does not apply to model = \"" + m + "\"");
  // auto: antiferromagnetic (in-plane) couplings get the rotation
  const std::string& rot = p.string("sublattice_rotation");
  bool rotate = rot == "on";
  if (rot == "auto" && !bipartite_cell) {
    if (m == "heisenberg" || m == "j1j2") rotate = p.number("J") > 0;
    if (m == "xxz") rotate = p.number("Jxy") > 0 || (p.number("Jxy") == 0 && p.number("Jz") > 0);
  }
  if (m == "tfim" && rotate) p.fail("sublattice_rotation", "the transverse-field Ising model takes no rotation");
  if (m == "heisenberg") return heisenberg(p.number("J"), rotate);
  if (m == "xxz") return xxz(p.number("Jz"), p.number("Jxy"), rotate);
  if (m == "j1j2") return j1j2(p.number("J"), p.number("J2"), rotate);
  if (m == "tfim") return transverse_field_ising(p.number("h"));
  if (!p.given("bond_matrix")) p.fail("bond_matrix", "model = \"custom\" needs a bond matrix (d^4 numbers, row-major)");
  try {
    return custom_bond(p.floats("bond_matrix"), rotate, "the bond matrix");
  } catch (const Error& e) {
    p.fail("bond_matrix", e.what());
  }
}

// The optimizer's x: the n site tensors (d, D, D, D, D) one after the other (row-major cell),
// each a fresh leaf.
std::vector<Tensor> site_tensors(const optim::Vector& x, int64_t n, int64_t d, int64_t D) {
  const std::size_t m = std::size_t(d * D * D * D * D);
  std::vector<Tensor> out;
  for (int64_t i = 0; i < n; ++i)
    out.push_back(from({d, D, D, D, D}, optim::Vector(x.begin() + std::ptrdiff_t(std::size_t(i) * m),
                                                      x.begin() + std::ptrdiff_t(std::size_t(i + 1) * m))));
  return out;
}

Dataset tensor_dataset(const Tensor& t) {
  std::vector<int64_t> shape(t.shape().begin(), t.shape().end());
  return Dataset::of(t.value().to_vector(), shape);
}

Tensor tensor_of(const Group& g, const std::string& name) {
  const Dataset& d = g.dataset(name);
  Shape s;
  for (int64_t e : d.shape) s.push_back(e);
  return from(s, g.doubles(name));
}

class Ipeps final : public OptimizationJob {
 public:
  explicit Ipeps(const Config& c) : OptimizationJob(c) {
    const Params& p = c.job;
    const std::string& ansatz = p.string("ansatz");
    c4v_ = ansatz == "c4v";
    cell_ = ansatz == "unit-cell";
    if (p.given("unit_cell") && !cell_)
      p.fail("unit_cell", "only applies to ansatz = \"unit-cell\" (ansatz = \"" + ansatz + "\")");
    if (cell_) {
      const std::vector<double> L = p.floats("unit_cell");
      if (L.size() != 2 || L[0] != std::floor(L[0]) || L[1] != std::floor(L[1]) || L[0] < 1 || L[1] < 1 ||
          L[0] > 8 || L[1] > 8)
        p.fail("unit_cell", "must be [Lx, Ly], two integers from 1 to 8 (columns, rows of the cell)");
      Lx_ = int64_t(L[0]);
      Ly_ = int64_t(L[1]);
    }
    H_ = build_model(p, cell_ && Lx_ % 2 == 0 && Ly_ % 2 == 0);
    const int64_t D = p.integer("D");
    const int64_t D0 = p.integer("D_start") == 0 ? D : p.integer("D_start");
    if (D0 > D) p.fail("D_start", "is larger than D = " + std::to_string(D) + " (stages run D_start, ..., D)");
    for (int64_t k = D0; k <= D; ++k) dims_.push_back(k);
    chi_ = p.integer("chi");
    if (chi_ > 0 && chi_ < D * D)
      p.fail("chi", "is smaller than D^2 = " + std::to_string(D * D) +
                        " (the environment could not hold one double-layer bond); raise it, or give 0 for max(D^2, 10 D)");
    ctm_.tol = p.number("ctm_tol");
    ctm_.max_iter = int(p.integer("ctm_max_iter"));
    // gradient mode; `checkpoint = true` is the older spelling of gradient = "checkpointed"
    gradient_ = p.string("gradient");
    if (p.given("checkpoint") && p.boolean("checkpoint")) {
      if (p.given("gradient") && gradient_ != "checkpointed")
        p.fail("checkpoint", "contradicts gradient = \"" + gradient_ +
                                 "\" (checkpoint is the older spelling of gradient = \"checkpointed\"; give only gradient)");
      gradient_ = "checkpointed";
    }
    ctm_.checkpoint = gradient_ == "checkpointed";
    if (gradient_ != "fixed_point")
      for (const char* k : {"fixed_point_solver", "fixed_point_tol", "fixed_point_max_iter"})
        if (p.given(k)) p.fail(k, "only applies to gradient = \"fixed_point\" (gradient = \"" + gradient_ + "\")");
    fp_solver_ = p.string("fixed_point_solver");
    fp_.solve.tol = p.number("fixed_point_tol");
    fp_.solve.max_iter = int(p.integer("fixed_point_max_iter"));
    fp_.solver = adjoint_solver(fp_solver_);
    // the truncation policy of the CTMRG decompositions (max_rank stays -1: chi is the rank)
    ctm_.truncation.rel_cutoff = p.number("rel_cutoff");
    ctm_.truncation.keep_multiplets = p.boolean("keep_multiplets");
    ctm_.truncation.multiplet_tol = p.number("multiplet_tol");
    warm_start_ = p.boolean("warm_start");
    init_ = p.string("init");
    init_file_ = p.string("init_file");
    if (init_ == "file" && init_file_.empty()) p.fail("init_file", "init = \"file\" needs the HDF5 file of an earlier run");
    if (init_ != "file" && !init_file_.empty()) p.fail("init_file", "is only read with init = \"file\"");
    std::error_code ec;
    if (init_ == "file" && !std::filesystem::exists(init_file_, ec)) {
      // Only a fresh start reads it (a resumed run has its state): the error waits for that.
      try {
        p.fail("init_file", "no such file");
      } catch (const Error& e) {
        init_error_ = e.what();
      }
    } else if (init_ == "file") {
      try {
        start_tensor_ = read_start_tensor(init_file_);
      } catch (const Error& e) {
        p.fail("init_file", e.what());
      }
      // a cell run's tensors (Ly, Lx, d, D, D, D, D): only into a cell of the same shape
      if (start_tensor_.ndim() == 7) {
        if (!cell_ || start_tensor_.size(0) != Ly_ || start_tensor_.size(1) != Lx_)
          p.fail("init_file", "holds a unit cell of shape " + std::to_string(start_tensor_.size(1)) + " x " +
                                  std::to_string(start_tensor_.size(0)) + " (Lx x Ly); this run needs " +
                                  (cell_ ? std::to_string(Lx_) + " x " + std::to_string(Ly_) : std::string("one site")));
        start_cell_ = sites_of(start_tensor_);
      } else {
        start_cell_.assign(std::size_t(n_sites()), start_tensor_);  // one site's tensor on every site
      }
      if (start_cell_[0].size(0) != H_.d)
        p.fail("init_file", "holds a tensor of physical dimension " + std::to_string(start_cell_[0].size(0)) +
                                ", the model has d = " + std::to_string(H_.d));
      if (start_cell_[0].size(1) > dims_[0])
        p.fail("init_file", "holds bond dimension " + std::to_string(start_cell_[0].size(1)) +
                                ", larger than the first stage's D = " + std::to_string(dims_[0]));
    }
    seed_ = uint64_t(p.integer("seed"));
    noise_ = p.number("noise");
    set_energy_floor(p);
  }

  std::optional<StepRecord> start() override {
    std::optional<StepRecord> r = OptimizationJob::start();
    accept();
    add_columns(*r);
    check_floor();
    return r;
  }

  StepRecord step() override {
    StepRecord r = OptimizationJob::step();
    accept();
    add_columns(r);
    check_floor();
    return r;
  }

 protected:
  std::string objective_name() const override { return "energy"; }

  optim::Vector initial_point() override {
    const int64_t D = dims_[std::size_t(stage())];
    optim::Vector x;
    // site i of the cell (0 for one site) gets seed_ + i: a one-site run is unchanged
    for (int64_t i = 0; i < n_sites(); ++i) {
      const uint64_t seed = seed_ + uint64_t(i);
      Tensor A;
      if (stage() > 0) {
        A = embed_peps_tensor(sites_of(accepted_.state)[std::size_t(i)], D, noise_, seed + uint64_t(stage()));
      } else if (init_ == "file") {
        if (!init_error_.empty()) throw_error(init_error_);
        const Tensor& t = start_cell_[std::size_t(i)];
        A = embed_peps_tensor(t, D, t.size(1) < D ? noise_ : 0.0, seed);
      } else if (init_ == "neel") {
        // without the rotation, a cell holds the Neel pattern: down on (x + y) odd
        const bool down = cell_ && !H_.sublattice_rotation && (i % Lx_ + i / Lx_) % 2 == 1;
        std::vector<double> phi(std::size_t(H_.d), 0.0);
        phi[down ? std::size_t(H_.d - 1) : 0] = 1.0;
        A = product_peps_tensor(phi, D, noise_, seed);
      } else {
        A = random_peps_tensor(H_.d, D, seed, init_ == "random_signed" ? -1.0 : 0.0);
      }
      const std::vector<double> v = A.value().to_vector();
      x.insert(x.end(), v.begin(), v.end());
    }
    return x;
  }

  double evaluate(const optim::Vector& x, optim::Vector& g) override {
    const int64_t D = dims_[std::size_t(stage())];
    std::vector<Tensor> A = site_tensors(x, n_sites(), H_.d, D);
    for (Tensor& a : A) a.requires_grad_(true);
    const bool warm = warm_start_ && accepted_.state.defined() && bond_dim(accepted_.state) == D;
    CtmrgOptions o = ctm_;
    o.chi = chi(D);
    Point p;
    p.x = x;
    p.fallbacks = (trials_.empty() ? accepted_ : trials_.back()).fallbacks;
    const int64_t live_before = memory::live_bytes();
    memory::reset_peak();
    Tensor energy;
    if (gradient_ == "fixed_point") {
      auto info = std::make_shared<FixedPointInfo>();
      std::string why;  // non-empty: this evaluation falls back to the checkpointed gradient
      try {
        energy = energy_fixed_point(A, o, warm, p, info);
        if (p.info.converged) {
          gradient_into(energy, A, g);
          p.adjoint_iterations = info->iterations;
          p.adjoint_residual = info->residual;
          p.memory_peak = memory::peak_bytes() - live_before;
          const double value = p.energy;
          trials_.push_back(std::move(p));
          return value;
        }
        // x* is no fixed point: the implicit rule would give the gradient of another function
        why = "the CTMRG did not converge (" + std::to_string(p.info.iterations) + " iterations, ctm_error " +
              fmt_g(p.info.error) + " > ctm_tol " + fmt_g(ctm_.tol) + "; raise ctm_max_iter)";
      } catch (const Error& e) {
        if (info->method.empty() || info->converged) throw;  // not the adjoint solve: a real error
        why = "the adjoint solve did not converge (fixed_point_solver \"" + fp_solver_ + "\", " +
              std::to_string(info->iterations) + " iterations, residual " + fmt_g(info->residual) +
              " > fixed_point_tol " + fmt_g(fp_.solve.tol) +
              "; raise fixed_point_max_iter or fixed_point_tol" +
              (fp_solver_ == "gmres" ? std::string() : std::string(", try fixed_point_solver = \"gmres\"")) +
              ", or lower ctm_tol)";
      }
      p.adjoint_iterations = info->iterations;
      p.adjoint_residual = info->residual;
      ++p.fallbacks;
      if (!fallback_warned_)
        std::fprintf(stderr,
                     "tnad: WARNING: ipeps: gradient = \"fixed_point\": %s; this evaluation uses the checkpointed "
                     "gradient instead (counted in /history/gradient_fallbacks; further fallbacks are not printed).\n",
                     why.c_str());
      fallback_warned_ = true;
      A = site_tensors(x, n_sites(), H_.d, D);
      for (Tensor& a : A) a.requires_grad_(true);
      // Checkpointed, not plainly unrolled: a fallback comes where the CTMRG is slow (hundreds
      // of iterations), and a plain tape of D = 3, chi = 64 single-site iterations grew to 10 GB.
      o.checkpoint = true;
    }
    energy = energy_unrolled(A, o, warm, p);
    const double value = p.energy;
    gradient_into(energy, A, g);
    p.memory_peak = memory::peak_bytes() - live_before;
    trials_.push_back(std::move(p));
    return value;
  }

  bool has_next_stage() const override { return std::size_t(stage()) + 1 < dims_.size(); }

  void enter_next_stage() override {
    // the stage that just ended (stage() already counts the new one)
    const GroundStateObservables o = observe(accepted_, 4);
    StageSummary s;
    s.D = bond_dim(accepted_.state);
    s.chi = chi(s.D);
    s.energy = o.energy;
    s.magnetization = o.magnetization;
    s.correlation_length = o.correlation_length;
    s.last_step = steps();
    s.evaluations = evaluations();
    s.stop_reason = stage_stop_reason();
    stages_.push_back(s);
  }

  void save_extra(Group& g) const override {
    g.put("state", tensor_dataset(accepted_.state));
    put_env(g, accepted_);
    g.set("ctm_iterations", int64_t(accepted_.info.iterations));
    g.set("ctm_error", accepted_.info.error);
    g.set("ctm_converged", int64_t(accepted_.info.converged));
    g.set("truncation_error", accepted_.info.truncation_error);
    g.set("energy", accepted_.energy);
    g.set("lowest_energy", lowest_energy_);
    g.set("adjoint_iterations", int64_t(accepted_.adjoint_iterations));
    g.set("adjoint_residual", accepted_.adjoint_residual);
    g.set("gradient_fallbacks", accepted_.fallbacks);
    g.set("memory_peak", accepted_.memory_peak);
    write_stages(g.group("stages"));
  }

  void load_extra(const Group& g) override {
    if (std::size_t(stage()) >= dims_.size())
      throw_error(g.path(), ": stage ", stage(), " but this config has ", dims_.size(), " stages");
    const int64_t D = dims_[std::size_t(stage())];
    accepted_.state = tensor_of(g, "state");
    get_env(g, accepted_);
    if (accepted_.state.shape() != state_shape(D))
      throw_error(g.path(), "/state has shape ", accepted_.state.shape(), ", stage ", stage(), " has d = ", H_.d,
                  ", D = ", D);
    accepted_.info.iterations = int(g.attr_int("ctm_iterations"));
    accepted_.info.error = g.attr_double("ctm_error");
    accepted_.info.converged = g.attr_int("ctm_converged") != 0;
    accepted_.info.truncation_error = g.attr_double("truncation_error");
    if (!g.has_attr("lowest_energy") || !g.has_attr("energy")) throw_error(g.path(), " has no attributes energy, lowest_energy (a checkpoint of an older tnad: start it afresh)");
    lowest_energy_ = g.attr_double("lowest_energy");
    accepted_.energy = g.attr_double("energy");
    // absent in checkpoints from before the gradient modes: nothing was solved then
    if (g.has_attr("gradient_fallbacks")) {
      accepted_.adjoint_iterations = int(g.attr_int("adjoint_iterations"));
      accepted_.adjoint_residual = g.attr_double("adjoint_residual");
      accepted_.fallbacks = g.attr_int("gradient_fallbacks");
    }
    if (g.has_attr("memory_peak")) accepted_.memory_peak = g.attr_int("memory_peak");
    read_stages(g.group("stages"));
    if (stages_.size() != std::size_t(stage()))
      throw_error(g.path(), "/stages holds ", stages_.size(), " finished stages, the run is in stage ", stage());
    if (int64_t(optimizer().x().size()) != accepted_.state.numel())
      throw_error(g.path(), ": the optimizer holds ", optimizer().x().size(), " numbers, the stage's tensor ",
                  accepted_.state.numel());
  }

  void add_results(Group& r) const override {
    const GroundStateObservables o = observe(accepted_, 4);
    const int64_t D = bond_dim(accepted_.state);
    r.set("model", H_.model);
    r.set("ansatz", c4v_ ? "c4v" : cell_ ? "unit-cell" : "single-site");
    if (cell_) {
      r.put("unit_cell", Dataset::of(std::vector<int64_t>{Lx_, Ly_}));
      r.put("site_mx", Dataset::of(o.site_mx, {Ly_, Lx_}));
      r.put("site_mz", Dataset::of(o.site_mz, {Ly_, Lx_}));
    }
    r.set("sublattice_rotation", int64_t(H_.sublattice_rotation));
    r.put("D", Dataset::scalar(D));
    r.put("chi", Dataset::scalar(chi(D)));
    r.put("energy", Dataset::scalar(o.energy));
    r.put("mx", Dataset::scalar(o.mx));
    r.put("mz", Dataset::scalar(o.mz));
    r.put("magnetization", Dataset::scalar(o.magnetization));
    r.put("transfer_spectrum", Dataset::of(o.transfer_spectrum));
    r.put("correlation_length", Dataset::scalar(o.correlation_length));
    r.put("correlation_length_vertical", Dataset::scalar(o.correlation_length_vertical));
    r.put("ctm_iterations", Dataset::scalar(int64_t(accepted_.info.iterations)));
    r.put("ctm_error", Dataset::scalar(accepted_.info.error));
    r.put("truncation_error", Dataset::scalar(accepted_.info.truncation_error));
    r.put("ctm_converged", Dataset::scalar(int64_t(accepted_.info.converged)));
    r.set("gradient", gradient_);
    if (gradient_ == "fixed_point") {
      r.set("fixed_point_solver", fp_solver_);
      r.put("adjoint_iterations", Dataset::scalar(int64_t(accepted_.adjoint_iterations)));
      r.put("adjoint_residual", Dataset::scalar(accepted_.adjoint_residual));
      r.put("gradient_fallbacks", Dataset::scalar(accepted_.fallbacks));
    }
    // the variational check: no energy of the run may lie below energy_floor
    r.put("energy_floor", Dataset::scalar(floor_));
    r.set("energy_floor_source", floor_source_);
    r.put("lowest_energy", Dataset::scalar(lowest_energy_));
    r.put("below_energy_floor", Dataset::scalar(int64_t(lowest_energy_ < floor_)));
    r.put("A", tensor_dataset(accepted_.state));
    put_env(r, accepted_);
    // every stage, the current one last
    std::vector<StageSummary> all = stages_;
    StageSummary s;
    s.D = D;
    s.chi = chi(D);
    s.energy = o.energy;
    s.magnetization = o.magnetization;
    s.correlation_length = o.correlation_length;
    s.last_step = steps();
    s.evaluations = evaluations();
    s.stop_reason = stop_reason().empty() ? "running" : stage_stop_reason();
    all.push_back(s);
    Group& st = r.group("stages");
    write_stages(st, all);
  }

 private:
  struct Point {
    optim::Vector x;
    double energy = 0;
    Tensor state;
    C4vEnv c4v;       // ansatz c4v
    CtmEnv site;      // ansatz single-site
    CtmCellEnv cell;  // ansatz unit-cell
    CtmrgInfo info;
    // gradient = "fixed_point": the adjoint solve of this point's evaluation (J^T
    // applications, relative residual), and the fallbacks to the checkpointed gradient so far
    int adjoint_iterations = 0;
    double adjoint_residual = 0;
    int64_t fallbacks = 0;
    // tnad's array memory (tnad/ad/memory.hpp) at the peak of this point's evaluation, above
    // what was live before it (the job's own state): the tape and temporaries of the CTMRG,
    // the energy and its gradient. Process RSS adds the libraries and the allocator's slack.
    int64_t memory_peak = 0;
  };
  struct StageSummary {
    int64_t D = 0, chi = 0, last_step = 0, evaluations = 0;
    double energy = 0, magnetization = 0, correlation_length = 0;
    std::string stop_reason;
  };

  // The energy of A through the recorded CTMRG iterations (gradient unrolled / checkpointed);
  // fills p's state, environment, report and energy.
  Tensor energy_unrolled(const std::vector<Tensor>& As, const CtmrgOptions& o, bool warm, Point& p) const {
    Tensor energy;
    const Tensor& A = As[0];
    if (cell_) {
      CellEnergy e = cell_energy(As, Lx_, Ly_, H_, o, warm ? &accepted_.cell : nullptr);
      energy = e.energy;
      p.state = stack_sites(e.states);
      p.cell = e.ctm.env.detach();
      p.info = e.ctm.info;
    } else if (c4v_) {
      C4vEnergy e = c4v_energy(A, H_, o, warm ? &accepted_.c4v : nullptr);
      energy = e.energy;
      p.state = e.state.detach();
      p.c4v = e.ctm.env.detach();
      p.info = e.ctm.info;
    } else {
      SiteEnergy e = single_site_energy(A, H_, o, warm ? &accepted_.site : nullptr);
      energy = e.energy;
      p.state = e.state.detach();
      p.site = e.ctm.env.detach();
      p.info = e.ctm.info;
    }
    p.energy = energy.item();
    return energy;
  }

  // The same energy with the environment attached to the state by the fixed-point rule:
  // the CTMRG runs unrecorded, the backward solves the adjoint system (info).
  Tensor energy_fixed_point(const std::vector<Tensor>& As, const CtmrgOptions& o, bool warm, Point& p,
                            const std::shared_ptr<FixedPointInfo>& info) const {
    Tensor energy;
    const Tensor& A = As[0];
    if (cell_) {
      CellEnergy e = cell_energy_fixed_point(As, Lx_, Ly_, H_, o, fp_, info, warm ? &accepted_.cell : nullptr);
      energy = e.energy;
      p.state = stack_sites(e.states);
      p.cell = e.ctm.env.detach();
      p.info = e.ctm.info;
    } else if (c4v_) {
      C4vEnergy e = c4v_energy_fixed_point(A, H_, o, fp_, info, warm ? &accepted_.c4v : nullptr);
      energy = e.energy;
      p.state = e.state.detach();
      p.c4v = e.ctm.env.detach();
      p.info = e.ctm.info;
    } else {
      SiteEnergy e = single_site_energy_fixed_point(A, H_, o, fp_, info, warm ? &accepted_.site : nullptr);
      energy = e.energy;
      p.state = e.state.detach();
      p.site = e.ctm.env.detach();
      p.info = e.ctm.info;
    }
    p.energy = energy.item();
    return energy;
  }

  int64_t chi(int64_t D) const { return chi_ > 0 ? chi_ : auto_chi(D); }

  // ---- the cell: n_sites() tensors; a state is stored as one tensor (Ly, Lx, d, D, D, D, D)
  // (one site: (d, D, D, D, D)).
  int64_t n_sites() const { return cell_ ? Lx_ * Ly_ : 1; }
  Shape state_shape(int64_t D) const {
    return cell_ ? Shape{Ly_, Lx_, H_.d, D, D, D, D} : Shape{H_.d, D, D, D, D};
  }
  int64_t bond_dim(const Tensor& state) const { return state.size(state.ndim() == 7 ? 3 : 1); }
  Tensor stack_sites(const std::vector<Tensor>& sites) const {
    if (!cell_) return sites[0].detach();
    std::vector<double> v;
    for (const Tensor& t : sites) {
      const std::vector<double> w = t.value().to_vector();
      v.insert(v.end(), w.begin(), w.end());
    }
    return from(state_shape(sites[0].size(1)), v);
  }
  // The sites of a stored state (a 7-leg cell tensor, or one site's tensor).
  static std::vector<Tensor> sites_of(const Tensor& state) {
    if (state.ndim() != 7) return {state};
    const std::vector<double> v = state.value().to_vector();
    const int64_t n = state.size(0) * state.size(1), m = state.numel() / n;
    std::vector<Tensor> out;
    for (int64_t i = 0; i < n; ++i)
      out.push_back(from({state.size(2), state.size(3), state.size(4), state.size(5), state.size(6)},
                         std::vector<double>(v.begin() + i * m, v.begin() + (i + 1) * m)));
    return out;
  }
  static void gradient_into(const Tensor& energy, const std::vector<Tensor>& A, optim::Vector& g) {
    const std::vector<Tensor> gs = grad({energy}, A);
    auto out = g.begin();
    for (const Tensor& t : gs) {
      const std::vector<double> v = t.value().to_vector();
      out = std::copy(v.begin(), v.end(), out);
    }
  }

  // The optimizer's current point among this step's evaluations becomes the accepted one
  // (none matches when a step made no progress: the point stays).
  void accept() {
    const optim::Vector& x = optimizer().x();
    for (auto it = trials_.rbegin(); it != trials_.rend(); ++it)
      if (it->x == x) {
        accepted_ = std::move(*it);
        accepted_.x.clear();
        break;
      }
    trials_.clear();
  }

  GroundStateObservables observe(const Point& p, int n_transfer) const {
    if (cell_) return cell_observables(sites_of(p.state), p.cell, H_);
    return c4v_ ? c4v_observables(p.state, p.c4v, H_, n_transfer)
                : single_site_observables(p.state, p.site, H_, n_transfer);
  }

  // The energy no run may go below: QMC's for the Heisenberg antiferromagnet (also as xxz
  // with Jz = Jxy, j1j2 with J2 = 0), else Anderson's bound (every bond in its ground state).
  void set_energy_floor(const Params& p) {
    const std::string& m = p.string("model");
    double J = 0;
    if (m == "heisenberg") J = p.number("J");
    if (m == "xxz" && p.number("Jz") == p.number("Jxy")) J = p.number("Jz");
    if (m == "j1j2" && p.number("J2") == 0.0) J = p.number("J");
    floor_ = bond_energy_lower_bound(H_);
    floor_source_ = "bond-energy bound (every bond in its ground state, Anderson 1951)";
    if (J > 0) {
      floor_ = kHeisenbergQmcEnergy * J;
      floor_source_ = "quantum Monte Carlo ground-state energy (Sandvik & Evertz 2010)";
    }
  }

  // A variational energy below the floor is a bug or an unconverged environment: said loudly
  // on stderr (also with -q) and kept in /results (below_energy_floor, lowest_energy).
  void check_floor() {
    lowest_energy_ = std::min(lowest_energy_, accepted_.energy);
    if (!(accepted_.energy < floor_) || warned_) return;
    warned_ = true;
    std::fprintf(stderr,
                 "tnad: WARNING: ipeps energy %.10g is below %.10g, the %s: a variational energy cannot be. "
                 "The CTMRG environment is not converged (ctm_iterations %d, ctm_error %.3g; raise chi or ctm_max_iter, "
                 "lower ctm_tol) or this is a bug. /results/below_energy_floor records it.\n",
                 accepted_.energy, floor_, floor_source_.c_str(), accepted_.info.iterations, accepted_.info.error);
  }

  // The environment as datasets env_C, env_T (c4v) or env_C_tl ... env_T_l (single-site).
  void put_env(Group& g, const Point& p) const {
    if (cell_) {  // env_<i>_C_tl ... for site i = y * Lx + x
      for (std::size_t i = 0; i < p.cell.site.size(); ++i) {
        const CtmEnv& e = p.cell.site[i];
        const Tensor* t[8] = {&e.C_tl, &e.C_tr, &e.C_br, &e.C_bl, &e.T_t, &e.T_r, &e.T_b, &e.T_l};
        for (int k = 0; k < 8; ++k)
          g.put("env_" + std::to_string(i) + "_" + kSiteEnvNames[k], tensor_dataset(*t[k]));
      }
      return;
    }
    if (c4v_) {
      g.put("env_C", tensor_dataset(p.c4v.C));
      g.put("env_T", tensor_dataset(p.c4v.T));
      return;
    }
    const Tensor* t[8] = {&p.site.C_tl, &p.site.C_tr, &p.site.C_br, &p.site.C_bl,
                          &p.site.T_t,  &p.site.T_r,  &p.site.T_b,  &p.site.T_l};
    for (int i = 0; i < 8; ++i) g.put(std::string("env_") + kSiteEnvNames[i], tensor_dataset(*t[i]));
  }
  void get_env(const Group& g, Point& p) const {
    if (cell_) {
      p.cell = CtmCellEnv{Lx_, Ly_, std::vector<CtmEnv>(std::size_t(n_sites()))};
      for (std::size_t i = 0; i < p.cell.site.size(); ++i) {
        CtmEnv& e = p.cell.site[i];
        Tensor* t[8] = {&e.C_tl, &e.C_tr, &e.C_br, &e.C_bl, &e.T_t, &e.T_r, &e.T_b, &e.T_l};
        for (int k = 0; k < 8; ++k) *t[k] = tensor_of(g, "env_" + std::to_string(i) + "_" + kSiteEnvNames[k]);
      }
      return;
    }
    if (c4v_) {
      p.c4v = {tensor_of(g, "env_C"), tensor_of(g, "env_T")};
      return;
    }
    Tensor* t[8] = {&p.site.C_tl, &p.site.C_tr, &p.site.C_br, &p.site.C_bl,
                    &p.site.T_t,  &p.site.T_r,  &p.site.T_b,  &p.site.T_l};
    for (int i = 0; i < 8; ++i) *t[i] = tensor_of(g, std::string("env_") + kSiteEnvNames[i]);
  }
  static constexpr const char* kSiteEnvNames[8] = {"C_tl", "C_tr", "C_br", "C_bl", "T_t", "T_r", "T_b", "T_l"};

  void add_columns(StepRecord& r) const {
    const GroundStateObservables o = observe(accepted_, 0);
    const int64_t D = bond_dim(accepted_.state);
    // energy, grad_norm, ctm_iterations first: the progress line shows three values
    r.values.insert(r.values.begin() + 2, {"ctm_iterations", double(accepted_.info.iterations)});
    r.add("D", double(D));
    r.add("chi", double(chi(D)));
    r.add("ctm_error", accepted_.info.error);
    r.add("truncation_error", accepted_.info.truncation_error);
    r.add("magnetization", o.magnetization);
    r.add("memory_peak_mb", double(accepted_.memory_peak) / double(1 << 20));
    if (gradient_ == "fixed_point") {
      r.add("adjoint_iterations", double(accepted_.adjoint_iterations));
      r.add("adjoint_residual", accepted_.adjoint_residual);
      r.add("gradient_fallbacks", double(accepted_.fallbacks));
    }
  }

  void write_stages(Group& g) const { write_stages(g, stages_); }
  static void write_stages(Group& g, const std::vector<StageSummary>& v) {
    std::vector<int64_t> D, chi, last, evals;
    std::vector<double> e, m, xi;
    std::vector<std::string> why;
    for (const auto& s : v) {
      D.push_back(s.D);
      chi.push_back(s.chi);
      last.push_back(s.last_step);
      evals.push_back(s.evaluations);
      e.push_back(s.energy);
      m.push_back(s.magnetization);
      xi.push_back(s.correlation_length);
      why.push_back(s.stop_reason);
    }
    g.put("D", Dataset::of(D));
    g.put("chi", Dataset::of(chi));
    g.put("last_step", Dataset::of(last));
    g.put("evaluations", Dataset::of(evals));
    g.put("energy", Dataset::of(e));
    g.put("magnetization", Dataset::of(m));
    g.put("correlation_length", Dataset::of(xi));
    g.put("stop_reason", Dataset::of(why));
  }

  void read_stages(const Group& g) {
    stages_.clear();
    const auto& D = g.dataset("D").ints(g.path() + "/D");
    const auto& chi = g.dataset("chi").ints(g.path() + "/chi");
    const auto& last = g.dataset("last_step").ints(g.path() + "/last_step");
    const auto& evals = g.dataset("evaluations").ints(g.path() + "/evaluations");
    const auto e = g.doubles("energy"), m = g.doubles("magnetization"), xi = g.doubles("correlation_length");
    const auto& why = g.dataset("stop_reason").strings(g.path() + "/stop_reason");
    const std::size_t n = D.size();
    if (chi.size() != n || last.size() != n || evals.size() != n || e.size() != n || m.size() != n ||
        xi.size() != n || why.size() != n)
      throw_error(g.path(), ": the stage datasets differ in length");
    for (std::size_t i = 0; i < n; ++i) stages_.push_back({D[i], chi[i], last[i], evals[i], e[i], m[i], xi[i], why[i]});
  }

  // An earlier run's tensor: /results/A of a finished run, else its checkpoint /state/job/state.
  static Tensor read_start_tensor(const std::string& path) {
    Group f = read_h5(path);
    if (f.has_group("results") && f.group("results").has_dataset("A")) return tensor_of(f.group("results"), "A");
    if (f.has_group("state") && f.group("state").has_group("job") && f.group("state").group("job").has_dataset("state"))
      return tensor_of(f.group("state").group("job"), "state");
    throw_error(path, ": holds no iPEPS tensor (/results/A or /state/job/state of an ipeps run)");
  }

  LatticeHamiltonian H_;
  std::vector<int64_t> dims_;
  int64_t chi_ = 0;
  CtmrgOptions ctm_;
  std::string gradient_, fp_solver_;
  FixedPointOptions fp_;
  bool fallback_warned_ = false;  // one warning per process
  bool warm_start_ = false;
  bool c4v_ = true;
  bool cell_ = false;  // ansatz unit-cell, Lx_ x Ly_
  int64_t Lx_ = 1, Ly_ = 1;
  std::string init_, init_file_, init_error_;
  Tensor start_tensor_;
  std::vector<Tensor> start_cell_;  // init = file: the start tensor of every site
  uint64_t seed_ = 0;
  double noise_ = 0;
  Point accepted_;
  double floor_ = 0, lowest_energy_ = std::numeric_limits<double>::infinity();
  std::string floor_source_;
  bool warned_ = false;  // one warning per process
  std::vector<Point> trials_;
  std::vector<StageSummary> stages_;
};

}  // namespace

JobType ipeps_job_type() {
  JobType t;
  t.name = "ipeps";
  t.summary = "ground state of a square-lattice Hamiltonian as a one-site iPEPS: L-BFGS on the CTMRG energy, gradient by AD";
  t.uses_optimizer = true;
  const Truncation dt = CtmrgOptions{}.truncation;
  t.params = {
      Param::string("model", "heisenberg", "Hamiltonian (tnad/solvers/hamiltonian.hpp)")
          .one_of({"heisenberg", "xxz", "j1j2", "tfim", "custom"}),
      Param::floating("J", 1.0, "heisenberg: J S.S; j1j2: J1 (nearest neighbours)"),
      Param::floating("Jz", 1.0, "xxz: Jz Sz Sz"),
      Param::floating("Jxy", 1.0, "xxz: Jxy (Sx Sx + Sy Sy)"),
      Param::floating("J2", 0.0, "j1j2: J2 S.S on the diagonals"),
      Param::floating("h", 0.0, "tfim: H = -sum sz sz - h sum sx (Pauli)"),
      Param::floats("bond_matrix", {}, "custom: the d^2 x d^2 real symmetric bond matrix, row-major, rows (s1 s2)"),
      Param::string("sublattice_rotation", "auto",
                    "pi about S^y on one sublattice (auto: for antiferromagnetic J, Jxy; off for a unit cell with even Lx, Ly)")
          .one_of({"auto", "on", "off"}),
      Param::string("ansatz", "c4v",
                    "c4v: one C4v-symmetric tensor, C4v CTMRG; single-site: one tensor, directional CTMRG; "
                    "unit-cell: unit_cell = [Lx, Ly] independent tensors, directional CTMRG on the cell")
          .one_of({"c4v", "single-site", "unit-cell"}),
      Param::floats("unit_cell", {2, 2},
                    "ansatz = unit-cell: [Lx, Ly], the cell's columns and rows (integers 1 to 8); with Lx, Ly even, "
                    "sublattice_rotation = auto is off (the cell holds the Neel pattern)"),
      Param::integer("D", 2, "bond dimension (of the last stage)").at_least(1).at_most(16),
      Param::integer("D_start", 0, "first stage's D; stages D_start, ..., D (0: D alone)").at_least(0).at_most(16),
      Param::integer("chi", 0, "CTMRG environment dimension (0: max(D^2, 10 D) per stage)").at_least(0).at_most(4096),
      Param::floating("ctm_tol", 1e-8, "CTMRG convergence of the normalized corner spectrum (gradient error ~ 1e-5)").above(0.0),
      Param::integer("ctm_max_iter", 100, "CTMRG iterations at most per evaluation").at_least(1).at_most(100000),
      Param::floating("rel_cutoff", dt.rel_cutoff, "CTMRG: drop eigenvalues / singular values <= rel_cutoff * largest")
          .at_least(0.0)
          .below(1.0),
      Param::boolean("keep_multiplets", dt.keep_multiplets, "CTMRG: never cut through a degenerate multiplet"),
      Param::floating("multiplet_tol", dt.multiplet_tol, "CTMRG: relative gap below which neighbours form a multiplet")
          .at_least(0.0)
          .at_most(kMaxMultipletTol),
      Param::boolean("warm_start", false, "start CTMRG from the accepted point's environment"),
      Param::string("gradient", "fixed_point",
                    "how dE/dA is obtained: fixed_point (implicit gradient of the converged environment: memory of one "
                    "CTMRG step; falls back to checkpointed, with a warning, where the CTMRG or the adjoint solve does not "
                    "converge), unrolled (AD through every CTMRG iteration), checkpointed (the same, per-iteration "
                    "checkpoints: less memory, one more forward). Default from D = 3, chi = 30: fixed_point half the "
                    "memory of unrolled, no slower (docs/files.md)")
          .one_of({"unrolled", "checkpointed", "fixed_point"}),
      Param::boolean("checkpoint", false, "older spelling: true means gradient = \"checkpointed\""),
      Param::string("fixed_point_solver", "gmres",
                    "gradient = fixed_point: the solver of the adjoint system (I - f_x^T) y = dE/dx*: gmres (restarted, "
                    "the default: half neumann's J^T applications at D = 3), neumann (geometric series, needs a fast "
                    "forward), arnoldi (eigenvector form)")
          .one_of({"neumann", "gmres", "arnoldi"}),
      Param::floating("fixed_point_tol", 1e-10,
                      "gradient = fixed_point: relative residual of the adjoint solve (1e-10: well below the "
                      "forward's ctm_tol effect on the gradient)")
          .above(0.0)
          .below(1.0),
      Param::integer("fixed_point_max_iter", 200, "gradient = fixed_point: J^T applications of the adjoint solve at most")
          .at_least(1)
          .at_most(100000),
      Param::string("init", "random",
                    "starting tensor: uniform random in [0, 1) (random) or in [-1, 1) (random_signed: can leave the "
                    "basin of the C4v-symmetric state, single-site ansatz), Neel product + noise, or an earlier run")
          .one_of({"random", "random_signed", "neel", "file"}),
      Param::string("init_file", "", "init = \"file\": an ipeps run file (/results/A, else its checkpoint)"),
      Param::integer("seed", 0, "seed of the random start and of the noise").at_least(0),
      Param::floating("noise", 1e-2, "uniform noise (relative) of a Neel or embedded start").at_least(0.0).at_most(1.0),
  };
  t.make = [](const Config& c) { return std::make_unique<Ipeps>(c); };
  return t;
}

}  // namespace tnad::runs
