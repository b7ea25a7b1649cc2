#pragma once
// A user-given accuracy model for state keep/drop decisions (STEMS retrains outside the tool;
// we take its measurements as input). Either a table of measured accuracy per per-block state
// schedule (like the paper's nPLIF table), or a base accuracy minus a drop per block whose state
// is removed. Without one, the optimiser refuses free state genes: with nothing to lose, the front
// would collapse onto "no state anywhere".

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stems/workload/network.hpp"

namespace stems::search {

// Accuracy of a per-block state schedule computed on demand, with the per-layer spike densities
// it produces (stems/simulate/simulated_accuracy.hpp simulates the model). Implementations are
// thread-safe and compute each schedule once.
class AccuracyOracle {
 public:
  struct Estimate {
    double accuracy = 0;
    // layer id -> (input density, output density): fractions of non-zero elements per timestep.
    std::map<int, std::pair<double, double>> densities;
  };
  virtual ~AccuracyOracle() = default;
  virtual Estimate estimate(const std::string& state_bits) const = 0;
};

struct AccuracyModel {
  std::map<std::string, double> table;           // per-block state schedule ("0011111") -> accuracy
  std::optional<double> base;                    // accuracy with every declared state kept
  std::vector<double> block_drop;                // accuracy lost when block b's state is dropped
  std::optional<double> min_accuracy;            // constraint (death penalty when violated)
  std::shared_ptr<const AccuracyOracle> oracle;  // accuracy from simulation ([accuracy.simulate])

  bool configured() const { return !table.empty() || base.has_value() || oracle != nullptr; }
  // Estimated accuracy of the network's current state decisions; a table without the
  // configuration gives 0 (unknown is treated as unusable).
  double estimate(const workload::Network& net) const;
  // With an oracle: sets every layer's input/output density to what the network's current state
  // decisions produce (for zero-skipping cores). Without one: does nothing.
  void annotate_densities(workload::Network& net) const;
};

}  // namespace stems::search
