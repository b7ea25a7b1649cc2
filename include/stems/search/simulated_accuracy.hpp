#pragma once
// The optimiser's accuracy objective from simulation (`[accuracy.simulate]` in a run config):
// the accuracy of a per-block state schedule is measured by simulating the NIR model on event
// inputs — the fraction of samples classified as their label when labels are given, otherwise
// the agreement of the predicted class with the fully stateful network on the same inputs. Each
// schedule is simulated once (cached; concurrent requests for one schedule wait for the same
// run), and its per-layer spike densities feed zero-skipping cores.

#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "stems/nir/nir_loader.hpp"
#include "stems/search/accuracy_model.hpp"
#include "stems/simulate/events.hpp"
#include "stems/simulate/model.hpp"
#include "stems/simulate/simulator.hpp"

namespace stems::search {

struct SimulatedAccuracyConfig {
  std::string model;          // .nir file
  std::string inputs;         // .npy events
  std::string labels;         // optional .npy labels
  std::uint64_t samples = 0;  // the first N samples of the file (0: all)
  simulate::SimOptions sim;
  nir::NirOptions nir;
};

class SimulatedAccuracy final : public AccuracyModel {
 public:
  // Loads the model and the inputs now, so bad files are reported before the search starts.
  explicit SimulatedAccuracy(const SimulatedAccuracyConfig& config);

  Estimate estimate(const std::string& state_bits) const override;
  std::string_view kind() const override { return "simulate"; }
  std::uint64_t simulations() const;  // distinct schedules simulated so far

  const simulate::Model& model() const { return *model_; }
  const simulate::EventSet& events() const { return events_; }

 private:
  simulate::RunResult simulate(const std::string& bits) const;

  std::unique_ptr<simulate::Model> model_;
  simulate::EventSet events_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_future<Estimate>> cache_;
  mutable std::shared_future<simulate::RunResult> reference_;
};

}  // namespace stems::search
