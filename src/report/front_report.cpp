#include "stems/report/front_report.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"
#include "stems/report/hardware_report.hpp"
#include "stems/report/network_report.hpp"
#include "stems/report/schedule_report.hpp"
#include "stems/report/table.hpp"
#include "stems/report/trace.hpp"

namespace stems::report {

namespace {

std::string num(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

}  // namespace

namespace {

// pareto.csv and the front of pareto.json: one row / object per front point.
// Co-design columns: area_mm2 (objective or constraint) and one hw.<parameter> per hardware
// parameter, named after the first point (every point has the same parameters).
struct HwColumns {
  bool area = false;
  std::vector<std::string> parameters;
};

HwColumns hw_columns(const FrontOutput& f) {
  HwColumns c;
  c.area = f.result.objectives.area;
  if (!f.points.empty()) {
    for (const auto& [name, value] : f.points.front().hardware)
      c.parameters.push_back(name);
    c.area = c.area || (!c.parameters.empty() && f.points.front().area_mm2);
  }
  return c;
}

std::pair<std::string, Json> front_rows(const FrontOutput& f, bool acc) {
  const HwColumns hw = hw_columns(f);
  std::ostringstream csv;
  csv << "energy_pJ,latency_cycles,state_bits" << (acc ? ",accuracy" : "")
      << (hw.area ? ",area_mm2" : "");
  for (const std::string& p : hw.parameters)
    csv << ',' << p;
  csv << ",time_schedule,depth_schedule,state_schedule,offchip_energy_pJ,peak_onchip_bits,genes\n";
  Json points = Json::array();
  for (const search::FrontRecord& rec : f.points) {
    const search::Objectives& o = rec.point.objectives;
    const schedule::Schedule& s = rec.schedule;
    const schedule::ScheduleResult& r = rec.evaluation;
    csv << num(o.energy_pJ) << ',' << num(o.latency_cycles) << ',' << num(o.state_bits);
    if (acc) csv << ',' << num(*o.accuracy);
    if (hw.area) csv << ',' << num(rec.area_mm2.value_or(0));
    for (const auto& [name, value] : rec.hardware)
      csv << ',' << value;
    csv << ',' << s.time_bits << ',' << s.depth_bits << ',' << rec.state_schedule << ','
        << num(r.offchip_energy_pJ) << ',' << r.peak_onchip_bits << ",\"" << rec.genes << "\"\n";
    Json layers = Json::array();
    for (workload::Vertex v : f.network.topological_order()) {
      layers.push_back({{"id", f.network.layer(v).id},
                        {"time_tile", s.layers[v].time_tile},
                        {"ox_tile", s.layers[v].ox_tile},
                        {"fuse_group", s.layers[v].fuse_group},
                        {"stateful", f.network.layer(v).has_neurons() &&
                                         schedule::keeps_state(f.network, s, v)}});
    }
    Json objectives = {{"energy_pJ", o.energy_pJ},
                       {"latency_cycles", o.latency_cycles},
                       {"state_bits", o.state_bits}};
    if (acc) objectives["accuracy"] = *o.accuracy;
    if (hw.area) objectives["area_mm2"] = rec.area_mm2.value_or(0);
    Json hardware = Json::object();
    for (const auto& [name, value] : rec.hardware)
      hardware[name] = value;
    points.push_back({{"objectives", objectives},
                      {"genome", rec.point.x},
                      {"genes", rec.genes},
                      {"schedule",
                       {{"time_schedule", s.time_bits},
                        {"depth_schedule", s.depth_bits},
                        {"state_schedule", rec.state_schedule},
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
    if (!rec.hardware.empty()) points.back()["hardware"] = hardware;
  }
  return {csv.str(), points};
}

// pareto.json: the run, the space, the counters and the front.
Json pareto_json_with(const FrontOutput& f, Json points) {
  const search::OptimizeResult& result = f.result;
  Json j;
  j["run"] = f.run.name;
  j["workload"] = f.network.name();
  j["hardware"] = f.accelerator.name;
  j["model"] = f.run.model.empty() ? std::string("physical") : f.run.model;
  j["method"] = f.exhaustive ? "exhaustive" : f.run.optimizer.algorithm;
  j["seed"] = f.run.optimizer.seed;
  // The front the first population started from (absolute; the flag or the key), else null.
  j["initial_population"] =
      f.run.initial_population.empty()
          ? Json(nullptr)
          : Json(std::filesystem::absolute(f.run.initial_population).lexically_normal().string());
  double size = f.space.size();
  if (f.hardware_space != nullptr) {  // the genome ends with the hardware genes
    for (const auto& g : f.hardware_space->genes())
      size *= static_cast<double>(g.options.size());
  }
  j["space_size"] = size;
  j["genes"] = Json::array();
  for (const auto& g : f.space.genes()) {
    j["genes"].push_back({{"label", g.label},
                          {"kind", std::string(search::gene_kind_name(g.kind))},
                          {"options", g.options}});
  }
  if (f.hardware_space != nullptr) {
    for (const auto& g : f.hardware_space->genes())
      j["genes"].push_back({{"label", g.label}, {"kind", "hardware"}, {"options", g.options}});
  }
  if (!f.points.empty() && !f.points.front().hardware.empty()) {
    j["hardware_genes"] = Json::array();
    for (const auto& [name, value] : f.points.front().hardware)
      j["hardware_genes"].push_back(name);
  }
  j["evaluations"] = result.evaluations;
  j["infeasible"] = result.infeasible;
  j["interrupted"] = result.interrupted;
  j["reference_point"] = result.reference_point;
  j["front"] = std::move(points);

  return j;
}

// convergence.csv: hypervolume and best value per objective per generation.
std::string convergence_csv(const search::OptimizeResult& result, bool acc) {
  std::ostringstream conv;
  conv << "generation,evaluations,seconds,hypervolume,best_energy_pJ,best_latency_cycles,"
          "best_state_bits"
       << (acc ? ",best_accuracy" : "") << "\n";
  for (const auto& row : result.convergence) {
    conv << row.generation << ',' << row.evaluations << ',' << fixed(row.seconds, 3) << ','
         << num(row.hypervolume) << ',' << num(row.best.energy_pJ) << ','
         << num(row.best.latency_cycles) << ',' << num(row.best.state_bits);
    if (acc) conv << ',' << num(*row.best.accuracy);
    conv << '\n';
  }
  return conv.str();
}

}  // namespace

Json pareto_json(const FrontOutput& f) {
  return pareto_json_with(f, front_rows(f, f.result.objectives.accuracy).second);
}

void write_front(const std::string& dir, const FrontOutput& f) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError(dir, "cannot create the output directory: " + ec.message());
  const bool acc = f.result.objectives.accuracy;
  auto [csv, points] = front_rows(f, acc);
  const Json j = pareto_json_with(f, std::move(points));
  const std::string conv = convergence_csv(f.result, acc);
  std::ifstream in(f.run.path, std::ios::binary);
  std::stringstream run_text;
  run_text << in.rdbuf();

  // The lowest-energy point in full (per-layer breakdown, node and transfer timeline, on-chip
  // occupancy) for the report.
  if (f.chosen) {
    // A co-design point runs on its own configuration of the template.
    const hardware::Accelerator& acc =
        f.chosen->accelerator ? *f.chosen->accelerator : f.accelerator;
    Json chosen = schedule_json(f.network, acc, f.chosen->schedule, f.chosen->evaluation);
    if (!f.chosen->hardware.empty()) chosen["hardware"] = accelerator_json(acc);
    chosen["point"] = "lowest energy";
    chosen["memory_timeline"] = memory_timeline_json(f.chosen->evaluation);
    write_file_atomically(dir + "/chosen.json", chosen.dump() + "\n");
    write_file_atomically(
        dir + "/trace.json",
        chrome_trace(f.network, acc, f.chosen->schedule, f.chosen->evaluation).dump() + "\n");
  }
  write_file_atomically(dir + "/pareto.csv", csv);
  write_file_atomically(dir + "/pareto.json", j.dump(2) + "\n");
  write_file_atomically(dir + "/convergence.csv", conv);
  write_file_atomically(dir + "/run.toml", run_text.str());
}

}  // namespace stems::report
