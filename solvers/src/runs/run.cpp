#include "tnad/solvers/run.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

#include "runs/internal.hpp"
#include "runs/progress.hpp"
#include "runs/run_file.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/interrupt.hpp"
#include "tnad/solvers/file_policy.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/registry.hpp"
#include "tnad/ad/version.hpp"

namespace tnad::runs {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- signals

namespace {
volatile std::sig_atomic_t g_signal = 0;
// A copy of the job's state this cheap is always taken before a step, so that the step can
// be abandoned by a signal (interrupt.hpp).
constexpr double kFreeSnapshotSeconds = 1e-3;
volatile std::sig_atomic_t g_first_second = 0;  // CLOCK_MONOTONIC seconds of the first signal

// The first SIGINT/SIGTERM asks for a final checkpoint. A repeat within 2 s is the same
// request delivered twice and is ignored: timeout(1) signals its child and then its whole
// process group, and schedulers signal every process of a job step; with a one-shot
// handler that second copy killed tnad before the checkpoint (status left "running").
// A repeat after that (a second Ctrl-C) stops at once: the file on disk is still the last
// complete checkpoint. Only async-signal-safe calls (clock_gettime, signal, raise).
extern "C" void on_signal(int s) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (g_signal == 0) {
    g_first_second = std::sig_atomic_t(now.tv_sec);
    g_signal = s;
    interrupt::request(s);  // lets an armed long computation stop mid-step (interrupt.hpp)
    return;
  }
  if (now.tv_sec - g_first_second < 2) return;
  std::signal(s, SIG_DFL);
  std::raise(s);
}
}  // namespace

void install_signal_handlers() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // on_signal decides what a repeat means
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int pending_signal() { return int(g_signal); }

const char* to_string(RunStatus s) {
  switch (s) {
    case RunStatus::finished: return "finished";
    case RunStatus::interrupted: return "interrupted";
    case RunStatus::failed: return "failed";
  }
  return "?";
}

std::string default_output(const Config& c) {
  const std::string& f = c.output.string("file");
  if (!f.empty()) return f;
  std::string name = c.file;
  if (name.rfind("builtin:", 0) == 0) name = name.substr(8);
  return fs::path(name).stem().string() + ".h5";
}

// ---------------------------------------------------------------- History

void History::append(int64_t step, double seconds, const StepRecord& r) {
  const std::size_t n = steps.size();
  steps.push_back(step);
  this->seconds.push_back(seconds);
  std::vector<bool> seen(columns.size(), false);
  for (const auto& [name, v] : r.values) {
    std::size_t k = 0;
    while (k < columns.size() && columns[k].first != name) ++k;
    if (k == columns.size()) {  // a new column: earlier rows did not have it
      columns.emplace_back(name, std::vector<double>(n, std::nan("")));
      seen.push_back(false);
    }
    columns[k].second.push_back(v);
    seen[k] = true;
  }
  for (std::size_t k = 0; k < columns.size(); ++k)
    if (!seen[k]) columns[k].second.push_back(std::nan(""));
}

void History::write(Group& g) const {
  auto ext = [](Dataset d) { d.extendible = true; return d; };
  g.put("step", ext(Dataset::of(steps)));
  g.put("seconds", ext(Dataset::of(seconds)));
  for (const auto& [name, v] : columns) g.put(name, ext(Dataset::of(v)));
  // display order of the columns (HDF5 lists names alphabetically)
  std::string order;
  for (const auto& [name, v] : columns) order += (order.empty() ? "" : ",") + name;
  g.set("columns", order);
}

History History::read(const Group& g) {
  History h;
  h.steps = g.dataset("step").ints(g.path() + "/step");
  h.seconds = g.doubles("seconds");
  std::vector<std::string> names;
  std::stringstream ss(g.attr_string_or("columns", ""));
  for (std::string s; std::getline(ss, s, ',');)
    if (!s.empty()) names.push_back(s);
  for (const auto& [name, d] : g.datasets)
    if (name != "step" && name != "seconds" && std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(name);
  for (const auto& name : names) {
    const std::string path = g.path() + "/" + shorten(name);
    if (!g.has_dataset(name)) throw_error(path, " is listed in ", g.path(), "@columns but missing");
    const Dataset& d = g.dataset(name);
    if (d.is_string() || d.shape.size() != 1 || d.shape[0] != int64_t(h.steps.size()))
      throw_error(path, " is not a history column (every dataset in ", g.path(),
                  " must be numeric, 1-D, one value per step: ", h.steps.size(), ")");
    h.columns.emplace_back(name, d.as_doubles(path));
  }
  if (h.seconds.size() != h.steps.size()) throw_error("history: seconds and step differ in length");
  for (std::size_t i = 1; i < h.steps.size(); ++i)
    if (h.steps[i] != h.steps[i - 1] + 1)
      throw_error("history ", g.path(), "/step is not contiguous at row ", i);
  return h;
}

// ---------------------------------------------------------------- file checks

void check_run_file(const Group& root, const std::string& path) {
  if (!root.has_attr("format"))
    throw_error(path, ": not a tnad run file (a foreign HDF5 file: no 'format' attribute on /)");
  const std::string fmt = root.attr_string_or("format", "");
  if (fmt == "tnad-sweep") throw_error(path, ": is a merged sweep file, not a run file");
  if (fmt != "tnad-run") throw_error(path, ": not a tnad run file (format '", fmt, "')");
  int64_t v = root.attr_int("format_version");
  if (v > kRunFormatVersion)
    throw_error(path, ": written by a newer tnad (format_version ", v, " > ", kRunFormatVersion, ")");
  if (!root.has_group("meta")) throw_error(path, ": corrupted run file: no /meta");
}

std::string task_index_mismatch(const Group& meta, const std::string& path, int64_t task) {
  const std::string file = shorten(path, 1024);
  const Group* t = meta.has_group("task") ? &meta.group("task") : nullptr;
  const Attribute* idx = t && t->has_attr("index") ? &t->attrs.at("index") : nullptr;
  if (!idx)
    return file + ": is not a sweep task file (no /meta/task@index); expected the file of task " + std::to_string(task);
  if (!std::holds_alternative<int64_t>(*idx) || std::get<int64_t>(*idx) != task)
    return file + ": belongs to task " + shorten(to_string(*idx), 40) + ", not task " + std::to_string(task) +
           " (its /meta/task@index): copied or renamed from another task's file; move it back or remove it";
  return "";
}

std::string run_file_mismatch(const Group& meta, const std::string& path, const Config& cfg, int64_t task,
                              Trust level) {
  const std::string file = shorten(path, 1024);
  if (task >= 0)
    if (std::string why = task_index_mismatch(meta, path, task); !why.empty()) return why;
  if (level == Trust::same_config) {
    const std::string expected = cfg.digest();
    std::string found = meta.attr_string_or("config_digest", "");
    if (found.empty() && meta.has_dataset("config")) {  // a file from before config_digest: recompute it
      try {
        found = parse_config(meta.dataset("config").string("/meta/config"), file + ":/meta/config").digest();
      } catch (const std::exception&) {
      }
    }
    if (found.empty())
      return file + ": records no config (/meta@config_digest or /meta/config); expected config digest " + expected;
    if (found != expected)
      return file + ": was made by another config (its /meta@config_digest is " + shorten(found, 40) + ", " +
             cfg.file + (task >= 0 ? " task " + std::to_string(task) : std::string()) + " has " + expected + ")";
    return "";
  }
  if (!meta.has_dataset("config")) return file + ": records no config (/meta/config); cannot check what it computed";
  Config old;
  try {
    old = parse_config(meta.dataset("config").string("/meta/config"), file + ":/meta/config");
  } catch (const std::exception& e) {
    return file + ": its /meta/config is not a valid config: " + e.what();
  }
  const std::string diff = cfg.trajectory_difference(old);
  if (!diff.empty())
    return file + ": cannot resume: it was made with a different " + diff + " (compare its /meta/config with " +
           cfg.file + "); only stopping criteria and threads may change";
  return "";
}

std::string digest_hex(const Group& state) {
  Group copy = state;
  copy.attrs.erase("digest");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(copy.digest()));
  return buf;
}

// ---------------------------------------------------------------- the driver

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string signal_name(int s) {
  switch (s) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "signal " + std::to_string(s);
  }
}

int64_t task_index_of(const Group& task) {
  auto it = task.attrs.find("index");
  return it != task.attrs.end() && std::holds_alternative<int64_t>(it->second) ? std::get<int64_t>(it->second) : -1;
}

// What a run file holds beyond what tnad writes (docs/files.md, "Your own data"): attributes
// on / other than format / format_version, datasets on /, groups other than meta, history,
// state and results. The run keeps them through every checkpoint.
Group foreign_part(const Group& file) {
  Group k("/");
  k.attrs = file.attrs;
  k.attrs.erase("format");
  k.attrs.erase("format_version");
  k.datasets = file.datasets;
  for (const auto& [name, g] : file.groups)
    if (name != "meta" && name != "history" && name != "state" && name != "results") k.groups[name] = g;
  return k;
}

bool empty(const Group& g) { return g.attrs.empty() && g.datasets.empty() && g.groups.empty(); }

}  // namespace

RunOutcome run(const Config& cfg, const RunOptions& o) {
  const std::string out = o.output.empty() ? default_output(cfg) : o.output;
  Progress progress(o.quiet, o.label);
  if (o.handle_signals) install_signal_handlers();

  // ---- the output must be usable before any work is done (file_policy.hpp)
  OutputRules rules;
  rules.overwrite = o.overwrite;
  rules.resume = o.resume;
  if (cfg.file.rfind("builtin:", 0) != 0) rules.inputs.push_back(cfg.file);
  rules.existing_hint = "use --resume to continue it or --overwrite to replace it";
  const OutputTarget target = check_output(out, rules);
  const std::string& path = target.path;  // `out` with a final symbolic link resolved
  remove_stale_temporaries(path);

  const int threads = o.threads >= 0 ? o.threads : int(cfg.run.integer("threads"));
  if (threads > kMaxThreads) throw_error("threads = ", threads, ": out of range: must be in [0, ", kMaxThreads, "]");
  if (threads > 0) omp_set_num_threads(threads);

  std::unique_ptr<Job> job = make_job(cfg);

  Group meta("/meta");
  History history;
  bool resumed = false;
  Group kept("/");                     // the file's data that this run does not write
  Group kept_results("/results");      // ... inside /results (names the job does not write)
  std::map<std::string, Attribute> kept_history_attrs;
  if (target.exists && o.resume) {
    Group file = read_h5(path);
    check_run_file(file, out);
    const Group& fm = file.group("meta");
    kept = foreign_part(file);
    if (file.has_group("history")) {
      kept_history_attrs = file.group("history").attrs;
      kept_history_attrs.erase("columns");
    }
    if (!file.has_group("state")) {
      // Nothing to continue from. Start over only if nothing would be lost.
      int64_t rows = 0;
      if (file.has_group("history") && file.group("history").has_dataset("step"))
        rows = file.group("history").dataset("step").numel();
      if (rows > 0 || file.has_group("results"))
        throw_error(out, ": holds results (", rows, " rows of /history", file.has_group("results") ? ", /results" : "",
                    ") but no /state to continue from (status ", shorten(fm.attr_string_or("status", "?"), 40),
                    "); it is not overwritten: use --overwrite to start over, or another output name");
      progress.note(out + ": holds no state (" + shorten(fm.attr_string_or("status", "?"), 40) +
                    " before the first step); starting fresh");
      meta = fm;
    } else {
      const std::string why = run_file_mismatch(fm, out, cfg, task_index_of(o.task), Trust::same_computation);
      if (!why.empty()) throw_error(why);
      const Group& state = file.group("state");
      if (!state.has_attr("digest") || state.attr_string("digest") != digest_hex(state))
        throw_error(out, ": corrupted checkpoint: the checksum of /state does not match (a damaged file, or /state",
                    " was edited: tnad owns /state)");
      try {
        job->load_state(state);
        history = History::read(file.group("history"));
      } catch (const std::exception& e) {
        throw_error(out, ": cannot resume: ", e.what());
      }
      // (a job whose start() reports no row has an empty history until its first step)
      if (history.steps.empty() ? job->steps() != 0 : history.steps.back() != job->steps())
        throw_error(out, ": corrupted checkpoint: /history ends at step ",
                    history.steps.empty() ? -1 : history.steps.back(), ", /state is at step ", job->steps());
      if (file.has_group("results")) {
        // Keep what the job does not write itself (e.g. a user's own analysis).
        Group mine("/results");
        try {
          job->write_results(mine);
        } catch (const std::exception& e) {
          throw_error(out, ": cannot resume: ", e.what());
        }
        kept_results = file.group("results");
        for (const auto& [k, v] : mine.attrs) kept_results.attrs.erase(k);
        for (const auto& [k, v] : mine.datasets) kept_results.datasets.erase(k);
        for (const auto& [k, v] : mine.groups) kept_results.groups.erase(k);
      }
      meta = fm;
      meta.set("resumes", meta.attrs.count("resumes") && std::holds_alternative<int64_t>(meta.attrs.at("resumes"))
                              ? meta.attr_int("resumes") + 1
                              : int64_t(1));
      resumed = true;
      if (!job->stop_reason().empty() && fm.attr_string_or("status", "") == "finished") {
        progress.note(out + ": already finished (" + job->stop_reason() + ") at step " +
                      std::to_string(job->steps()) + "; nothing to do");
        RunOutcome r;
        r.output = out;
        r.stop_reason = job->stop_reason();
        r.steps = job->steps();
        r.already_done = true;
        return r;
      }
    }
  } else if (!target.exists && o.resume) {
    progress.note(out + ": no checkpoint yet; starting fresh");
  }

  // ---- /meta
  meta.set("tnad_version", tnad::version());
  meta.set("git_revision", tnad::git_revision());
  meta.set("host", host_name());
  meta.set("threads", int64_t(omp_get_max_threads()));
  meta.set("job", cfg.job_type);
  meta.set("config_file", cfg.file);
  meta.set("config_digest", cfg.digest());
  meta.set("command", o.command);
  if (!resumed) {
    meta.set("start_time", utc_now());
    meta.set("resumes", int64_t(0));
  }
  meta.set("end_time", "");
  meta.set("error", "");
  meta.put("config", Dataset::scalar(cfg.effective_toml()));
  meta.put("config_input", Dataset::scalar(cfg.text));
  if (!o.task.attrs.empty() || !o.task.groups.empty()) {
    Group t = o.task;
    meta.groups["task"] = t;
  }

  bool have_state = resumed;
  // The job's /state as of now (written, or kept to fall back to when a step is interrupted).
  auto state_now = [&] {
    Group st("/state");
    st.set("step", job->steps());
    job->save_state(st);
    return st;
  };
  const Group* state_instead = nullptr;  // set: write this /state, not the job's present one
  auto write = [&](const std::string& status, bool with_results) {
    meta.set("status", status);
    meta.set("updated_time", utc_now());
    if (status != "running") meta.set("end_time", utc_now());
    Group root = kept;
    root.set("format", "tnad-run");
    root.set("format_version", int64_t(kRunFormatVersion));
    root.groups["meta"] = meta;
    Group& h = root.group("history");
    h.attrs = kept_history_attrs;
    history.write(h);
    if (have_state) {
      Group& st = root.groups["state"] = state_instead ? *state_instead : state_now();
      st.set("digest", digest_hex(st));
    }
    Group results = kept_results;
    if (with_results) job->write_results(results);
    if (!empty(results)) root.groups["results"] = std::move(results);
    write_h5_atomic(path, root);
  };

  RunOutcome r;
  r.output = out;
  auto fail = [&](const std::exception& e) {
    meta.set("error", e.what());
    write("failed", false);
    r.status = RunStatus::failed;
    r.error = e.what();
    r.steps = job->steps();
    progress.end();
    return r;
  };

  // A signal during a step abandons it (the long loops' interruption points) when the
  // state from before the step is at hand: the checkpoint is then written at once, not
  // after minutes of a step a batch system's SIGKILL would cut short anyway.
  auto interrupted = [&](int s, int64_t at_step) {
    write("interrupted", false);
    progress.end();
    progress.note(out + ": interrupted by " + signal_name(s) + " at step " + std::to_string(at_step) +
                  "; checkpoint written (continue with --resume)");
    r.status = RunStatus::interrupted;
    r.signal = s;
    r.steps = at_step;
    return r;
  };

  if (!resumed) {
    write("starting", false);  // proves the output is writable before any work
    std::optional<StepRecord> first;
    auto t0 = std::chrono::steady_clock::now();
    try {
      const interrupt::ArmGuard armed;  // nothing to lose yet: the file holds no state
      first = job->start();
    } catch (const Interrupted& e) {
      return interrupted(e.signal(), 0);
    } catch (const std::exception& e) {
      return fail(e);
    }
    have_state = true;
    if (first) {
      history.append(job->steps(), seconds_since(t0), *first);
      progress.step(job->steps(), *first, seconds_since(t0));
    }
    write("running", false);
  } else {
    progress.note(out + ": resuming at step " + std::to_string(job->steps()));
    write("running", false);  // records this resume (host, threads, command) at once
  }

  const int64_t every = cfg.output.integer("checkpoint_every");
  const double every_s = cfg.output.number("checkpoint_seconds");
  auto last_write = std::chrono::steady_clock::now();
  double last_step_seconds = std::numeric_limits<double>::infinity(), last_snapshot_seconds = 0.0;
  while (true) {
    std::string reason = job->stop_reason();
    if (!reason.empty()) {
      write("finished", true);
      progress.end();
      r.status = RunStatus::finished;
      r.stop_reason = reason;
      r.steps = job->steps();
      progress.note(out + ": finished (" + reason + ") after " + std::to_string(job->steps()) + " steps");
      return r;
    }
    if (int s = pending_signal()) return interrupted(s, job->steps());
    auto t0 = std::chrono::steady_clock::now();
    StepRecord rec;
    // Armed unless the copy of the state is both noticeable (over 1 ms) and over a tenth of
    // the last step: then the step is short anyway, and the signal stops the run after it.
    // (Measured every step, not guessed from the last one: the first step of a new stage
    // is slow after fast ones.)
    std::optional<Group> before;
    if (last_snapshot_seconds <= kFreeSnapshotSeconds || last_snapshot_seconds <= 0.1 * last_step_seconds) {
      const auto ts = std::chrono::steady_clock::now();
      before = state_now();
      last_snapshot_seconds = seconds_since(ts);
    }
    try {
      std::optional<interrupt::ArmGuard> armed;
      if (before) armed.emplace();
      rec = job->step();
    } catch (const Interrupted& e) {
      state_instead = &*before;  // the step's partial work is dropped, /history has no row for it
      return interrupted(e.signal(), before->attr_int("step"));
    } catch (const std::exception& e) {
      return fail(e);
    }
    const double dt = seconds_since(t0);
    last_step_seconds = dt;
    history.append(job->steps(), dt, rec);
    progress.step(job->steps(), rec, dt);
    if (job->steps() % every == 0 || (every_s > 0 && seconds_since(last_write) >= every_s)) {
      write("running", false);
      last_write = std::chrono::steady_clock::now();
    }
  }
}

}  // namespace tnad::runs
