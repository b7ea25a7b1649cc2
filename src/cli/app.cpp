// The only translation unit that includes CLI11.
#include "stems/cli/app.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <iostream>
#include <optional>

#include "run_context.hpp"
#include "stems/campaign/campaign_report.hpp"
#include "stems/cli/bench_command.hpp"
#include "stems/cli/campaign_command.hpp"
#include "stems/cli/simulate_command.hpp"
#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"
#include "stems/cost/bounds.hpp"
#include "stems/cost/node_inputs.hpp"
#include "stems/cost/node_search.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/nir/nir_loader.hpp"
#include "stems/parallel/mpi.hpp"
#include "stems/report/front_report.hpp"
#include "stems/report/hardware_report.hpp"
#include "stems/report/html_report.hpp"
#include "stems/report/network_report.hpp"
#include "stems/report/node_report.hpp"
#include "stems/report/schedule_report.hpp"
#include "stems/report/table.hpp"
#include "stems/schedule/schedule_loader.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/search/run_config.hpp"
#include "stems/workload/state_schedule.hpp"
#include "stems/workload/workload_loader.hpp"
#include "stems/workload/workload_writer.hpp"

#ifndef STEMS_VERSION
#define STEMS_VERSION "0.1.0"
#endif

namespace stems::cli {

namespace {

struct InspectOptions {
  std::string workload;
  std::string state_schedule;
  std::string hardware;
  std::string json;
};

struct ExplainOptions {
  std::string workload;
  std::string hardware;
  int layer = -1;
  std::string state_schedule;
  std::uint64_t time_tile = 0;
  std::uint64_t ox_tile = 0;
  std::size_t lpf_limit = 6;
  std::string json;
};

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
  std::string alignment;
  std::string json;
};

struct OptimizeOptions {
  std::string run;
  std::string out;
  std::optional<std::uint64_t> seed;
  std::optional<unsigned> threads;
  bool exhaustive = false;
  bool no_report = false;
  bool mpi = false;
  unsigned migration_interval = 5;
  std::size_t migrants = 2;
};

struct ReportOptions {
  std::string dir;
  std::string plotly;
};

// The report is a convenience at the end of a long run: failing to write it must not fail the
// run, whose results are already on disk.
void try_report(const std::string& dir, std::ostream& out, std::ostream& err) {
  try {
    out << "report: " << report::write_html_report(dir) << "\n";
  } catch (const InputError& e) {
    err << "stems: warning: report not written: " << e.what() << "\n";
  }
}

std::atomic<bool> g_stop{false};
extern "C" void on_sigint(int) {
  g_stop.store(true);
}

struct ImportOptions {
  std::string model;
  std::string out;
};

struct BenchOptions {
  std::string configs = "configs";
  std::string json;
};

struct HardwareOptions {
  std::string hardware;
  std::string json;
};

struct SimulateOptions {
  cli::SimulateRequest request;
  std::string reset = "value";
};

nir::NirOptions g_nir;  // set from --timesteps/--weight-bits/--state-bits/--input-bits

workload::Network load_network(const std::string& path, const std::string& state_schedule) {
  workload::Network net = nir::load_any_workload(path, g_nir);
  if (!state_schedule.empty()) workload::apply_state_schedule(net, state_schedule);
  return net;
}

int run_inspect(const InspectOptions& o, std::ostream& out) {
  const workload::Network net = load_network(o.workload, o.state_schedule);
  report::Json j = report::network_json(net);
  std::string text = report::network_text(net);
  if (!o.hardware.empty()) {
    const hardware::Accelerator acc = hardware::load_hardware_file(o.hardware);
    const cost::Bounds bounds = cost::compute_bounds(net, acc);
    j["hardware"] = report::accelerator_json(acc);
    j["bounds"] = report::bounds_json(bounds);
    text += "\n" + report::accelerator_text(acc) + "\n" + report::bounds_text(bounds);
  }
  // The JSON file first: if it cannot be written, nothing has been printed as if it succeeded.
  if (!o.json.empty()) write_file_atomically(o.json, j.dump(2) + "\n");
  if (o.json != "-") out << text;
  return kExitOk;
}

int run_explain(const ExplainOptions& o, std::ostream& out) {
  const workload::Network net = load_network(o.workload, o.state_schedule);
  const hardware::Accelerator acc = hardware::load_hardware_file(o.hardware);
  if (!net.has_layer(o.layer)) {
    throw InputError("--layer",
                     "workload '" + net.name() + "' has no layer " + std::to_string(o.layer));
  }
  const workload::Vertex v = net.vertex(o.layer);
  workload::Layer node = net.layer(v);
  double fraction = 1.0;
  auto cut = [&](workload::Dim d, std::uint64_t tile, const char* flag) {
    if (tile == 0) return;
    const std::uint64_t full = node.size(d);
    if (tile > full || full % tile != 0) {
      throw InputError(flag, std::to_string(tile) + " does not divide " +
                                 std::string(workload::dim_name(d)) + " = " + std::to_string(full) +
                                 " of layer " + std::to_string(node.id));
    }
    fraction *= static_cast<double>(tile) / static_cast<double>(full);
    node.set_size(d, tile);
  };
  cut(workload::Dim::T, o.time_tile, "--time-tile");
  cut(workload::Dim::OX, o.ox_tile, "--ox-tile");
  const auto allocation = acc.allocation();
  auto it = allocation.find(node.op);
  if (it == allocation.end()) {
    throw InputError(o.hardware,
                     "no core runs operator '" + std::string(workload::op_name(node.op)) + "'");
  }
  const hardware::Core& core = acc.cores[static_cast<std::size_t>(it->second.front())];
  cost::NodeSearchOptions opts;
  opts.lpf_limit = o.lpf_limit;
  const cost::NodeCost c =
      cost::search_node(node, core, acc.dram, cost::producer_bits(net, v, fraction), opts);
  if (!o.json.empty()) {
    write_file_atomically(o.json, report::node_cost_json(node, c).dump(2) + "\n");
  }
  if (o.json != "-") out << report::node_cost_text(node, core.name, c);
  return kExitOk;
}

int run_evaluate(const EvaluateOptions& o, std::ostream& out) {
  const workload::Network net = load_network(o.workload, "");
  const hardware::Accelerator acc = hardware::load_hardware_file(o.hardware);
  schedule::Schedule s;
  if (!o.schedule_file.empty()) {
    if (!o.time_bits.empty() || !o.depth_bits.empty() || o.no_fuse_barrier) {
      throw InputError("--schedule",
                       "give either a schedule file or --time-schedule/"
                       "--depth-schedule/--no-fuse-barrier, not both");
    }
    s = schedule::load_schedule_file(o.schedule_file, net, acc);
  } else {
    const std::string all1(static_cast<std::size_t>(net.block_count()), '1');
    const std::string all0(static_cast<std::size_t>(net.block_count()), '0');
    s = schedule::schedule_from_bits(net, o.time_bits.empty() ? all1 : o.time_bits,
                                     o.depth_bits.empty() ? all0 : o.depth_bits,
                                     !o.no_fuse_barrier);
  }
  if (!o.order.empty()) {
    const auto ord = schedule::parse_order(o.order);
    if (!ord)
      throw InputError("--order", "'" + o.order + "': expected LYT_gated, memory or latency");
    s.order = *ord;
  }
  if (!o.lifecycle.empty()) {
    const auto l = schedule::parse_lifecycle(o.lifecycle);
    if (!l) throw InputError("--state-lifecycle", "'" + o.lifecycle + "': expected carry or reset");
    s.lifecycle = *l;
  }
  if (!o.alignment.empty()) {
    const auto a = schedule::parse_alignment(o.alignment);
    if (!a) throw InputError("--alignment", "'" + o.alignment + "': expected padded or stems");
    s.alignment = *a;
  }
  if (!o.state_schedule.empty()) schedule::set_state_schedule(s, net, o.state_schedule);
  cost::NodeCostCache cache(acc);
  const schedule::ScheduleResult r = schedule::evaluate_schedule(net, acc, s, cache);
  if (!o.json.empty()) {
    write_file_atomically(o.json, report::schedule_json(net, acc, s, r).dump(2) + "\n");
  }
  if (o.json != "-") out << report::schedule_text(net, acc, s, r);
  return kExitOk;
}

int run_optimize_loaded(const OptimizeOptions& o, search::RunConfig rc, std::ostream& out,
                        std::ostream& err);

int run_optimize(const OptimizeOptions& o, std::ostream& out, std::ostream& err) {
  search::RunConfig rc = search::load_run_config(o.run);
  try {
    return run_optimize_loaded(o, std::move(rc), out, err);
  } catch (const InputError& e) {
    // Name the run file too: the problem may be in a file it points to or in its settings.
    throw InputError(o.run, e.what());
  }
}

int run_optimize_loaded(const OptimizeOptions& o, search::RunConfig rc, std::ostream& out,
                        std::ostream& err) {
  if (o.seed) rc.optimizer.seed = *o.seed;
  if (o.threads) rc.optimizer.threads = *o.threads;
  g_nir = rc.nir;
  const auto ctx = problems::make_context(rc);
  const std::string dir = o.out.empty() ? "out/" + rc.name : o.out;
  const bool tty = ::isatty(2) != 0;
  err << "stems optimize: " << ctx->space().dimension() << " genes, "
      << report::fixed(ctx->space().size(), 0) << " genomes, "
      << (o.exhaustive ? std::string("exhaustive") : rc.optimizer.algorithm) << ", seed "
      << rc.optimizer.seed << "\n";
  search::OptimizeResult result;
  if (o.exhaustive) {
    result = search::exhaustive(ctx, rc.exhaustive_limit, rc.optimizer.threads);
  } else {
    g_stop.store(false);
    auto previous = std::signal(SIGINT, on_sigint);
    const auto& oc = rc.optimizer;
    auto progress = [&](const search::ConvergenceRow& row) {
      double fraction = 0;
      if (oc.generations) fraction = std::max(fraction, double(row.generation) / *oc.generations);
      if (oc.evaluations)
        fraction = std::max(fraction, double(row.evaluations) / double(*oc.evaluations));
      if (oc.wall_time_s) fraction = std::max(fraction, row.seconds / *oc.wall_time_s);
      const double eta = fraction > 0 ? row.seconds * (1 - fraction) / fraction : 0;
      err << (tty ? "\r" : "") << "gen " << row.generation << " | evals " << row.evaluations << " ("
          << report::fixed(row.seconds > 0 ? row.evaluations / row.seconds : 0, 0) << "/s) | HV "
          << row.hypervolume << " | best energy " << report::fixed(row.best.energy_pJ / 1e9, 4)
          << " mJ | ETA " << report::fixed(eta, 0) << " s" << (tty ? "   " : "\n");
      err.flush();
    };
    try {
      if (o.mpi) {
        parallel::IslandOptions io;
        io.interval = o.migration_interval;
        io.migrants = o.migrants;
        auto r = parallel::optimize_islands(ctx, rc.optimizer, io, progress, &g_stop);
        if (!r) {  // not rank 0: rank 0 writes the merged front
          std::signal(SIGINT, previous);
          return kExitOk;
        }
        result = std::move(*r);
      } else {
        result = search::optimize(ctx, rc.optimizer, progress, &g_stop);
      }
    } catch (...) {
      std::signal(SIGINT, previous);
      throw;
    }
    std::signal(SIGINT, previous);
    if (tty) err << "\n";
  }
  const std::vector<search::FrontRecord> records = problems::front_records(*ctx, result);
  const std::optional<search::FrontRecord> chosen = problems::chosen_record(*ctx, result);
  report::write_front(dir, {rc, ctx->network(), ctx->accelerator(), ctx->space(), result, records,
                            chosen, o.exhaustive});
  out << "front: " << result.front.size() << " points from " << result.evaluations
      << " evaluations in " << report::fixed(result.seconds, 1) << " s"
      << (result.interrupted ? " (interrupted)" : "") << "; written to " << dir
      << "/pareto.csv, pareto.json, convergence.csv\n";
  const bool with_accuracy = result.objectives.accuracy;
  std::vector<std::string> header = {"energy mJ", "latency cycles", "state bits"};
  if (with_accuracy) header.emplace_back("accuracy");
  for (const char* h : {"time", "depth", "state"})
    header.emplace_back(h);
  report::TextTable t(header);
  for (const search::FrontRecord& rec : records) {
    const search::Objectives& f = rec.point.objectives;
    std::vector<std::string> row = {report::fixed(f.energy_pJ / 1e9, 4),
                                    report::whole_with_commas(f.latency_cycles),
                                    report::whole_with_commas(f.state_bits)};
    if (with_accuracy) row.push_back(report::fixed(*f.accuracy, 4));
    row.push_back(rec.schedule.time_bits);
    row.push_back(rec.schedule.depth_bits);
    row.push_back(rec.state_schedule);
    t.add_row(row);
  }
  out << t.render();
  if (!o.no_report) try_report(dir, out, err);
  return result.interrupted ? 130 : kExitOk;
}

int run_import(const ImportOptions& o, std::ostream& out) {
  const workload::Network net = nir::load_any_workload(o.model, g_nir);
  const std::string header =
      "Imported from " + o.model +
      " by `stems import`.\n"
      "NIR carries no timesteps or precisions: T = " +
      std::to_string(g_nir.timesteps) + ", weights " + std::to_string(g_nir.weight_bits) +
      " b, state/currents " + std::to_string(g_nir.state_bits) + " b, network input " +
      std::to_string(g_nir.input_bits) +
      " b (stems import --timesteps/--weight-bits/--state-bits/--input-bits). Edit freely.";
  const std::string text = workload::to_toml(net, header);
  if (o.out.empty() || o.out == "-") {
    out << text;
  } else {
    write_file_atomically(o.out, text);
    out << "wrote " << o.out << ": " << net.layer_count() << " layers, " << net.block_count()
        << " blocks\n";
  }
  return kExitOk;
}

int run_bench(const BenchOptions& o, std::ostream& out) {
  const cli::BenchReport r = cli::run_bench(o.configs);
  report::TextTable t({"figure", "measured", "unit", "target", "met"});
  report::Json j;
  j["machine"] = r.machine;
  j["optimised_build"] = r.optimised_build;
  j["load_average_before"] = r.load_before;
  j["figures"] = report::Json::array();
  for (const auto& f : r.figures) {
    const bool has_target = !f.target.empty();  // the others are for information
    t.add_row({f.name, report::fixed(f.value, f.value >= 100 ? 0 : 3), f.unit,
               has_target ? f.target : "-", has_target ? (f.met ? "yes" : "NO") : "-"});
    j["figures"].push_back({{"name", f.name},
                            {"value", f.value},
                            {"unit", f.unit},
                            {"target", f.target},
                            {"met", has_target ? report::Json(f.met) : report::Json(nullptr)}});
  }
  if (!o.json.empty()) write_file_atomically(o.json, j.dump(2) + "\n");
  if (o.json != "-") {
    out << "stems bench on " << r.machine << ", "
        << (r.optimised_build ? "optimised build" : "DEBUG BUILD (figures not representative)")
        << ", load average " << report::fixed(r.load_before, 2) << " before\n\n"
        << t.render();
    if (r.load_before > 0.5) {
      out << "\nnote: other work was running (load average " << report::fixed(r.load_before, 2)
          << "): the throughputs above are lower bounds\n";
    }
  }
  return kExitOk;
}

int run_hardware(const HardwareOptions& o, std::ostream& out) {
  const hardware::Accelerator acc = hardware::load_hardware_file(o.hardware);
  if (!o.json.empty()) {
    write_file_atomically(o.json, report::accelerator_json(acc).dump(2) + "\n");
  }
  if (o.json != "-") out << report::accelerator_text(acc);
  return kExitOk;
}

int run_simulate(SimulateOptions o, std::ostream& out) {
  if (o.reset == "subtract") {
    o.request.sim.reset = simulate::Reset::Subtract;
  } else if (o.reset != "value") {
    throw InputError("--reset", "'" + o.reset + "': expected value (to v_reset) or subtract");
  }
  return cli::run_simulate_command(o.request, g_nir, out);
}

// What a .nir workload does not carry (ignored for TOML workloads).
void add_nir_options(CLI::App* cmd) {
  cmd->add_option("--timesteps", g_nir.timesteps, "NIR models: timesteps T (default 16)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--weight-bits", g_nir.weight_bits, "NIR models: weight bits (default 8)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--state-bits", g_nir.state_bits,
                  "NIR models: state/current/partial-sum bits (default 16)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--input-bits", g_nir.input_bits, "NIR models: network input bits (default 1)")
      ->check(CLI::Range(1, 64));
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  g_nir = nir::NirOptions{};
  CLI::App app{"stems: spatial-temporal mapping and neuron-state exploration for SNN accelerators"};
  app.set_version_flag("--version", std::string("stems ") + STEMS_VERSION);
  app.require_subcommand(1);

  InspectOptions inspect;
  auto* inspect_cmd =
      app.add_subcommand("inspect",
                         "Show a workload's layers, sizes, operation counts and state (and, with "
                         "--hardware, the accelerator and the closed-form energy figures)");
  inspect_cmd->add_option("workload", inspect.workload, "workload file (.toml)")->required();
  inspect_cmd->add_option("--state-schedule", inspect.state_schedule,
                          "one character per block: 1 keep neuron state, 0 drop it");
  inspect_cmd->add_option("--hardware", inspect.hardware, "hardware file (.toml)");
  inspect_cmd->add_option("--json", inspect.json, "also write JSON to FILE ('-': stdout only)");
  add_nir_options(inspect_cmd);

  ExplainOptions explain;
  auto* explain_cmd = app.add_subcommand(
      "explain",
      "Search the loop nest of one layer (or a tile of it) and explain its cost: "
      "spatial unrolling, loops per memory level, word accesses and energy per "
      "operand x level x direction, latency parts");
  explain_cmd->add_option("workload", explain.workload, "workload file (.toml)")->required();
  explain_cmd->add_option("--hardware", explain.hardware, "hardware file (.toml)")->required();
  explain_cmd->add_option("--layer", explain.layer, "layer id")->required();
  explain_cmd->add_option("--state-schedule", explain.state_schedule,
                          "one character per block: 1 keep neuron state, 0 drop it");
  explain_cmd->add_option("--time-tile", explain.time_tile,
                          "timesteps per computation node (a divisor of T; default all)");
  explain_cmd->add_option("--ox-tile", explain.ox_tile,
                          "output columns per computation node (a divisor of OX; default all)");
  explain_cmd->add_option("--lpf-limit", explain.lpf_limit, "LOMA loop-factor limit (default 6)")
      ->check(CLI::Range(1, 12));
  explain_cmd->add_option("--json", explain.json, "also write JSON to FILE ('-': stdout only)");
  add_nir_options(explain_cmd);

  EvaluateOptions evaluate;
  auto* evaluate_cmd =
      app.add_subcommand("evaluate",
                         "Schedule a whole network on the accelerator and report energy, latency, "
                         "off-chip traffic, state and peak on-chip memory with their breakdowns");
  evaluate_cmd->add_option("--workload", evaluate.workload, "workload file (.toml)")->required();
  evaluate_cmd->add_option("--hardware", evaluate.hardware, "hardware file (.toml)")->required();
  evaluate_cmd->add_option("--time-schedule", evaluate.time_bits,
                           "one character per block: 1 all timesteps in one node (time batched), "
                           "0 one node per timestep (default: all 1)");
  evaluate_cmd->add_option("--depth-schedule", evaluate.depth_bits,
                           "one character per block: 1 one output column per node (fused), 0 "
                           "whole feature map (default: all 0)");
  evaluate_cmd->add_option("--state-schedule", evaluate.state_schedule,
                           "one character per block: 1 keep neuron state, 0 drop it");
  evaluate_cmd->add_flag("--no-fuse-barrier", evaluate.no_fuse_barrier,
                         "do not separate time-batched and time-sequential fused runs");
  evaluate_cmd->add_option("--schedule", evaluate.schedule_file,
                           "schedule file (.toml): per-block/per-layer tiles and options");
  evaluate_cmd->add_option("--order", evaluate.order,
                           "node priority: LYT_gated (default), memory, latency");
  evaluate_cmd->add_option("--state-lifecycle", evaluate.lifecycle,
                           "carry (default: states start in DRAM and are written back) or reset");
  evaluate_cmd->add_option("--alignment", evaluate.alignment,
                           "tile dependencies: padded (default) or stems (no padding offset)");
  evaluate_cmd->add_option("--json", evaluate.json, "also write JSON to FILE ('-': stdout only)");
  add_nir_options(evaluate_cmd);

  OptimizeOptions optimize;
  auto* optimize_cmd = app.add_subcommand(
      "optimize",
      "Search schedules (and free state decisions) for a Pareto front of energy, "
      "latency and state bits with Pagmo2");
  optimize_cmd->add_option("run", optimize.run, "run config (.toml)")->required();
  optimize_cmd->add_option("--out", optimize.out, "output directory (default out/<run name>)");
  optimize_cmd->add_option("--seed", optimize.seed, "override the run's seed");
  optimize_cmd->add_option("--threads", optimize.threads, "fitness threads (0: all cores)");
  optimize_cmd->add_flag("--exhaustive", optimize.exhaustive,
                         "evaluate every genome (refused above the run's exhaustive_limit)");
  optimize_cmd->add_flag("--no-report", optimize.no_report, "do not write report.html");
  optimize_cmd->add_flag("--mpi", optimize.mpi,
                         "one island per MPI rank (start with mpirun; needs STEMS_WITH_MPI)");
  optimize_cmd
      ->add_option("--migration-interval", optimize.migration_interval,
                   "--mpi: generations between migrations (default 5)")
      ->check(CLI::Range(1, 1000000));
  optimize_cmd
      ->add_option("--migrants", optimize.migrants,
                   "--mpi: individuals sent per migration (default 2)")
      ->check(CLI::Range(0, 100000));

  ImportOptions import_opts;
  auto* import_cmd = app.add_subcommand(
      "import", "Convert a NIR model (.nir) into a workload TOML file you can edit");
  import_cmd->add_option("model", import_opts.model, "NIR file (.nir)")->required();
  import_cmd->add_option("--out", import_opts.out, "workload TOML to write ('-' or none: stdout)");
  add_nir_options(import_cmd);

  BenchOptions bench_opts;
  auto* bench_cmd = app.add_subcommand(
      "bench",
      "Measure the speed figures (cold/warm evaluation, loop nests/s, SEW-ResNet-152, "
      "parallel efficiency) on this machine against their targets");
  bench_cmd->add_option("--configs", bench_opts.configs,
                        "the configs/ directory (default configs)");
  bench_cmd->add_option("--json", bench_opts.json, "also write JSON to FILE ('-': stdout only)");

  SimulateOptions sim;
  auto& sq = sim.request;
  auto* simulate_cmd = app.add_subcommand(
      "simulate",
      "Run a NIR model on event inputs timestep by timestep: per-layer spike densities, output "
      "spike counts, and the agreement (or accuracy) of state schedules with the stateful network");
  simulate_cmd->add_option("model", sq.model, "NIR file (.nir)")->required();
  simulate_cmd->add_option("--inputs", sq.inputs,
                           "events (.npy: T x <input shape> or N x T x <input shape>)");
  simulate_cmd->add_option("--labels", sq.labels, "labels (.npy: N class indices)");
  simulate_cmd->add_option("--poisson", sq.poisson_rate,
                           "instead of --inputs: synthetic Poisson events, mean count per input "
                           "element and timestep (T from --timesteps)");
  simulate_cmd->add_option("--samples", sq.samples,
                           "samples: the first N of --inputs (default all), or N Poisson samples "
                           "(default 10)");
  simulate_cmd->add_option("--seed", sq.seed, "seed of the Poisson generator (default 42)");
  simulate_cmd
      ->add_option("--state-schedule", sq.state_schedules,
                   "per-block state schedule (1 keep, 0 drop) to compare with the fully stateful "
                   "network; repeat or separate with commas")
      ->allow_extra_args(false)
      ->delimiter(',');
  simulate_cmd->add_option("--dt-s", sq.sim.dt_s,
                           "forward-Euler timestep in seconds (default 1e-3)");
  simulate_cmd->add_option("--reset", sim.reset,
                           "after a spike: value (to v_reset, NIR's rule; default) or subtract");
  simulate_cmd->add_option("--threads", sq.sim.threads, "threads over samples (0: all cores)");
  simulate_cmd->add_option("--json", sq.json, "also write JSON to FILE ('-': stdout only)");
  simulate_cmd->add_option("--write-inputs", sq.write_inputs, "save the events used as .npy");
  simulate_cmd->add_option("--workload-out", sq.workload_out,
                           "write the workload TOML with the measured spike densities");
  add_nir_options(simulate_cmd);

  HardwareOptions hw;
  auto* hw_cmd = app.add_subcommand("hardware", "Show an accelerator description");
  hw_cmd->add_option("hardware", hw.hardware, "hardware file (.toml)")->required();
  hw_cmd->add_option("--json", hw.json, "also write JSON to FILE ('-': stdout only)");

  CampaignCommand campaign_opts;
  auto* campaign_cmd = app.add_subcommand(
      "campaign",
      "Run an experiment campaign (a grid of evaluate or optimize runs) into DIR/results.csv");
  campaign_cmd->add_option("file", campaign_opts.file, "campaign file (.toml)")->required();
  campaign_cmd->add_option("--out", campaign_opts.out, "output directory (default out/<name>)");
  campaign_cmd->add_flag("--resume", campaign_opts.resume,
                         "skip the runs already in DIR/results.csv");
  campaign_cmd->add_option("--jobs", campaign_opts.jobs, "runs at a time (threads; default 1)")
      ->check(CLI::Range(1, 1024));
  campaign_cmd
      ->add_option("--threads", campaign_opts.threads,
                   "threads per search run (default: cores / jobs; 1 under MPI)")
      ->check(CLI::Range(0, 1024));
  campaign_cmd->add_flag("--no-report", campaign_opts.no_report, "do not write report.html");
  campaign_cmd->add_flag("--dry-run", campaign_opts.dry_run,
                         "validate the campaign and list its runs without running them");

  ReportOptions report_opts;
  auto* report_cmd = app.add_subcommand(
      "report", "Write DIR/report.html (plots, tables) for an optimize or campaign directory");
  report_cmd->add_option("dir", report_opts.dir, "output directory of optimize or campaign")
      ->required();
  report_cmd->add_option("--plotly", report_opts.plotly,
                         "plotly.min.js to inline (default: $STEMS_PLOTLY_JS, then the npm copy)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    err << "stems: " << e.what() << "\n";
    for (auto* sub : app.get_subcommands()) {
      err << "usage: see 'stems " << sub->get_name() << " --help'\n";
      return kExitInputError;
    }
    err << "usage: see 'stems --help'\n";
    return kExitInputError;
  }

  try {
    if (inspect_cmd->parsed()) return run_inspect(inspect, out);
    if (hw_cmd->parsed()) return run_hardware(hw, out);
    if (simulate_cmd->parsed()) return run_simulate(sim, out);
    if (explain_cmd->parsed()) return run_explain(explain, out);
    if (evaluate_cmd->parsed()) return run_evaluate(evaluate, out);
    if (optimize_cmd->parsed()) return run_optimize(optimize, out, err);
    if (import_cmd->parsed()) return run_import(import_opts, out);
    if (bench_cmd->parsed()) return run_bench(bench_opts, out);
    if (campaign_cmd->parsed()) return run_campaign_command(campaign_opts, out, err);
    if (report_cmd->parsed()) {
      const std::string path =
          report::is_campaign_dir(report_opts.dir)
              ? campaign::write_campaign_report(report_opts.dir, report_opts.plotly)
              : report::write_html_report(report_opts.dir, report_opts.plotly);
      out << "wrote " << path << "\n";
      return kExitOk;
    }
  } catch (const InputError& e) {
    err << "stems: error: " << e.what() << "\n";
    return kExitInputError;
  } catch (const std::exception& e) {
    err << "stems: internal error: " << e.what() << "\n";
    return kExitInternalError;
  }
  err << "stems: no command given; see 'stems --help'\n";
  return kExitInputError;
}

}  // namespace stems::cli
