#pragma once
// Private to src/cost: building a NodeProblem (node_problem.cpp, spatial_levels.cpp) and
// evaluating one loop ordering on it (node_model.cpp).

#include <limits>
#include <vector>

#include "node_problem.hpp"
#include "ordering_scratch.hpp"
#include "stems/hardware/accelerator.hpp"

namespace stems::cost::detail {

// The node's operands in ZigZag's order O, W (an Add's X; a pool's zero-bit window under
// policy.pooling_window_as_weight), I (an Add's Y), V (stateful layers): at most four.
std::vector<OperandSetup> node_operands(const workload::Layer& layer, const ModelPolicy& policy);

// Throws std::invalid_argument when the core lacks a memory level for an operand of the node.
// `dram_link_bits_per_cycle` (0: none) bounds the timing of in-node DRAM streaming unless
// policy.dram_stream_at_dram_width.
NodeProblem build_problem(const workload::Layer& layer, const hardware::Core& core,
                          const hardware::Dram& dram, const std::vector<MemOperand>& too_large,
                          const ModelPolicy& policy, double dram_link_bits_per_cycle = 0);

// ---- build_problem's stages ----

// Port of every direction, port count, shared-port flags and shared capacity of a memory node.
void assign_ports(MemNode& n);

// The core's levels that serve an operand of pb (file order), then the DRAM when pb.too_large is
// not empty; ports numbered across all nodes. Returns the node index of every core level (-1:
// unused).
std::vector<int> add_memory_nodes(NodeProblem& pb, const hardware::Core& core,
                                  const hardware::Dram& dram, double dram_link_bits_per_cycle = 0);

// Operand `operand`'s path through the nodes (plus the DRAM when too large) and the nodes' users.
void attach_path(NodeProblem& pb, std::size_t operand, const hardware::Core& core,
                 const std::vector<int>& node_of_level);

// op.smap[m], m = 0..M: the unrolled loops directly below level m (m = M: above the top level).
void place_spatial_loops(const NodeProblem& pb, OperandSetup& op);

// a = 0..M: active instances (a = m + 1: copies of level m; a = 0: the PEs used), i.e. the
// product of the unrolled loops in smap[a..M], rounded.
std::vector<double> active_copies(const std::vector<std::vector<SpatialLoop>>& smap);

// m = 0..M: unique elements one instance of level m sends per element below, for the fractional
// (use_int = false) or the ceil'ed unrolling; 1 at M.
std::vector<double> fanout_boosts(const NodeProblem& pb, const OperandSetup& op, bool use_int);

struct OrderingResult {
  bool valid = false;
  double energy_pJ = 0;
  double latency_cycles = 0;         // latency_total1
  double latency_total2_cycles = 0;  // + offloading: tie-breaker
};

// Allocates `ordering` (innermost first) to the memory levels and costs it (node_model.cpp). When
// `detail` is non-null, fills it with the full breakdown of this ordering. Without detail, an
// ordering whose energy exceeds `energy_bound_pJ` is returned without its latency (it cannot be
// chosen). `scratch` must be prepared for `pb` and orderings of this length (Scratch::prepare,
// once per problem: the per-ordering path allocates nothing); debug builds assert it.
// `state_copies`: see transfer_phase (1 but under the stems policy state_loading_repeats).
OrderingResult evaluate_ordering(const NodeProblem& pb, const std::vector<Loop>& ordering,
                                 Scratch& scratch, NodeCost* detail,
                                 double energy_bound_pJ = std::numeric_limits<double>::infinity(),
                                 double state_copies = 1);

}  // namespace stems::cost::detail
