#include "stems/report/node_report.hpp"

#include <sstream>

#include "stems/report/table.hpp"

namespace stems::report {

using cost::Direction;

namespace {

std::string loops_label(const std::vector<cost::Loop>& loops) {
  std::string s;
  for (const auto& l : loops) {
    if (!s.empty()) s += ' ';
    s += workload::dim_name(l.dim);
    s += std::to_string(l.size);
  }
  return s.empty() ? "-" : s;
}

Json loops_json(const std::vector<cost::Loop>& loops) {
  Json a = Json::array();
  for (const auto& l : loops)
    a.push_back({std::string(workload::dim_name(l.dim)), l.size});
  return a;
}

std::string num(double v) {
  if (v == 0) return "0";
  if (v > 0 && v < 1e18 && v == static_cast<double>(static_cast<std::uint64_t>(v))) {
    return with_commas(static_cast<std::uint64_t>(v));
  }
  return fixed(v, 2);
}

}  // namespace

Json node_cost_json(const workload::Layer& node, const cost::NodeCost& c) {
  Json j;
  j["layer"] = node.id;
  j["name"] = node.name;
  Json loops = Json::object();
  for (auto d : workload::kAllDims)
    loops[std::string(workload::dim_name(d))] = node.size(d);
  j["loops"] = loops;
  j["stateful"] = node.stateful();
  j["energy_pJ"] = c.energy_pJ;
  j["mac_energy_pJ"] = c.mac_energy_pJ;
  if (c.neuron_energy_pJ > 0) j["neuron_energy_pJ"] = c.neuron_energy_pJ;
  j["onchip_memory_energy_pJ"] = c.onchip_memory_energy_pJ;
  j["offchip_memory_energy_pJ"] = c.offchip_memory_energy_pJ;
  j["ops"] = c.ops;
  j["multi_bit_macs"] = c.multi_bit_macs;
  j["latency_cycles"] = c.latency.latency_cycles;
  j["latency"] = {{"ideal_cycles", c.latency.ideal_cycles},
                  {"ideal_temporal_cycles", c.latency.ideal_temporal_cycles},
                  {"stall_cycles", c.latency.stall_cycles},
                  {"loading_cycles", c.latency.loading_cycles},
                  {"offloading_cycles", c.latency.offloading_cycles}};
  Json spatial = Json::array();
  for (const auto& s : c.spatial) {
    spatial.push_back({{"array_dim", s.array_dim},
                       {"dim", std::string(workload::dim_name(s.dim))},
                       {"factor", s.factor},
                       {"factor_int", s.factor_int}});
  }
  j["spatial"] = spatial;
  j["ordering"] = loops_json(c.ordering);
  j["orderings_evaluated"] = c.orderings_evaluated;
  Json tl = Json::array();
  for (auto o : c.too_large)
    tl.push_back(std::string(hardware::mem_operand_name(o)));
  j["too_large"] = tl;
  j["too_large_escalated"] = c.too_large_escalated;
  j["streamed_top_bits"] = c.streamed_top_bits;
  Json ops = Json::array();
  for (const auto& o : c.operands) {
    Json oj;
    oj["operand"] = o.layer_operand;
    oj["memory_operand"] = std::string(hardware::mem_operand_name(o.operand));
    oj["energy_pJ"] = o.energy_pJ;
    Json levels = Json::array();
    for (const auto& l : o.levels) {
      Json lj;
      lj["memory"] = l.memory;
      lj["offchip"] = l.offchip;
      lj["temporal_loops"] = loops_json(l.temporal_loops);
      lj["spatial_loops_below"] = loops_json(l.spatial_loops);
      lj["tile_bits"] = l.tile_bits;
      lj["copies"] = l.copies;
      lj["double_buffered"] = l.double_buffered;
      lj["energy_pJ"] = l.energy_pJ;
      Json dirs = Json::object();
      for (Direction d : cost::kAllDirections) {
        const auto& t = l.traffic[static_cast<std::size_t>(d)];
        dirs[cost::direction_name(d)] = {{"words", t.words},
                                         {"energy_pJ", t.energy_pJ},
                                         {"amount_elements", t.amount_elements},
                                         {"precision_bits", t.precision_bits},
                                         {"period_cycles", t.period_cycles},
                                         {"period_count", t.period_count},
                                         {"real_cycles", t.real_cycles},
                                         {"allowed_cycles", t.allowed_cycles}};
      }
      lj["directions"] = dirs;
      levels.push_back(lj);
    }
    oj["levels"] = levels;
    ops.push_back(oj);
  }
  j["operands"] = ops;
  return j;
}

std::string node_cost_text(const workload::Layer& node, const std::string& core_name,
                           const cost::NodeCost& c) {
  std::ostringstream os;
  os << "layer " << node.id << " '" << node.name << "' (" << workload::op_name(node.op)
     << (node.stateful()      ? ", stateful"
         : node.has_neurons() ? ", stateless"
                              : "")
     << ") on core '" << core_name << "'; node:";
  for (auto d : workload::kAllDims) {
    if (node.size(d) > 1) os << ' ' << workload::dim_name(d) << node.size(d);
  }
  os << "\nspatial unrolling:";
  for (const auto& s : c.spatial) {
    os << ' ' << s.array_dim << '=' << workload::dim_name(s.dim)
       << fixed(s.factor, s.factor == static_cast<double>(s.factor_int) ? 0 : 2);
  }
  os << "\nloop ordering (innermost first): " << loops_label(c.ordering) << "  ("
     << c.orderings_evaluated << " orderings evaluated)\n";
  os << "operands given the DRAM as top level (too large for the on-chip top level):";
  if (c.too_large.empty()) os << " none";
  for (auto o : c.too_large)
    os << ' ' << hardware::mem_operand_name(o);
  os << "\n\nword accesses per operand x level x direction (words = level bandwidth in bits; "
        "energy in pJ)\n";
  TextTable t({"operand", "level", "loops (innermost first)", "below", "tile bits", "copies", "db",
               "rd_to_low", "wr_from_low", "rd_to_high", "wr_from_high", "energy pJ"});
  for (const auto& o : c.operands) {
    for (const auto& l : o.levels) {
      std::vector<std::string> row = {o.layer_operand,
                                      l.memory,
                                      loops_label(l.temporal_loops),
                                      loops_label(l.spatial_loops),
                                      num(l.tile_bits),
                                      num(l.copies),
                                      l.double_buffered ? "y" : "n"};
      for (Direction d : cost::kAllDirections)
        row.push_back(num(l.traffic[static_cast<std::size_t>(d)].words));
      row.push_back(fixed(l.energy_pJ, 2));
      t.add_row(row);
    }
  }
  os << t.render();
  os << "\nenergy: MAC " << fixed(c.mac_energy_pJ, 2) << " pJ (" << with_commas(c.ops) << " ops, "
     << (c.multi_bit_macs ? "multi-bit MACs" : "accumulate-only") << ") + on-chip memory "
     << fixed(c.onchip_memory_energy_pJ, 2) << " pJ + off-chip memory "
     << fixed(c.offchip_memory_energy_pJ, 2) << " pJ = " << fixed(c.energy_pJ, 2) << " pJ ("
     << fixed(c.energy_pJ / 1e6, 4) << " uJ)\n";
  os << "latency: ideal temporal " << with_commas(c.latency.ideal_temporal_cycles) << " + stall "
     << fixed(c.latency.stall_cycles, 1) << " + loading " << fixed(c.latency.loading_cycles, 1)
     << " = " << fixed(c.latency.latency_cycles, 1) << " cycles (ideal at full PE use "
     << with_commas(c.latency.ideal_cycles) << "; offloading "
     << fixed(c.latency.offloading_cycles, 1) << " not included)\n";
  return os.str();
}

}  // namespace stems::report
