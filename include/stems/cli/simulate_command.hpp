#pragma once
// `stems simulate`: loads a NIR model and event inputs (a .npy file or synthetic Poisson events),
// simulates the fully stateful network and every requested per-block state schedule on the same
// inputs, and reports per-layer spike densities (per timestep and mean), output spike counts, and
// for each schedule the agreement of the predicted class with the stateful network (and the
// accuracy when labels are given). Optionally writes the generated inputs, a JSON report and the
// workload annotated with the measured densities (for zero-skipping cost estimates).

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "stems/nir/nir_loader.hpp"
#include "stems/report/network_report.hpp"
#include "stems/simulate/model.hpp"

namespace stems::cli {

struct SimulateRequest {
  std::string model;                   // .nir
  std::string inputs;                  // .npy events; "" when poisson_rate is given
  std::string labels;                  // optional .npy labels
  std::optional<double> poisson_rate;  // synthetic events: mean count per element and timestep
  std::uint64_t samples = 0;           // file: the first N (0 = all); Poisson: N (0 = 10)
  std::uint64_t seed = 42;             // Poisson generator seed
  std::vector<std::string> state_schedules;  // compared against the fully stateful network
  simulate::SimOptions sim;
  std::string json;          // JSON report ("-": stdout only)
  std::string write_inputs;  // save the events used as .npy
  std::string workload_out;  // workload TOML with the stateful run's densities
};

// The command line's form: the request, --reset as typed, and the NIR options.
struct SimulateOptions {
  SimulateRequest request;
  std::string reset;  // "value" or "subtract"; empty: the file's rule, else value
  nir::NirOptions nir;
};
int run_simulate(SimulateOptions o, std::ostream& out);
// The JSON report (what --json writes; files the request names are written too), with the text
// printed to `out` unless the request's json is "-".
report::Json simulate_output(SimulateOptions o, std::ostream& out);

// Throws InputError for bad files, options or schedules. `nir.timesteps` is T of generated
// events (and of the written workload).
int run_simulate_command(const SimulateRequest& request, const nir::NirOptions& nir,
                         std::ostream& out);

}  // namespace stems::cli
