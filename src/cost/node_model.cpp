// Evaluates one loop ordering of a node as a chain of named stages (formulas:
// ../shared/reference/stems_model.md 3.2, 7.1; README "Cost model"):
//   allocation (allocation.cpp) -> stationarity merge-down -> tile sizes per level
//   (level_tiles.cpp) -> access counts (access_counts.cpp) -> energy (node_energy.cpp)
//   -> double buffering, port stalls (stall_model.cpp) -> loading/offloading
//   (transfer_phases.cpp) -> breakdown (node_breakdown.cpp).
// The stages keep the reference's arithmetic order, so every number is bit-identical to the
// single-function version they were split from.
#include <cassert>
#include <limits>

#include "access_counts.hpp"
#include "allocation.hpp"
#include "level_tiles.hpp"
#include "node_breakdown.hpp"
#include "node_builder.hpp"
#include "node_energy.hpp"
#include "stall_model.hpp"
#include "transfer_phases.hpp"

namespace stems::cost::detail {

namespace {

std::uint64_t temporal_cycles(const std::vector<Loop>& ordering) {
  std::uint64_t total = 1;
  for (const Loop& l : ordering)
    total *= l.size;
  return total;
}

// Allocation through access counts: false when the ordering does not fit the memories.
bool map_ordering(const NodeProblem& pb, const std::vector<Loop>& ordering,
                  std::uint64_t total_cycles, Scratch& s) {
  if (!allocate_loops(pb, ordering, s)) return false;
  for (std::size_t o = 0; o < pb.operands.size(); ++o) {
    const OperandSetup& op = pb.operands[o];
    OperandScratch& os = s.operands[o];
    merge_down_stationary(op, ordering, os.cuts);
    level_tiles(pb, op, ordering, os.cuts, os.tile_elements, os.tiles);
    partial_sum_levels(pb, op, ordering, os.cuts, os.tiles.psum);
    count_accesses(pb, op, os.tiles, total_cycles, os.flows);
  }
  return true;
}

}  // namespace

OrderingResult evaluate_ordering(const NodeProblem& pb, const std::vector<Loop>& ordering,
                                 Scratch& scratch, NodeCost* detail, double energy_bound_pJ,
                                 double state_copies) {
  assert(scratch.fits(pb, ordering.size()) && "Scratch::prepare(pb, n) first");
  OrderingResult res;
  OrderingTotals t;
  t.ideal_temporal_cycles = temporal_cycles(ordering);
  if (!map_ordering(pb, ordering, t.ideal_temporal_cycles, scratch)) return res;
  const MemoryEnergy memory = memory_energy(pb, scratch);
  t.mac_energy_pJ = compute_energy_pJ(pb);
  t.onchip_memory_energy_pJ = memory.onchip_pJ;
  t.offchip_memory_energy_pJ = memory.offchip_pJ;
  t.energy_pJ = t.mac_energy_pJ + memory.onchip_pJ + memory.offchip_pJ;
  res.valid = true;
  res.energy_pJ = t.energy_pJ;
  if (detail == nullptr && res.energy_pJ > energy_bound_pJ) {
    // Cannot be chosen (latency only breaks exact energy ties): skip the latency model.
    res.latency_cycles = res.latency_total2_cycles = std::numeric_limits<double>::infinity();
    return res;
  }
  double_buffering(pb, scratch);
  port_activities(pb, scratch);
  t.stall_cycles = port_stall(pb, ordering, scratch);
  t.loading_cycles = transfer_phase(pb, scratch, true, state_copies);
  t.offloading_cycles = transfer_phase(pb, scratch, false);
  t.latency_cycles =
      static_cast<double>(t.ideal_temporal_cycles) + t.stall_cycles + t.loading_cycles;
  res.latency_cycles = t.latency_cycles;
  res.latency_total2_cycles = res.latency_cycles + t.offloading_cycles;
  if (detail) {
    fill_operands(pb, ordering, scratch, *detail);
    fill_totals(pb, ordering, t, *detail);
  }
  return res;
}

}  // namespace stems::cost::detail
