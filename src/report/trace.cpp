#include "stems/report/trace.hpp"

namespace stems::report {

namespace {

constexpr int kPid = 1;
constexpr int kLinkTidBase = 1000;  // cores are tracks 1..N, links 1000+

Json track_name(int tid, const std::string& name) {
  return {{"name", "thread_name"},
          {"ph", "M"},
          {"pid", kPid},
          {"tid", tid},
          {"args", {{"name", name}}}};
}

Json node_slice(const workload::Network& net, const schedule::Schedule& s,
                const schedule::NodeRecord& n) {
  const workload::Vertex v = net.vertex(n.layer_id);
  const workload::Layer& l = net.layer(v);
  const std::uint64_t tt = std::min(s.layers[v].time_tile, l.size(workload::Dim::T));
  const std::uint64_t xt = std::min(s.layers[v].ox_tile, l.size(workload::Dim::OX));
  Json args = {{"layer", l.id},
               {"layer_name", l.name},
               {"tile", {{"t", n.t_index}, {"x", n.x_index}}},
               {"timesteps", {n.t_index * tt, (n.t_index + 1) * tt}},
               {"columns", {n.x_index * xt, (n.x_index + 1) * xt}},
               {"energy_pJ", n.energy_pJ}};
  if (!n.too_large.empty()) {
    args["too_large"] = n.too_large;
    args["dram_link_share"] = n.dram_link_share;
    args["dram_link_from_cycle"] = n.dram_link_from_cycle;
  }
  return {{"name", l.name + " t" + std::to_string(n.t_index) + " x" + std::to_string(n.x_index)},
          {"cat", "node"},
          {"ph", "X"},
          {"ts", n.start_cycle},
          {"dur", n.end_cycle - n.start_cycle},
          {"pid", kPid},
          {"tid", n.core + 1},
          {"args", args}};
}

Json transfer_slice(const hardware::Accelerator& acc, const schedule::TransferRecord& t) {
  const std::string kind(schedule::transfer_kind_name(t.kind));
  const double link_pJ = double(t.bits) * acc.links[t.link].energy_pJ_per_bit;
  return {{"name", kind + " L" + std::to_string(t.layer_id) + " " + t.operand},
          {"cat", kind},
          {"ph", "X"},
          {"ts", t.start_cycle},
          {"dur", t.end_cycle - t.start_cycle},
          {"pid", kPid},
          {"tid", kLinkTidBase + static_cast<int>(t.link)},
          {"args",
           {{"kind", kind},
            {"layer", t.layer_id},
            {"operand", t.operand},
            {"bits", t.bits},
            {"link_energy_pJ", link_pJ}}}};
}

}  // namespace

Json chrome_trace(const workload::Network& net, const hardware::Accelerator& acc,
                  const schedule::Schedule& s, const schedule::ScheduleResult& r) {
  Json events = Json::array();
  events.push_back({{"name", "process_name"},
                    {"ph", "M"},
                    {"pid", kPid},
                    {"args", {{"name", "stems: " + net.name() + " on " + acc.name}}}});
  for (std::size_t k = 0; k < acc.cores.size(); ++k) {
    events.push_back(track_name(static_cast<int>(k) + 1, "core " + acc.cores[k].name));
  }
  for (std::size_t i = 0; i < acc.links.size(); ++i) {
    const auto& l = acc.links[i];
    events.push_back(track_name(kLinkTidBase + static_cast<int>(i),
                                "link " + l.a + (l.bidirectional ? " <-> " : " -> ") + l.b));
  }
  for (const auto& n : r.nodes)
    events.push_back(node_slice(net, s, n));
  for (const auto& t : r.transfers)
    events.push_back(transfer_slice(acc, t));
  for (const auto& [cycle, bits] : r.memory_timeline) {
    events.push_back({{"name", "on-chip occupancy (bits)"},
                      {"ph", "C"},
                      {"ts", cycle},
                      {"pid", kPid},
                      {"args", {{"bits", bits}}}});
  }
  Json j;
  j["traceEvents"] = std::move(events);
  j["displayTimeUnit"] = "ns";
  j["otherData"] = {{"time_unit", "clock cycles: one trace microsecond (ts, dur) is one cycle"},
                    {"workload", net.name()},
                    {"hardware", acc.name},
                    {"nodes", r.nodes.size()},
                    {"transfers", r.transfers.size()},
                    {"energy_pJ", r.energy_pJ},
                    {"latency_cycles", r.latency_cycles}};
  return j;
}

}  // namespace stems::report
