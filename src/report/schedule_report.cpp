#include "stems/report/schedule_report.hpp"

#include <algorithm>

#include <sstream>

#include "stems/report/table.hpp"

namespace stems::report {

namespace {

std::string uJ(double pJ) {
  return fixed(pJ / 1e6, 2);
}

Json schedule_spec_json(const workload::Network& net, const schedule::Schedule& s) {
  Json j;
  j["time_schedule"] = s.time_bits;
  j["depth_schedule"] = s.depth_bits;
  j["state_schedule"] = schedule::state_schedule(net, s);
  j["fuse_barrier"] = s.fuse_barrier;
  j["order"] = std::string(schedule::order_name(s.order));
  j["state_lifecycle"] = std::string(schedule::lifecycle_name(s.lifecycle));
  j["alignment"] = std::string(schedule::alignment_name(s.alignment));
  Json layers = Json::array();
  for (workload::Vertex v : net.topological_order()) {
    layers.push_back({{"id", net.layer(v).id},
                      {"time_tile", s.layers[v].time_tile},
                      {"ox_tile", s.layers[v].ox_tile},
                      {"fuse_group", s.layers[v].fuse_group}});
  }
  j["layers"] = layers;
  return j;
}

}  // namespace

Json schedule_json(const workload::Network& net, const hardware::Accelerator& acc,
                   const schedule::Schedule& s, const schedule::ScheduleResult& r) {
  Json j;
  j["workload"] = net.name();
  j["hardware"] = acc.name;
  j["model"] = r.model;
  j["schedule"] = schedule_spec_json(net, s);
  j["energy_pJ"] = r.energy_pJ;
  j["latency_cycles"] = r.latency_cycles;
  j["offchip"] = {{"read_bits", r.offchip_read_bits},
                  {"write_bits", r.offchip_write_bits},
                  {"energy_pJ", r.offchip_energy_pJ}};
  j["mac_energy_pJ"] = r.mac_energy_pJ;
  j["state_bits"] = r.state_bits;
  j["peak_onchip_bits"] = r.peak_onchip_bits;
  j["memory_overflow"] = r.memory_overflow;
  j["streamed_tiles"] = {{"streaming_nodes", r.streamed_tiles.streaming_nodes},
                         {"over_capacity_nodes", r.streamed_tiles.over_capacity_nodes},
                         {"peak_bits", r.streamed_tiles.peak_bits}};
  j["nodes_count"] = r.nodes.size();
  j["unique_nodes"] = r.unique_nodes;
  const auto& b = r.buckets;
  j["buckets"] = {{"cn_onchip_pJ", b.cn_onchip_pJ},
                  {"cn_offchip_memory_pJ", b.cn_offchip_memory_pJ},
                  {"cn_offchip_link_pJ", b.cn_offchip_link_pJ},
                  {"eviction_to_offchip_memory_pJ", b.eviction_memory_pJ},
                  {"eviction_to_offchip_link_pJ", b.eviction_link_pJ},
                  {"sink_layer_output_offchip_memory_pJ", b.sink_memory_pJ},
                  {"sink_layer_output_offchip_link_pJ", b.sink_link_pJ},
                  {"core_to_core_memory_pJ", b.core_to_core_memory_pJ},
                  {"core_to_core_link_pJ", b.core_to_core_link_pJ}};
  Json layers = Json::array();
  for (const auto& l : r.layers) {
    layers.push_back({{"id", l.id},
                      {"name", l.name},
                      {"block", l.block},
                      {"stateful", l.stateful},
                      {"nodes", l.nodes},
                      {"onchip_energy_pJ", l.onchip_energy_pJ},
                      {"mac_energy_pJ", l.mac_energy_pJ},
                      {"offchip_energy_pJ", l.offchip_energy_pJ},
                      {"latency_cycles", l.latency_cycles},
                      {"start_cycle", l.start_cycle},
                      {"end_cycle", l.end_cycle}});
  }
  j["layers"] = layers;
  Json breakdown = Json::array();
  for (const auto& [key, pJ] : r.breakdown) {
    breakdown.push_back({{"layer", std::get<0>(key)},
                         {"operand", std::get<1>(key)},
                         {"component", std::get<2>(key)},
                         {"energy_pJ", pJ}});
  }
  j["breakdown"] = breakdown;
  Json nodes = Json::array();
  for (const auto& n : r.nodes) {
    nodes.push_back({{"layer", n.layer_id},
                     {"t", n.t_index},
                     {"x", n.x_index},
                     {"core", n.core},
                     {"start_cycle", n.start_cycle},
                     {"end_cycle", n.end_cycle},
                     {"energy_pJ", n.energy_pJ},
                     {"too_large", n.too_large},
                     {"streamed_top_bits", n.streamed_top_bits}});
  }
  j["nodes"] = nodes;
  Json transfers = Json::array();
  for (const auto& t : r.transfers) {
    transfers.push_back({{"kind", std::string(schedule::transfer_kind_name(t.kind))},
                         {"layer", t.layer_id},
                         {"operand", t.operand},
                         {"bits", t.bits},
                         {"start_cycle", t.start_cycle},
                         {"end_cycle", t.end_cycle}});
  }
  j["transfers"] = transfers;
  return j;
}

Json memory_timeline_json(const schedule::ScheduleResult& r, std::size_t max_points) {
  Json out = Json::array();
  // Events are recorded in processing order; a transfer may be placed earlier on the link than
  // the event before it, so the steps are put in time order (stable: ties keep their order).
  auto tl = r.memory_timeline;
  std::stable_sort(tl.begin(), tl.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::size_t stride = std::max<std::size_t>(1, (tl.size() + max_points - 1) / max_points);
  for (std::size_t i = 0; i < tl.size(); i += stride) {
    std::pair<double, std::uint64_t> peak = tl[i];
    for (std::size_t j = i; j < std::min(tl.size(), i + stride); ++j) {
      if (tl[j].second > peak.second) peak = {tl[i].first, tl[j].second};
    }
    out.push_back({peak.first, peak.second});
  }
  return out;
}

std::string schedule_text(const workload::Network& net, const hardware::Accelerator& acc,
                          const schedule::Schedule& s, const schedule::ScheduleResult& r) {
  std::ostringstream os;
  os << "workload " << net.name() << " on " << acc.name << ", model " << r.model << "\n"
     << "schedule: time " << (s.time_bits.empty() ? "(per layer)" : s.time_bits) << ", depth "
     << (s.depth_bits.empty() ? "(per layer)" : s.depth_bits) << ", state "
     << schedule::state_schedule(net, s) << ", order " << schedule::order_name(s.order)
     << ", fuse barrier " << (s.fuse_barrier ? "on" : "off") << ", state lifecycle "
     << schedule::lifecycle_name(s.lifecycle) << ", alignment "
     << schedule::alignment_name(s.alignment) << "\n"
     << r.nodes.size() << " computation nodes (" << r.unique_nodes << " unique shapes)\n\n";
  // Both energies in the total's unit: mJ, or uJ/nJ/pJ for a small network (0.0090 mJ read two
  // digits of the fashion SNN's 8.9621 uJ).
  const EnergyUnit unit = energy_unit(r.energy_pJ);
  os << "energy          " << energy_in(r.energy_pJ, unit) << " " << unit.name << "\n"
     << "latency         " << whole_with_commas(r.latency_cycles) << " cycles\n"
     << "off-chip        " << energy_in(r.offchip_energy_pJ, unit) << " " << unit.name << ", read "
     << with_commas(r.offchip_read_bits) << " bits, written " << with_commas(r.offchip_write_bits)
     << " bits\n"
     << "MAC energy      " << uJ(r.mac_energy_pJ) << " uJ\n"
     << "state bits      " << with_commas(r.state_bits) << "\n"
     << "peak on-chip    " << with_commas(r.peak_onchip_bits) << " bits"
     << (r.memory_overflow ? " (overflow: a node needed more than the buffer)" : "") << "\n";
  if (r.streamed_tiles.streaming_nodes > 0 && r.streamed_tiles.reserved) {
    os << "streamed tiles  " << with_commas(r.streamed_tiles.streaming_nodes)
       << " nodes streaming from DRAM, their tiles' room reserved (at most "
       << with_commas(r.streamed_tiles.peak_bits) << " bits with what the core held)\n";
  } else if (r.streamed_tiles.streaming_nodes > 0) {
    os << "streamed tiles  " << with_commas(r.streamed_tiles.over_capacity_nodes) << " of "
       << with_commas(r.streamed_tiles.streaming_nodes)
       << " nodes streaming from DRAM count on more than the buffer with their tiles (at most "
       << with_commas(r.streamed_tiles.peak_bits) << " bits; not reserved, README)\n";
  }
  os << "\n";
  const auto& b = r.buckets;
  os << "energy buckets (uJ): node on-chip " << uJ(b.cn_onchip_pJ) << ", node off-chip "
     << uJ(b.cn_offchip_memory_pJ) << ", evictions " << uJ(b.eviction_memory_pJ)
     << ", sink outputs " << fixed(b.sink_memory_pJ / 1e6, 3) << ", links "
     << uJ(b.cn_offchip_link_pJ + b.eviction_link_pJ + b.sink_link_pJ) << "\n\n";
  TextTable t({"id", "name", "blk", "state", "nodes", "on-chip uJ", "MAC uJ", "off-chip uJ",
               "busy cycles", "start", "end"});
  for (const auto& l : r.layers) {
    t.add_row({std::to_string(l.id), l.name, std::to_string(l.block), l.stateful ? "V" : "-",
               std::to_string(l.nodes), uJ(l.onchip_energy_pJ), uJ(l.mac_energy_pJ),
               uJ(l.offchip_energy_pJ), whole_with_commas(l.latency_cycles),
               whole_with_commas(l.start_cycle), whole_with_commas(l.end_cycle)});
  }
  os << t.render();
  return os.str();
}

}  // namespace stems::report
