#include "stems/report/front_report.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"
#include "stems/report/network_report.hpp"
#include "stems/report/schedule_report.hpp"
#include "stems/report/table.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/workload/state_schedule.hpp"

namespace stems::report {

namespace {

std::string num(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

}  // namespace

void write_front(const std::string& dir, const search::RunConfig& run,
                 const problems::ScheduleContext& ctx, const search::OptimizeResult& result,
                 bool exhaustive) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError(dir, "cannot create the output directory: " + ec.message());
  const bool acc = ctx.objectives() == 4;

  std::ostringstream csv;
  csv << "energy_pJ,latency_cycles,state_bits" << (acc ? ",accuracy" : "")
      << ",time_schedule,depth_schedule,state_schedule,offchip_energy_pJ,peak_onchip_bits,genes\n";
  Json points = Json::array();
  for (const auto& p : result.front) {
    workload::Network net = ctx.network;
    const schedule::Schedule s = ctx.space.decode(p.x, net);
    const schedule::ScheduleResult r = schedule::evaluate_schedule(
        net, ctx.accelerator, s, ctx.node_costs, schedule::Records::Totals);
    const std::string state = workload::current_state_schedule(net);
    const std::string genes = ctx.space.describe(p.x);
    csv << num(p.f[0]) << ',' << num(p.f[1]) << ',' << num(p.f[2]);
    if (acc) csv << ',' << num(-p.f[3]);
    csv << ',' << s.time_bits << ',' << s.depth_bits << ',' << state << ','
        << num(r.offchip_energy_pJ) << ',' << r.peak_onchip_bits << ",\"" << genes << "\"\n";
    Json layers = Json::array();
    for (workload::Vertex v : net.topological_order()) {
      layers.push_back({{"id", net.layer(v).id},
                        {"time_tile", s.layers[v].time_tile},
                        {"ox_tile", s.layers[v].ox_tile},
                        {"fuse_group", s.layers[v].fuse_group},
                        {"stateful", net.layer(v).stateful()}});
    }
    Json objectives = {{"energy_pJ", p.f[0]}, {"latency_cycles", p.f[1]}, {"state_bits", p.f[2]}};
    if (acc) objectives["accuracy"] = -p.f[3];
    points.push_back({{"objectives", objectives},
                      {"genome", p.x},
                      {"genes", genes},
                      {"schedule",
                       {{"time_schedule", s.time_bits},
                        {"depth_schedule", s.depth_bits},
                        {"state_schedule", state},
                        {"layers", layers}}},
                      {"evaluation",
                       {{"energy_pJ", r.energy_pJ},
                        {"latency_cycles", r.latency_cycles},
                        {"offchip_energy_pJ", r.offchip_energy_pJ},
                        {"offchip_read_bits", r.offchip_read_bits},
                        {"offchip_write_bits", r.offchip_write_bits},
                        {"peak_onchip_bits", r.peak_onchip_bits},
                        {"state_bits", r.state_bits},
                        {"nodes", r.nodes.size()}}}});
  }
  Json j;
  j["run"] = run.name;
  j["workload"] = ctx.network.name();
  j["hardware"] = ctx.accelerator.name;
  j["method"] = exhaustive ? "exhaustive" : run.optimizer.algorithm;
  j["seed"] = run.optimizer.seed;
  j["space_size"] = ctx.space.size();
  j["genes"] = Json::array();
  for (const auto& g : ctx.space.genes()) {
    j["genes"].push_back({{"label", g.label},
                          {"kind", std::string(search::gene_kind_name(g.kind))},
                          {"options", g.options}});
  }
  j["evaluations"] = result.evaluations;
  j["infeasible"] = result.infeasible;
  j["interrupted"] = result.interrupted;
  j["reference_point"] = result.reference_point;
  j["front"] = points;

  std::ostringstream conv;
  conv << "generation,evaluations,seconds,hypervolume,best_energy_pJ,best_latency_cycles,"
          "best_state_bits"
       << (acc ? ",best_accuracy" : "") << "\n";
  for (const auto& row : result.convergence) {
    conv << row.generation << ',' << row.evaluations << ',' << fixed(row.seconds, 3) << ','
         << num(row.hypervolume) << ',' << num(row.best[0]) << ',' << num(row.best[1]) << ','
         << num(row.best[2]);
    if (acc) conv << ',' << num(-row.best[3]);
    conv << '\n';
  }
  std::ifstream in(run.path, std::ios::binary);
  std::stringstream run_text;
  run_text << in.rdbuf();

  // The lowest-energy point in full (per-layer breakdown, node and transfer timeline, on-chip
  // occupancy) for the report.
  if (!result.front.empty()) {
    workload::Network net = ctx.network;
    const schedule::Schedule s = ctx.space.decode(result.front.front().x, net);
    const schedule::ScheduleResult r =
        schedule::evaluate_schedule(net, ctx.accelerator, s, ctx.node_costs);
    Json chosen = schedule_json(net, ctx.accelerator, s, r);
    chosen["point"] = "lowest energy";
    chosen["memory_timeline"] = memory_timeline_json(r);
    write_file_atomically(dir + "/chosen.json", chosen.dump() + "\n");
  }
  write_file_atomically(dir + "/pareto.csv", csv.str());
  write_file_atomically(dir + "/pareto.json", j.dump(2) + "\n");
  write_file_atomically(dir + "/convergence.csv", conv.str());
  write_file_atomically(dir + "/run.toml", run_text.str());
}

}  // namespace stems::report
