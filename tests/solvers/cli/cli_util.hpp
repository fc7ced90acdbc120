// Shared pieces of the CLI tests.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "util.hpp"
#include "subprocess.hpp"

namespace cli_test {

using solvers_test::TempDir;

inline Result run_tnad(std::vector<std::string> args, Spawn s = {}) {
  args.insert(args.begin(), tnad_exe());
  s.unset.push_back("SLURM_ARRAY_TASK_ID");
  return run(args, s);
}

inline std::string describe(const Result& r) {
  return "exit " + std::to_string(r.exit_code) + " signal " + std::to_string(r.signal) + "\n--- stdout\n" + r.out +
         "--- stderr\n" + r.err;
}

inline std::vector<std::string> example_configs() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(source_dir() + "/data/configs"))
    if (e.path().extension() == ".toml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cli_test

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "text: " << (msg)
