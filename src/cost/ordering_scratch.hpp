#pragma once
// Private to src/cost: the buffers that evaluating one loop ordering fills, stage by stage
// (allocation -> tile sizes per level -> access counts -> energy -> stalls -> loading). They are
// sized once per NodeProblem from the problem itself (its operands, each operand's memory levels,
// its memory nodes and ports, the ordering length), so no hardware description can overrun them,
// and the search's per-ordering path allocates nothing.

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "node_problem.hpp"

namespace stems::cost::detail {

// Tile sizes and periods of one operand per level ("tile sizes per level" stage). Indexed by
// arch level a = 0..M, where a = m + 1 is memory level m and a = 0 the PEs; `period_cycles` by
// memory level m = 0..M-1. Names follow ZigZag where the reference formulas use them.
struct LevelTiles {
  std::vector<double> elements;      // D: tile elements one instance holds (fractional unrolling)
  std::vector<double> elements_int;  // D_int: the same with the ceil'ed unrolling (latency)
  std::vector<double> top_ir;        // product of the irrelevant loops at the top of the level
  std::vector<double> top_r;         // product of the relevant loops at the top of the level
  std::vector<std::uint64_t> period_cycles;  // product of the loops at levels 0..m
  std::vector<char> psum;              // O: partial sums held at level m (reductions remain above)
  std::uint64_t mac_reuse_cycles = 1;  // c0: innermost irrelevant loops of W/I (reuse at the PE)
};

// One (operand, level, direction) of data movement: what the access-counting stage counts and
// what the energy and latency stages derive from it. Entries with used = false are stale.
struct Flow {
  bool used = false;
  double precision_bits = 0;
  double amount = 0;      // elements per period, fan-out boost included (fractional unrolling)
  double amount_int = 0;  // the same with the ceil'ed unrolling (latency)
  std::uint64_t period_cycles = 1;
  double periods = 0;         // total temporal cycles / period
  double word_periods = 0;    // periods the word count uses (a stateful O: each spike once)
  double words = 0;           // word accesses over all copies of the level
  double energy_pJ = 0;       // energy stage
  double real_cycles = 0;     // latency stage: cycles one period's transfer takes
  double allowed_cycles = 0;  // latency stage: cycles the loop nest allows for it
  bool active() const { return used && periods != 0; }
};

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

// Everything one operand's stages write. Per level m = 0..M-1 unless noted.
struct OperandScratch {
  // Allocation: level m holds ordering[cuts[m-1], cuts[m]) with cuts[-1] = 0.
  std::vector<std::size_t> cuts;
  std::vector<double> tile_elements;  // a = 0..M: tile elements as allocated
  // Candidate tiles of the level being filled, indexed by the number of loops it takes (0..n).
  std::vector<double> slice_bits;
  std::vector<double> slice_elements;
  std::size_t slice_first = 0;  // first candidate (the top level has exactly one)
  std::size_t slice_count = 0;
  std::size_t next = 0;  // first ordering index not yet allocated
  DimProducts prod{};    // loop products below the level being filled
  LevelTiles tiles;
  std::vector<std::array<Flow, 4>> flows;  // per Direction
  std::vector<double> fill;                // fraction of level m's capacity the tile uses
  std::vector<char> double_buffered;       // a = 0..M
};

// One user's candidate tiles as the joint choice at a memory node reads them (allocation.cpp).
struct TileChoice {
  const double* bits = nullptr;    // candidate tile bits, from the first candidate
  const double* suffix = nullptr;  // loops left above each candidate; null at a top level
  std::size_t count = 0;
  std::size_t pick = 0;
  bool streamed = false;  // below_dram: the cap of the tie rule applies to its bits
};

struct Scratch {
  std::vector<OperandScratch> operands;  // as NodeProblem::operands
  std::vector<double> suffix;            // 0..n: product of ordering[i..n) (loops left above)
  std::vector<TileChoice> choice;        // joint tile choice at a memory node, per user
  std::vector<std::size_t> best;         // the chosen candidate per user
  std::vector<double> shared_fill;       // per memory node: summed fill of a shared level
  std::vector<std::vector<Activity>> port_activities;  // per port (MemNode::first_port + port)
  std::vector<double> union_measure;  // MUW union: covered cycles per activity of a port
  std::vector<bool> union_marks;      // MUW union fallback bitmap (periods without a chain)
  std::vector<std::array<double, 3>> phase_parts;  // loading/offloading: per operand
  // The tie rule of the joint tile choice for operands streamed from DRAM right above a level
  // (allocation.cpp, choose_tiles): infinite, ZigZag's rule; finite, among the choices that move
  // the fewest bits from above, the largest streamed tile within the cap is preferred.
  double streamed_cap_bits = std::numeric_limits<double>::infinity();
  double streamed_chosen_bits = 0;  // the last allocation's largest streamed tile at a level

  // Sizes every buffer for `pb` and orderings of up to `ordering_length` loops.
  void prepare(const NodeProblem& pb, std::size_t ordering_length);
  // Whether the buffers have the shape prepare(pb, ordering_length) gives.
  bool fits(const NodeProblem& pb, std::size_t ordering_length) const;
};

}  // namespace stems::cost::detail
