// Shared by the HDF5 fuzz targets: every way tnad reads a run file, applied to one file.
//
//   inspect       describe_file (`tnad inspect`): read_h5, check_run_file, /history, /state
//                 digest, /results, /meta/config; or the merged-sweep table
//   status        read_h5_attrs("/meta") and task_status (`tnad run` refusing to overwrite,
//                 `tnad sweep --list`)
//   resume        what `tnad run --resume` reads before stepping (runs/run.cpp): the file
//                 checks, /meta/config parsed and validated, the job built from it and its
//                 state loaded, /history read and checked against the state's step
//
// Each must end in success or a tnad::Error (fuzz_common.hpp).
#pragma once
#include <string>

#include "fuzz_common.hpp"
#include "runs/run_file.hpp"
#include "tnad/solvers/config.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/registry.hpp"
#include "tnad/solvers/sweep.hpp"

namespace tnad::fuzz {

inline void resume_read(const std::string& path) {
  using namespace tnad::runs;
  Group file = read_h5(path);
  check_run_file(file, path);
  const Group& meta = file.group("meta");
  if (!file.has_group("state")) return;
  const Group& state = file.group("state");
  if (!state.has_attr("digest") || state.attr_string("digest") != digest_hex(state))
    throw_error(path, ": corrupted checkpoint: the checksum of /state does not match");
  const std::string text = meta.dataset("config").strings("/meta/config").at(0);
  Config cfg = parse_config(text, path + ":/meta/config");
  auto job = make_job(cfg);
  job->load_state(state);
  History history = History::read(file.group("history"));
  if (history.steps.empty() ? job->steps() != 0 : history.steps.back() != job->steps())
    throw_error(path, ": corrupted checkpoint: /history and /state disagree");
  (void)job->stop_reason();
  Group results("/results");
  job->write_results(results);
  Group again("/state");
  job->save_state(again);
}

inline void read_run_file_every_way(const std::string& path) {
  expect_ok_or_error("inspect", [&] { (void)runs::describe_file(path); });
  expect_ok_or_error("read_h5_attrs", [&] { (void)runs::read_h5_attrs(path, "/meta").attr_string_or("status", "?"); });
  expect_ok_or_error("task_status", [&] { (void)runs::task_status(path); });
  expect_ok_or_error("resume", [&] { resume_read(path); });
}

// A scratch file for this process (libFuzzer runs one input at a time per process).
inline const std::string& scratch_file() {
  static const std::string p = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/tnad-fuzz-" + std::to_string(::getpid()) + ".h5";
  }();
  return p;
}

}  // namespace tnad::fuzz
