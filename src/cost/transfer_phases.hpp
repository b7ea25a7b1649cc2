#pragma once
// Private to src/cost: the loading and offloading stage of one ordering (ZigZag's
// data_loading_cycle / data_offloading_cycle): before the first computation every input-side
// operand (W, I, V) fills its lower levels once; after the last, O and V drain. Each level pair
// costs the slower of its two transfers, booked per operand as shared (both ports carry other
// operands), half-shared or individual; the operands then overlap as ZigZag combines them.

#include <array>
#include <vector>

#include "ordering_scratch.hpp"

namespace stems::cost::detail {

// (shared, half-shared, individual) cycles of one operand's fill (loading) or drain.
std::array<double, 3> phase_part(const NodeProblem& pb, std::size_t operand,
                                 const OperandScratch& os, bool loading);

// min over operands k of shared[k] + max(everything of the others, half[k] + individual[k]);
// one operand: its individual part only. Reads parts[0 .. count).
double combine_phase(const std::vector<std::array<double, 3>>& parts, std::size_t count);

// Loading (loading = true) or offloading cycles of the ordering; needs the latency fields of the
// flows (port_activities). `state_copies`: how many times the state operand's shared and
// individual loading parts count (1; k on the k-th evaluation under the stems policy
// state_loading_repeats, where STEMS appends V to the layer's input list on every evaluation).
double transfer_phase(const NodeProblem& pb, Scratch& s, bool loading, double state_copies = 1);

}  // namespace stems::cost::detail
