#pragma once
// Ctrl-C / SIGTERM for long commands: while an InterruptGuard lives, the signals set a flag that
// the command polls (it then finishes what is in flight and exits 130) instead of killing the
// process mid-write.

#include <atomic>

namespace stems {

class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  const std::atomic<bool>* flag() const;
};

}  // namespace stems
