// `stems explain`: the best loop nest of one layer (or a tile of it) and every number behind it.
#include "stems/cli/commands.hpp"
#include "stems/common/error.hpp"
#include "stems/cost/node_inputs.hpp"
#include "stems/cost/node_search.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/report/node_report.hpp"
#include "stems/workload/state_schedule.hpp"

namespace stems::cli {

namespace {

// Cuts loop `d` of `node` to `tile` (0: whole), returning the fraction of the layer kept.
double cut(workload::Layer& node, workload::Dim d, std::uint64_t tile, const char* flag) {
  if (tile == 0) return 1.0;
  const std::uint64_t full = node.size(d);
  if (tile > full || full % tile != 0) {
    throw InputError(flag, std::to_string(tile) + " does not divide " +
                               std::string(workload::dim_name(d)) + " = " + std::to_string(full) +
                               " of layer " + std::to_string(node.id));
  }
  node.set_size(d, tile);
  return static_cast<double>(tile) / static_cast<double>(full);
}

const hardware::Core& core_for(const hardware::Accelerator& acc, workload::OpType op,
                               const std::string& hardware_file) {
  const auto allocation = acc.allocation();
  auto it = allocation.find(op);
  if (it == allocation.end()) {
    throw InputError(hardware_file,
                     "no core runs operator '" + std::string(workload::op_name(op)) + "'");
  }
  return acc.cores[static_cast<std::size_t>(it->second.front())];
}

}  // namespace

CommandOutput explain_output(const ExplainOptions& o) {
  if (o.all_layers) return explain_all_layers_output(o);
  if (o.layer < 0) throw InputError("--layer", "give a layer id, or --all-layers");
  workload::Network net = nir::load_any_workload(o.workload, o.nir);
  if (!o.state_schedule.empty()) workload::apply_state_schedule(net, o.state_schedule);
  const hardware::Accelerator acc = hardware::load_hardware_file(o.hardware);
  if (!net.has_layer(o.layer)) {
    throw InputError("--layer",
                     "workload '" + net.name() + "' has no layer " + std::to_string(o.layer));
  }
  const workload::Vertex v = net.vertex(o.layer);
  workload::Layer node = net.layer(v);
  double fraction = cut(node, workload::Dim::T, o.time_tile, "--time-tile");
  fraction *= cut(node, workload::Dim::OX, o.ox_tile, "--ox-tile");
  const hardware::Core& core = core_for(acc, node.op, o.hardware);
  cost::NodeSearchOptions opts;
  opts.lpf_limit = o.lpf_limit;
  opts.policy = cost::policy_named(o.model, "--model");
  opts.criterion = cost::criterion_named(o.criterion, opts.criterion, "--criterion");
  const cost::NodeCost c = naming_files(o.workload, o.hardware, [&] {
    return cost::search_node(node, core, acc.dram, cost::producer_bits(net, v, fraction), opts,
                             cost::dram_link_bandwidth(acc, core));
  });
  CommandOutput out{report::node_cost_json(node, c), report::node_cost_text(node, core.name, c)};
  out.json["model"] = std::string(opts.policy.name());
  out.text = "model " + std::string(opts.policy.name()) + "\n" + out.text;
  return out;
}

int run_explain(const ExplainOptions& o, std::ostream& out) {
  return emit(explain_output(o), o.json, out);
}

}  // namespace stems::cli
