// Config validation: every mistake names the file, line and key; defaults fill in; the
// effective config reads back to itself.
#include <gtest/gtest.h>

#include "tnad/ad/error.hpp"
#include "tnad/solvers/config.hpp"

using namespace tnad::runs;

namespace {

// The error message of parsing `text` as "cfg.toml" (empty if it parses).
std::string error_of(const std::string& text) {
  try {
    parse_config(text, "cfg.toml");
  } catch (const tnad::Error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

const char* kGood = R"([job]
type = "minimize"
dim = 5

[optimizer]
method = "lbfgs"
history = 7
)";

}  // namespace

TEST(Config, DefaultsAreFilledIn) {
  Config c = parse_config(kGood, "cfg.toml");
  EXPECT_EQ(c.job_type, "minimize");
  EXPECT_EQ(c.job.integer("dim"), 5);
  EXPECT_TRUE(c.job.given("dim"));
  EXPECT_FALSE(c.job.given("objective"));
  EXPECT_EQ(c.job.string("objective"), "rosenbrock");
  EXPECT_EQ(c.optimizer.integer("history"), 7);
  EXPECT_EQ(c.optimizer.integer("max_steps"), 1000);
  EXPECT_EQ(c.optimizer.number("c2"), 0.9);
  EXPECT_EQ(c.output.integer("checkpoint_every"), 10);
  EXPECT_EQ(c.run.integer("threads"), 0);
  EXPECT_EQ(c.job.where("dim").str(), "cfg.toml:3:7");
}

TEST(Config, IntegersAreAcceptedForFloats) {
  Config c = parse_config("[job]\ntype = \"minimize\"\ncondition = 10\n", "c.toml");
  EXPECT_EQ(c.job.number("condition"), 10.0);
}

TEST(Config, UnknownKeyNamesFileLineAndSuggests) {
  std::string m = error_of("[job]\ntype = \"minimize\"\n\n[optimizer]\nhistroy = 5\n");
  EXPECT_HAS(m, "cfg.toml:5:1");
  EXPECT_HAS(m, "[optimizer] unknown key 'histroy'");
  EXPECT_HAS(m, "did you mean 'history'");
}

TEST(Config, KeyOfAnotherMethodIsUnknown) {
  std::string m = error_of("[job]\ntype = \"minimize\"\n[optimizer]\nmethod = \"adam\"\nhistory = 5\n");
  EXPECT_HAS(m, "cfg.toml:5:1");
  EXPECT_HAS(m, "unknown key 'history'");
  EXPECT_HAS(m, "beta1");  // the valid keys for adam are listed
}

TEST(Config, WrongTypeNamesKeyAndTypes) {
  std::string m = error_of("[job]\ntype = \"minimize\"\ndim = \"ten\"\n");
  EXPECT_HAS(m, "cfg.toml:3:7");
  EXPECT_HAS(m, "[job] dim = \"ten\": expected an integer, got a string");
  m = error_of("[job]\ntype = \"minimize\"\ndim = 2.5\n");
  EXPECT_HAS(m, "expected an integer, got a float");
  m = error_of("[job]\ntype = \"minimize\"\n[optimizer]\nmethod = \"gd\"\nline_search = 1\n");
  EXPECT_HAS(m, "cfg.toml:5:15");
  EXPECT_HAS(m, "expected a boolean");
  m = error_of("[job]\ntype = \"minimize\"\nx0 = [1.0, \"a\"]\n");
  EXPECT_HAS(m, "cfg.toml:3:12");
  EXPECT_HAS(m, "expected numbers");
}

TEST(Config, OutOfRangeNamesTheBound) {
  std::string m = error_of("[job]\ntype = \"minimize\"\ndim = 0\n");
  EXPECT_HAS(m, "cfg.toml:3:7");
  EXPECT_HAS(m, "[job] dim = 0: out of range: must be in [1, 100000]");
  m = error_of("[job]\ntype = \"minimize\"\n[optimizer]\nmethod = \"adam\"\nbeta1 = 1.0\n");
  EXPECT_HAS(m, "must be in [0, 1)");
  m = error_of("[job]\ntype = \"minimize\"\n[optimizer]\nlr = 0\nmethod = \"gd\"\n");
  EXPECT_HAS(m, "cfg.toml:4:6");
  EXPECT_HAS(m, "must be > 0");
  m = error_of("[job]\ntype = \"minimize\"\nobjective = \"rosenbrok\"\n");
  EXPECT_HAS(m, "must be one of rosenbrock | quadratic");
  m = error_of("[job]\ntype = \"minimize\"\n[optimizer]\nc1 = 0.5\nc2 = 0.4\n");
  EXPECT_HAS(m, "cfg.toml:5:6");
  EXPECT_HAS(m, "must be larger than c1");
}

TEST(Config, MissingPieces) {
  std::string m = error_of("[optimizer]\nmethod = \"gd\"\n");
  EXPECT_HAS(m, "cfg.toml: missing [job] table");
  m = error_of("[job]\ndim = 3\n");
  EXPECT_HAS(m, "cfg.toml:1:1");
  EXPECT_HAS(m, "[job] missing required key 'type'");
  m = error_of("[job]\ntype = \"minimise\"\n");
  EXPECT_HAS(m, "cfg.toml:2:8");
  EXPECT_HAS(m, "unknown job");
  EXPECT_HAS(m, "did you mean \"minimize\"");
}

TEST(Config, UnknownTablesAndSyntaxErrors) {
  std::string m = error_of("[job]\ntype = \"minimize\"\n[optimiser]\nlr = 1\n");
  EXPECT_HAS(m, "cfg.toml:3:");
  EXPECT_HAS(m, "unknown table [optimiser]");
  EXPECT_HAS(m, "did you mean [optimizer]");
  m = error_of("[job]\ntype = \"minimize\"\ndim = = 3\n");
  EXPECT_HAS(m, "cfg.toml:3:");
  EXPECT_HAS(m, "TOML syntax error");
  m = error_of("job = 3\n");
  EXPECT_HAS(m, "must be a table");
  m = error_of("[job]\ntype = \"minimize\"\nwhen = 1979-05-27\n");
  EXPECT_HAS(m, "dates and times are not supported");
}

TEST(Config, MissingFileIsAClearError) {
  try {
    load_config("/nonexistent/dir/x.toml");
    FAIL();
  } catch (const tnad::Error& e) {
    std::string m = e.what();
    EXPECT_HAS(m, "/nonexistent/dir/x.toml: cannot read");
  }
}

TEST(Config, EffectiveConfigReadsBackToItself) {
  for (const char* text : {kGood, "[job]\ntype = \"minimize\"\nx0 = [1, 2.5]\ndim = 2\n[optimizer]\nmethod = \"adam\"\nlr = 0.1\n",
                           "[job]\ntype = \"minimize\"\n[optimizer]\nmethod = \"gd\"\nline_search = true\n"
                           "grad_tol = 1e-300\n[output]\nfile = \"a \\\"quoted\\\" name.h5\"\n"}) {
    Config c = parse_config(text, "cfg.toml");
    std::string eff = c.effective_toml();
    Config back = parse_config(eff, "effective.toml");
    std::string again = back.effective_toml();
    // equal after the first line (a comment naming the source file)
    EXPECT_EQ(again.substr(again.find('\n')), eff.substr(eff.find('\n')));
    EXPECT_EQ(c.trajectory_difference(back), "");
    EXPECT_EQ(back.optimizer.number("grad_tol"), c.optimizer.number("grad_tol"));
    EXPECT_EQ(back.output.string("file"), c.output.string("file"));
  }
}

TEST(Config, TrajectoryDifferenceIgnoresStoppingCriteria) {
  Config a = parse_config(kGood, "a.toml");
  Config b = parse_config(std::string(kGood) + "max_steps = 5000\ngrad_tol = 1e-12\n[run]\nthreads = 3\n", "b.toml");
  EXPECT_EQ(a.trajectory_difference(b), "");
  Config c = parse_config(std::string(kGood) + "c1 = 0.001\n", "c.toml");
  EXPECT_EQ(a.trajectory_difference(c), "[optimizer] c1");
  Config d = parse_config("[job]\ntype = \"minimize\"\ndim = 6\n[optimizer]\nhistory = 7\n", "d.toml");
  EXPECT_EQ(a.trajectory_difference(d), "[job] dim");
  Config e = parse_config("[job]\ntype = \"minimize\"\ndim = 5\n[optimizer]\nmethod = \"adam\"\n", "e.toml");
  EXPECT_NE(a.trajectory_difference(e), "");
}

TEST(Config, ClosestKey) {
  EXPECT_EQ(closest_key("histroy", {"history", "method"}), "history");
  EXPECT_EQ(closest_key("zzz", {"history", "method"}), "");
  EXPECT_EQ(closest_key("lr", {"c1", "c2"}), "");
}

TEST(Config, ValuesKeepFileOrderAndLocations) {
  Value v = parse_toml("b = 1\na = [1, 2]\n[t]\nz = 1\ny = 2\n", "f.toml");
  ASSERT_EQ(v.fields.size(), 3u);
  EXPECT_EQ(v.fields[0].key, "b");
  EXPECT_EQ(v.fields[1].key, "a");
  EXPECT_EQ(v.fields[2].value.fields[0].key, "z");
  EXPECT_EQ(v.fields[1].value.items[1].loc.str(), "f.toml:2:9");
  EXPECT_EQ(Value::floating(100.0).to_toml(), "100.0");
  EXPECT_EQ(Value::floating(0.1).to_toml(), "0.1");
  EXPECT_EQ(Value::string("a\"b\\c\n").to_toml(), "\"a\\\"b\\\\c\\n\"");
}
