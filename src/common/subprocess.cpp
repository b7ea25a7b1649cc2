#include "stems/common/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "stems/common/error.hpp"

extern char** environ;

namespace stems::subprocess {

namespace {

std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free, "request_cancel must be signal-safe");

constexpr double kKillGraceSeconds = 2.0;

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A pipe whose ends close with it (the read end non-blocking, both close-on-exec).
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (::pipe2(fd, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    ::fcntl(fd[0], F_SETFL, ::fcntl(fd[0], F_GETFL) | O_NONBLOCK);
  }
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  void close_write() {
    ::close(fd[1]);
    fd[1] = -1;
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

// In the forked child: only system calls until execve. Its own process group (a terminal's
// Ctrl-C reaches only stems, which then kills the group), killed if the thread that started it
// dies (stems killed with SIGKILL leaves no orphan), default signals, stdin from /dev/null.
[[noreturn]] void exec_child(const char* path, char* const* argv, const char* cwd, int out_fd,
                             int err_fd, int status_fd) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT})
    ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  const int in = ::open("/dev/null", O_RDONLY);
  if (in >= 0) ::dup2(in, 0);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  int err = 0;
  if (cwd[0] != '\0' && ::chdir(cwd) != 0) err = errno;
  if (err == 0) {
    ::execve(path, argv, environ);
    err = errno;
  }
  ssize_t ignored = ::write(status_fd, &err, sizeof err);
  (void)ignored;
  ::_exit(127);
}

// Appends what is readable now; false at end of file (or an error).
bool drain(int fd, std::string& into, std::size_t keep) {
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
      if (into.size() > 2 * keep) into.erase(0, into.size() - keep);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    return false;
  }
}

void keep_tail(std::string& s, std::size_t keep) {
  if (s.size() > keep) s.erase(0, s.size() - keep);
}

// Reads both pipes, enforces the timeout and cancellation, reaps the child.
void supervise(pid_t pid, Pipe& out, Pipe& err, const Options& o, Result& r, Clock::time_point t0) {
  bool out_open = true, err_open = true, reaped = false;
  double kill_sent_at = -1;
  while (!reaped) {
    pollfd fds[2];
    nfds_t n = 0;
    if (out_open) fds[n++] = {out.fd[0], POLLIN, 0};
    if (err_open) fds[n++] = {err.fd[0], POLLIN, 0};
    if (n > 0) {
      ::poll(fds, n, 100);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (out_open) out_open = drain(out.fd[0], r.out, o.stdout_max_bytes);
    if (err_open) err_open = drain(err.fd[0], r.err_tail, o.stderr_tail_bytes);
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
      break;
    }
    const double t = since(t0);
    if (kill_sent_at < 0) {
      if (g_cancel.load()) r.cancelled = true;
      if (o.timeout_s > 0 && t > o.timeout_s) r.timed_out = true;
      if (r.cancelled || r.timed_out) {
        ::kill(-pid, SIGTERM);
        kill_sent_at = t;
      }
    } else if (t - kill_sent_at > kKillGraceSeconds) {
      ::kill(-pid, SIGKILL);
    }
  }
  // The child is gone; whatever its descendants still hold open is not waited for.
  if (out_open) drain(out.fd[0], r.out, o.stdout_max_bytes);
  if (err_open) drain(err.fd[0], r.err_tail, o.stderr_tail_bytes);
  if (kill_sent_at >= 0) ::kill(-pid, SIGKILL);  // any descendant left in the group
  keep_tail(r.out, o.stdout_max_bytes);
  keep_tail(r.err_tail, o.stderr_tail_bytes);
}

}  // namespace

std::string resolve_program(const std::string& prog, const std::string& cwd) {
  if (prog.find('/') != std::string::npos) {
    if (prog[0] == '/' || cwd.empty()) return prog;
    return cwd + "/" + prog;
  }
  const char* env = std::getenv("PATH");
  const std::string dirs = env ? env : "/usr/bin:/bin";
  for (std::size_t b = 0; b <= dirs.size();) {
    const std::size_t e = std::min(dirs.find(':', b), dirs.size());
    std::string cand = (e > b ? dirs.substr(b, e - b) : std::string(".")) + "/" + prog;
    struct stat st {};
    if (::stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(cand.c_str(), X_OK) == 0)
      return cand;
    b = e + 1;
  }
  return "";
}

std::string Result::status() const {
  if (cancelled) return "cancelled";
  if (timed_out) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "timed out after %.1f s", seconds);
    return buf;
  }
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit " + std::to_string(exit_code);
}

Result run(const std::vector<std::string>& argv, const Options& options) {
  if (argv.empty() || argv[0].empty()) throw InputError("command", "expected a program to run");
  Result r;
  if (g_cancel.load()) {
    r.cancelled = true;
    return r;
  }
  std::string where = argv[0];
  if (!options.cwd.empty()) where += " (in " + options.cwd + ")";
  const std::string path = resolve_program(argv[0], options.cwd);
  if (path.empty()) throw InputError(where, "cannot start the command: not found on PATH");
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  Pipe out, err, status;
  const auto t0 = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0)
    throw InputError(where, std::string("cannot start the command: ") + std::strerror(errno));
  if (pid == 0)
    exec_child(path.c_str(), args.data(), options.cwd.c_str(), out.fd[1], err.fd[1], status.fd[1]);
  ::setpgid(pid, pid);  // also here, so kill(-pid) works before the child gets to it
  out.close_write();
  err.close_write();
  status.close_write();
  int exec_errno = 0;
  ::fcntl(status.fd[0], F_SETFL, ::fcntl(status.fd[0], F_GETFL) & ~O_NONBLOCK);
  if (::read(status.fd[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    ::waitpid(pid, nullptr, 0);  // execve failed: the child exits at once
    throw InputError(where, std::string("cannot start the command: ") + std::strerror(exec_errno));
  }
  supervise(pid, out, err, options, r, t0);
  r.seconds = since(t0);
  return r;
}

void request_cancel() noexcept {
  g_cancel.store(true);
}
void reset_cancel() noexcept {
  g_cancel.store(false);
}
bool cancel_requested() noexcept {
  return g_cancel.load();
}

}  // namespace stems::subprocess
