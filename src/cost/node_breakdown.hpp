#pragma once
// Private to src/cost: the full breakdown of one evaluated ordering (what `stems explain` and the
// scheduler's records show), copied out of the stages' buffers.

#include <vector>

#include "ordering_scratch.hpp"

namespace stems::cost::detail {

struct OrderingTotals {
  double mac_energy_pJ = 0;
  double onchip_memory_energy_pJ = 0;
  double offchip_memory_energy_pJ = 0;
  double energy_pJ = 0;
  std::uint64_t ideal_temporal_cycles = 0;
  double stall_cycles = 0;
  double loading_cycles = 0;
  double offloading_cycles = 0;
  double latency_cycles = 0;
};

// Per operand x level x direction: loops, tiles, copies, traffic and energy.
void fill_operands(const NodeProblem& pb, const std::vector<Loop>& ordering, const Scratch& s,
                   NodeCost& out);

// Energies, latency, spatial unrolling, ordering, too-large operands and the room their tiles
// take in the top on-chip memory (from the operands fill_operands gave `out`).
void fill_totals(const NodeProblem& pb, const std::vector<Loop>& ordering,
                 const OrderingTotals& totals, NodeCost& out);

}  // namespace stems::cost::detail
