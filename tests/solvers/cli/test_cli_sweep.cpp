// Sweeps without MPI: --list, --task, SLURM_ARRAY_TASK_ID, --all with a failing task that
// is recorded while the others go on, skipping finished tasks on re-run, merge, inspect,
// and the SLURM job-array template run by bash.
#include "cli_util.hpp"
#include "tnad/solvers/h5.hpp"

using namespace cli_test;
using tnad::runs::Group;
using tnad::runs::read_h5;

namespace {

// 6 tasks; lr = 10 makes fixed-step gradient descent overflow: tasks 2 and 3 fail.
const char* kSweep = R"([job]
type = "minimize"
objective = "quadratic"
condition = 10.0

[optimizer]
method = "gd"
max_steps = 300
grad_tol = 1e-6

[sweep]
"optimizer.lr" = [0.05, 10.0, 0.1]
"job.dim" = [3, 5]
)";

}  // namespace

TEST(CliSweep, ListTaskSlurmAllMergeInspect) {
  TempDir tmp;
  write_file(tmp / "s.toml", kSweep);
  const std::string dir = tmp / "out";

  Result list = run_tnad({"sweep", tmp / "s.toml", "--list", "-o", dir});
  ASSERT_EQ(list.exit_code, 0) << describe(list);
  EXPECT_HAS(list.out, "6 tasks");
  EXPECT_HAS(list.out, "task  optimizer.lr  job.dim  status");
  EXPECT_HAS(list.out, "3     10.0          5        missing");
  EXPECT_FALSE(std::filesystem::exists(dir));  // listing creates nothing

  Result one = run_tnad({"sweep", tmp / "s.toml", "--task", "1", "-o", dir});
  ASSERT_EQ(one.exit_code, 0) << describe(one);
  EXPECT_TRUE(std::filesystem::exists(dir + "/task-0001.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/task-0000.h5"));
  EXPECT_EQ(slurp(dir + "/sweep.toml"), kSweep);
  Group t1 = read_h5(dir + "/task-0001.h5");
  EXPECT_EQ(t1.group("meta").group("task").attr_int("index"), 1);
  EXPECT_EQ(t1.group("meta").group("task").group("params").attr_int("job.dim"), 5);
  EXPECT_EQ(t1.group("meta").group("task").group("params").attr_double("optimizer.lr"), 0.05);
  EXPECT_EQ(t1.group("results").dataset("x").doubles().size(), 5u);

  Spawn slurm;
  slurm.env = {"SLURM_ARRAY_TASK_ID=4"};
  Result s4 = run({tnad_exe(), "sweep", tmp / "s.toml", "-o", dir}, slurm);
  ASSERT_EQ(s4.exit_code, 0) << describe(s4);
  EXPECT_TRUE(std::filesystem::exists(dir + "/task-0004.h5"));

  Result none = run_tnad({"sweep", tmp / "s.toml", "-o", dir});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_TRUE(none.one_line_error()) << describe(none);
  EXPECT_HAS(none.err, "--task I, --all, --mpi, --list");
  Result range = run_tnad({"sweep", tmp / "s.toml", "--task", "6", "-o", dir});
  EXPECT_EQ(range.exit_code, 1);
  EXPECT_TRUE(range.one_line_error()) << describe(range);
  EXPECT_HAS(range.err, "task 6 does not exist");

  const std::string t1_bytes = slurp(dir + "/task-0001.h5");
  Result all = run_tnad({"sweep", tmp / "s.toml", "--all", "-o", dir});
  EXPECT_EQ(all.exit_code, 1) << describe(all);  // two tasks failed
  EXPECT_HAS(all.err, "task 2 (optimizer.lr = 10.0, job.dim = 3): failed -- gd: objective became inf");
  EXPECT_HAS(all.err, "task 1 (optimizer.lr = 0.05, job.dim = 5): skipped -- already finished");
  EXPECT_HAS(all.err, "task 5 (optimizer.lr = 0.1, job.dim = 5): finished");
  EXPECT_EQ(slurp(dir + "/task-0001.h5"), t1_bytes);  // finished tasks are not touched

  Result listed = run_tnad({"sweep", tmp / "s.toml", "--list", "-o", dir});
  EXPECT_HAS(listed.out, "2     10.0          3        failed");
  EXPECT_HAS(listed.out, "0     0.05          3        finished");

  Result merge = run_tnad({"merge", dir, "-o", tmp / "merged.h5"});
  ASSERT_EQ(merge.exit_code, 0) << describe(merge);
  EXPECT_HAS(merge.err, "6 tasks: 4 finished, 2 failed");
  Group m = read_h5(tmp / "merged.h5");
  EXPECT_EQ(m.attr_string("format"), "tnad-sweep");
  const Group& t = m.group("tasks");
  EXPECT_EQ(t.dataset("index").ints(), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(t.group("params").dataset("job.dim").ints(), (std::vector<int64_t>{3, 5, 3, 5, 3, 5}));
  EXPECT_EQ(t.group("params").dataset("optimizer.lr").doubles(), (std::vector<double>{0.05, 0.05, 10, 10, 0.1, 0.1}));
  const auto& status = t.dataset("status").strings();
  EXPECT_EQ(status, (std::vector<std::string>{"finished", "finished", "failed", "failed", "finished", "finished"}));
  EXPECT_HAS(t.dataset("error").strings()[3], "lower optimizer.lr");
  auto obj = t.group("results").doubles("objective");
  auto minimum = t.group("results").doubles("minimum");
  for (int i : {0, 1, 4, 5}) EXPECT_NEAR(obj[std::size_t(i)], minimum[std::size_t(i)], 1e-9) << i;
  for (int i : {2, 3}) EXPECT_TRUE(std::isnan(obj[std::size_t(i)])) << i;
  EXPECT_TRUE(m.group("runs").has_group("task-0005"));

  Result ins = run_tnad({"inspect", tmp / "merged.h5"});
  ASSERT_EQ(ins.exit_code, 0) << describe(ins);
  EXPECT_HAS(ins.out, "merged tnad sweep");
  EXPECT_HAS(ins.out, "failed");

  // a failed task is retried on re-run (finished ones are skipped)
  Result again = run_tnad({"sweep", tmp / "s.toml", "--all", "-o", dir});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_HAS(again.err, "task 0 (optimizer.lr = 0.05, job.dim = 3): skipped");
  EXPECT_HAS(again.err, "task 3 (optimizer.lr = 10.0, job.dim = 5): failed");

  // another sweep cannot write into this directory
  write_file(tmp / "other.toml", std::string(kSweep) + "\"job.seed\" = [1, 2]\n");
  Result other = run_tnad({"sweep", tmp / "other.toml", "--all", "-o", dir});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_TRUE(other.one_line_error()) << describe(other);
  EXPECT_HAS(other.err, "holds a different sweep");
}

TEST(CliSweep, PrintConfigOfATask) {
  TempDir tmp;
  write_file(tmp / "s.toml", kSweep);
  Result r = run_tnad({"sweep", tmp / "s.toml", "--task", "3", "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_HAS(r.out, "lr = 10.0");
  EXPECT_HAS(r.out, "dim = 5");
  EXPECT_EQ(r.out.find("[sweep]"), std::string::npos);
}

TEST(CliSweep, SweepValueErrorsPointAtTheSweepLine) {
  TempDir tmp;
  write_file(tmp / "s.toml", std::string(kSweep) + "\"job.condition\" = [0.5, 2.0]\n");
  Result r = run_tnad({"sweep", tmp / "s.toml", "--list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.one_line_error()) << describe(r);
  EXPECT_HAS(r.err, "s.toml:14:20: [job] condition = 0.5: out of range: must be in [1, 1e+12] (value set by [sweep])");
}

TEST(CliSweep, SlurmArrayTemplateRunsATask) {
  TempDir tmp;
  write_file(tmp / "s.toml", kSweep);
  Spawn s;
  s.cwd = tmp.path();
  s.env = {"SLURM_ARRAY_TASK_ID=5", "SLURM_CPUS_PER_TASK=1", "TNAD=" + tnad_exe()};
  Result r = run({"/bin/bash", source_dir() + "/scripts/slurm/array.sbatch", "s.toml"}, s);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  Group g = read_h5(tmp / "s-sweep/task-0005.h5");
  EXPECT_EQ(g.group("meta").attr_string("status"), "finished");
  EXPECT_EQ(g.group("meta").attr_int("threads"), 1);  // OMP_NUM_THREADS = cpus-per-task
}
