// `stems inspect` (a workload, and with --hardware the closed-form figures) and `stems hardware`.
#include "stems/cli/commands.hpp"
#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"
#include "stems/cost/bounds.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/report/hardware_report.hpp"
#include "stems/workload/state_schedule.hpp"

namespace stems::cli {

int emit(const CommandOutput& o, const std::string& json_path, std::ostream& out) {
  if (!json_path.empty()) write_file_atomically(json_path, o.json.dump(2) + "\n");
  if (json_path != "-") out << o.text;
  return kExitOk;
}

CommandOutput inspect_output(const InspectOptions& o) {
  // The network as declared, with this state schedule (a one-off variant for the report).
  workload::Network net = nir::load_any_workload(o.workload, o.nir);
  if (!o.state_schedule.empty()) workload::apply_state_schedule(net, o.state_schedule);
  CommandOutput r{report::network_json(net), report::network_text(net)};
  if (!o.hardware.empty()) {
    const hardware::Accelerator acc = hardware::load_hardware_file(o.hardware);
    const cost::Bounds bounds = cost::compute_bounds(net, acc);
    r.json["hardware"] = report::accelerator_json(acc);
    r.json["bounds"] = report::bounds_json(bounds);
    r.text += "\n" + report::accelerator_text(acc) + "\n" + report::bounds_text(bounds);
  }
  return r;
}

int run_inspect(const InspectOptions& o, std::ostream& out) {
  return emit(inspect_output(o), o.json, out);
}

CommandOutput hardware_output(const HardwareOptions& o) {
  const hardware::Accelerator acc = hardware::load_hardware_file(o.hardware);
  return {report::accelerator_json(acc), report::accelerator_text(acc)};
}

int run_hardware(const HardwareOptions& o, std::ostream& out) {
  return emit(hardware_output(o), o.json, out);
}

}  // namespace stems::cli
