#pragma once
// The commands of `stems`, one source file each (src/cli/<command>_command.cpp). app.cpp parses
// the command line into these options (it is the only CLI11 code); the commands do the work.
//
// A command that makes a report has two parts: `<command>_output(options)` computes it (the JSON
// that --json writes and the text printed on stdout), `run_<command>(options, out)` writes the
// JSON file (first, so a failure prints nothing that looks complete) and prints the text. Both
// throw InputError for bad input (exit code 2 in main).

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "stems/common/error.hpp"
#include "stems/nir/nir_loader.hpp"
#include "stems/report/network_report.hpp"
#include "stems/search/front_record.hpp"
#include "stems/search/optimizer.hpp"

namespace stems::cli {

struct CommandOutput {
  report::Json json;
  std::string text;
};

// Writes `o.json` to `json_path` (if not empty; "-" means stdout) and prints `o.text` unless the
// JSON goes to stdout.
int emit(const CommandOutput& o, const std::string& json_path, std::ostream& out);

// Runs `f` (a cost evaluation); an Infeasible it throws, which names the layer and core ("layer 0
// on core 'compute': no loop ordering fits ..."), also names the workload and hardware files the
// configuration came from, so that a script running many pairs knows which one cannot run.
template <class F>
auto naming_files(const std::string& workload, const std::string& hardware, F&& f)
    -> decltype(f()) {
  try {
    return f();
  } catch (const Infeasible& e) {
    throw Infeasible(workload + " on " + hardware, e.where() + ": " + e.message());
  }
}

struct InspectOptions {
  std::string workload;
  std::string state_schedule;
  std::string hardware;
  std::string json;
  nir::NirOptions nir;  // for a .nir workload
};
CommandOutput inspect_output(const InspectOptions& o);
int run_inspect(const InspectOptions& o, std::ostream& out);

struct HardwareOptions {
  std::string hardware;
  std::string json;
};
CommandOutput hardware_output(const HardwareOptions& o);
int run_hardware(const HardwareOptions& o, std::ostream& out);

struct ExplainOptions {
  std::string workload;
  std::string hardware;
  int layer = -1;
  std::string state_schedule;
  std::uint64_t time_tile = 0;
  std::uint64_t ox_tile = 0;
  std::size_t lpf_limit = 6;
  std::string model;  // physical (default) | stems | physical-reserved
  std::string json;
  nir::NirOptions nir;
  // --all-layers: every layer on its own, the way ZigZag evaluates a network (cost/layer_sweep.hpp)
  bool all_layers = false;
  std::string criterion;  // energy|latency|edp; "" = energy for one layer, latency for all layers
  unsigned threads = 0;   // --all-layers: 0 = one per hardware thread
  bool detail = false;    // --all-layers: each row's JSON also has `stems explain --layer`'s
};
CommandOutput explain_output(const ExplainOptions& o);
CommandOutput explain_all_layers_output(const ExplainOptions& o);  // explain_network.cpp
int run_explain(const ExplainOptions& o, std::ostream& out);

struct EvaluateOptions {
  std::string workload;
  std::string hardware;
  std::string time_bits;
  std::string depth_bits;
  std::string state_schedule;
  bool no_fuse_barrier = false;
  std::string schedule_file;
  std::string order;
  std::string lifecycle;
  std::string alignment;  // "" = the model's default
  std::string model;      // physical (default) | stems | physical-reserved
  std::string json;
  std::string trace;      // Chrome trace-event file of the schedule (written by evaluate_output)
  std::string criterion;  // best loop nest per node: energy (default) | latency | edp
  nir::NirOptions nir;
};
CommandOutput evaluate_output(const EvaluateOptions& o);
int run_evaluate(const EvaluateOptions& o, std::ostream& out);

struct OptimizeOptions {
  std::string run;
  std::string out;
  std::optional<std::uint64_t> seed;
  std::optional<unsigned> threads;
  std::string initial_population;  // overrides the run's [algorithm] initial_population
  bool exhaustive = false;
  bool no_report = false;
  bool mpi = false;
  unsigned migration_interval = 5;
  std::size_t migrants = 2;
  bool write_files = true;  // pareto.csv, pareto.json, convergence.csv, chosen.json, run.toml
};
struct OptimizeOutput {
  search::OptimizeResult result;
  std::vector<search::FrontRecord> records;  // one per front point
  report::Json pareto;                       // what pareto.json holds
  std::string dir;                           // where the files go (out/<run name> by default)
};
// Makes the progress callback once the run's budget is known (may return an empty function).
using ProgressFactory = std::function<search::ProgressFn(const search::OptimizerConfig&)>;
// Loads the run config, searches (stopping after the current generation when *stop becomes
// true: the front so far is kept) and writes the files unless o.write_files is false. Empty on MPI
// ranks other than 0. The announcement line goes to `err`.
std::optional<OptimizeOutput> optimize_output(const OptimizeOptions& o,
                                              const ProgressFactory& make_progress,
                                              const std::atomic<bool>* stop, std::ostream& err);
// Exit code 130 when interrupted (the front found so far is written).
int run_optimize(const OptimizeOptions& o, std::ostream& out, std::ostream& err);

struct ImportOptions {
  std::string model;
  std::string out;
  nir::NirOptions nir;
};
int run_import(const ImportOptions& o, std::ostream& out);

struct ReportOptions {
  std::string dir;
  std::string plotly;
};
int run_report(const ReportOptions& o, std::ostream& out);
// The report at the end of a long run: a failure to write it is a warning, not a failed run
// (whose results are already on disk).
void try_report(const std::string& dir, std::ostream& out, std::ostream& err);

}  // namespace stems::cli
