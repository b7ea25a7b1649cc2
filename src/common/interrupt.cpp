#include "stems/common/interrupt.hpp"

#include <csignal>

#include "stems/common/subprocess.hpp"

namespace stems {

namespace {
std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) {
  g_interrupted.store(true);
  subprocess::request_cancel();  // kill external commands (retraining) now
}
using Handler = void (*)(int);
Handler g_previous_int = SIG_DFL;
Handler g_previous_term = SIG_DFL;
}  // namespace

InterruptGuard::InterruptGuard() {
  g_interrupted.store(false);
  subprocess::reset_cancel();
  g_previous_int = std::signal(SIGINT, on_interrupt);
  g_previous_term = std::signal(SIGTERM, on_interrupt);
}

InterruptGuard::~InterruptGuard() {
  std::signal(SIGINT, g_previous_int);
  std::signal(SIGTERM, g_previous_term);
}

const std::atomic<bool>* InterruptGuard::flag() const {
  return &g_interrupted;
}

}  // namespace stems
