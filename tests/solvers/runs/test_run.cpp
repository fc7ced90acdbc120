// The run driver in-process: a run stopped at a step limit and continued with a larger
// one equals the uninterrupted run bit for bit; --resume refuses other calculations and
// corrupted state; failures are recorded in the file.
#include <gtest/gtest.h>

#include <fstream>

#include "tnad/ad/error.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/run.hpp"
#include "util.hpp"

using namespace tnad::runs;

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

namespace {

std::string config(int max_steps, const std::string& extra_job = "", const std::string& optimizer = "") {
  return "[job]\ntype = \"minimize\"\ndim = 12\n" + extra_job + "\n[optimizer]\nmax_steps = " +
         std::to_string(max_steps) + "\ngrad_tol = 1e-10\n" + optimizer + "\n[output]\ncheckpoint_every = 4\n";
}

RunOptions quiet(const std::string& out, bool resume = false) {
  RunOptions o;
  o.output = out;
  o.resume = resume;
  o.quiet = true;
  o.handle_signals = false;
  return o;
}

std::string error_of(const Config& c, const RunOptions& o) {
  try {
    run(c, o);
  } catch (const tnad::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Run, ContinuingWithALargerStepLimitEqualsTheUninterruptedRun) {
  solvers_test::TempDir tmp;
  RunOutcome full = run(parse_config(config(1000), "c.toml"), quiet(tmp / "full.h5"));
  ASSERT_EQ(full.status, RunStatus::finished);
  EXPECT_EQ(full.stop_reason, "grad_tol");

  RunOutcome part = run(parse_config(config(17), "c.toml"), quiet(tmp / "part.h5"));
  EXPECT_EQ(part.stop_reason, "max_steps");
  EXPECT_EQ(part.steps, 17);
  RunOutcome rest = run(parse_config(config(1000), "c.toml"), quiet(tmp / "part.h5", true));
  EXPECT_EQ(rest.status, RunStatus::finished);
  EXPECT_EQ(rest.steps, full.steps);

  Group a = read_h5(tmp / "full.h5"), b = read_h5(tmp / "part.h5");
  EXPECT_EQ(a.group("results").dataset("x").doubles(), b.group("results").dataset("x").doubles());
  EXPECT_EQ(a.group("results").scalar("objective"), b.group("results").scalar("objective"));
  for (const char* col : {"objective", "grad_norm", "step_norm"})
    EXPECT_EQ(a.group("history").doubles(col), b.group("history").doubles(col)) << col;
  const auto& steps = b.group("history").dataset("step").ints();
  for (std::size_t i = 0; i < steps.size(); ++i) ASSERT_EQ(steps[i], int64_t(i));
  EXPECT_EQ(b.group("meta").attr_int("resumes"), 1);
  EXPECT_EQ(b.group("meta").attr_string("status"), "finished");

  // Resuming a finished run does nothing.
  RunOutcome again = run(parse_config(config(1000), "c.toml"), quiet(tmp / "part.h5", true));
  EXPECT_TRUE(again.already_done);
}

TEST(Run, RefusesToOverwriteOrResumeSomethingElse) {
  solvers_test::TempDir tmp;
  const std::string out = tmp / "r.h5";
  run(parse_config(config(5), "c.toml"), quiet(out));
  EXPECT_HAS(error_of(parse_config(config(5), "c.toml"), quiet(out)), "already exists");
  std::string m = error_of(parse_config(config(50, "seed = 3"), "d.toml"), quiet(out, true));
  EXPECT_HAS(m, "cannot resume");
  EXPECT_HAS(m, "[job] seed");
  m = error_of(parse_config(config(50, "", "history = 4"), "d.toml"), quiet(out, true));
  EXPECT_HAS(m, "[optimizer] history");
  // overwrite starts over
  RunOptions o = quiet(out);
  o.overwrite = true;
  EXPECT_EQ(run(parse_config(config(6), "c.toml"), o).steps, 6);
}

TEST(Run, ResumeDetectsCorruptedOrForeignFiles) {
  solvers_test::TempDir tmp;
  const std::string out = tmp / "r.h5";
  run(parse_config(config(5), "c.toml"), quiet(out));
  Group g = read_h5(out);
  // tamper with one state number: the checksum must catch it
  auto& x = std::get<std::vector<double>>(g.group("state").group("optimizer").datasets["x"].data);
  x[0] += 1e-12;
  write_h5(tmp / "tampered.h5", g);
  EXPECT_HAS(error_of(parse_config(config(50), "c.toml"), quiet(tmp / "tampered.h5", true)),
             "corrupted checkpoint: the checksum of /state does not match");

  Group foreign;
  foreign.group("data").put("x", Dataset::of(std::vector<double>{1, 2}));
  write_h5(tmp / "foreign.h5", foreign);
  EXPECT_HAS(error_of(parse_config(config(50), "c.toml"), quiet(tmp / "foreign.h5", true)), "not a tnad run file");

  std::ofstream(tmp / "garbage.h5") << "garbage";
  EXPECT_HAS(error_of(parse_config(config(50), "c.toml"), quiet(tmp / "garbage.h5", true)), "not an HDF5 file");
}

TEST(Run, AFailingStepIsRecordedWithTheLastGoodState) {
  solvers_test::TempDir tmp;
  const std::string out = tmp / "f.h5";
  // Fixed-step gradient descent with a step far too large diverges to overflow.
  Config c = parse_config(config(500, "", "method = \"gd\"\nlr = 10.0"), "c.toml");
  RunOutcome r = run(c, quiet(out));
  ASSERT_EQ(r.status, RunStatus::failed);
  EXPECT_HAS(r.error, "lower optimizer.lr");
  Group g = read_h5(out);
  EXPECT_EQ(g.group("meta").attr_string("status"), "failed");
  EXPECT_EQ(g.group("meta").attr_string("error"), r.error);
  EXPECT_EQ(g.group("state").attr_int("step"), r.steps);
  const auto& steps = g.group("history").dataset("step").ints();
  EXPECT_EQ(steps.back(), r.steps);
}

TEST(Run, OutputDirectoryIsCreatedAndABadOneIsAnError) {
  solvers_test::TempDir tmp;
  RunOutcome r = run(parse_config(config(3), "c.toml"), quiet(tmp / "a/b/c.h5"));
  EXPECT_EQ(r.status, RunStatus::finished);
  std::ofstream(tmp / "plain") << "x";
  EXPECT_HAS(error_of(parse_config(config(3), "c.toml"), quiet(tmp / "plain/c.h5")), "cannot create the output directory");
  EXPECT_HAS(error_of(parse_config(config(3), "c.toml"), quiet(tmp.path())), "is a directory");
}

TEST(Run, DefaultOutputName) {
  EXPECT_EQ(default_output(parse_config(config(3), "data/configs/x.toml")), "x.h5");
  EXPECT_EQ(default_output(parse_config(config(3) + "file = \"y/z.h5\"\n", "x.toml")), "y/z.h5");
}
