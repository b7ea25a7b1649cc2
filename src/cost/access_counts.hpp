#pragma once
// Private to src/cost: the access-counting stage of one ordering (stems_model.md 3.2, 7.1). For
// every operand, memory level and direction: which directions move data (inputs are read
// towards the PEs and written from above; outputs written from below and read out upwards, plus
// partial-sum read-back; the state V in all four), at what precision, how many elements per
// period, how many periods, and the resulting word accesses:
//   words = ceil(amount * precision / min_bits) * (min_bits / bw_bits) * periods * copies.
// Filling or draining the top level is the scheduler's traffic, not counted here.

#include <cstdint>
#include <vector>

#include "ordering_scratch.hpp"

namespace stems::cost::detail {

inline bool is_low(Direction d) {
  return d == Direction::ReadToLow || d == Direction::WriteFromLow;
}

// Whether operand `op` moves data at its level m (`top`: its top level) in direction `dir`
// (before the precision check).
bool direction_used(const OperandSetup& op, const LevelTiles& t, std::size_t m, bool top,
                    Direction dir);

// Precision of the data moved: a stateless output moves partial sums (psum bits) while reductions
// remain and its final bits once complete; 0 where nothing of that kind moves.
double precision_for(const OperandSetup& op, Direction dir, const LevelTiles& t, std::size_t m);

// Precision a level's tile is held at (what it sends up; an input's own bits when it sends
// nothing up).
inline double tile_precision(const OperandSetup& op, const LevelTiles& t, std::size_t m) {
  const double p = precision_for(op, Direction::ReadToHigh, t, m);
  return p == 0 ? static_cast<double>(op.bits) : p;
}

// Fills flows[m][dir] for every level m of `op` (all but energy and the latency fields).
void count_accesses(const NodeProblem& pb, const OperandSetup& op, const LevelTiles& t,
                    std::uint64_t total_cycles, std::vector<std::array<Flow, 4>>& flows);

}  // namespace stems::cost::detail
