#pragma once
// Runs a Model on event inputs timestep by timestep: per timestep, every layer in topological
// order applies its synapse to its producer's output of the same timestep (the network input for
// the first layers), adds the previous timestep's output of its recurrent producers, and steps
// its neurons (stateful, or stateless as the per-block state schedule says).
//
// Samples are independent and simulated in parallel (std::thread, samples interleaved over the
// threads); every statistic is an integer count or a per-sample value combined in sample order,
// so results do not depend on the thread count.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stems/simulate/events.hpp"
#include "stems/simulate/model.hpp"

namespace stems::simulate {

struct RunResult {
  std::string state_schedule;  // per block, '1' = state kept
  std::uint64_t samples = 0;
  std::uint64_t timesteps = 0;
  // [layer index][t]: fraction of the layer's outputs that are non-zero (spike density for
  // spiking layers), averaged over the samples.
  std::vector<std::vector<double>> density;
  std::vector<double> input_density;  // [t], the same for the network input
  std::vector<bool> spiking;          // [layer index]: its outputs are spikes
  // [sample][output element]: the output layer's outputs summed over the timesteps (spike counts).
  std::vector<std::vector<double>> output;
  // [sample]: index of the largest summed output (ties: the lowest index), -1 when the output
  // was zero throughout (a silent network makes no decision).
  std::vector<int> predicted;
  // With RunOptions::record: [layer index][t] the outputs of sample 0.
  std::vector<std::vector<std::vector<double>>> trace;

  double mean_density(std::size_t layer) const;
  double mean_input_density() const;
};

struct RunOptions {
  bool record = false;  // keep every layer's outputs of sample 0 (tests, small models)
};

// Simulates every sample of `events` (frames shaped like the model's input) under the per-block
// state schedule `state_bits` ("" = all state kept). Throws InputError for a malformed schedule
// or events that do not fit the model.
RunResult run(const Model& model, const EventSet& events, const std::string& state_bits = "",
              const RunOptions& options = {});

// Fraction of samples where both runs predict the same class (silent == silent counts as equal).
double agreement(const RunResult& a, const RunResult& b);
// Fraction of samples whose prediction equals the label.
double accuracy(const RunResult& r, const std::vector<std::int64_t>& labels);

// The densities of a run, by layer id: (input density, output density), means over time.
std::map<int, std::pair<double, double>> layer_densities(const Model& model, const RunResult& run);

}  // namespace stems::simulate
