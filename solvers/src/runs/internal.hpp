// Helpers shared by the solvers sources (not installed).
#pragma once
#include <string>

namespace tnad::runs {

// A TOML key, quoted when it is not a bare key.
std::string toml_key(const std::string& k);
// Current UTC time as ISO 8601 ("2024-05-01T12:00:00Z").
std::string utc_now();
// This machine's host name.
std::string host_name();

}  // namespace tnad::runs
