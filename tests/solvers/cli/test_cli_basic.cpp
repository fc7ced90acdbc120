// The tnad command's surface: help, version, usage errors, every example config runs,
// --print-config, and errors as one line on stderr with a non-zero exit.
#include <fstream>

#include "cli_util.hpp"
#include "tnad/solvers/h5.hpp"

using namespace cli_test;

TEST(CliBasic, VersionAndHelp) {
  Result r = run_tnad({"--version"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_HAS(r.out, "tnad 0.");
  r = run_tnad({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"run", "sweep", "merge", "inspect", "jobs", "example"}) EXPECT_HAS(r.out, cmd);
  r = run_tnad({"run", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--resume", "--threads", "--quiet", "--print-config", "--output"}) EXPECT_HAS(r.out, opt);
  r = run_tnad({"sweep", "--help"});
  for (const char* opt : {"--list", "--task", "--all", "--mpi"}) EXPECT_HAS(r.out, opt);
  r = run_tnad({"jobs"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_HAS(r.out, "minimize");
  r = run_tnad({"jobs", "minimize"});
  EXPECT_HAS(r.out, "objective = \"rosenbrock\"");
}

TEST(CliBasic, UsageErrorsAreOneLine) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"frobnicate"}, {"run"}, {"run", "a.toml", "--bogus"}, {"run", "a.toml", "--threads", "x"},
           {"sweep", "a.toml", "--list", "--all"}, {"merge", "dir"}}) {
    Result r = run_tnad(args);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_TRUE(r.one_line_error()) << describe(r);
    EXPECT_HAS(r.err, "tnad: usage error:");
  }
}

TEST(CliBasic, EveryExampleConfigIsValidAndTheMinimizeOnesRun) {
  // Every config in data/configs/ validates (--print-config); those of the generic
  // `minimize` job, which this layer owns, are run to the end here. (The physics configs
  // take tens of seconds each: their jobs' tests run them.)
  auto configs = example_configs();
  ASSERT_GE(configs.size(), 3u);
  int ran = 0;
  for (const auto& cfg : configs) {
    SCOPED_TRACE(cfg);
    TempDir tmp;
    std::string text = slurp(cfg);
    const bool sweep = text.find("[sweep]") != std::string::npos;
    Result p = sweep ? run_tnad({"sweep", cfg, "--list"}) : run_tnad({"run", cfg, "--print-config"});
    ASSERT_EQ(p.exit_code, 0) << describe(p);
    if (text.find("type = \"minimize\"") == std::string::npos) continue;
    ++ran;
    Result r = sweep ? run_tnad({"sweep", cfg, "--all", "-o", tmp / "sweep"}) : run_tnad({"run", cfg, "-o", tmp / "run.h5"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    if (sweep) {
      Result m = run_tnad({"merge", tmp / "sweep", "-o", tmp / "merged.h5"});
      ASSERT_EQ(m.exit_code, 0) << describe(m);
      EXPECT_HAS(m.err, "finished");
      EXPECT_EQ(m.err.find("failed"), std::string::npos) << m.err;
    } else {
      auto g = tnad::runs::read_h5(tmp / "run.h5");
      EXPECT_EQ(g.group("meta").attr_string("status"), "finished");
      EXPECT_EQ(g.group("results").attr_string("stop_reason"), "grad_tol");
      Result i = run_tnad({"inspect", tmp / "run.h5"});
      EXPECT_EQ(i.exit_code, 0) << describe(i);
      EXPECT_HAS(i.out, "status     finished");
    }
  }
  EXPECT_GE(ran, 3);
}

TEST(CliBasic, EmbeddedExamplesEqualTheFiles) {
  Result list = run_tnad({"example"});
  ASSERT_EQ(list.exit_code, 0);
  for (const auto& cfg : example_configs()) {
    std::string name = std::filesystem::path(cfg).stem().string();
    EXPECT_HAS(list.out, name);
    Result r = run_tnad({"example", name});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, slurp(cfg)) << name;
  }
  Result bad = run_tnad({"example", "nope"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(bad.one_line_error());
}

TEST(CliBasic, ProgressLinesAndQuiet) {
  TempDir tmp;
  const std::string cfg = source_dir() + "/data/configs/minimize-rosenbrock.toml";
  Result r = run_tnad({"run", cfg, "-o", tmp / "a.h5"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  // one line per step (stderr is a pipe here, not a terminal): step 0 .. last
  auto g = tnad::runs::read_h5(tmp / "a.h5");
  const auto& steps = g.group("history").dataset("step").ints();
  for (int64_t s : steps) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "step %6lld  objective ", static_cast<long long>(s));
    EXPECT_HAS(r.err, buf);
  }
  EXPECT_HAS(r.err, "grad_norm");
  EXPECT_HAS(r.err, "s/step");
  Result q = run_tnad({"run", cfg, "-o", tmp / "b.h5", "--quiet"});
  EXPECT_EQ(q.exit_code, 0);
  EXPECT_EQ(q.err, "");
  EXPECT_EQ(q.out, "");
}

TEST(CliBasic, PrintConfigShowsDefaultsAndReadsBack) {
  TempDir tmp;
  write_file(tmp / "c.toml", "[job]\ntype = \"minimize\"\ndim = 3\n");
  Result r = run_tnad({"run", tmp / "c.toml", "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_HAS(r.out, "dim = 3");
  EXPECT_HAS(r.out, "method = \"lbfgs\"");  // a default
  EXPECT_HAS(r.out, "history = 10");
  EXPECT_HAS(r.out, "checkpoint_every = 10");
  write_file(tmp / "eff.toml", r.out);
  Result again = run_tnad({"run", tmp / "eff.toml", "--print-config"});
  ASSERT_EQ(again.exit_code, 0) << describe(again);
  EXPECT_EQ(again.out.substr(again.out.find('\n')), r.out.substr(r.out.find('\n')));
  EXPECT_FALSE(std::filesystem::exists(tmp / "c.h5"));  // printing does not run
}

TEST(CliBasic, ConfigErrorsAreOneLineWithFileAndLine) {
  TempDir tmp;
  struct Case {
    std::string text, expect;
  };
  std::vector<Case> cases = {
      {"[job]\ntype = \"minimize\"\n[optimizer]\nhistroy = 3\n", "c.toml:4:1: [optimizer] unknown key 'histroy'"},
      {"[job]\ntype = \"minimize\"\ndim = \"x\"\n", "c.toml:3:7: [job] dim = \"x\": expected an integer"},
      {"[job]\ndim = 3\n", "c.toml:1:1: [job] missing required key 'type'"},
      {"[job]\ntype = \"minimize\"\ndim = -1\n", "c.toml:3:7: [job] dim = -1: out of range"},
      {"[job]\ntype = \"minimize\"\n[sweep]\n\"job.dim\" = [2, 3]\n", "has a [sweep] table"},
      {"[job\n", "c.toml:1:"},
  };
  for (const auto& c : cases) {
    write_file(tmp / "c.toml", c.text);
    Result r = run_tnad({"run", tmp / "c.toml"}, {{}, {}, tmp.path(), -1});
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_TRUE(r.one_line_error()) << describe(r);
    EXPECT_HAS(r.err, "tnad: error: ");
    EXPECT_HAS(r.err, c.expect);
    EXPECT_EQ(r.err.find("terminate"), std::string::npos);
  }
  Result missing = run_tnad({"run", tmp / "nope.toml"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(missing.one_line_error()) << describe(missing);
  EXPECT_HAS(missing.err, "nope.toml: cannot read: No such file or directory");
  // (--threads: see CliHostile.NumericOptionsAreCheckedAlike)
}

TEST(CliBasic, ThreadsAreRecorded) {
  TempDir tmp;
  const std::string cfg = source_dir() + "/data/configs/minimize-rosenbrock.toml";
  Result r = run_tnad({"run", cfg, "-o", tmp / "a.h5", "--threads", "3", "-q"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto g = tnad::runs::read_h5(tmp / "a.h5");
  EXPECT_EQ(g.group("meta").attr_int("threads"), 3);
}

TEST(CliBasic, InspectRefusesForeignFiles) {
  TempDir tmp;
  tnad::runs::Group foreign;
  foreign.group("data").put("x", tnad::runs::Dataset::of(std::vector<double>{1, 2}));
  tnad::runs::write_h5(tmp / "foreign.h5", foreign);
  Result r = run_tnad({"inspect", tmp / "foreign.h5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.one_line_error()) << describe(r);
  EXPECT_HAS(r.err, "not a tnad file (a foreign HDF5 file; top level: data/)");
  write_file(tmp / "t.h5", "text");
  r = run_tnad({"inspect", tmp / "t.h5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "not an HDF5 file");
}
