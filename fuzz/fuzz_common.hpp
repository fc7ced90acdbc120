// Shared by the fuzz targets: what counts as a finding.
//
// A target feeds its input to tnad and lets exactly two things happen: success, or a
// tnad::Error with a message (every failure a user can cause is one, DESIGN.md "Errors").
// Any other exception (std::out_of_range, std::bad_alloc, std::logic_error ...), a crash,
// a sanitizer report or a hang is a finding: `finding()` prints it and aborts, which
// libFuzzer (or the replay driver) reports with the input that caused it.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "tnad/ad/error.hpp"

namespace tnad::fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Runs f; a tnad::Error with a message is an accepted outcome, everything else a finding.
template <class F>
void expect_ok_or_error(const char* target, F&& f) {
  try {
    f();
  } catch (const tnad::Error& e) {
    if (std::string(e.what()).empty()) finding(std::string(target) + ": tnad::Error with an empty message");
  } catch (const std::exception& e) {
    finding(std::string(target) + ": not a tnad::Error: " + e.what());
  } catch (...) {
    finding(std::string(target) + ": a non-std exception");
  }
}

}  // namespace tnad::fuzz
