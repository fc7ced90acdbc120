// Pieces of the tnad command shared between its source files (not installed).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "tnad/solvers/sweep.hpp"

namespace tnad_cli {

// The example configs of data/configs/, embedded at build time: (name, TOML text).
const std::vector<std::pair<std::string, std::string>>& examples();

// `tnad sweep --mpi`: rank 0 hands out task indices on request; every other rank runs the
// tasks it is given. Returns the process exit code. Throws tnad::Error when tnad was
// built without MPI.
int sweep_mpi(const tnad::runs::Sweep& sweep, const std::string& dir, const tnad::runs::SweepOptions& o,
              int* argc, char*** argv);

}  // namespace tnad_cli
