#include "node_breakdown.hpp"

#include <algorithm>

#include "access_counts.hpp"

namespace stems::cost::detail {

namespace {

void fill_traffic(const Flow& f, DirectionTraffic& t) {
  t.amount_elements = f.amount;
  t.precision_bits = static_cast<std::uint32_t>(f.precision_bits);
  t.period_cycles = f.period_cycles;
  t.period_count = f.word_periods;
  t.words = f.words;
  t.energy_pJ = f.energy_pJ;
  t.real_cycles = f.real_cycles;
  t.allowed_cycles = f.allowed_cycles;
}

void fill_level(const NodeProblem& pb, const OperandSetup& op, const OperandScratch& os,
                const std::vector<Loop>& ordering, std::size_t m, LevelCost& lc) {
  const MemNode& node = pb.nodes[static_cast<std::size_t>(op.nodes[m])];
  double level_energy = 0;
  for (Direction dir : kAllDirections) {
    const Flow& f = os.flows[m][static_cast<std::size_t>(dir)];
    if (!f.used) continue;
    level_energy += f.energy_pJ;
    fill_traffic(f, lc.traffic[static_cast<std::size_t>(dir)]);
  }
  lc.memory = node.level.name;
  lc.offchip = node.offchip;
  const std::size_t b = m == 0 ? 0 : os.cuts[m - 1];
  lc.temporal_loops.assign(ordering.begin() + static_cast<std::ptrdiff_t>(b),
                           ordering.begin() + static_cast<std::ptrdiff_t>(os.cuts[m]));
  lc.spatial_loops.clear();
  for (const auto& sl : op.smap[m])
    lc.spatial_loops.push_back(Loop{sl.dim, sl.factor_int});
  lc.tile_bits = os.tiles.elements[m + 1] * tile_precision(op, os.tiles, m);
  lc.copies = op.unit_count[m + 1];
  lc.double_buffered = os.double_buffered[m + 1];
  lc.energy_pJ = level_energy;
}

}  // namespace

void fill_operands(const NodeProblem& pb, const std::vector<Loop>& ordering, const Scratch& s,
                   NodeCost& out) {
  out.operands.assign(pb.operands.size(), OperandCost{});
  for (std::size_t o = 0; o < pb.operands.size(); ++o) {
    const OperandSetup& op = pb.operands[o];
    OperandCost& oc = out.operands[o];
    oc.operand = op.mem;
    oc.layer_operand = op.layer_name;
    oc.levels.assign(op.levels(), LevelCost{});
    for (std::size_t m = 0; m < op.levels(); ++m) {
      fill_level(pb, op, s.operands[o], ordering, m, oc.levels[m]);
      oc.energy_pJ += oc.levels[m].energy_pJ;
    }
  }
}

void fill_totals(const NodeProblem& pb, const std::vector<Loop>& ordering,
                 const OrderingTotals& totals, NodeCost& out) {
  out.mac_energy_pJ = totals.mac_energy_pJ;
  out.onchip_memory_energy_pJ = totals.onchip_memory_energy_pJ;
  out.offchip_memory_energy_pJ = totals.offchip_memory_energy_pJ;
  out.energy_pJ = totals.energy_pJ;
  out.ops = pb.layer.ops();
  out.multi_bit_macs = pb.multi_bit_macs;
  out.latency.ideal_cycles = (pb.layer.ops() + pb.pe_count - 1) / pb.pe_count;
  out.latency.ideal_temporal_cycles = totals.ideal_temporal_cycles;
  out.latency.stall_cycles = totals.stall_cycles;
  out.latency.loading_cycles = totals.loading_cycles;
  out.latency.offloading_cycles = totals.offloading_cycles;
  out.latency.latency_cycles = totals.latency_cycles;
  out.spatial = pb.spatial;
  out.ordering = ordering;
  out.too_large = pb.too_large;
  out.too_large_escalated = false;
  out.streamed_top_bits = 0;
  for (const OperandCost& oc : out.operands) {
    const bool streamed =
        std::find(out.too_large.begin(), out.too_large.end(), oc.operand) != out.too_large.end();
    if (!streamed || oc.levels.size() < 2) continue;
    const LevelCost& top = oc.levels[oc.levels.size() - 2];  // below the DRAM added for it
    out.streamed_top_bits += top.tile_bits * top.copies;
  }
}

}  // namespace stems::cost::detail
