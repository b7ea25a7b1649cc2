// The only translation unit that includes CLI11.
#include "stems/cli/app.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"
#include "stems/cost/bounds.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/report/hardware_report.hpp"
#include "stems/report/network_report.hpp"
#include "stems/workload/state_schedule.hpp"
#include "stems/workload/workload_loader.hpp"

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

struct HardwareOptions {
  std::string hardware;
  std::string json;
};

workload::Network load_network(const std::string& path, const std::string& state_schedule) {
  workload::Network net = workload::load_workload_file(path);
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

int run_hardware(const HardwareOptions& o, std::ostream& out) {
  const hardware::Accelerator acc = hardware::load_hardware_file(o.hardware);
  if (!o.json.empty()) {
    write_file_atomically(o.json, report::accelerator_json(acc).dump(2) + "\n");
  }
  if (o.json != "-") out << report::accelerator_text(acc);
  return kExitOk;
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
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

  HardwareOptions hw;
  auto* hw_cmd = app.add_subcommand("hardware", "Show an accelerator description");
  hw_cmd->add_option("hardware", hw.hardware, "hardware file (.toml)")->required();
  hw_cmd->add_option("--json", hw.json, "also write JSON to FILE ('-': stdout only)");

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
