// Hostile inputs, one test per class:
//   - outputs: no command replaces an existing file without --overwrite, a file it reads,
//     or anything but a regular file; temporaries never follow a planted link;
//   - trust: a run file with results but no state is never overwritten by --resume; a task
//     file of another task or config is neither skipped as finished nor merged;
//   - data a user added to a run file survives the checkpoints;
//   - reading: special, sparse, cyclic or lying files are refused at once;
//   - messages: long values capped, NaN / infinity / ranges named, numeric options alike.
// Every refusal is one error line and leaves the files as they were.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "cli_util.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/sweep.hpp"

using namespace cli_test;
using tnad::runs::Group;
using tnad::runs::read_h5;
namespace fs = std::filesystem;

namespace {

const char* kRun = "[job]\ntype = \"minimize\"\ndim = 4\n[optimizer]\nmax_steps = 6\n";

std::string sweep_config(int max_steps, int seed = 0) {
  return "[job]\ntype = \"minimize\"\nobjective = \"quadratic\"\nseed = " + std::to_string(seed) +
         "\n[optimizer]\nmax_steps = " + std::to_string(max_steps) + "\n[sweep]\n\"job.dim\" = [2, 3, 4]\n";
}

void expect_refused(const Result& r, const std::string& part) {
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(r.one_line_error()) << describe(r);
  EXPECT_HAS(r.err, part);
}

Result python_h5(const std::string& kind, const std::string& path) {
  return run({python(), source_dir() + "/tests/solvers/cli/hostile_h5.py", kind, path});
}

}  // namespace

// ---------------------------------------------------------------- outputs

TEST(CliHostile, MergeNeverReplacesAnExistingFileOrOneItReads) {
  TempDir tmp;
  write_file(tmp / "c.toml", kRun);
  write_file(tmp / "s.toml", sweep_config(20));
  const std::string dir = tmp / "sw";
  ASSERT_EQ(run_tnad({"run", tmp / "c.toml", "-o", tmp / "run.h5", "-q"}).exit_code, 0);
  ASSERT_EQ(run_tnad({"sweep", tmp / "s.toml", "--all", "-q", "-o", dir}).exit_code, 0);
  const std::string run_bytes = slurp(tmp / "run.h5");
  const std::string task1 = slurp(dir + "/task-0001.h5");

  // a finished run file is not replaced without --overwrite
  expect_refused(run_tnad({"merge", dir, "-o", tmp / "run.h5"}), "run.h5: already exists (status: finished)");
  EXPECT_EQ(slurp(tmp / "run.h5"), run_bytes);

  // a file it merges, or one named like one in DIR, never -- however spelled or linked
  fs::create_hard_link(dir + "/task-0000.h5", tmp / "hard.h5");
  fs::create_symlink(dir + "/task-0002.h5", tmp / "soft.h5");
  for (const std::string& out : {dir + "/task-0001.h5", dir + "/./task-0001.h5", dir + "/task-0009.h5",
                                 dir + "/sweep.toml", tmp / "hard.h5", tmp / "soft.h5"}) {
    SCOPED_TRACE(out);
    Result r = run_tnad({"merge", dir, "-o", out, "--overwrite"});
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_TRUE(r.one_line_error()) << describe(r);
    EXPECT_HAS(r.err, "(--overwrite does not change that)");
  }
  EXPECT_EQ(slurp(dir + "/task-0001.h5"), task1);
  EXPECT_FALSE(fs::exists(dir + "/task-0009.h5"));
  EXPECT_EQ(slurp(dir + "/sweep.toml"), sweep_config(20));
  EXPECT_TRUE(fs::is_symlink(tmp / "soft.h5"));

  // --overwrite replaces another file; a new name in DIR is fine
  Result ok = run_tnad({"merge", dir, "-o", tmp / "run.h5", "--overwrite"});
  ASSERT_EQ(ok.exit_code, 0) << describe(ok);
  EXPECT_EQ(read_h5(tmp / "run.h5").attr_string("format"), "tnad-sweep");
  ASSERT_EQ(run_tnad({"merge", dir, "-o", dir + "/merged.h5"}).exit_code, 0);
  EXPECT_FALSE(solvers_test::has_temporaries(tmp / "run.h5"));
}

TEST(CliHostile, OutputsAreRegularFilesThatTheCommandDoesNotRead) {
  TempDir tmp;
  write_file(tmp / "c.toml", kRun);
  write_file(tmp / "victim", "precious");
  fs::create_symlink(tmp / "c.toml", tmp / "link-to-config");
  fs::create_symlink("/dev/null", tmp / "link-to-null");
  fs::create_symlink(tmp / "nothing-here", tmp / "dangling");
  ASSERT_EQ(::mkfifo((tmp / "fifo").c_str(), 0644), 0);
  fs::create_directory(tmp / "dir");

  struct Case {
    std::string out, expect;
  };
  for (const Case& c : std::vector<Case>{
           {tmp / "c.toml", "c.toml: is a file this command reads"},
           {tmp / "link-to-config", "is a file this command reads"},
           {tmp / "fifo", "is a FIFO, not a regular file"},
           {tmp / "link-to-null", "is a symbolic link to a character device, not a regular file"},
           {tmp / "dangling", "is a symbolic link to a missing file"},
           {tmp / "dir", "is a directory"},
           {tmp / "new.h5/", "names a directory; give a file name"},
       }) {
    SCOPED_TRACE(c.out);
    for (const char* flag : {"--overwrite", "--resume"}) expect_refused(run_tnad({"run", tmp / "c.toml", "-o", c.out, flag, "-q"}), c.expect);
  }
  EXPECT_EQ(slurp(tmp / "c.toml"), kRun);
  EXPECT_TRUE(fs::is_fifo(tmp / "fifo"));
  EXPECT_TRUE(fs::is_symlink(tmp / "link-to-null"));
  EXPECT_FALSE(fs::exists(tmp / "nothing-here"));
  EXPECT_FALSE(fs::exists(tmp / "new.h5"));

  // devices are refused before anything reads or writes them (no --overwrite here, so
  // that a regression cannot touch the machine's /dev)
  expect_refused(run_tnad({"run", tmp / "c.toml", "-o", "/dev/full", "-q"}), "/dev/full: is a character device");
  expect_refused(run_tnad({"run", tmp / "c.toml", "-o", "/dev/zero", "--resume", "-q"}), "/dev/zero: is a character device");

  // [output] file names the config itself
  write_file(tmp / "self.toml", std::string(kRun) + "[output]\nfile = \"self.toml\"\n");
  expect_refused(run_tnad({"run", "self.toml", "--overwrite", "-q"}, {{}, {}, tmp.path(), -1}), "is a file this command reads");
  EXPECT_EQ(slurp(tmp / "self.toml"), std::string(kRun) + "[output]\nfile = \"self.toml\"\n");

  // a symbolic link to a regular file is followed: the file is replaced, the link stays
  ASSERT_EQ(run_tnad({"run", tmp / "c.toml", "-o", tmp / "real.h5", "-q"}).exit_code, 0);
  fs::create_symlink(tmp / "real.h5", tmp / "link.h5");
  Result r = run_tnad({"run", tmp / "c.toml", "-o", tmp / "link.h5", "--overwrite", "-q"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(fs::is_symlink(tmp / "link.h5"));
  EXPECT_EQ(read_h5(tmp / "real.h5").group("meta").attr_string("status"), "finished");
}

TEST(CliHostile, TemporariesNeverFollowAPlantedSymlink) {
  TempDir tmp;
  write_file(tmp / "c.toml", kRun);
  write_file(tmp / "victim", "precious");
  // the temporary's old fixed name, and links where a checkpoint's temporary could go
  fs::create_symlink(tmp / "victim", tmp / "out.h5.tmp");
  Result r = run_tnad({"run", tmp / "c.toml", "-o", tmp / "out.h5", "-q"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(slurp(tmp / "victim"), "precious");
  EXPECT_TRUE(fs::is_symlink(tmp / "out.h5.tmp"));
  EXPECT_EQ(read_h5(tmp / "out.h5").group("meta").attr_string("status"), "finished");
  // A link named like a temporary of this run (as a killed writer leaves them) is removed
  // as stale when the run starts, never written through.
  fs::create_symlink(tmp / "victim", tmp / "out.h5.tmp-AbC123");
  r = run_tnad({"run", tmp / "c.toml", "-o", tmp / "out.h5", "--overwrite", "-q"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(slurp(tmp / "victim"), "precious");
  EXPECT_FALSE(fs::is_symlink(tmp / "out.h5.tmp-AbC123"));
}

TEST(CliHostile, EmptyNamesAreErrors) {
  TempDir tmp;
  write_file(tmp / "c.toml", kRun);
  write_file(tmp / "s.toml", sweep_config(5));
  const Spawn here{{}, {}, tmp.path(), -1};
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"run", "c.toml", "-o", ""}, {"sweep", "s.toml", "--all", "-o", ""}, {"merge", ".", "-o", ""},
           {"inspect", ""}}) {
    SCOPED_TRACE(args[0]);
    Result r = run_tnad(args, here);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_TRUE(r.one_line_error()) << describe(r);
    EXPECT_HAS(r.err, "name is empty");
  }
  expect_refused(run_tnad({"run", ""}, here), "the config file name is empty");
  EXPECT_FALSE(fs::exists(tmp / "c.h5"));  // not the default name instead
  EXPECT_FALSE(fs::exists(tmp / "s-sweep"));
}

// ---------------------------------------------------------------- trust

TEST(CliHostile, ResumeNeverOverwritesResultsWithoutState) {
  TempDir tmp;
  write_file(tmp / "c.toml", kRun);
  ASSERT_EQ(run_tnad({"run", tmp / "c.toml", "-o", tmp / "done.h5", "-q"}).exit_code, 0);
  Group full = read_h5(tmp / "done.h5");

  Group no_state = full;
  no_state.groups.erase("state");
  tnad::runs::write_h5(tmp / "no-state.h5", no_state);
  Group only_results = no_state;
  only_results.groups.erase("history");
  tnad::runs::write_h5(tmp / "only-results.h5", only_results);
  for (const char* name : {"no-state.h5", "only-results.h5"}) {
    SCOPED_TRACE(name);
    const std::string before = slurp(tmp / name);
    expect_refused(run_tnad({"run", tmp / "c.toml", "-o", tmp / name, "--resume", "-q"}),
                   "but no /state to continue from");
    EXPECT_EQ(slurp(tmp / name), before);
  }
  // a file that never got past "starting" holds nothing: --resume starts it over
  Group starting = no_state;
  starting.groups.erase("results");
  starting.group("history") = Group("/history");
  starting.group("meta").set("status", "starting");
  tnad::runs::write_h5(tmp / "starting.h5", starting);
  Result r = run_tnad({"run", tmp / "c.toml", "-o", tmp / "starting.h5", "--resume", "-q"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(read_h5(tmp / "starting.h5").group("meta").attr_string("status"), "finished");
}

TEST(CliHostile, TaskFilesOfAnotherTaskOrConfigAreNotTrusted) {
  TempDir tmp;
  write_file(tmp / "a.toml", sweep_config(20));
  write_file(tmp / "b.toml", sweep_config(20, 7));  // another seed: another computation
  write_file(tmp / "short.toml", sweep_config(2));  // the same computation, fewer steps
  const std::string a = tmp / "a", b = tmp / "b", s = tmp / "short";
  ASSERT_EQ(run_tnad({"sweep", tmp / "a.toml", "--all", "-q", "-o", a}).exit_code, 0);
  ASSERT_EQ(run_tnad({"sweep", tmp / "b.toml", "--all", "-q", "-o", b}).exit_code, 0);
  ASSERT_EQ(run_tnad({"sweep", tmp / "short.toml", "--all", "-q", "-o", s}).exit_code, 0);

  // task 2's file copied over task 1's: not "already finished", not merged on row 1
  fs::copy_file(a + "/task-0002.h5", a + "/task-0001.h5", fs::copy_options::overwrite_existing);
  const std::string copied = slurp(a + "/task-0001.h5");
  Result r = run_tnad({"sweep", tmp / "a.toml", "--task", "1", "-o", a});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_HAS(r.err, "task-0001.h5: belongs to task 2, not task 1");
  EXPECT_EQ(r.err.find("skipped"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(a + "/task-0001.h5"), copied);
  Result list = run_tnad({"sweep", tmp / "a.toml", "--list", "-o", a});
  EXPECT_HAS(list.out, "1     3        mismatched");

  Result m = run_tnad({"merge", a, "-o", tmp / "a.h5"});
  ASSERT_EQ(m.exit_code, 0) << describe(m);
  EXPECT_HAS(m.err, "tnad: warning:");
  EXPECT_HAS(m.err, "1 mismatched");
  Group merged = read_h5(tmp / "a.h5");
  const auto& status = merged.group("tasks").dataset("status").strings();
  EXPECT_EQ(status, (std::vector<std::string>{"finished", "mismatched", "finished"}));
  EXPECT_HAS(merged.group("tasks").dataset("error").strings()[1], "belongs to task 2, not task 1");
  EXPECT_TRUE(std::isnan(merged.group("tasks").group("results").doubles("objective")[1]));
  EXPECT_FALSE(merged.group("runs").has_group("task-0001"));

  // the same index from a sweep of another computation: refused, named by its key
  fs::copy_file(b + "/task-0001.h5", a + "/task-0001.h5", fs::copy_options::overwrite_existing);
  const std::string other = slurp(a + "/task-0001.h5");
  r = run_tnad({"sweep", tmp / "a.toml", "--task", "1", "-o", a});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_HAS(r.err, "made with a different [job] seed");
  EXPECT_EQ(slurp(a + "/task-0001.h5"), other);
  m = run_tnad({"merge", a, "-o", tmp / "a.h5", "--overwrite"});
  ASSERT_EQ(m.exit_code, 0) << describe(m);
  EXPECT_HAS(m.err, "was made by another config (its /meta@config_digest is ");
  EXPECT_EQ(read_h5(tmp / "a.h5").group("tasks").dataset("status").strings()[1], "mismatched");

  // the same computation with other stopping criteria: not skipped, but continued
  fs::copy_file(s + "/task-0001.h5", a + "/task-0001.h5", fs::copy_options::overwrite_existing);
  ASSERT_EQ(read_h5(a + "/task-0001.h5").group("state").attr_int("step"), 2);
  r = run_tnad({"sweep", tmp / "a.toml", "--task", "1", "-o", a});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.err.find("skipped"), std::string::npos) << r.err;
  Group t1 = read_h5(a + "/task-0001.h5");
  EXPECT_GT(t1.group("state").attr_int("step"), 2);
  const tnad::runs::Sweep sweep_a(tnad::runs::load_config(tmp / "a.toml"));
  EXPECT_EQ(t1.group("meta").attr_string("config_digest"), sweep_a.task_config(1).digest());
  Result again = run_tnad({"sweep", tmp / "a.toml", "--task", "1", "-o", a});
  EXPECT_HAS(again.err, "skipped -- already finished");
}

// ---------------------------------------------------------------- the user's data

TEST(CliHostile, DataAUserAddedSurvivesCheckpoints) {
  TempDir tmp;
  write_file(tmp / "short.toml", "[job]\ntype = \"minimize\"\ndim = 4\n[optimizer]\nmax_steps = 3\n");
  write_file(tmp / "long.toml", "[job]\ntype = \"minimize\"\ndim = 4\n[optimizer]\nmax_steps = 40\n[output]\ncheckpoint_every = 1\n");
  ASSERT_EQ(run_tnad({"run", tmp / "short.toml", "-o", tmp / "r.h5", "-q"}).exit_code, 0);
  Group g = read_h5(tmp / "r.h5");
  g.set("note", "mine");
  g.group("analysis").put("fit", tnad::runs::Dataset::of(std::vector<double>{1, 2, 3}));
  g.group("analysis").set("by", "me");
  g.group("meta").set("sample", "A7");
  g.group("results").put("my_extra", tnad::runs::Dataset::scalar(42.0));
  g.group("history").set("unit", "J");
  tnad::runs::write_h5(tmp / "r.h5", g);

  Result r = run_tnad({"run", tmp / "long.toml", "-o", tmp / "r.h5", "--resume", "-q"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  Group after = read_h5(tmp / "r.h5");
  EXPECT_GT(after.group("state").attr_int("step"), 3);
  EXPECT_EQ(after.attr_string("note"), "mine");
  EXPECT_EQ(after.group("analysis").doubles("fit"), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(after.group("analysis").attr_string("by"), "me");
  EXPECT_EQ(after.group("meta").attr_string("sample"), "A7");
  EXPECT_EQ(after.group("results").scalar("my_extra"), 42.0);
  EXPECT_EQ(after.group("results").scalar("steps"), double(after.group("state").attr_int("step")));
  EXPECT_EQ(after.group("history").attr_string("unit"), "J");
  EXPECT_EQ(after.group("history").dataset("step").ints().size(), std::size_t(after.group("state").attr_int("step") + 1));
}

// ---------------------------------------------------------------- reading

TEST(CliHostile, SpecialCyclicAndLyingFilesAreRefusedAtOnce) {
  TempDir tmp;
  write_file(tmp / "c.toml", kRun);
  ASSERT_EQ(::mkfifo((tmp / "fifo").c_str(), 0644), 0);
  struct Case {
    std::string file, expect;
  };
  std::vector<Case> cases = {
      {"/dev/zero", "/dev/zero: is a character device, not an HDF5 file"},
      {tmp / "fifo", "fifo: is a FIFO, not an HDF5 file"},
      {tmp.path(), "is a directory"},
  };
  // a sparse terabyte of zeros: the signature search stays below the end, 30-odd reads
  {
    int fd = ::open((tmp / "sparse.h5").c_str(), O_CREAT | O_WRONLY, 0644);
    if (fd >= 0 && ::ftruncate(fd, off_t(1) << 40) == 0) cases.push_back({tmp / "sparse.h5", "not an HDF5 file"});
    if (fd >= 0) ::close(fd);
  }
  for (const char* kind : {"cycle", "shared", "huge"}) {
    const std::string f = tmp / (std::string(kind) + ".h5");
    Result py = python_h5(kind, f);
    ASSERT_EQ(py.exit_code, 0) << describe(py);
    cases.push_back({f, kind == std::string("huge") ? "claims 8796093022208 bytes, more than this file" : "already read"});
  }
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    expect_refused(run_tnad({"inspect", c.file}), c.expect);
  }
  for (const char* kind : {"cycle", "huge"}) {
    const std::string f = tmp / (std::string(kind) + ".h5");
    const std::string before = slurp(f);
    Result r = run_tnad({"run", tmp / "c.toml", "-o", f, "--resume", "-q"});
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_TRUE(r.one_line_error()) << describe(r);
    EXPECT_EQ(slurp(f), before);
  }

  // a merged sweep whose columns are shorter than its index
  Group lying;
  lying.set("format", "tnad-sweep");
  lying.set("format_version", int64_t(1));
  lying.group("meta").set("source_dir", "x");
  lying.group("tasks").put("index", tnad::runs::Dataset::of(std::vector<int64_t>{0, 1, 2}));
  lying.group("tasks").put("status", tnad::runs::Dataset::of(std::vector<std::string>{"finished"}));
  tnad::runs::write_h5(tmp / "lying.h5", lying);
  expect_refused(run_tnad({"inspect", tmp / "lying.h5"}), "corrupted merged sweep: /tasks/status has 1 values");

  // merge: file names with numbers beyond any sweep, no sweep.toml
  fs::create_directory(tmp / "sw");
  write_file(tmp / "sw/task-99999999999999999999999.h5", "x");
  write_file(tmp / "sw/task-9000000000.h5", "x");
  Result m = run_tnad({"merge", tmp / "sw", "-o", tmp / "m.h5"});
  ASSERT_EQ(m.exit_code, 0) << describe(m);
  Group merged = read_h5(tmp / "m.h5");
  EXPECT_EQ(merged.group("tasks").dataset("index").ints(), (std::vector<int64_t>{9000000000}));
  EXPECT_EQ(merged.group("tasks").dataset("status").strings(), (std::vector<std::string>{"unreadable"}));

  // a FIFO or a directory in place of a task file or of sweep.toml
  write_file(tmp / "s.toml", sweep_config(3));
  ASSERT_EQ(run_tnad({"sweep", tmp / "s.toml", "--all", "-q", "-o", tmp / "s"}).exit_code, 0);
  fs::remove(tmp / "s/task-0001.h5");
  ASSERT_EQ(::mkfifo((tmp / "s/task-0001.h5").c_str(), 0644), 0);
  Result t = run_tnad({"sweep", tmp / "s.toml", "--task", "1", "-o", tmp / "s"});
  EXPECT_EQ(t.exit_code, 1) << describe(t);
  EXPECT_HAS(t.err, "is a FIFO");
  EXPECT_TRUE(fs::is_fifo(tmp / "s/task-0001.h5"));
  fs::remove(tmp / "s/sweep.toml");
  ASSERT_EQ(::mkfifo((tmp / "s/sweep.toml").c_str(), 0644), 0);
  expect_refused(run_tnad({"merge", tmp / "s", "-o", tmp / "m2.h5"}), "sweep.toml: is a FIFO, not a sweep manifest");
}

TEST(CliHostile, CorruptGlobalHeapsAreRefusedNotLoopedOn) {
  // Files the fuzzer made (fuzz/regressions/h5_bytes/): HDF5 1.10.8 loops forever on the
  // first and copies gigabytes past the collection on the second. tnad refuses both before
  // HDF5 reads them, whether inspecting, resuming or listing a sweep's task.
  TempDir tmp;
  write_file(tmp / "c.toml", kRun);
  write_file(tmp / "s.toml", sweep_config(3));
  ASSERT_EQ(run_tnad({"sweep", tmp / "s.toml", "--all", "-q", "-o", tmp / "s"}).exit_code, 0);
  const std::string dir = source_dir() + "/fuzz/regressions/h5_bytes/";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"global-heap-zero-size-loop",
       "corrupt HDF5 global heap collection at offset 2048: the free-space object (index 0) at offset 2480 has "
       "size 0 (HDF5 1.10 would loop forever)"},
      {"global-heap-object-size-overread",
       "corrupt HDF5 global heap collection at offset 2048: object 23 at offset 3104 has size 2667577356, more "
       "than the 3024 bytes left in the collection (HDF5 1.10 would read past it)"},
  };
  for (const auto& [name, expect] : cases) {
    SCOPED_TRACE(name);
    const std::string f = tmp / (name + ".h5");
    write_file(f, slurp(dir + name));
    expect_refused(run_tnad({"inspect", f}), f + ": " + expect);
    Result r = run_tnad({"run", tmp / "c.toml", "-o", f, "--resume", "-q"});
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_TRUE(r.one_line_error()) << describe(r);
    EXPECT_HAS(r.err, expect);
    EXPECT_EQ(slurp(f), slurp(dir + name));
    // in place of a sweep's task file: listed as unreadable, not hung on
    write_file(tmp / "s/task-0001.h5", slurp(dir + name));
    Result l = run_tnad({"sweep", tmp / "s.toml", "--list", "-o", tmp / "s"});
    EXPECT_EQ(l.exit_code, 0) << describe(l);
    EXPECT_HAS(l.out, "unreadable");
  }
}

TEST(CliHostile, ConfigsThatAreNotFilesAreNamed) {
  TempDir tmp;
  ASSERT_EQ(::mkfifo((tmp / "fifo").c_str(), 0644), 0);
  fs::create_directory(tmp / "dir");
  expect_refused(run_tnad({"run", tmp / "dir"}), "dir: is a directory, not a config file");
  expect_refused(run_tnad({"run", "/dev/zero"}), "/dev/zero: is a character device, not a config file");
  expect_refused(run_tnad({"run", tmp / "fifo"}), "fifo: is a FIFO, not a config file");
  expect_refused(run_tnad({"sweep", tmp / "dir", "--list"}), "is a directory, not a config file");
}

TEST(CliHostile, SigtermCutsALongStepDelayShort) {
  // step_delay = 1 hour: SIGTERM must still give a checkpoint and exit 143 at once,
  // not after the sleep (an overflowing delay used to mean no delay at all).
  TempDir tmp;
  write_file(tmp / "slow.toml", "[job]\ntype = \"minimize\"\ndim = 4\nstep_delay = 3600\n");
  Child c({tnad_exe(), "run", tmp / "slow.toml", "-o", tmp / "slow.h5"});
  while (!fs::exists(tmp / "slow.h5")) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  c.kill(SIGTERM);
  Result r = c.wait();
  EXPECT_EQ(r.exit_code, 143) << describe(r);
  EXPECT_EQ(read_h5(tmp / "slow.h5").group("meta").attr_string("status"), "interrupted");
}

// ---------------------------------------------------------------- messages

TEST(CliHostile, LongValuesAreCappedInMessages) {
  TempDir tmp;
  const std::string big(1000000, 'x');
  const std::vector<std::string> configs = {
      "[job]\ntype = \"" + big + "\"\n",
      "[job]\ntype = \"minimize\"\n" + big + " = 1\n",
      "[job]\ntype = \"minimize\"\nobjective = \"" + big + "\"\n",
      "[job]\ntype = \"minimize\"\n[sweep]\n\"job.objective\" = [\"" + big + "\"]\n",
      "[" + big + "]\n",
  };
  for (std::size_t k = 0; k < configs.size(); ++k) {
    SCOPED_TRACE(k);
    write_file(tmp / "big.toml", configs[k]);
    Result r = run_tnad({k == 3 ? "sweep" : "run", tmp / "big.toml", k == 3 ? "--list" : "-q"});
    EXPECT_EQ(r.exit_code, 1) << describe(r).substr(0, 2000);
    EXPECT_TRUE(r.one_line_error());
    EXPECT_LT(r.err.size(), 1000u);
    EXPECT_HAS(r.err, "bytes)");
  }
  // a command-line argument (at most 128 KiB on Linux) in a usage error
  Result u = run_tnad({"run", "--" + big.substr(0, 100000)});
  EXPECT_EQ(u.exit_code, 2) << describe(u).substr(0, 2000);
  EXPECT_TRUE(u.one_line_error());
  EXPECT_LT(u.err.size(), 4200u);
}

TEST(CliHostile, RangeErrorsNameTheKeyTheValueAndTheRange) {
  TempDir tmp;
  struct Case {
    std::string job, expect;
  };
  for (const Case& c : std::vector<Case>{
           {"type = \"minimize\"\nx0 = [nan, 1]", "[job] x0[0] = nan: is NaN; must be a finite number"},
           {"type = \"minimize\"\nx0 = [1, inf]", "[job] x0[1] = inf: is infinite; must be a finite number"},
           {"type = \"ising-thermo\"\nh = nan", "[job] h = nan: is NaN; must be a finite number"},
           {"type = \"ising-thermo\"\nh = -inf", "[job] h = -inf: is infinite; must be a finite number"},
           {"type = \"ising-thermo\"\nJ = nan", "[job] J = nan: is NaN; must be a finite number > 0"},
           {"type = \"minimize\"\nstep_delay = 1e300", "[job] step_delay = 1e+300: out of range: must be in [0, 86400]"},
           {"type = \"minimize\"\nobjective = \"quadratic\"\ncondition = 1e300",
            "[job] condition = 1e+300: out of range: must be in [1, 1e+12]"},
           {"type = \"minimize\"\nobjective = \"quadratic\"\ndim = 6000",
            "[job] dim = 6000: the quadratic stores A densely (dim^2 numbers): must be <= 5000"},
       }) {
    SCOPED_TRACE(c.job);
    write_file(tmp / "c.toml", "[job]\n" + c.job + "\n");
    expect_refused(run_tnad({"run", tmp / "c.toml", "-o", tmp / "c.h5", "-q"}), c.expect);
  }
  write_file(tmp / "c.toml", "[job]\ntype = \"minimize\"\n[run]\nthreads = 5000\n");
  expect_refused(run_tnad({"run", tmp / "c.toml", "-q"}), "[run] threads = 5000: out of range: must be in [0, 1024]");
  // the largest documented condition number runs (to a stop, not to a line-search error)
  write_file(tmp / "c.toml",
             "[job]\ntype = \"minimize\"\nobjective = \"quadratic\"\ndim = 20\ncondition = 1e12\n[optimizer]\nmax_steps = 300\n");
  Result r = run_tnad({"run", tmp / "c.toml", "-o", tmp / "c.h5", "-q"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

TEST(CliHostile, NumericOptionsAreCheckedAlike) {
  TempDir tmp;
  write_file(tmp / "c.toml", kRun);
  write_file(tmp / "s.toml", sweep_config(3));
  for (const std::string n : {"-1", "-7", "1025"}) {
    SCOPED_TRACE("--threads " + n);
    for (const Result& r : {run_tnad({"run", tmp / "c.toml", "--threads", n, "-o", tmp / "t.h5"}),
                            run_tnad({"sweep", tmp / "s.toml", "--threads", n, "--task", "0", "-o", tmp / "s"})}) {
      EXPECT_EQ(r.exit_code, 2) << describe(r);
      EXPECT_TRUE(r.one_line_error()) << describe(r);
      EXPECT_HAS(r.err, "--threads " + n + ": out of range: must be in [0, 1024]");
    }
  }
  EXPECT_FALSE(fs::exists(tmp / "s"));
  EXPECT_FALSE(fs::exists(tmp / "t.h5"));
  Result zero = run_tnad({"run", tmp / "c.toml", "--threads", "0", "-o", tmp / "t.h5", "-q"});
  EXPECT_EQ(zero.exit_code, 0) << describe(zero);
  Result task = run_tnad({"sweep", tmp / "s.toml", "--task", "-1"});
  EXPECT_EQ(task.exit_code, 2) << describe(task);
  EXPECT_HAS(task.err, "--task -1: must be >= 0");
}
