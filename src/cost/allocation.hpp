#pragma once
// Private to src/cost: the loop-to-level allocation stage of one ordering (LOMA's memory
// allocator as STEMS runs it, stems_model.md 3.2): bottom-up over the memory nodes, each level
// takes the prefix of the remaining loops that fits its capacity and minimises (loops left above x
// tile bits); a level shared by several operands chooses their prefixes jointly. Then the
// stationarity merge-down moves loops an operand does not depend on down one level.

#include <vector>

#include "ordering_scratch.hpp"

namespace stems::cost::detail {

// suffix[i] = product of ordering[i..n): the loops that stay above a level cut at i.
void suffix_products(const std::vector<Loop>& ordering, std::vector<double>& suffix);

// Bits per element of `op` at a level whose loops end before ordering[next]: a stateless output
// is a partial sum while a reduction loop (temporal, or spatial above memory level m) remains.
double element_bits(const NodeProblem& pb, const OperandSetup& op,
                    const std::vector<Loop>& ordering, std::size_t next, std::size_t m);

// Candidate tiles of `op` at its non-top level m: slice k takes ordering[next, next + k). Fills
// s.slice_bits / s.slice_elements from index 0 while the tile fits `capacity_bits`; returns the
// number of candidates (0: not even the spatial tile fits).
std::size_t level_candidates(const NodeProblem& pb, const OperandSetup& op,
                             const std::vector<Loop>& ordering, double bits, double capacity_bits,
                             OperandScratch& s);

// The top level of `op` holds every remaining loop: its one candidate, at index n - next. False
// when it does not fit `capacity_bits`.
bool top_candidate(const NodeProblem& pb, const OperandSetup& op, const std::vector<Loop>& ordering,
                   double bits, double capacity_bits, OperandScratch& s);

// Allocates `ordering` to every operand's levels. Fills each operand's cuts and tile_elements;
// false when some level cannot hold even its spatial tile (or the top level not the rest).
bool allocate_loops(const NodeProblem& pb, const std::vector<Loop>& ordering, Scratch& s);

// Stationarity: loops at the bottom of a level that `op` does not depend on sink into the level
// below (its data stays put while they run), repeated until nothing moves.
void merge_down_stationary(const OperandSetup& op, const std::vector<Loop>& ordering,
                           std::vector<std::size_t>& cuts);

}  // namespace stems::cost::detail
