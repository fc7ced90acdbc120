#include "tnad/ad/interrupt.hpp"

#include <atomic>
#include <csignal>
#include <string>

namespace tnad {

namespace {
// Lock-free on every platform tnad builds for (checked below): a signal handler may store.
std::atomic<int> g_requested{0};
std::atomic<int> g_armed{0};
static_assert(std::atomic<int>::is_always_lock_free, "interrupt: the request flag must be lock-free");

std::string describe(int s) {
  switch (s) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "signal " + std::to_string(s);
  }
}
}  // namespace

Interrupted::Interrupted(int signal)
    : std::runtime_error("interrupted by " + describe(signal) + " (the step in progress was abandoned)"),
      signal_(signal) {}

namespace interrupt {

void request(int signal) noexcept { g_requested.store(signal, std::memory_order_relaxed); }
int requested() noexcept { return g_requested.load(std::memory_order_relaxed); }
void clear() noexcept { g_requested.store(0, std::memory_order_relaxed); }

ArmGuard::ArmGuard() noexcept { g_armed.fetch_add(1, std::memory_order_relaxed); }
ArmGuard::~ArmGuard() { g_armed.fetch_sub(1, std::memory_order_relaxed); }

}  // namespace interrupt

void interruption_point() {
  if (g_armed.load(std::memory_order_relaxed) == 0) return;
  if (const int s = g_requested.load(std::memory_order_relaxed)) throw Interrupted(s);
}

}  // namespace tnad
