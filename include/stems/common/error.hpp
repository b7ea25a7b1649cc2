#pragma once
// Error types shared by every module.
//
// InputError is the one exception type for "the user gave us something we cannot use": a malformed
// file, an unknown key, a shape that does not chain, a bad command-line value. The CLI turns it
// into one readable message on stderr and exit code 2. Anything else escaping to main is a bug
// (exit 1).

#include <stdexcept>
#include <string>

namespace stems {

class InputError : public std::runtime_error {
 public:
  // `where` is "file:line:col" or "file" or "--flag"; `what` explains what was expected.
  InputError(std::string where, const std::string& message);

  const std::string& where() const noexcept { return where_; }
  const std::string& message() const noexcept { return message_; }

 private:
  std::string where_;
  std::string message_;
};

// The input is valid but this configuration cannot run: a schedule the hardware cannot execute
// (no loop nest fits, a recurrent loop time-batched, a core that does not run the operator, more
// nodes or bits than the tool counts). A command reports it like any InputError (exit 2); a search
// makes the genome infeasible and keeps the message as the reason. Anything else a search meets
// is an error in its inputs and stops it.
class Infeasible : public InputError {
 public:
  using InputError::InputError;
};

// Exit codes of the `stems` command line, a contract for scripts.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternalError = 1;
inline constexpr int kExitInputError = 2;

}  // namespace stems
