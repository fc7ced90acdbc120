// Shared by the HDF5 fuzz targets: every way tnad reads a run file, applied to one file.
//
//   inspect   describe_file (`tnad inspect`): read_h5, check_run_file, /history, /state
//             digest, /results, /meta/config; or the merged-sweep table
//   status    read_h5_attrs("/meta"), read_h5_group("/meta"), list_h5_group("/")
//   resume    what `tnad run --resume` reads before stepping (runs/run.cpp, run()): the
//             file checks, the trust check against the config in the file's own
//             /meta/config, the /state digest, the job's load_state, /history against the
//             state's step, the job's results
//   sweep     the file as task 1 of fuzz/h5_sweep.toml's sweep: task_status (`tnad sweep
//             --list`, the skip test) and merge_sweep (`tnad merge`), then inspect of the
//             merged file
//
// Each must end in success or a tnad::Error (fuzz_common.hpp).
#pragma once
#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "fuzz_common.hpp"
#include "runs/run_file.hpp"
#include "tnad/solvers/config.hpp"
#include "tnad/solvers/file_policy.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/registry.hpp"
#include "tnad/solvers/sweep.hpp"

namespace tnad::fuzz {

// run()'s reading of an existing output under --resume, with the config taken from the
// file itself (so that the trust check passes and the state is loaded).
inline void resume_read(const std::string& path) {
  using namespace tnad::runs;
  Group file = read_h5(path);
  check_run_file(file, path);
  const Group& fm = file.group("meta");
  if (!file.has_group("state")) return;
  Config cfg = parse_config(fm.dataset("config").string("/meta/config"), path + ":/meta/config");
  if (std::string why = run_file_mismatch(fm, path, cfg, -1, Trust::same_computation); !why.empty()) throw_error(why);
  if (std::string why = run_file_mismatch(fm, path, cfg, -1, Trust::same_config); !why.empty()) throw_error(why);
  const Group& state = file.group("state");
  if (!state.has_attr("digest") || state.attr_string("digest") != digest_hex(state))
    throw_error(path, ": corrupted checkpoint: the checksum of /state does not match");
  auto job = make_job(cfg);
  History history;
  try {  // as run() does: whatever load_state throws becomes "cannot resume"
    job->load_state(state);
    history = History::read(file.group("history"));
  } catch (const std::exception& e) {
    throw_error(path, ": cannot resume: ", e.what());
  }
  if (history.steps.empty() ? job->steps() != 0 : history.steps.back() != job->steps())
    throw_error(path, ": corrupted checkpoint: /history and /state disagree");
  Group results("/results");
  job->write_results(results);
  (void)job->stop_reason();
}

// Task 1 of fuzz/h5_sweep.toml, in a scratch directory of this process.
struct SweepScratch {
  std::string dir;
  std::unique_ptr<runs::Sweep> sweep;
};

inline const std::string& scratch_dir() {
  // never destroyed: the atexit cleanup below runs after static destructors registered later
  static const std::string& d = *[] {
    const char* t = std::getenv("TMPDIR");
    auto* p = new std::string(std::string(t && *t ? t : "/tmp") + "/tnad-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(*p);
    return p;
  }();
  static const bool cleanup = [] {
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return true;
  }();
  (void)cleanup;
  return d;
}

inline SweepScratch& sweep_scratch() {
  static SweepScratch s = [] {
    SweepScratch x;
    x.dir = scratch_dir() + "/sweep";
    runs::Config base = runs::load_config(TNAD_FUZZ_SWEEP_CONFIG);
    x.sweep = std::make_unique<runs::Sweep>(base);
    runs::prepare_sweep_dir(x.dir, base);
    return x;
  }();
  return s;
}

inline void read_run_file_every_way(const std::string& path) {
  expect_ok_or_error("inspect", [&] { (void)runs::describe_file(path); });
  expect_ok_or_error("read_h5_attrs", [&] { (void)runs::read_h5_attrs(path, "/meta").attr_string_or("status", "?"); });
  expect_ok_or_error("read_h5_group", [&] { (void)runs::read_h5_group(path, "/meta"); });
  expect_ok_or_error("list_h5_group", [&] { (void)runs::list_h5_group(path, "/"); });
  expect_ok_or_error("resume", [&] { resume_read(path); });

  SweepScratch& s = sweep_scratch();
  const std::string task = s.sweep->task_file(s.dir, 1), merged = scratch_dir() + "/merged.h5";
  std::filesystem::copy_file(path, task, std::filesystem::copy_options::overwrite_existing);
  expect_ok_or_error("task_status", [&] { (void)runs::task_status(*s.sweep, 1, s.dir); });
  expect_ok_or_error("merge_sweep", [&] {
    runs::MergeOptions mo;
    mo.overwrite = true;
    (void)runs::merge_sweep(s.dir, merged, mo);
    (void)runs::describe_file(merged);
  });
  std::filesystem::remove(task);
}

// Speed only: HDF5's free lists keep what they free (no limits), so its large buffers (a
// 1 MB type-conversion buffer per string read, the metadata cache of every open file) are
// reused instead of coming from fresh pages on every input. Changes nothing tnad does.
inline void hdf5_keep_free_lists() { H5set_free_list_limits(-1, -1, -1, -1, -1, -1); }

// The input file of this process.
inline const std::string& scratch_file() {
  static const std::string p = scratch_dir() + "/input.h5";
  return p;
}

}  // namespace tnad::fuzz
