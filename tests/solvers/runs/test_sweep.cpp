// Sweep expansion: axes in file order, last axis fastest, ranges, validation through the
// [sweep] line, task file names.
#include <gtest/gtest.h>

#include "tnad/ad/error.hpp"
#include "tnad/solvers/sweep.hpp"

using namespace tnad::runs;

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

namespace {
const std::string kBase = "[job]\ntype = \"minimize\"\n[optimizer]\nmethod = \"adam\"\n";

Sweep sweep_of(const std::string& sweep_table) { return Sweep(parse_config(kBase + sweep_table, "s.toml")); }

std::string error_of(const std::string& sweep_table) {
  try {
    sweep_of(sweep_table);
  } catch (const tnad::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Sweep, CartesianProductInFileOrderLastAxisFastest) {
  Sweep s = sweep_of("[sweep]\n\"optimizer.lr\" = [0.1, 0.2]\n\"job.dim\" = [2, 3, 4]\n");
  ASSERT_EQ(s.size(), 6);
  ASSERT_EQ(s.axes().size(), 2u);
  EXPECT_EQ(s.axes()[0].name, "optimizer.lr");  // written first, although "job" sorts first
  EXPECT_EQ(s.axes()[1].name, "job.dim");
  const double lr[] = {0.1, 0.1, 0.1, 0.2, 0.2, 0.2};
  const int64_t dim[] = {2, 3, 4, 2, 3, 4};
  for (int64_t i = 0; i < 6; ++i) {
    Config c = s.task_config(i);
    EXPECT_EQ(c.optimizer.number("lr"), lr[i]) << i;
    EXPECT_EQ(c.job.integer("dim"), dim[i]) << i;
    EXPECT_EQ(c.optimizer.string("method"), "adam");  // the base config stays
  }
  EXPECT_EQ(s.describe(4), "optimizer.lr = 0.2, job.dim = 3");
}

TEST(Sweep, DottedKeysAndSubtablesAreAxesToo) {
  Sweep a = sweep_of("[sweep]\njob.dim = [2, 3]\noptimizer.lr = [0.5]\n");
  Sweep b = sweep_of("[sweep.job]\ndim = [2, 3]\n[sweep.optimizer]\nlr = [0.5]\n");
  ASSERT_EQ(a.size(), 2);
  ASSERT_EQ(b.size(), 2);
  EXPECT_EQ(a.describe(1), b.describe(1));
}

TEST(Sweep, Ranges) {
  Sweep s = sweep_of("[sweep]\n\"optimizer.lr\" = { start = 0.1, stop = 0.5, num = 5 }\n");
  ASSERT_EQ(s.size(), 5);
  EXPECT_EQ(s.task_config(0).optimizer.number("lr"), 0.1);
  EXPECT_NEAR(s.task_config(1).optimizer.number("lr"), 0.2, 1e-15);
  EXPECT_EQ(s.task_config(4).optimizer.number("lr"), 0.5);  // the end exactly

  s = sweep_of("[sweep]\n\"optimizer.lr\" = { start = 0.1, stop = 0.3, step = 0.1 }\n");
  EXPECT_EQ(s.size(), 3);  // 0.1 + 2 * 0.1 is 0.30000000000000004: still "hits" stop

  s = sweep_of("[sweep]\n\"job.seed\" = { start = 0, stop = 9, step = 3 }\n");
  ASSERT_EQ(s.size(), 4);
  EXPECT_EQ(s.task_config(3).job.integer("seed"), 9);
  EXPECT_EQ(s.params(3)[0].second.kind, Value::Kind::integer);

  s = sweep_of("[sweep]\n\"job.condition\" = { start = 1, stop = 1e4, num = 5, log = true }\n");
  ASSERT_EQ(s.size(), 5);
  EXPECT_NEAR(s.task_config(2).job.number("condition"), 100.0, 1e-12);
  EXPECT_EQ(s.task_config(4).job.number("condition"), 1e4);

  s = sweep_of("[sweep]\n\"optimizer.lr\" = { start = 0.5, stop = 0.1, step = -0.2 }\n");
  EXPECT_EQ(s.size(), 3);
}

TEST(Sweep, MalformedAxesNameTheLine) {
  std::string m = error_of("[sweep]\n\"job.dim\" = 3\n");
  EXPECT_HAS(m, "s.toml:6:1");
  EXPECT_HAS(m, "an axis is a list of values or a range");
  m = error_of("[sweep]\n\"job.dim\" = []\n");
  EXPECT_HAS(m, "at least one value");
  m = error_of("[sweep]\ndim = [1, 2]\n");
  EXPECT_HAS(m, "must be SECTION.KEY");
  m = error_of("[sweep]\n\"output.file\" = [\"a\", \"b\"]\n");
  EXPECT_HAS(m, "only [job], [optimizer] and [run]");
  m = error_of("[sweep]\n\"job.dim\" = { start = 1, stop = 3 }\n");
  EXPECT_HAS(m, "exactly one of num and step");
  m = error_of("[sweep]\n\"job.dim\" = { start = 1, stop = 3, step = -1 }\n");
  EXPECT_HAS(m, "step goes away from stop");
  m = error_of("[sweep]\n\"job.dim\" = { start = 1, stop = 3, num = 2, every = 1 }\n");
  EXPECT_HAS(m, "unknown range key 'every'");
  m = error_of("");
  EXPECT_HAS(m, "no [sweep] axes");
}

TEST(Sweep, NonFiniteAndHugeRangesAreErrorsNotCrashes) {
  // (a NaN stop used to give an empty axis and a division by zero: SIGFPE)
  EXPECT_HAS(error_of("[sweep]\n\"job.dim\" = { start = 0, stop = nan, step = 1 }\n"), "stop = nan: must be a finite number");
  EXPECT_HAS(error_of("[sweep]\n\"job.dim\" = { start = -inf, stop = 1, num = 3 }\n"), "start = -inf: must be a finite number");
  EXPECT_HAS(error_of("[sweep]\n\"job.dim\" = { start = 0, stop = 5, step = inf }\n"), "step = inf: must be a finite, non-zero number");
  EXPECT_HAS(error_of("[sweep]\n\"job.dim\" = { start = 0, stop = 5, step = nan }\n"), "step = nan: must be a finite, non-zero number");
  EXPECT_HAS(error_of("[sweep]\n\"job.seed\" = { start = 1, stop = 1e300, step = 1e-300 }\n"), "more than 10000000 values");
  EXPECT_HAS(error_of("[sweep]\n\"job.seed\" = { start = 0, stop = 9223372036854775807, step = 1 }\n"),
             "more than 10000000 values");
  // integer ranges are exact beyond 2^53
  Sweep s = sweep_of("[sweep]\n\"job.seed\" = { start = 9007199254740993, stop = 9007199254740997, step = 2 }\n");
  ASSERT_EQ(s.size(), 3);
  EXPECT_EQ(s.params(2)[0].second.i, 9007199254740997);
  // a linspace over the whole double range stays finite
  Sweep w(parse_config("[job]\ntype = \"ising-thermo\"\n[sweep]\n\"job.h\" = { start = -1e308, stop = 1e308, num = 3 }\n",
                       "w.toml"));
  EXPECT_EQ(w.params(0)[0].second.f, -1e308);
  EXPECT_EQ(w.params(1)[0].second.f, 0.0);
  EXPECT_EQ(w.params(2)[0].second.f, 1e308);
}

TEST(Sweep, BadValuesAreReportedAtTheSweepLine) {
  std::string m = error_of("[sweep]\n\"job.dim\" = [2, 0, 4]\n");
  EXPECT_HAS(m, "s.toml:6:17");  // the 0 in the list
  EXPECT_HAS(m, "[job] dim = 0: out of range");
  EXPECT_HAS(m, "(value set by [sweep])");
  m = error_of("[sweep]\n\"job.dimm\" = [2, 3]\n");
  EXPECT_HAS(m, "s.toml:6:1");
  EXPECT_HAS(m, "unknown key 'dimm'");
  m = error_of("[sweep]\n\"optimizer.history\" = [2, 3]\n");  // adam has no history
  EXPECT_HAS(m, "unknown key 'history'");
}

TEST(Sweep, TaskFilesAndMetadata) {
  Sweep s = sweep_of("[sweep]\n\"job.seed\" = { start = 0, stop = 11, step = 1 }\n");
  EXPECT_EQ(s.task_file("out", 3), "out/task-0003.h5");
  EXPECT_EQ(s.task_file("out", 11), "out/task-0011.h5");
  EXPECT_THROW(s.params(12), tnad::Error);
  EXPECT_THROW(s.params(-1), tnad::Error);
  Group g = s.task_group(5, "out");
  EXPECT_EQ(g.attr_int("index"), 5);
  EXPECT_EQ(g.attr_int("count"), 12);
  EXPECT_EQ(g.group("params").attr_int("job.seed"), 5);
  Sweep big = sweep_of("[sweep]\n\"job.seed\" = { start = 0, stop = 10000, step = 1 }\n");
  EXPECT_EQ(big.task_file("d", 7), "d/task-00007.h5");
}
