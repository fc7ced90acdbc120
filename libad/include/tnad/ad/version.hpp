#pragma once
namespace tnad {
const char* version();       // "0.1.0"
const char* git_revision();  // short hash of the build's checkout, or "unknown"
}  // namespace tnad
