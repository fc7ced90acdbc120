// The `tnad` command: run, sweep, merge, inspect, jobs, example. See docs/runs.md.
//
// Exit codes: 0 success; 1 an error (bad config, unreadable file, failed run or sweep
// task); 2 a usage error; 128 + N when stopped by signal N (SIGINT 130, SIGTERM 143)
// after writing a final checkpoint.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "cli/cli.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/solvers/config.hpp"
#include "tnad/solvers/file_policy.hpp"
#include "tnad/solvers/registry.hpp"
#include "tnad/solvers/run.hpp"
#include "tnad/solvers/sweep.hpp"
#include "tnad/ad/version.hpp"

using namespace tnad::runs;

namespace {

std::string command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

int exit_code_for_signal(int sig) { return 128 + sig; }

// One line on stderr, whatever the message holds: line breaks escaped, at most 4000
// characters (each quoted value is capped where it is quoted; this bounds the whole line).
void print_error(const char* kind, const std::string& message) {
  std::string line;
  for (char c : message) {
    if (c == '\n') line += "\\n";
    else if (c == '\r') line += "\\r";
    else line += c;
  }
  std::fprintf(stderr, "tnad: %s: %s\n", kind, tnad::runs::shorten(line, 4000).c_str());
}

// A usage error (exit 2) raised after parsing: a value CLI11 accepted but tnad does not.
struct UsageError {
  std::string message;
};

// --threads N: 0 (OMP_NUM_THREADS or all cores) up to kMaxThreads, as [run] threads.
int checked_threads(const CLI::Option* opt, int value) {
  if (!*opt) return -1;
  if (value < 0 || value > kMaxThreads)
    throw UsageError{"--threads " + std::to_string(value) + ": out of range: must be in [0, " +
                     std::to_string(kMaxThreads) + "] (0: OMP_NUM_THREADS or all cores)"};
  return value;
}

// A file or directory option that was given must name something.
void require_name(const CLI::Option* opt, const std::string& value, const char* what) {
  if (*opt && value.empty()) throw UsageError{std::string(opt->get_name()) + ": the " + what + " name is empty"};
}

std::string text_of(const tnad::runs::Value& v) { return v.to_toml(); }

int cmd_jobs(const std::string& name) {
  for (const auto& t : job_types()) {
    if (!name.empty() && t.name != name) continue;
    std::printf("%s\n    %s\n", t.name.c_str(), t.summary.c_str());
    if (!name.empty()) {
      std::printf("\n[job]\ntype = \"%s\"\n", t.name.c_str());
      for (const auto& p : t.params) {
        std::string line = p.key + " = " + (p.default_value ? text_of(*p.default_value) : "(required)");
        std::string r = p.range_text();
        std::printf("%-40s # %s%s\n", line.c_str(), p.help.c_str(), r.empty() ? "" : (" (" + r + ")").c_str());
      }
      if (t.uses_optimizer) std::printf("\n(uses [optimizer]: see `tnad run CONFIG --print-config`)\n");
    }
  }
  if (!name.empty() && !find_job_type(name)) tnad::throw_error("unknown job '", shorten(name), "' (see `tnad jobs`)");
  return 0;
}

int cmd_example(const std::string& name) {
  const auto& ex = tnad_cli::examples();
  if (name.empty()) {
    std::printf("example configs (print one with `tnad example NAME > NAME.toml`):\n");
    for (const auto& [n, text] : ex) std::printf("  %s\n", n.c_str());
    return 0;
  }
  for (const auto& [n, text] : ex)
    if (n == name) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      return 0;
    }
  std::string list;
  for (const auto& [n, t] : ex) list += (list.empty() ? "" : ", ") + n;
  tnad::throw_error("no example config '", shorten(name), "'; available: ", list);
}

int cmd_run(const std::string& config_path, const RunOptions& ro, bool print_config) {
  Config cfg = load_config(config_path);
  if (print_config) {
    std::fputs(cfg.effective_toml().c_str(), stdout);
    return 0;
  }
  if (!cfg.sweep.fields.empty())
    tnad::throw_error(config_path, ": has a [sweep] table; run its tasks with `tnad sweep ", config_path,
                      "` (--list, --task I, --all or --mpi)");
  RunOutcome r = run(cfg, ro);
  switch (r.status) {
    case RunStatus::finished: return 0;
    case RunStatus::interrupted: return exit_code_for_signal(r.signal);
    case RunStatus::failed:
      print_error("error", r.error + " (state before the failing step kept in " + r.output + ")");
      return 1;
  }
  return 1;
}

void print_outcome(const Sweep& s, const TaskOutcome& t, bool quiet) {
  if (quiet && t.status != "failed") return;
  std::fprintf(stderr, "task %lld (%s): %s%s%s\n", static_cast<long long>(t.task), s.describe(t.task).c_str(),
               t.status.c_str(), t.message.empty() ? "" : " -- ", shorten(t.message, 4000).c_str());
}

int cmd_sweep(const std::string& config_path, std::string dir, bool list, int64_t task, bool all, bool mpi,
              bool print_config, const SweepOptions& so, int* argc, char*** argv) {
  Config base = load_config(config_path);
  Sweep sweep(base);
  if (dir.empty()) dir = default_sweep_dir(base);  // (an explicit -o '' was refused before)
  if (list) {
    std::fputs(list_tasks(sweep, dir).c_str(), stdout);
    return 0;
  }
  if (print_config) {
    std::fputs(sweep.task_config(task >= 0 ? task : 0).effective_toml().c_str(), stdout);
    return 0;
  }
  if (mpi) return tnad_cli::sweep_mpi(sweep, dir, so, argc, argv);

  std::vector<int64_t> tasks;
  if (all) {
    for (int64_t i = 0; i < sweep.size(); ++i) tasks.push_back(i);
  } else if (task >= 0) {
    tasks.push_back(task);
  } else if (const char* id = std::getenv("SLURM_ARRAY_TASK_ID")) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(id, &end, 10);
    if (errno || end == id || *end != '\0' || v < 0)
      tnad::throw_error("SLURM_ARRAY_TASK_ID = '", shorten(id), "' is not a task index");
    tasks.push_back(v);
  } else {
    tnad::throw_error("tnad sweep: choose the tasks: --task I, --all, --mpi, --list (or run as a SLURM array task)");
  }
  for (int64_t t : tasks)
    if (t >= sweep.size())
      tnad::throw_error("task ", t, " does not exist: ", config_path, " has ", sweep.size(), " tasks (0..",
                        sweep.size() - 1, ")");
  prepare_sweep_dir(dir, base);
  install_signal_handlers();
  int failed = 0;
  for (int64_t t : tasks) {
    if (int s = pending_signal()) return exit_code_for_signal(s);
    if (!so.quiet && tasks.size() > 1 && task_status(sweep, t, dir) != "finished")
      std::fprintf(stderr, "task %lld (%s): running\n", static_cast<long long>(t), sweep.describe(t).c_str());
    TaskOutcome o = run_task(sweep, t, dir, so);
    print_outcome(sweep, o, so.quiet);
    if (o.status == "failed") ++failed;
    if (o.status == "interrupted") return exit_code_for_signal(o.signal);
  }
  if (tasks.size() > 1 && !so.quiet)
    std::fprintf(stderr, "sweep: %zu tasks done, %d failed; results in %s/ (merge: tnad merge %s -o merged.h5)\n",
                 tasks.size() - failed, failed, dir.c_str(), dir.c_str());
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A full disk or a file-size limit must surface as a write error with a message, not
  // kill the process; a closed stderr pipe must not kill a long run either.
  std::signal(SIGXFSZ, SIG_IGN);
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"tnad: differentiable tensor networks -- run, sweep, merge and inspect calculations"};
  app.set_version_flag("--version", std::string("tnad ") + tnad::version() + " (git " + tnad::git_revision() + ")");
  app.require_subcommand(1);
  app.footer("Exit codes: 0 ok, 1 error, 2 usage, 128+N stopped by signal N (checkpoint written).\n"
             "Docs: docs/runs.md (commands, configs), docs/files.md (HDF5 layout).");

  // ---- run
  std::string config_path, output;
  RunOptions ro;
  int threads = -1;
  bool print_config = false;
  auto* run_cmd = app.add_subcommand("run", "run one calculation described by a TOML config");
  run_cmd->add_option("config", config_path, "the config file (examples: `tnad example`)")->required();
  auto* run_out = run_cmd->add_option("-o,--output", output, "output HDF5 file (default: [output] file, else CONFIG name .h5)");
  run_cmd->add_flag("--resume", ro.resume, "continue from the output's last checkpoint (fresh if none)");
  run_cmd->add_flag("--overwrite", ro.overwrite, "replace an existing output file");
  auto* run_threads = run_cmd->add_option("--threads", threads,
                                          "OpenMP threads, 0 to 1024 (0: OMP_NUM_THREADS or all cores; default: [run] threads)");
  run_cmd->add_flag("-q,--quiet", ro.quiet, "no progress output");
  run_cmd->add_flag("--print-config", print_config, "print the effective config (defaults filled in) and exit");

  // ---- sweep
  std::string sweep_config, sweep_dir;
  bool list = false, all = false, mpi = false, sweep_print = false;
  int64_t task = -1;
  SweepOptions so;
  int sweep_threads = -1;
  auto* sweep_cmd = app.add_subcommand("sweep", "run the tasks of a config's [sweep] (locally, SLURM array, MPI)");
  sweep_cmd->add_option("config", sweep_config, "the config file with a [sweep] table")->required();
  auto* sweep_out = sweep_cmd->add_option("-o,--dir", sweep_dir, "output directory (default: [output] dir, else CONFIG name + -sweep)");
  auto* o_list = sweep_cmd->add_flag("--list", list, "print the tasks with their parameters and status");
  auto* o_task = sweep_cmd->add_option("--task", task, "run task I (default: $SLURM_ARRAY_TASK_ID)");
  auto* o_all = sweep_cmd->add_flag("--all", all, "run every task here, one after the other");
  auto* o_mpi = sweep_cmd->add_flag("--mpi", mpi, "under mpirun: rank 0 hands tasks to the other ranks");
  o_list->excludes(o_task)->excludes(o_all)->excludes(o_mpi);
  o_task->excludes(o_all)->excludes(o_mpi);
  o_all->excludes(o_mpi);
  auto* sweep_threads_opt = sweep_cmd->add_option("--threads", sweep_threads, "OpenMP threads per task, 0 to 1024 (0: all)");
  sweep_cmd->add_flag("--progress", so.progress, "per-step progress lines of every task");
  sweep_cmd->add_flag("-q,--quiet", so.quiet, "only failures");
  sweep_cmd->add_flag("--print-config", sweep_print, "print the effective config of task I (--task, default 0)");

  // ---- merge, inspect, jobs, example
  std::string merge_dir, merge_out;
  MergeOptions mo;
  auto* merge_cmd = app.add_subcommand("merge", "gather a sweep directory into one HDF5 table");
  merge_cmd->add_option("dir", merge_dir, "the sweep's output directory")->required();
  auto* merge_out_opt = merge_cmd->add_option("-o,--output", merge_out, "the merged HDF5 file")->required();
  merge_cmd->add_flag("--overwrite", mo.overwrite, "replace an existing output file (never a file it merges)");
  std::string inspect_file;
  auto* inspect_cmd = app.add_subcommand("inspect", "summarize a run file or a merged sweep");
  inspect_cmd->add_option("file", inspect_file, "the HDF5 file")->required();
  std::string job_name;
  auto* jobs_cmd = app.add_subcommand("jobs", "list the job types, or one job's parameters");
  jobs_cmd->add_option("name", job_name, "a job type");
  std::string example_name;
  auto* example_cmd = app.add_subcommand("example", "list the built-in example configs, or print one");
  example_cmd->add_option("name", example_name, "an example name");

  if (argc == 1) {
    std::cout << app.help();
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error("usage error", std::string(e.what()) + " (see tnad --help)");
    return 2;
  }

  try {
    if (*run_cmd) {
      require_name(run_out, output, "output file");
      ro.output = output;
      ro.threads = checked_threads(run_threads, threads);
      ro.command = command_line(argc, argv);
      return cmd_run(config_path, ro, print_config);
    }
    if (*sweep_cmd) {
      require_name(sweep_out, sweep_dir, "output directory");
      if (*o_task && task < 0) throw UsageError{"--task " + std::to_string(task) + ": must be >= 0"};
      so.threads = checked_threads(sweep_threads_opt, sweep_threads);
      so.command = command_line(argc, argv);
      return cmd_sweep(sweep_config, sweep_dir, list, task, all, mpi, sweep_print, so, &argc, &argv);
    }
    if (*merge_cmd) {
      require_name(merge_out_opt, merge_out, "output file");
      std::vector<std::string> problems;
      mo.problems = &problems;
      std::string summary = merge_sweep(merge_dir, merge_out, mo);
      for (const auto& p : problems) print_error("warning", p + " (not merged)");
      std::fprintf(stderr, "%s -> %s (%s)\n", merge_dir.c_str(), merge_out.c_str(), summary.c_str());
      return 0;
    }
    if (*inspect_cmd) {
      if (inspect_file.empty()) throw UsageError{"inspect: the file name is empty"};
      std::fputs(describe_file(inspect_file).c_str(), stdout);
      return 0;
    }
    if (*jobs_cmd) return cmd_jobs(job_name);
    if (*example_cmd) return cmd_example(example_name);
  } catch (const UsageError& e) {
    print_error("usage error", e.message + " (see tnad --help)");
    return 2;
  } catch (const tnad::Error& e) {
    print_error("error", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    print_error("error", "out of memory");
    return 1;
  } catch (const std::exception& e) {
    print_error("error", e.what());
    return 1;
  }
  return 2;
}
