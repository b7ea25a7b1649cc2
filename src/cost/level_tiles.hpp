#pragma once
// Private to src/cost: the "tile sizes per level" stage of one ordering. From an operand's
// allocation (cuts) it derives, per level, the tile one instance holds (fractional and ceil'ed
// unrolling), the period of the level (product of the loops at and below it), the runs of
// irrelevant / relevant loops at its top (which decide its update window and double buffering),
// and for an output where partial sums are held.

#include <vector>

#include "ordering_scratch.hpp"

namespace stems::cost::detail {

// Fills t.elements, elements_int, top_ir, top_r, period_cycles and mac_reuse_cycles.
void level_tiles(const NodeProblem& pb, const OperandSetup& op, const std::vector<Loop>& ordering,
                 const std::vector<std::size_t>& cuts, const std::vector<double>& tile_elements,
                 LevelTiles& t);

// psum[m] (m = 0..M-1): a reduction loop of the output runs at or above level m (temporal) or
// above it (spatial), so level m holds partial sums; psum[M] = false. Not written for a
// non-output (nothing reads it).
void partial_sum_levels(const NodeProblem& pb, const OperandSetup& op,
                        const std::vector<Loop>& ordering, const std::vector<std::size_t>& cuts,
                        std::vector<char>& psum);

}  // namespace stems::cost::detail
