#pragma once
// The optimiser's accuracy objective from an external command (`[accuracy.command]` in a run
// config): typically a retraining script that fine-tunes the trained network with some blocks'
// state dropped and prints the test accuracy. It runs once per distinct per-block state
// configuration:
//   - `{state}` in an argument becomes the configuration's bits (block 0 first, '1' keeps state),
//     `{out}` a scratch folder for that configuration (DIR/accuracy_runs/<bits> beside the run's
//     output, or a temporary folder when the run writes none);
//   - the command's last non-empty stdout line must be JSON {"accuracy": x} with 0 <= x <= 1;
//   - at most `jobs` commands run at once, each under `timeout_s`;
//   - a command that fails (non-zero exit, a signal, the timeout, no or bad JSON) makes that
//     configuration infeasible, with the status and the tail of its stderr as the reason; it is
//     not retried within the run, and not written to the cache (a later run tries again);
//   - successes are appended to DIR/accuracy_cache.csv (columns command, state, accuracy,
//     seconds), keyed by the command (the argument template as given, with its working folder)
//     and the state bits, and read back by later runs into the same folder (and by
//     `stems campaign --resume`), so an interrupted search never retrains a configuration twice;
//   - Ctrl-C (subprocess::request_cancel) kills the running commands; their configurations
//     count as infeasible and the search stops after its generation.

#include <condition_variable>
#include <cstdint>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "stems/search/accuracy_model.hpp"

namespace stems::search {

struct CommandAccuracyConfig {
  std::vector<std::string> command;  // program and arguments, with {state} and {out}
  std::string cwd;                   // working folder ("" = the current one)
  unsigned jobs = 1;                 // commands at once
  double timeout_s = 3600;           // per command
};

class CommandAccuracy final : public AccuracyModel {
 public:
  // Throws std::invalid_argument for an empty command, jobs = 0 or a non-positive timeout.
  explicit CommandAccuracy(CommandAccuracyConfig config);

  Estimate estimate(const std::string& state_bits) const override;
  std::string_view kind() const override { return "command"; }
  // Reads DIR/accuracy_cache.csv if present and appends new results there; scratch folders go
  // to DIR/accuracy_runs. Throws InputError for a cache file it cannot read.
  void bind_output(const std::string& dir) const override;

  std::uint64_t commands_run() const;  // commands started so far
  const std::string& cache_key() const { return key_; }

  // The last non-empty line of `out` parsed as {"accuracy": x}; an error message otherwise.
  static std::variant<double, std::string> parse_accuracy(const std::string& out);

 private:
  Estimate run(const std::string& bits) const;
  std::string scratch_dir(const std::string& bits) const;
  void record(const std::string& bits, double accuracy, double seconds) const;

  CommandAccuracyConfig config_;
  std::string key_;
  mutable std::mutex mutex_;
  mutable std::condition_variable slot_free_;
  mutable unsigned running_ = 0;
  mutable std::uint64_t started_ = 0;
  mutable std::string dir_;  // "" until bind_output
  mutable std::map<std::string, std::shared_future<Estimate>> cache_;
};

}  // namespace stems::search
