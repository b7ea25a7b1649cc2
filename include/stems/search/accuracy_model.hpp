#pragma once
// The accuracy of a per-block state configuration (one character per block, '1' keep state, '0'
// drop it): the fourth objective of a search, for the keep/drop decisions. STEMS retrains outside
// the tool; we take its measurements (a table), a simple additive model, or a simulation of the
// trained model (simulated_accuracy.hpp). Without one, the optimiser refuses free state genes:
// with nothing to lose, the front would collapse onto "no state anywhere".
//
// Kinds (a run config's [accuracy] table gives exactly one; names in accuracy_kinds()):
//   table     measured accuracy per state schedule; a schedule missing from it scores 0
//   drop      a base accuracy minus block_drop[b] for every block b whose state is dropped
//   simulate  the model simulated on event inputs (stems/search/simulated_accuracy.hpp)
//   command   an external command per configuration, e.g. retraining (command_accuracy.hpp)

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stems::search {

class AccuracyModel {
 public:
  struct Estimate {
    double accuracy = 0;
    // layer id -> (input density, output density): fractions of non-zero elements per timestep
    // under this state configuration (empty when the model does not know them).
    std::map<int, std::pair<double, double>> densities;
    // Non-empty when the accuracy could not be obtained (a failed command): the configuration is
    // infeasible and this is the reason.
    std::string error;
  };
  virtual ~AccuracyModel() = default;
  // Thread-safe; each configuration may be computed once and cached.
  virtual Estimate estimate(const std::string& state_bits) const = 0;
  virtual std::string_view kind() const = 0;
  // True when an estimate is a lookup or a sum (table, drop): cheap enough to be asked for
  // configurations the search may never visit (ScheduleProblem::seeds). False for models that run
  // a simulation or a command per configuration.
  virtual bool closed_form() const { return false; }
  // Where a run writes its output (called once before the search when it has a folder): models
  // with a persistent cache keep it there. The default keeps nothing.
  virtual void bind_output(const std::string& /*dir*/) const {}
  // Why the model cannot describe a network of `blocks` blocks (a table row of another length, a
  // drop per block beyond the last), or "" when it can.
  virtual std::string blocks_problem(std::size_t /*blocks*/) const { return ""; }
};

const std::vector<std::string>& accuracy_kinds();  // table, drop, simulate, command

class TableAccuracy final : public AccuracyModel {
 public:
  explicit TableAccuracy(std::map<std::string, double> table) : table_(std::move(table)) {}
  Estimate estimate(const std::string& state_bits) const override;
  std::string_view kind() const override { return "table"; }
  bool closed_form() const override { return true; }
  std::string blocks_problem(std::size_t blocks) const override;

 private:
  std::map<std::string, double> table_;
};

class DropAccuracy final : public AccuracyModel {
 public:
  DropAccuracy(double base, std::vector<double> block_drop)
      : base_(base), block_drop_(std::move(block_drop)) {}
  Estimate estimate(const std::string& state_bits) const override;
  std::string_view kind() const override { return "drop"; }
  bool closed_form() const override { return true; }
  std::string blocks_problem(std::size_t blocks) const override;

 private:
  double base_;
  std::vector<double> block_drop_;
};

// Accuracy as an objective: the model, and an optional constraint.
struct AccuracyObjective {
  std::shared_ptr<const AccuracyModel> model;  // null: accuracy is not an objective
  std::optional<double> min_accuracy;          // below it a genome is infeasible
  bool configured() const { return model != nullptr; }
};

}  // namespace stems::search
