#pragma once
// Private to src/cost: the latency (stall) stage of one ordering, ZigZag's uniform model as
// STEMS runs it (stems_model.md 3.2, 7.1). Every periodic transfer has real cycles (its data at
// the level's bandwidth) and allowed cycles (the window the loop nest leaves it: the whole period
// when the level is double-buffered, else the period divided by the irrelevant loops at the top
// of the level); transfers sharing a memory port are combined through the union of their windows
// (MUW); the stall is the worst port. A stateful layer averages that with a twin estimate in
// which final outputs cost nothing to move.

#include <vector>

#include "ordering_scratch.hpp"

namespace stems::cost::detail {

// A level is double-buffered when its tile uses at most half of it (a shared level: the summed
// fill of its operands, taken in operand order O, W, I, V, may still admit one more operand).
// Fills every operand's fill and double_buffered[a], a = 1..M (a = 0, the PEs: never).
void double_buffering(const NodeProblem& pb, Scratch& s);

// Real and allowed cycles of every used flow, and the periodic activities of each memory port.
void port_activities(const NodeProblem& pb, Scratch& s);

// Cycles, over the node, in which at least one activity's window is open (ZigZag's
// calc_MUW_union). Sorts `acts` by period. `measure` holds at least acts.size() entries; `marks`
// is the bitmap of the fallback for periods that do not divide each other.
double muw_union(std::vector<Activity>& acts, std::vector<double>& measure,
                 std::vector<bool>& marks);

// Stall of one port: the positive stalls plus what the negative ones (slack) and the windows do
// not cover. `twin`: the state-layer estimate. Reorders `acts` (see muw_union).
double combine_port(std::vector<Activity>& acts, bool twin, std::vector<double>& measure,
                    std::vector<bool>& marks);

// STEMS's weight of the twin estimate: the product of the output's reduction loops in the
// highest level holding any (1 when none). `cuts` is the output's allocation.
double state_stall_weight(const NodeProblem& pb, const std::vector<Loop>& ordering,
                          const std::vector<std::size_t>& cuts);

// SS_comb: the worst port's stall (for a stateful layer averaged with the twin estimate).
double port_stall(const NodeProblem& pb, const std::vector<Loop>& ordering, Scratch& s);

}  // namespace stems::cost::detail
