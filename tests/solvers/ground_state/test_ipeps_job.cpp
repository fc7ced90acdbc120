// The ipeps job through the tnad command: stages of growing D in one file (history, results,
// the embedding), resume after SIGKILL equal bit for bit to an uninterrupted run (with a warm-
// started CTMRG, across the stage boundary), a start from an earlier run's file, config errors
// that name the key, and scripts/plot_ipeps.py drawing a PNG headless; the gradient modes
// (unrolled, checkpointed, fixed_point) reach the same optimum (C4v and a 2x2 unit cell), and
// a fixed_point run resumes (single site and 2x2 cell).
#include <signal.h>

#include <algorithm>
#include <map>
#include <chrono>
#include <filesystem>
#include <cmath>
#include <random>
#include <thread>

#include "cli_util.hpp"
#include "tnad/solvers/h5.hpp"

using namespace cli_test;
using tnad::runs::Group;
using tnad::runs::read_h5;

namespace {

constexpr double kQmc = -0.6694421;

std::string config(const std::string& job, const std::string& optimizer = "max_steps = 15\n",
                   const std::string& output = "") {
  return "[job]\ntype = \"ipeps\"\n" + job + "[optimizer]\n" + optimizer + "[output]\n" + output;
}

int64_t step_of(const std::string& line) {
  long long s = -1;
  if (std::sscanf(line.c_str(), "step %lld", &s) == 1) return s;
  return -1;
}

TEST(IpepsJob, StagesGrowTheBondDimensionInOneFile) {
  TempDir tmp;
  write_file(tmp / "a.toml", config("D_start = 1\nD = 2\nchi = 8\ninit = \"neel\"\n", "max_steps = 25\n"));
  Result r = run_tnad({"run", tmp / "a.toml", "-o", tmp / "a.h5"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  // progress: energy, grad_norm and the CTMRG iterations
  EXPECT_HAS(r.err, "step      0  energy -5.000000000000e-01  grad_norm ");
  EXPECT_HAS(r.err, "ctm_iterations");
  const Group f = read_h5(tmp / "a.h5");
  const Group& h = f.group("history");
  const auto D = h.doubles("D"), e = h.doubles("energy"), chi = h.doubles("chi");
  const auto& steps = h.dataset("step").ints();
  ASSERT_EQ(D.size(), steps.size());
  // D = 1 first: every real product state in the rotated x-z plane (the Neel state + noise
  // 1e-2 is one) has E = -(a^2 + b^2)^2 / 2 = -1/2 and zero gradient: the stage ends at once
  EXPECT_EQ(D.front(), 1.0);
  EXPECT_NEAR(e.front(), -0.5, 1e-15);
  EXPECT_EQ(D.back(), 2.0);
  std::size_t first2 = 0;
  while (first2 < D.size() && D[first2] == 1.0) ++first2;
  ASSERT_EQ(first2, 1u);
  for (std::size_t i = first2; i < D.size(); ++i) EXPECT_EQ(D[i], 2.0) << i;
  for (double c : chi) EXPECT_EQ(c, 8.0);
  // the D = 2 stage starts from the embedded D = 1 optimum (noise 1e-2 changes it at second order)
  EXPECT_NEAR(e[first2], -0.5, 1e-3);
  EXPECT_EQ(h.doubles("evaluations")[first2], 1.0);
  // 25 steps of the D = 2 stage reach the PRX regime, never below QMC
  for (double v : e) EXPECT_GT(v, kQmc);
  EXPECT_LT(e.back(), -0.655);
  const Group& res = f.group("results");
  EXPECT_EQ(res.scalar("energy"), e.back());
  EXPECT_EQ(res.scalar("D"), 2.0);
  EXPECT_EQ(res.dataset("A").shape, (std::vector<int64_t>{2, 2, 2, 2, 2}));
  EXPECT_EQ(res.dataset("env_T").shape[1], 4);
  const double m = res.scalar("magnetization");
  EXPECT_GT(m, 0.3);
  EXPECT_LT(m, 0.5);
  EXPECT_GT(res.scalar("correlation_length"), 0.0);
  // the variational check: the QMC energy is the floor, the run stays above it, no warning
  EXPECT_EQ(res.scalar("energy_floor"), kQmc);
  EXPECT_EQ(res.scalar("below_energy_floor"), 0.0);
  EXPECT_EQ(res.scalar("lowest_energy"), *std::min_element(e.begin(), e.end()));
  EXPECT_EQ(r.err.find("WARNING"), std::string::npos);
  const Group& st = res.group("stages");
  EXPECT_EQ(st.dataset("D").ints(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(st.dataset("stop_reason").strings().at(0), "grad_tol");
  EXPECT_NEAR(st.doubles("energy").at(0), -0.5, 1e-15);
  EXPECT_EQ(st.dataset("last_step").ints().at(0), int64_t(first2) - 1);
  EXPECT_EQ(st.dataset("last_step").ints().at(1), steps.back());
  EXPECT_EQ(res.scalar("steps"), double(steps.back()));
}

// Kill at random moments (inside both stages), resume each time: the end equals the
// uninterrupted run bit for bit. warm_start makes every evaluation depend on the saved
// environment.
TEST(IpepsJob, ResumeAfterSigkillIsBitIdenticalAcrossStages) {
  TempDir tmp;
  const std::string job = "D_start = 2\nD = 3\nchi = 9\nwarm_start = true\nctm_max_iter = 30\nseed = 4\n";
  write_file(tmp / "a.toml", config(job, "max_steps = 10\n", "checkpoint_every = 1\n"));
  Result ref = run_tnad({"run", tmp / "a.toml", "-o", tmp / "ref.h5", "-q"});
  ASSERT_EQ(ref.exit_code, 0) << describe(ref);
  const Group reference = read_h5(tmp / "ref.h5");
  const int64_t total = reference.group("state").attr_int("step");
  ASSERT_GE(total, 15);
  std::mt19937_64 rng(9);
  int kills = 0;
  int64_t target = 0;
  for (int round = 0; round < 5; ++round) {
    target += std::uniform_int_distribution<int64_t>(2, total / 5)(rng);
    if (target >= total - 1) break;
    std::vector<std::string> args = {tnad_exe(), "run", tmp / "a.toml", "-o", tmp / "out.h5"};
    if (round > 0) args.push_back("--resume");
    Child c(args);
    auto line = c.wait_line([&](const std::string& l) { return step_of(l) >= target; });
    ASSERT_TRUE(line.has_value()) << "ended before step " << target << ":\n" << c.err();
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 30000)(rng)));
    c.kill(SIGKILL);
    ASSERT_EQ(c.wait().signal, SIGKILL);
    ++kills;
  }
  EXPECT_GE(kills, 3);
  Result fin = run_tnad({"run", tmp / "a.toml", "-o", tmp / "out.h5", "--resume", "-q"});
  ASSERT_EQ(fin.exit_code, 0) << describe(fin);
  const Group out = read_h5(tmp / "out.h5");
  EXPECT_GE(out.group("meta").attr_int("resumes"), 1);
  for (const char* col : {"energy", "grad_norm", "D", "ctm_iterations", "magnetization", "truncation_error"})
    EXPECT_EQ(out.group("history").doubles(col), reference.group("history").doubles(col)) << col;
  EXPECT_EQ(out.group("history").dataset("step").ints(), reference.group("history").dataset("step").ints());
  for (const char* r : {"x", "A", "env_C", "env_T", "transfer_spectrum"})
    EXPECT_EQ(out.group("results").doubles(r), reference.group("results").doubles(r)) << r;
  EXPECT_EQ(out.group("results").group("stages").doubles("energy"),
            reference.group("results").group("stages").doubles("energy"));
}

// init = "random" starts from entries in [0, 1), "random_signed" from entries in [-1, 1).
TEST(IpepsJob, SignedRandomStartHasEntriesOfBothSigns) {
  TempDir tmp;
  for (const char* init : {"random", "random_signed"}) {
    const std::string name = std::string(init) + ".h5";
    write_file(tmp / "r.toml", config("ansatz = \"single-site\"\nD = 2\nchi = 8\ninit = \"" + std::string(init) + "\"\n",
                                      "max_steps = 0\n"));
    Result r = run_tnad({"run", tmp / "r.toml", "-o", tmp / name, "-q"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const auto A = read_h5(tmp / name).group("results").doubles("A");
    ASSERT_EQ(A.size(), 32u);  // d D^4
    const auto [lo, hi] = std::minmax_element(A.begin(), A.end());
    EXPECT_GT(*hi, 0.0) << init;
    if (std::string(init) == "random") EXPECT_GE(*lo, 0.0);
    else EXPECT_LT(*lo, 0.0);
  }
}

TEST(IpepsJob, StartsFromAnEarlierRunEnlargedToALargerD) {
  TempDir tmp;
  write_file(tmp / "d2.toml", config("D = 2\nchi = 8\n", "max_steps = 20\n"));
  ASSERT_EQ(run_tnad({"run", tmp / "d2.toml", "-o", tmp / "d2.h5", "-q"}).exit_code, 0);
  const double e2 = read_h5(tmp / "d2.h5").group("results").scalar("energy");
  write_file(tmp / "d3.toml",
             config("D = 3\nchi = 9\ninit = \"file\"\ninit_file = \"" + tmp / "d2.h5" + "\"\nnoise = 1e-3\n", "max_steps = 3\n"));
  Result r = run_tnad({"run", tmp / "d3.toml", "-o", tmp / "d3.h5", "-q"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const Group f = read_h5(tmp / "d3.h5");
  const auto e = f.group("history").doubles("energy");
  // the same state (chi = 8 vs 9 and noise 1e-3 only move it slightly), then lower
  EXPECT_NEAR(e.front(), e2, 2e-4);
  EXPECT_LE(e.back(), e.front());
  EXPECT_EQ(f.group("results").scalar("D"), 3.0);
  // a resume needs only its own file: the earlier run may be gone
  std::filesystem::remove(tmp / "d2.h5");
  write_file(tmp / "d3.toml",
             config("D = 3\nchi = 9\ninit = \"file\"\ninit_file = \"" + tmp / "d2.h5" + "\"\nnoise = 1e-3\n", "max_steps = 5\n"));
  Result more = run_tnad({"run", tmp / "d3.toml", "-o", tmp / "d3.h5", "--resume", "-q"});
  ASSERT_EQ(more.exit_code, 0) << describe(more);
  EXPECT_EQ(read_h5(tmp / "d3.h5").group("state").attr_int("step"), 5);
  // a fresh start does need it: the error names the key
  Result fresh = run_tnad({"run", tmp / "d3.toml", "-o", tmp / "new.h5"});
  EXPECT_EQ(fresh.exit_code, 1);
  EXPECT_TRUE(fresh.one_line_error()) << describe(fresh);
  EXPECT_HAS(fresh.err, "d3.toml:");
  EXPECT_HAS(fresh.err, "init_file = ");
  EXPECT_HAS(fresh.err, "no such file");
}

// The ansatzes without C4v: one site (with the sublattice rotation) and a 2x2 unit cell
// (without it, the default for a cell with even sides: the cell holds the Neel pattern) run,
// write every site's tensors and environments, and resume after SIGKILL bit for bit.
TEST(IpepsJob, SingleSiteAndUnitCellAnsatzesRunAndResume) {
  TempDir tmp;
  struct Case {
    std::string name, keys;
    double below;                    // energy after 12 steps below this
    std::vector<std::string> envs;   // environment datasets of /results
    std::vector<int64_t> A;          // shape of /results/A
  };
  std::vector<std::string> cell_envs;
  for (int i = 0; i < 4; ++i)
    for (const char* t : {"C_tl", "C_tr", "C_br", "C_bl", "T_t", "T_r", "T_b", "T_l"})
      cell_envs.push_back("env_" + std::to_string(i) + "_" + t);
  const std::vector<Case> cases = {
      {"single-site", "ansatz = \"single-site\"\n", -0.64,
       {"env_C_tl", "env_C_tr", "env_C_br", "env_C_bl", "env_T_t", "env_T_r", "env_T_b", "env_T_l"}, {2, 2, 2, 2, 2}},
      // D = 2 on the 2x2 cell: the same bar as the C4v CI run (measured -0.6574 at step 12)
      {"unit-cell", "ansatz = \"unit-cell\"\nunit_cell = [2, 2]\n", -0.655, cell_envs, {2, 2, 2, 2, 2, 2, 2}}};
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    write_file(tmp / "s.toml", config(k.keys + "D = 2\nchi = 8\ninit = \"neel\"\nnoise = 0.3\nwarm_start = true\n",
                                      "max_steps = 12\n", "checkpoint_every = 1\n"));
    const std::string ref_file = tmp / (k.name + "-ref.h5"), out_file = tmp / (k.name + "-out.h5");
    ASSERT_EQ(run_tnad({"run", tmp / "s.toml", "-o", ref_file, "-q"}).exit_code, 0);
    const Group ref = read_h5(ref_file);
    const Group& res = ref.group("results");
    EXPECT_EQ(res.attr_string("ansatz"), k.name);
    EXPECT_LT(res.scalar("energy"), k.below);
    EXPECT_GT(res.scalar("energy"), kQmc);
    for (const std::string& e : k.envs) EXPECT_TRUE(res.has_dataset(e)) << e;
    EXPECT_EQ(res.dataset("A").shape, k.A);
    if (k.name == "unit-cell") {
      EXPECT_EQ(res.attr_int("sublattice_rotation"), 0);
      EXPECT_EQ(res.dataset("unit_cell").ints(), (std::vector<int64_t>{2, 2}));
      // Neel order in the cell: opposite moments on neighbours, equal on the diagonal
      const auto mz = res.doubles("site_mz");
      ASSERT_EQ(mz.size(), 4u);
      EXPECT_GT(std::abs(mz[0]), 0.3);
      EXPECT_LT(mz[0] * mz[1], 0.0);
      EXPECT_LT(mz[0] * mz[2], 0.0);
      EXPECT_GT(mz[0] * mz[3], 0.0);
      const auto mx = res.doubles("site_mx");
      double m = 0;
      for (std::size_t i = 0; i < 4; ++i) m += std::hypot(mx[i], mz[i]) / 4;
      EXPECT_NEAR(res.scalar("magnetization"), m, 1e-12);
    }
    // SIGKILL after step 5, resume: the same numbers
    Child c({tnad_exe(), "run", tmp / "s.toml", "-o", out_file});
    ASSERT_TRUE(c.wait_line([](const std::string& l) { return step_of(l) >= 5; }).has_value()) << c.err();
    c.kill(SIGKILL);
    c.wait();
    ASSERT_EQ(run_tnad({"run", tmp / "s.toml", "-o", out_file, "--resume", "-q"}).exit_code, 0);
    const Group out = read_h5(out_file);
    EXPECT_EQ(out.group("history").doubles("energy"), ref.group("history").doubles("energy"));
    EXPECT_EQ(out.group("results").doubles("A"), res.doubles("A"));
    for (const std::string& e : k.envs) EXPECT_EQ(out.group("results").doubles(e), res.doubles(e)) << e;
  }
}

TEST(IpepsJob, AnEnergyBelowTheQmcFloorIsFlaggedLoudly) {
  // One CTMRG iteration from the open boundary is no converged environment: its "energy" is not
  // variational, and L-BFGS drives it far below the exact ground state. The job must say so.
  TempDir tmp;
  write_file(tmp / "a.toml", config("D = 2\nchi = 8\nctm_max_iter = 1\n", "max_steps = 40\n"));
  Result r = run_tnad({"run", tmp / "a.toml", "-o", tmp / "a.h5", "-q"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const Group f = read_h5(tmp / "a.h5");
  const auto e = f.group("history").doubles("energy");
  const double lowest = *std::min_element(e.begin(), e.end());
  ASSERT_LT(lowest, kQmc);  // the premise of this test
  EXPECT_HAS(r.err, "WARNING: ipeps energy");
  EXPECT_HAS(r.err, "is below -0.6694421, the quantum Monte Carlo ground-state energy");
  EXPECT_HAS(r.err, "ctm_iterations 1");
  const Group& res = f.group("results");
  EXPECT_EQ(res.scalar("below_energy_floor"), 1.0);
  EXPECT_EQ(res.scalar("lowest_energy"), lowest);
  EXPECT_EQ(res.scalar("ctm_converged"), 0.0);
  // a model without a QMC reference: the floor is every bond in its ground state, 2 min eig(h)
  // (tfim, h = 2: the bond -sz sz - (h/4)(sx 1 + 1 sx) has lowest eigenvalue -sqrt(1 + (h/2)^2))
  write_file(tmp / "t.toml", config("model = \"tfim\"\nh = 2.0\nD = 1\n", "max_steps = 3\n"));
  ASSERT_EQ(run_tnad({"run", tmp / "t.toml", "-o", tmp / "t.h5", "-q"}).exit_code, 0);
  const Group ft = read_h5(tmp / "t.h5");
  const Group& rt = ft.group("results");
  EXPECT_NEAR(rt.scalar("energy_floor"), -2.0 * std::sqrt(2.0), 1e-14);
  EXPECT_EQ(rt.scalar("below_energy_floor"), 0.0);
}

// The gradient modes change how dE/dA is computed, not the optimum: a short D = 2, chi = 8
// C4v optimization (and 4 steps of a 2x2 cell) reach the same energy unrolled, checkpointed (also by the older key
// checkpoint = true) and fixed_point (each adjoint solver). The fixed_point rows report the
// adjoint solve. At step 0 (the same point, a converged environment) the gradient norms agree.
TEST(IpepsJob, GradientModesReachTheSameEnergy) {
  TempDir tmp;
  struct Mode {
    std::string name, keys;
  };
  const std::vector<Mode> all = {{"unrolled", "gradient = \"unrolled\"\n"},
                                 {"checkpointed", "checkpoint = true\n"},
                                 {"neumann", "gradient = \"fixed_point\"\nfixed_point_solver = \"neumann\"\n"},
                                 {"gmres", ""},  // the defaults
                                 {"arnoldi", "gradient = \"fixed_point\"\nfixed_point_solver = \"arnoldi\"\n"}};
  // C4v, 20 steps, every mode; a 2x2 unit cell (without rotation), 4 steps, the three modes
  struct Ansatz {
    std::string name, keys, steps;
    std::vector<Mode> modes;
  };
  const std::vector<Ansatz> ansatzes = {
      {"c4v", "", "max_steps = 20\n", all},
      {"unit-cell", "ansatz = \"unit-cell\"\ninit = \"neel\"\nnoise = 0.3\n", "max_steps = 4\n", {all[0], all[1], all[3]}}};
  for (const Ansatz& an : ansatzes) {
    SCOPED_TRACE(an.name);
    const std::string base = an.keys + "D = 2\nchi = 8\nctm_tol = 1e-11\nctm_max_iter = 500\n";
    double e_ref = 0, g0_ref = 0, mem0_ref = 0;
    for (const Mode& m : an.modes) {
      SCOPED_TRACE(m.name);
      const std::string name = an.name + "-" + m.name;
      write_file(tmp / (name + ".toml"), config(base + m.keys, an.steps));
      Result r = run_tnad({"run", tmp / (name + ".toml"), "-o", tmp / (name + ".h5"), "-q"});
      ASSERT_EQ(r.exit_code, 0) << describe(r);
      const Group f = read_h5(tmp / (name + ".h5"));
      const Group& res = f.group("results");
      const Group& h = f.group("history");
      const double e = res.scalar("energy"), g0 = h.doubles("grad_norm").front();
      // the array memory of the same first evaluation (a cold CTMRG of many iterations): the
      // unrolled tape holds every iteration, checkpointed and fixed_point about one
      const double mem0 = h.doubles("memory_peak_mb").front();
      EXPECT_GT(mem0, 0.0);
      if (m.name == "unrolled") {
        e_ref = e;
        g0_ref = g0;
        mem0_ref = mem0;
        // an optimization happened (the C4v D = 2 optimum is -0.6602; the cell moves from its start)
        if (an.name == "c4v") EXPECT_LT(e, -0.655);
        else EXPECT_LT(e, h.doubles("energy").front() - 0.01);
        EXPECT_EQ(res.attr_string("gradient"), "unrolled");
        EXPECT_FALSE(h.has_dataset("adjoint_iterations"));
        continue;
      }
      EXPECT_NEAR(e, e_ref, 1e-6);
      EXPECT_NEAR(g0, g0_ref, 1e-6 * g0_ref);
      // (the fixed-point step and the adjoint solve's vectors against 9 rematerialized
      // iterations here: less, not by a fixed factor; that its memory does not grow with
      // the iterations is FixedPointMemoryDoesNotGrowWithTheCtmrgIterations)
      EXPECT_LT(mem0, (m.name == "checkpointed" ? 0.5 : 1.0) * mem0_ref)
          << "memory_peak_mb of the first evaluation, unrolled: " << mem0_ref;
      if (m.name == "checkpointed") {
        EXPECT_EQ(res.attr_string("gradient"), "checkpointed");
        continue;
      }
      EXPECT_EQ(res.attr_string("gradient"), "fixed_point");
      EXPECT_EQ(res.attr_string("fixed_point_solver"), m.name);
      const auto it = h.doubles("adjoint_iterations"), resid = h.doubles("adjoint_residual");
      ASSERT_EQ(it.size(), h.doubles("energy").size());
      for (std::size_t i = 0; i < it.size(); ++i) {
        EXPECT_GE(it[i], 1.0) << i;
        EXPECT_LE(resid[i], 1e-10) << i;  // the default fixed_point_tol
      }
      EXPECT_EQ(h.doubles("gradient_fallbacks").back(), 0.0);
      EXPECT_EQ(res.scalar("gradient_fallbacks"), 0.0);
    }
  }
}

// The array memory of one evaluation (/history/memory_peak_mb) against the CTMRG iterations
// it ran (ctm_tol 1e-8: 6, 1e-14: 12 at D = 2, chi = 8): the unrolled tape grows with each
// iteration, the checkpointed one by the carried environment only, the fixed-point one not.
TEST(IpepsJob, FixedPointMemoryDoesNotGrowWithTheCtmrgIterations) {
  TempDir tmp;
  std::map<std::string, std::pair<double, double>> mem;  // mode -> (loose, tight)
  double it_loose = 0, it_tight = 0;
  for (const std::string mode : {"unrolled", "checkpointed", "fixed_point"}) {
    for (const std::string tol : {"1e-8", "1e-14"}) {
      const std::string name = mode + tol;
      write_file(tmp / (name + ".toml"), config("D = 2\nchi = 8\nctm_tol = " + tol + "\nctm_max_iter = 500\ngradient = \"" +
                                                    mode + "\"\n",
                                                "max_steps = 1\n"));
      Result r = run_tnad({"run", tmp / (name + ".toml"), "-o", tmp / (name + ".h5"), "-q"});
      ASSERT_EQ(r.exit_code, 0) << describe(r);
      const Group h = read_h5(tmp / (name + ".h5")).group("history");
      if (mode == "fixed_point") EXPECT_EQ(h.doubles("gradient_fallbacks").front(), 0.0);
      (tol == "1e-8" ? mem[mode].first : mem[mode].second) = h.doubles("memory_peak_mb").front();
      (tol == "1e-8" ? it_loose : it_tight) = h.doubles("ctm_iterations").front();
    }
  }
  ASSERT_GE(it_tight, it_loose + 4);
  const double per_it_unrolled = (mem["unrolled"].second - mem["unrolled"].first) / (it_tight - it_loose);
  EXPECT_GT(per_it_unrolled, 0.0);
  EXPECT_LT(mem["checkpointed"].second - mem["checkpointed"].first, 0.2 * per_it_unrolled * (it_tight - it_loose));
  EXPECT_NEAR(mem["fixed_point"].second, mem["fixed_point"].first, 1e-3 * mem["fixed_point"].first);
  EXPECT_LT(mem["fixed_point"].second, mem["unrolled"].second);
}

// An adjoint solve that cannot converge (one J^T application, tol 1e-15) does not end the run:
// each evaluation falls back to the checkpointed gradient, warns once, counts it; the optimum
// is the checkpointed one's, and so is the memory (a plain unrolled tape of a slow CTMRG is
// what the fallback must not build). The single-site ansatz in fixed_point mode, killed and
// resumed: the same numbers as uninterrupted.
TEST(IpepsJob, FixedPointFallsBackToCheckpointedAndResumes) {
  TempDir tmp;
  const std::string base = "D = 2\nchi = 8\nctm_tol = 1e-11\nctm_max_iter = 500\n";
  write_file(tmp / "u.toml", config(base + "gradient = \"checkpointed\"\n", "max_steps = 10\n"));
  write_file(tmp / "plain.toml", config(base + "gradient = \"unrolled\"\n", "max_steps = 10\n"));
  ASSERT_EQ(run_tnad({"run", tmp / "plain.toml", "-o", tmp / "plain.h5", "-q"}).exit_code, 0);
  write_file(tmp / "f.toml", config(base + "fixed_point_solver = \"neumann\"\nfixed_point_tol = 1e-15\n"
                                           "fixed_point_max_iter = 1\n", "max_steps = 10\n"));
  ASSERT_EQ(run_tnad({"run", tmp / "u.toml", "-o", tmp / "u.h5", "-q"}).exit_code, 0);
  Result r = run_tnad({"run", tmp / "f.toml", "-o", tmp / "f.h5", "-q"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_HAS(r.err, "WARNING: ipeps: gradient = \"fixed_point\": the adjoint solve did not converge (fixed_point_solver \"neumann\"");
  const Group u = read_h5(tmp / "u.h5"), f = read_h5(tmp / "f.h5");
  EXPECT_EQ(f.group("history").doubles("energy"), u.group("history").doubles("energy"));
  EXPECT_GE(f.group("results").scalar("gradient_fallbacks"), double(f.group("history").doubles("energy").size()));
  const auto max_of = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
  const double plain_mb = max_of(read_h5(tmp / "plain.h5").group("history").doubles("memory_peak_mb"));
  EXPECT_LT(max_of(f.group("history").doubles("memory_peak_mb")), 0.5 * plain_mb);
  // a CTMRG stopped by ctm_max_iter is no fixed point: the gradient of what was computed
  write_file(tmp / "u2.toml", config("D = 2\nchi = 8\nctm_max_iter = 3\ngradient = \"checkpointed\"\n", "max_steps = 5\n"));
  write_file(tmp / "f2.toml", config("D = 2\nchi = 8\nctm_max_iter = 3\ngradient = \"fixed_point\"\n", "max_steps = 5\n"));
  ASSERT_EQ(run_tnad({"run", tmp / "u2.toml", "-o", tmp / "u2.h5", "-q"}).exit_code, 0);
  Result r2 = run_tnad({"run", tmp / "f2.toml", "-o", tmp / "f2.h5", "-q"});
  ASSERT_EQ(r2.exit_code, 0) << describe(r2);
  EXPECT_HAS(r2.err, "WARNING: ipeps: gradient = \"fixed_point\": the CTMRG did not converge (3 iterations");
  EXPECT_EQ(read_h5(tmp / "f2.h5").group("history").doubles("energy"),
            read_h5(tmp / "u2.h5").group("history").doubles("energy"));

  write_file(tmp / "s.toml", config("ansatz = \"single-site\"\nD = 2\nchi = 8\ninit = \"neel\"\nnoise = 0.3\n"
                                    "ctm_tol = 1e-10\nctm_max_iter = 500\nwarm_start = true\n"
                                    "gradient = \"fixed_point\"\nfixed_point_solver = \"gmres\"\n",
                                    "max_steps = 10\n", "checkpoint_every = 1\n"));
  ASSERT_EQ(run_tnad({"run", tmp / "s.toml", "-o", tmp / "ref.h5", "-q"}).exit_code, 0);
  const Group ref = read_h5(tmp / "ref.h5");
  EXPECT_LT(ref.group("results").scalar("energy"), -0.64);
  EXPECT_EQ(ref.group("results").scalar("gradient_fallbacks"), 0.0);
  Child c({tnad_exe(), "run", tmp / "s.toml", "-o", tmp / "out.h5"});
  ASSERT_TRUE(c.wait_line([](const std::string& l) { return step_of(l) >= 4; }).has_value()) << c.err();
  c.kill(SIGKILL);
  c.wait();
  ASSERT_EQ(run_tnad({"run", tmp / "s.toml", "-o", tmp / "out.h5", "--resume", "-q"}).exit_code, 0);
  const Group out = read_h5(tmp / "out.h5");
  for (const char* k : {"energy", "adjoint_iterations", "adjoint_residual"})
    EXPECT_EQ(out.group("history").doubles(k), ref.group("history").doubles(k)) << k;
  EXPECT_EQ(out.group("results").doubles("env_T_l"), ref.group("results").doubles("env_T_l"));
}

TEST(IpepsJob, BadConfigsNameTheKeyAndLine) {
  TempDir tmp;
  struct Bad {
    std::string job, expect;
  };
  const std::vector<Bad> bad = {
      {"D = 0\n", "[job] D = 0: out of range"},
      {"multiplet_tol = 0.5\n", "[job] multiplet_tol = 0.5: out of range"},
      {"D = 3\nchi = 8\n", "[job] chi = 8: is smaller than D^2 = 9"},
      {"model = \"hubbard\"\n", "[job] model = \"hubbard\""},
      {"model = \"custom\"\nbond_matrix = [1, 2, 3]\n", "[job] bond_matrix = [1.0, 2.0, 3.0]: the bond matrix: has 3 entries"},
      {"model = \"custom\"\nbond_matrix = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n", "is not symmetric: entry (0, 1) = 1 but (1, 0) = 0"},
      {"model = \"custom\"\n", "[job] bond_matrix = []: model = \"custom\" needs a bond matrix"},
      {"model = \"tfim\"\nJ = 2\n", "[job] J = 2.0: does not apply to model = \"tfim\""},
      {"D = 2\nD_start = 3\n", "[job] D_start = 3: is larger than D = 2"},
      {"init = \"file\"\n", "[job] init_file = \"\": init = \"file\" needs"},
      {"init = \"file\"\ninit_file = \"/nonexistent.h5\"\n", "init_file = \"/nonexistent.h5\": no such file"},
      {"model = \"tfim\"\nsublattice_rotation = \"on\"\n", "[job] sublattice_rotation = \"on\": the transverse-field Ising"},
      {"gradient = \"adjoint\"\n", "[job] gradient = \"adjoint\""},
      {"gradient = \"fixed_point\"\nfixed_point_solver = \"bicg\"\n", "[job] fixed_point_solver = \"bicg\""},
      {"gradient = \"fixed_point\"\nfixed_point_tol = 0\n", "[job] fixed_point_tol = 0: out of range"},
      {"gradient = \"fixed_point\"\nfixed_point_max_iter = 0\n", "[job] fixed_point_max_iter = 0: out of range"},
      {"gradient = \"unrolled\"\nfixed_point_solver = \"gmres\"\n", "[job] fixed_point_solver = \"gmres\": only applies to gradient = \"fixed_point\" (gradient = \"unrolled\")"},
      {"gradient = \"fixed_point\"\ncheckpoint = true\n", "[job] checkpoint = true: contradicts gradient = \"fixed_point\""},
      {"unit_cell = [2, 2]\n", "[job] unit_cell = [2.0, 2.0]: only applies to ansatz = \"unit-cell\" (ansatz = \"c4v\")"},
      {"ansatz = \"unit-cell\"\nunit_cell = [2, 0]\n", "[job] unit_cell = [2.0, 0.0]: must be [Lx, Ly], two integers from 1 to 8"},
      {"ansatz = \"unit-cell\"\nunit_cell = [2.5, 2]\n", "[job] unit_cell = [2.5, 2.0]: must be [Lx, Ly]"},
      {"ansatz = \"unit-cell\"\nunit_cell = [2]\n", "[job] unit_cell = [2.0]: must be [Lx, Ly]"},
      {"ansatz = \"cell\"\n", "[job] ansatz = \"cell\""},
  };
  int n = 0;
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.job);
    write_file(tmp / "bad.toml", config(b.job));
    // one output per case: a run that fails after creating its file (init_file is only read
    // by a fresh start) leaves it, and the output policy refuses to replace it
    const std::string out = tmp / ("bad" + std::to_string(n++) + ".h5");
    Result r = run_tnad({"run", tmp / "bad.toml", "-o", out});
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_TRUE(r.one_line_error()) << describe(r);
    EXPECT_HAS(r.err, "bad.toml:");
    EXPECT_HAS(r.err, b.expect);
  }
}

TEST(IpepsJob, PlotScriptDrawsTheEnergyAgainstEvaluations) {
  TempDir tmp;
  write_file(tmp / "a.toml", config("D_start = 1\nD = 2\nchi = 8\ninit = \"neel\"\n", "max_steps = 5\n"));
  ASSERT_EQ(run_tnad({"run", tmp / "a.toml", "-o", tmp / "a.h5", "-q"}).exit_code, 0);
  Spawn headless;
  headless.env = {"MPLBACKEND=Agg", "MPLCONFIGDIR=" + tmp.path()};
  headless.unset = {"DISPLAY"};
  Result r = run({python(), source_dir() + "/scripts/plot_ipeps.py", tmp / "a.h5", "-o", tmp / "a.png"}, headless);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string png = slurp(tmp / "a.png");
  EXPECT_GT(png.size(), 1000u);
  EXPECT_EQ(png.compare(0, 8, "\x89PNG\r\n\x1a\n"), 0);
  EXPECT_HAS(r.out, "magnetization");
}

}  // namespace
