// The command line: CLI11 parses it into the options of stems/cli/commands.hpp (this is the
// only translation unit that includes CLI11), the commands do the work.
#include "stems/cli/app.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "stems/cli/bench_command.hpp"
#include "stems/cli/campaign_command.hpp"
#include "stems/cli/commands.hpp"
#include "stems/cli/simulate_command.hpp"
#include "stems/common/error.hpp"

#ifndef STEMS_VERSION
#define STEMS_VERSION "0.1.0"
#endif

namespace stems::cli {

namespace {

constexpr const char* kModelHelp =
    "cost model: physical (default; monotone in buffer size and bandwidth), stems (every "
    "behaviour of the original STEMS tool, to reproduce its numbers) or physical-reserved "
    "(physical with room made for every streamed tile; README)";

// A whole number from 0 to `max`. CLI11 reads "-1" into an unsigned option as its wrap-around
// (18446744073709551615) and saturates a number too large; both are refused here, with the range.
CLI::Validator whole_number(std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
  return CLI::Validator(
      [max](std::string& s) -> std::string {
        std::uint64_t v = 0;
        const char* end = s.data() + s.size();
        const auto [p, ec] = std::from_chars(s.data(), end, v);
        if (ec == std::errc{} && p == end && v <= max) return "";
        return "expected a whole number from 0 to " + std::to_string(max) + ", got '" + s + "'";
      },
      "UINT");
}

// Threads per command: 0 (all cores) to 1024, as in run configs.
constexpr std::uint64_t kMaxThreads = 1024;

// What a .nir workload does not carry, and an .onnx model's precisions. Each flag given is noted:
// a workload of another kind refuses it (load_any_workload).
void add_nir_options(CLI::App* cmd, nir::NirOptions& nir) {
  auto noted = [](std::vector<std::string>& given, std::string flag) {
    return [&given, flag](const std::string&) { given.push_back(flag); };
  };
  cmd->add_option("--timesteps", nir.timesteps, "NIR models: timesteps T (default 16)")
      ->check(CLI::Range(1, 1000000))
      ->each(noted(nir.nir_flags_given, "--timesteps"));
  struct BitsFlag {
    const char* flag;
    std::uint32_t& target;
    const char* help;
    std::vector<std::string>& given;
  };
  auto& x = nir.onnx;
  auto& n = nir.nir_flags_given;
  auto& o = nir.onnx_flags_given;
  const BitsFlag bits[] = {
      {"--weight-bits", nir.weight_bits, "NIR models: weight bits (default 8)", n},
      {"--state-bits", nir.state_bits, "NIR models: state/current/partial-sum bits (default 16)",
       n},
      {"--input-bits", nir.input_bits, "NIR models: network input bits (default 1)", n},
      {"--onnx-weight-bits", x.weight_bits, "ONNX models: weight bits (default 8)", o},
      {"--onnx-act-bits", x.input_bits, "ONNX models: activation (layer input) bits (default 8)",
       o},
      {"--onnx-psum-bits", x.psum_bits, "ONNX models: partial-sum bits (default 16)", o},
      {"--onnx-out-bits", x.output_bits, "ONNX models: final output bits (default 8)", o},
  };
  for (const BitsFlag& f : bits) {
    cmd->add_option(f.flag, f.target, f.help)
        ->check(CLI::Range(1, 64))
        ->each(noted(f.given, f.flag));
  }
}

// Every command's options and, once parsed, what runs it.
struct Commands {
  InspectOptions inspect;
  ExplainOptions explain;
  EvaluateOptions evaluate;
  OptimizeOptions optimize;
  ImportOptions import;
  BenchOptions bench;
  SimulateOptions simulate;
  HardwareOptions hardware;
  CampaignCommand campaign;
  ReportOptions report;
  std::vector<std::pair<CLI::App*, std::function<int(std::ostream&, std::ostream&)>>> runners;
};

// `stems inspect`.
void add_inspect(CLI::App& app, Commands& c) {
  auto& o = c.inspect;
  auto* cmd =
      app.add_subcommand("inspect",
                         "Show a workload's layers, sizes, operation counts and state (and, with "
                         "--hardware, the accelerator and the closed-form energy figures)");
  cmd->add_option("workload", o.workload, "workload file (.toml, .nir or .onnx)")->required();
  cmd->add_option("--state-schedule", o.state_schedule,
                  "one character per block: 1 keep neuron state, 0 drop it");
  cmd->add_option("--hardware", o.hardware, "hardware file (.toml)");
  cmd->add_option("--json", o.json, "also write JSON to FILE ('-': stdout only)");
  add_nir_options(cmd, o.nir);
  c.runners.emplace_back(cmd, [&o](std::ostream& out, std::ostream& err) {
    (void)err;
    return run_inspect(o, out);
  });
}

// `stems explain`.
void add_explain(CLI::App& app, Commands& c) {
  auto& o = c.explain;
  auto* cmd = app.add_subcommand(
      "explain",
      "Search the loop nest of one layer (or a tile of it) and explain its cost: "
      "spatial unrolling, loops per memory level, word accesses and energy per "
      "operand x level x direction, latency parts");
  cmd->add_option("workload", o.workload, "workload file (.toml, .nir or .onnx)")->required();
  cmd->add_option("--hardware", o.hardware, "hardware file (.toml)")->required();
  auto* layer = cmd->add_option("--layer", o.layer, "layer id")
                    ->check(whole_number(std::numeric_limits<int>::max()));
  cmd->add_flag("--all-layers", o.all_layers,
                "every conv2d/linear layer on its own, starting and ending in DRAM, energy and "
                "latency (incl. on- and off-loading) summed: ZigZag's network evaluation")
      ->excludes(layer);
  cmd->add_option("--criterion", o.criterion,
                  "best loop nest by energy, latency (incl. on/off-loading; ties: energy) or edp "
                  "(default: energy for one layer, latency with --all-layers, as ZigZag)")
      ->check(CLI::IsMember({"energy", "latency", "edp"}));
  cmd->add_option("--threads", o.threads, "--all-layers: threads (0: one per hardware thread)")
      ->check(whole_number(kMaxThreads));
  cmd->add_flag("--detail", o.detail,
                "--all-layers: each layer's JSON row also has the full breakdown of --layer");
  cmd->add_option("--state-schedule", o.state_schedule,
                  "one character per block: 1 keep neuron state, 0 drop it");
  cmd->add_option("--time-tile", o.time_tile,
                  "timesteps per computation node (a divisor of T; default all)")
      ->check(whole_number());
  cmd->add_option("--ox-tile", o.ox_tile,
                  "output columns per computation node (a divisor of OX; default all)")
      ->check(whole_number());
  cmd->add_option("--lpf-limit", o.lpf_limit, "LOMA loop-factor limit (default 6)")
      ->check(CLI::Range(1, 12));
  cmd->add_option("--model", o.model, kModelHelp);
  cmd->add_option("--json", o.json, "also write JSON to FILE ('-': stdout only)");
  add_nir_options(cmd, o.nir);
  c.runners.emplace_back(cmd, [&o](std::ostream& out, std::ostream& err) {
    (void)err;
    return run_explain(o, out);
  });
}

// `stems evaluate`.
void add_evaluate(CLI::App& app, Commands& c) {
  auto& o = c.evaluate;
  auto* cmd =
      app.add_subcommand("evaluate",
                         "Schedule a whole network on the accelerator and report energy, latency, "
                         "off-chip traffic, state and peak on-chip memory with their breakdowns");
  cmd->add_option("--workload", o.workload, "workload file (.toml, .nir or .onnx)")->required();
  cmd->add_option("--hardware", o.hardware, "hardware file (.toml)")->required();
  cmd->add_option("--time-schedule", o.time_bits,
                  "one character per block: 1 all timesteps in one node (time batched), "
                  "0 one node per timestep (default: all 1)");
  cmd->add_option("--depth-schedule", o.depth_bits,
                  "one character per block: 1 one output column per node (fused), 0 "
                  "whole feature map (default: all 0)");
  cmd->add_option("--state-schedule", o.state_schedule,
                  "one character per block: 1 keep neuron state, 0 drop it");
  cmd->add_flag("--no-fuse-barrier", o.no_fuse_barrier,
                "do not separate time-batched and time-sequential fused runs");
  cmd->add_option("--schedule", o.schedule_file,
                  "schedule file (.toml): per-block/per-layer tiles and options");
  cmd->add_option("--order", o.order, "node priority: LYT_gated (default), memory, latency");
  cmd->add_option("--state-lifecycle", o.lifecycle,
                  "carry (default: states start in DRAM and are written back) or reset");
  cmd->add_option("--alignment", o.alignment,
                  "tile dependencies: padded or stems (no padding offset); default: the "
                  "model's (stems with --model stems, else padded)");
  cmd->add_option("--model", o.model, kModelHelp);
  cmd->add_option("--json", o.json, "also write JSON to FILE ('-': stdout only)");
  cmd->add_option("--trace", o.trace,
                  "also write the schedule as a Chrome trace-event file (Perfetto, "
                  "chrome://tracing; time unit: cycles)");
  cmd->add_option("--criterion", o.criterion,
                  "best loop nest per computation node by energy (default), latency (incl. "
                  "on/off-loading; ties: energy) or edp")
      ->check(CLI::IsMember({"energy", "latency", "edp"}));
  add_nir_options(cmd, o.nir);
  c.runners.emplace_back(cmd, [&o](std::ostream& out, std::ostream& err) {
    (void)err;
    return run_evaluate(o, out);
  });
}

// `stems optimize`.
void add_optimize(CLI::App& app, Commands& c) {
  auto& o = c.optimize;
  auto* cmd = app.add_subcommand(
      "optimize",
      "Search schedules (and free state decisions) for a Pareto front of energy, "
      "latency and state bits with Pagmo2");
  cmd->add_option("run", o.run, "run config (.toml)")->required();
  cmd->add_option("--out", o.out, "output directory (default out/<run name>)");
  cmd->add_option("--seed", o.seed, "override the run's seed")
      ->check(whole_number(std::numeric_limits<std::int64_t>::max()));
  cmd->add_option("--threads", o.threads, "fitness threads (0: all cores)")
      ->check(whole_number(kMaxThreads));
  cmd->add_option("--initial-population", o.initial_population,
                  "a pareto.json of stems optimize whose front starts the search (overrides the "
                  "run's [algorithm] initial_population)");
  cmd->add_flag("--exhaustive", o.exhaustive,
                "evaluate every genome (refused above the run's exhaustive_limit)");
  cmd->add_flag("--no-report", o.no_report, "do not write report.html");
  cmd->add_flag("--mpi", o.mpi,
                "one island per MPI rank (start with mpirun; needs STEMS_WITH_MPI)");
  cmd->add_option("--migration-interval", o.migration_interval,
                  "--mpi: generations between migrations (default 5)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--migrants", o.migrants, "--mpi: individuals sent per migration (default 2)")
      ->check(CLI::Range(0, 100000));
  c.runners.emplace_back(cmd, [&o](std::ostream& out, std::ostream& err) {
    (void)err;
    return run_optimize(o, out, err);
  });
}

// `stems import`.
void add_import(CLI::App& app, Commands& c) {
  auto& o = c.import;
  auto* cmd = app.add_subcommand(
      "import",
      "Convert a NIR (.nir) or ONNX (.onnx) model into a workload TOML file you can edit");
  cmd->add_option("model", o.model, "NIR (.nir) or ONNX (.onnx) file")->required();
  cmd->add_option("--out", o.out, "workload TOML to write ('-' or none: stdout)");
  add_nir_options(cmd, o.nir);
  c.runners.emplace_back(cmd, [&o](std::ostream& out, std::ostream& err) {
    (void)err;
    return run_import(o, out);
  });
}

// `stems bench`.
void add_bench(CLI::App& app, Commands& c) {
  auto& o = c.bench;
  auto* cmd = app.add_subcommand(
      "bench",
      "Measure the speed figures (cold/warm evaluation, loop nests/s, SEW-ResNet-152, "
      "parallel efficiency) on this machine against their targets");
  cmd->add_option("--configs", o.configs, "the configs/ directory (default configs)");
  cmd->add_option("--model", o.model, kModelHelp);
  cmd->add_option("--json", o.json, "also write JSON to FILE ('-': stdout only)");
  c.runners.emplace_back(cmd, [&o](std::ostream& out, std::ostream& err) {
    (void)err;
    return run_bench_command(o, out);
  });
}

// `stems simulate`.
void add_simulate(CLI::App& app, Commands& c) {
  auto& o = c.simulate;
  auto& sq = o.request;
  auto* cmd = app.add_subcommand(
      "simulate",
      "Run a NIR model on event inputs timestep by timestep: per-layer spike densities, output "
      "spike counts, and the agreement (or accuracy) of state schedules with the stateful network");
  cmd->add_option("model", sq.model, "NIR file (.nir)")->required();
  cmd->add_option("--inputs", sq.inputs,
                  "events (.npy: T x <input shape> or N x T x <input shape>)");
  cmd->add_option("--labels", sq.labels, "labels (.npy: N class indices)");
  cmd->add_option("--poisson", sq.poisson_rate,
                  "instead of --inputs: synthetic Poisson events, mean count per input "
                  "element and timestep (T from --timesteps)");
  cmd->add_option("--samples", sq.samples,
                  "samples: the first N of --inputs (default all), or N Poisson samples "
                  "(default 10)")
      ->check(whole_number());
  cmd->add_option("--seed", sq.seed, "seed of the Poisson generator (default 42)")
      ->check(whole_number());
  cmd->add_option("--state-schedule", sq.state_schedules,
                  "per-block state schedule (1 keep, 0 drop) to compare with the fully stateful "
                  "network; repeat or separate with commas")
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd->add_option("--dt-s", sq.sim.dt_s,
                  "forward-Euler timestep in seconds (default: the file's /node/metadata/dt, "
                  "else 1e-3)");
  cmd->add_option("--reset", o.reset,
                  "after a spike: value (to v_reset, NIR's rule) or subtract (default: the "
                  "file's /node/metadata/reset, else value)");
  cmd->add_option("--threads", sq.sim.threads, "threads over samples (0: all cores)")
      ->check(whole_number(kMaxThreads));
  cmd->add_option("--json", sq.json, "also write JSON to FILE ('-': stdout only)");
  cmd->add_option("--write-inputs", sq.write_inputs, "save the events used as .npy");
  cmd->add_option("--workload-out", sq.workload_out,
                  "write the workload TOML with the measured spike densities");
  add_nir_options(cmd, o.nir);
  c.runners.emplace_back(cmd, [&o](std::ostream& out, std::ostream& err) {
    (void)err;
    return run_simulate(o, out);
  });
}

// `stems hardware`.
void add_hardware(CLI::App& app, Commands& c) {
  auto& o = c.hardware;
  auto* cmd = app.add_subcommand("hardware", "Show an accelerator description");
  cmd->add_option("hardware", o.hardware, "hardware file (.toml)")->required();
  cmd->add_option("--json", o.json, "also write JSON to FILE ('-': stdout only)");
  c.runners.emplace_back(cmd, [&o](std::ostream& out, std::ostream& err) {
    (void)err;
    return run_hardware(o, out);
  });
}

// `stems campaign`.
void add_campaign(CLI::App& app, Commands& c) {
  auto& o = c.campaign;
  auto* cmd = app.add_subcommand(
      "campaign",
      "Run an experiment campaign (a grid of evaluate or optimize runs) into DIR/results.csv");
  cmd->add_option("file", o.file, "campaign file (.toml)")->required();
  cmd->add_option("--out", o.out, "output directory (default out/<name>)");
  cmd->add_flag("--resume", o.resume, "skip the runs already in DIR/results.csv");
  cmd->add_option("--jobs", o.jobs, "runs at a time (threads; default 1)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--threads", o.threads,
                  "threads per search run (default: cores / jobs; 1 under MPI)")
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("--no-report", o.no_report, "do not write report.html");
  cmd->add_flag("--dry-run", o.dry_run,
                "validate the campaign and list its runs without running them");
  c.runners.emplace_back(cmd, [&o](std::ostream& out, std::ostream& err) {
    (void)err;
    return run_campaign_command(o, out, err);
  });
}

// `stems report`.
void add_report(CLI::App& app, Commands& c) {
  auto& o = c.report;
  auto* cmd = app.add_subcommand(
      "report", "Write DIR/report.html (plots, tables) for an optimize or campaign directory");
  cmd->add_option("dir", o.dir, "output directory of optimize or campaign")->required();
  cmd->add_option("--plotly", o.plotly,
                  "plotly.min.js to inline (default: $STEMS_PLOTLY_JS, then the npm copy)");
  c.runners.emplace_back(cmd, [&o](std::ostream& out, std::ostream& err) {
    (void)err;
    return run_report(o, out);
  });
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"stems: spatial-temporal mapping and neuron-state exploration for SNN accelerators"};
  app.set_version_flag("--version", std::string("stems ") + STEMS_VERSION);
  app.require_subcommand(1);
  Commands c;
  add_inspect(app, c);
  add_explain(app, c);
  add_evaluate(app, c);
  add_optimize(app, c);
  add_import(app, c);
  add_bench(app, c);
  add_simulate(app, c);
  add_hardware(app, c);
  add_campaign(app, c);
  add_report(app, c);
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
    for (const auto& [cmd, runner] : c.runners) {
      if (cmd->parsed()) return runner(out, err);
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
