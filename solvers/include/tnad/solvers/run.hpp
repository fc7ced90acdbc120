// The run driver behind `tnad run`: builds the job of a config, steps it, prints progress,
// appends /history, writes atomic checkpoints (h5.hpp) every [output] checkpoint_every
// steps / checkpoint_seconds and at the end, resumes from /state, and turns SIGINT/SIGTERM
// into a final checkpoint and a clean return. The file layout is in docs/files.md.
//
// Guarantees
// - The file on disk is always a complete, readable checkpoint: it is replaced atomically.
// - A resumed run continues bit for bit (the job and optimizer state are saved exactly)
//   and /history has each step once, with no gap.
// - A failing write (disk full, unwritable directory) throws; the previous file stays.
// - --resume refuses files that are not tnad runs, are corrupted (checksum of /state), were
//   made by a config that computes something else (a changed [job] key, say) or by another
//   sweep task, or hold results without a /state to continue from; stopping criteria and
//   threads may change (e.g. a larger max_steps continues a run).
// - The output follows file_policy.hpp: a regular file (a link to one is followed), never
//   the config, replaced only with overwrite or continued with resume.
// - Data a user added to the file (docs/files.md, "Your own data") is kept through every
//   checkpoint.
#pragma once
#include <cstdint>
#include <string>

#include "tnad/solvers/config.hpp"
#include "tnad/solvers/group.hpp"

namespace tnad::runs {

struct RunOptions {
  std::string output;       // "" -> [output] file, else CONFIG's name with .h5
  bool resume = false;      // continue from output's /state (fresh start if it does not exist)
  bool overwrite = false;   // replace an existing output instead of refusing
  int threads = -1;         // -1 -> [run] threads; 0 -> OpenMP's default; at most kMaxThreads
  bool quiet = false;       // no progress output
  std::string label;        // progress prefix, e.g. "task 3"
  std::string command;      // recorded in /meta
  bool handle_signals = true;  // SIGINT/SIGTERM -> final checkpoint and return
  Group task;               // sweep task description, stored as /meta/task (empty: none)
};

enum class RunStatus { finished, interrupted, failed };
const char* to_string(RunStatus s);

struct RunOutcome {
  RunStatus status = RunStatus::finished;
  std::string output;
  std::string stop_reason;  // finished: why the job stopped
  std::string error;        // failed: the error message
  int signal = 0;           // interrupted: the signal number
  int64_t steps = 0;
  bool already_done = false;  // --resume found a finished run; nothing was recomputed
};

// Runs (or resumes) the config. Problems found before the first step (unwritable output,
// refused resume file, bad parameter combinations) throw tnad::Error; a failure while
// stepping is recorded in the file (/meta status = "failed", error) and returned.
RunOutcome run(const Config& config, const RunOptions& options);

// Where a run of this config writes by default: [output] file, else the config's file
// name with the extension replaced by .h5 (in the current directory).
std::string default_output(const Config& config);

// True when the signal handlers installed by run() have seen SIGINT/SIGTERM (sweeps use it
// to stop handing out tasks). install_signal_handlers() is idempotent.
void install_signal_handlers();
int pending_signal();

}  // namespace tnad::runs
