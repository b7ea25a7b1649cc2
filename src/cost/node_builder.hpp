#pragma once
// Private to src/cost: building a NodeProblem and evaluating one loop ordering on it.

#include <limits>
#include <vector>

#include "node_problem.hpp"
#include "stems/hardware/accelerator.hpp"

namespace stems::cost::detail {

std::vector<OperandSetup> node_operands(const workload::Layer& layer);

// Throws std::invalid_argument when the core lacks a memory level for an operand of the node.
NodeProblem build_problem(const workload::Layer& layer, const hardware::Core& core,
                          const hardware::Dram& dram, const std::vector<MemOperand>& too_large);

struct OrderingResult {
  bool valid = false;
  double energy_pJ = 0;
  double latency_cycles = 0;         // latency_total1
  double latency_total2_cycles = 0;  // + offloading: tie-breaker
};

// Reusable buffers so that evaluating an ordering allocates nothing after the first call.
// One periodic transfer on a memory port: stall/slack (SS), its twin for the state-layer stall
// estimate, and the memory-update window (MUW) it needs.
struct Activity {
  double ss = 0;
  double ss_twin = 0;
  double muw = 0;
  std::uint64_t period = 0;
  double allowed = 0;
  double count = 0;
};

struct Scratch {
  Allocation allocation;
  std::vector<std::vector<Activity>> port_activities;
};

// Allocates `ordering` (innermost first) to the memory levels and costs it. When `detail` is
// non-null, fills it with the full breakdown of this ordering. Without detail, an ordering whose
// energy exceeds `energy_bound_pJ` is returned without its latency (it cannot be chosen).
OrderingResult evaluate_ordering(const NodeProblem& pb, const std::vector<Loop>& ordering,
                                 Scratch& scratch, NodeCost* detail,
                                 double energy_bound_pJ = std::numeric_limits<double>::infinity());

}  // namespace stems::cost::detail
