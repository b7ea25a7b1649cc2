#pragma once
// The `stems` command line. main() only forwards to run(); everything is testable in-process.

#include <iosfwd>

namespace stems::cli {

// Runs the command line; returns the exit code (0 ok, 1 internal error, 2 bad input or usage).
// Messages go to `err`, reports to `out`.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace stems::cli
