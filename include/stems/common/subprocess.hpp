#pragma once
// Runs an external command (fork + execve, the child making only system calls, so it is safe
// from a multithreaded process) with its stdout captured, the tail of its stderr kept, a timeout,
// and cancellation: the command runs in its own process group, so a terminal's Ctrl-C reaches
// only stems, which then kills the whole group (SIGTERM, SIGKILL two seconds later); if stems
// itself is killed, the kernel kills the command (PR_SET_PDEATHSIG). run() blocks its thread
// until the command has ended. Used by `[accuracy.command]` (retraining in the loop).

#include <cstddef>
#include <string>
#include <vector>

namespace stems::subprocess {

struct Options {
  std::string cwd;       // "" runs in the current directory
  double timeout_s = 0;  // 0: no timeout
  std::size_t stderr_tail_bytes = 4096;
  std::size_t stdout_max_bytes = 1 << 20;  // more is dropped from the front (the tail is kept)
};

struct Result {
  int exit_code = -1;      // the exit status; -1 when a signal ended it or it never ran
  int signal = 0;          // the signal that ended it (0: it exited)
  bool timed_out = false;  // killed because it ran longer than timeout_s
  bool cancelled = false;  // killed because request_cancel() was called
  std::string out;         // stdout (its last stdout_max_bytes)
  std::string err_tail;    // the last stderr_tail_bytes of stderr
  double seconds = 0;      // wall time
  bool ok() const { return exit_code == 0 && !timed_out && !cancelled; }
  // "exit 3", "killed by signal 9", "timed out after 10 s", "cancelled"
  std::string status() const;
};

// The program's path: as given (joined to `cwd` when relative) when it has a '/', else the first
// executable regular file of that name on PATH; "" when PATH has none. run() resolves argv[0]
// with it before fork, so that the child only makes system calls.
std::string resolve_program(const std::string& prog, const std::string& cwd);

// Throws InputError (where = argv[0]) when the command cannot be started at all (empty argv,
// no such program, cwd missing); everything that happens after the start is in the Result.
Result run(const std::vector<std::string>& argv, const Options& options);

// Kills every running command and makes later run() calls return at once with cancelled set.
// Async-signal-safe (a lock-free atomic store): call it from a SIGINT handler.
void request_cancel() noexcept;
void reset_cancel() noexcept;
bool cancel_requested() noexcept;

}  // namespace stems::subprocess
