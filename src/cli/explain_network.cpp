// `stems explain --all-layers`: a network evaluated the way ZigZag does (cost/layer_sweep.hpp),
// one row per layer with its loop nest, and the totals.
#include <chrono>
#include <sstream>

#include "stems/cli/commands.hpp"
#include "stems/cost/layer_sweep.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/report/node_report.hpp"
#include "stems/report/table.hpp"
#include "stems/workload/state_schedule.hpp"

namespace stems::cli {

namespace {

std::string loops_label(const std::vector<cost::Loop>& loops) {
  std::string s;
  for (const auto& l : loops) {
    if (!s.empty()) s += ' ';
    s += std::string(workload::dim_name(l.dim)) + std::to_string(l.size);
  }
  return s.empty() ? "-" : s;
}

report::Json loops_json(const std::vector<cost::Loop>& loops) {
  report::Json a = report::Json::array();
  for (const auto& l : loops)
    a.push_back({std::string(workload::dim_name(l.dim)), l.size});
  return a;
}

// The loop nest of a row: per operand, the temporal loops of each memory level (innermost first).
report::Json loop_nest_json(const cost::NodeCost& c) {
  report::Json nest = report::Json::object();
  for (const auto& o : c.operands) {
    report::Json levels = report::Json::array();
    for (const auto& l : o.levels) {
      levels.push_back({{"memory", l.memory},
                        {"temporal_loops", loops_json(l.temporal_loops)},
                        {"spatial_loops", loops_json(l.spatial_loops)}});
    }
    nest[o.layer_operand] = levels;
  }
  return nest;
}

report::Json row_json(const cost::LayerSweepRow& r, const workload::Network& net, bool detail) {
  report::Json j;
  j["layer"] = r.layer;
  j["name"] = r.name;
  j["op"] = std::string(workload::op_name(r.op));
  j["costed"] = r.costed;
  if (!r.costed) return j;
  const auto& c = r.cost;
  j["core"] = r.core;
  j["energy_pJ"] = c.energy_pJ;
  j["mac_energy_pJ"] = c.mac_energy_pJ;
  j["memory_energy_pJ"] = c.onchip_memory_energy_pJ + c.offchip_memory_energy_pJ;
  j["latency_cycles"] = r.latency_cycles;
  j["latency"] = {{"ideal_temporal_cycles", c.latency.ideal_temporal_cycles},
                  {"stall_cycles", c.latency.stall_cycles},
                  {"loading_cycles", c.latency.loading_cycles},
                  {"offloading_cycles", c.latency.offloading_cycles}};
  report::Json spatial = report::Json::array();
  for (const auto& s : c.spatial) {
    spatial.push_back({{"array_dim", s.array_dim},
                       {"dim", std::string(workload::dim_name(s.dim))},
                       {"factor", s.factor}});
  }
  j["spatial"] = spatial;
  j["ordering"] = loops_json(c.ordering);
  j["loop_nest"] = loop_nest_json(c);
  j["orderings_evaluated"] = c.orderings_evaluated;
  if (detail) j["detail"] = report::node_cost_json(net.layer_by_id(r.layer), c);
  return j;
}

std::string sweep_text(const cost::LayerSweep& s, const std::string& title, double seconds) {
  report::TextTable t({"id", "name", "op", "energy pJ", "latency cc", "ideal", "stall", "load",
                       "offload", "ordering (innermost first)"});
  for (const auto& r : s.rows) {
    if (!r.costed) continue;
    const auto& l = r.cost.latency;
    t.add_row({std::to_string(r.layer), r.name, std::string(workload::op_name(r.op)),
               report::fixed(r.cost.energy_pJ, 1), report::fixed(r.latency_cycles, 0),
               std::to_string(l.ideal_temporal_cycles), report::fixed(l.stall_cycles, 0),
               report::fixed(l.loading_cycles, 0), report::fixed(l.offloading_cycles, 0),
               loops_label(r.cost.ordering)});
  }
  std::ostringstream os;
  os << title << "\n" << t.render() << "\n";
  os << "total: energy " << report::fixed(s.energy_pJ, 3) << " pJ, latency "
     << report::fixed(s.latency_cycles, 0) << " cycles (" << s.costed_layers
     << " conv/linear layers, " << s.rows.size() - s.costed_layers << " other layers free; "
     << s.distinct_layers << " distinct loop-nest searches in " << report::fixed(seconds, 2)
     << " s)\n";
  return os.str();
}

}  // namespace

CommandOutput explain_all_layers_output(const ExplainOptions& o) {
  workload::Network net = nir::load_any_workload(o.workload, o.nir);
  if (!o.state_schedule.empty()) workload::apply_state_schedule(net, o.state_schedule);
  if (o.time_tile != 0 || o.ox_tile != 0) {
    throw InputError("--all-layers", "evaluates whole layers: --time-tile/--ox-tile do not apply");
  }
  const hardware::Accelerator acc = hardware::load_hardware_file(o.hardware);
  cost::NodeSearchOptions opts;
  opts.lpf_limit = o.lpf_limit;
  opts.policy = cost::policy_named(o.model, "--model");
  // ZigZag's API default is latency.
  opts.criterion = cost::criterion_named(o.criterion, cost::Criterion::Latency, "--criterion");
  const auto start = std::chrono::steady_clock::now();
  const cost::LayerSweep s = naming_files(
      o.workload, o.hardware, [&] { return cost::sweep_layers(net, acc, opts, o.threads); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report::Json j;
  j["workload"] = net.name();
  j["hardware"] = acc.name;
  j["model"] = std::string(opts.policy.name());
  j["criterion"] = std::string(name_of(cost::kCriterionNames, opts.criterion));
  j["totals"] = {{"energy_pJ", s.energy_pJ},
                 {"latency_cycles", s.latency_cycles},
                 {"costed_layers", s.costed_layers},
                 {"distinct_layers", s.distinct_layers}};
  report::Json rows = report::Json::array();
  for (const auto& r : s.rows)
    rows.push_back(row_json(r, net, o.detail));
  j["layers"] = rows;
  const std::string title = "workload " + net.name() + " on " + acc.name + ", every layer on its " +
                            "own from DRAM, best loop nest by " +
                            std::string(name_of(cost::kCriterionNames, opts.criterion));
  return {j, sweep_text(s, title, seconds)};
}

}  // namespace stems::cli
