#pragma once
// Run configs for `stems optimize` (format: configs/README.md, "Run format"): the workload and
// hardware, the search space, the algorithm and its budget, the seed and threads, and an optional
// accuracy model. Paths are relative to the run file's directory.

#include <string>
#include <vector>

#include "stems/config/document.hpp"
#include "stems/nir/nir_loader.hpp"
#include "stems/search/accuracy_model.hpp"
#include "stems/search/hardware_space.hpp"
#include "stems/search/optimizer.hpp"
#include "stems/search/search_space.hpp"

namespace stems::search {

struct RunConfig {
  std::string path;  // the run file
  std::string name;
  std::string workload;  // resolved paths
  std::string hardware;
  std::string state_schedule;          // optional fixed state schedule
  std::vector<int> free_state_blocks;  // blocks whose neuron layers become state = "free"
  // file:line:column of each free_state_blocks entry (a block the workload lacks is found when
  // the workload is loaded, after the file; "" when set in code)
  std::vector<std::string> free_state_blocks_at;
  SpaceKind space = SpaceKind::Stems;
  Granularity granularity = Granularity::Block;
  double exhaustive_limit = 20000;
  OptimizerConfig optimizer;
  AccuracyObjective accuracy;
  nir::NirOptions nir;  // for a .nir workload: [nir] timesteps, weight_bits, state_bits, input_bits
  // [run] model = "physical" | "stems" (cost::kModelNames; "" = physical) and the tile alignment
  // (padded | stems; "" = the model's default, cost::ModelPolicy::unpadded_alignment).
  std::string model;
  std::string alignment;
  // [search.hardware]: hardware genes (co-design); [search] area_objective (default: on when there
  // are hardware genes) and max_area_mm2 (a constraint: larger designs are infeasible).
  std::vector<HardwareGeneSpec> hardware_genes;
  // [search] seed_hardware: hardware genes (parameter names as in [search.hardware]) whose every
  // option gets the canonical seeds, not only the template's value; file:line:column of the key
  // (problems::make_context checks the names against the genes).
  std::vector<std::string> seed_hardware;
  std::string seed_hardware_at;
  std::optional<bool> area_objective;
  std::optional<double> max_area_mm2;
  // [algorithm] initial_population: a pareto.json of stems optimize whose front starts the search
  // (resolved path; empty: none). problems::make_context reads it.
  std::string initial_population;
};

RunConfig load_run_config(const std::string& path);

// Keys that run configs and campaigns share, with the ranges of the matching CLI flags (a 64-bit
// TOML integer must not wrap into a narrower field: generations = 4294967296 was 0 generations):
// [nir] timesteps 1..1000000 and weight/state/input bits 1..64, into `out` (its values are the
// defaults);
void read_nir_options(const config::TableReader& n, nir::NirOptions& out);
// and generations 1..4294967295.
unsigned read_generations(const config::TableReader& t);

}  // namespace stems::search
