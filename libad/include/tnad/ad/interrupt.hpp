// Cooperative interruption of long computations. A SIGINT/SIGTERM that arrives during a
// minutes-long evaluation (a CTMRG at large chi, an adjoint solve, a backward through many
// iterations) should not wait for the evaluation to end: a batch scheduler sends SIGKILL
// some seconds after SIGTERM, and whatever the step computed since the last checkpoint
// is lost either way.
//
//   request(sig)          from a signal handler: async-signal-safe (one lock-free store)
//   requested()           the signal seen so far, 0 if none
//   ArmGuard              while one is alive, interruption_point() throws Interrupted
//                         once a signal was requested; the run driver arms it only around
//                         a step it can undo (it holds the state from before the step)
//   interruption_point()  called by the long loops: each CTMRG iteration, each node of a
//                         backward pass, each Krylov / fixed-point iteration, each RG step
//
// Interrupted is deliberately not a tnad::Error: code that turns a failed solve into a
// fallback (catch (const Error&)) must not swallow it.
#pragma once
#include <stdexcept>

namespace tnad {

class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int signal);
  int signal() const noexcept { return signal_; }

 private:
  int signal_;
};

namespace interrupt {

void request(int signal) noexcept;
int requested() noexcept;
void clear() noexcept;  // forget a request (tests; a driver that handled it)

class ArmGuard {
 public:
  ArmGuard() noexcept;
  ~ArmGuard();
  ArmGuard(const ArmGuard&) = delete;
  ArmGuard& operator=(const ArmGuard&) = delete;
};

}  // namespace interrupt

// Throws Interrupted when armed and a signal was requested; otherwise two relaxed loads.
void interruption_point();

}  // namespace tnad
