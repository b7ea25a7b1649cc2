#pragma once
// Result of the intra-layer (loop-nest) cost model for one computation node on one core: the
// chosen mapping and every figure with its breakdown per operand x memory level x direction.
//
// Units: energies in pJ, sizes in bits, traffic in word accesses (a word = the level's bandwidth
// in bits; an access narrower than the minimum granularity is charged ceil(bits/min)*(min/bw)
// words, so word counts can be fractional), time in clock cycles (fractional where the stall model
// averages, as ZigZag's does).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "stems/cost/loma.hpp"
#include "stems/hardware/accelerator.hpp"

namespace stems::cost {

using hardware::MemOperand;

// Data-movement directions at one memory level, as ZigZag names them.
enum class Direction : std::uint8_t {
  ReadToLow = 0,     // read out towards the PEs / the level below
  WriteFromLow = 1,  // written in from below (outputs, partial sums, state)
  ReadToHigh = 2,    // read out towards the level above (outputs, state)
  WriteFromHigh = 3  // written in from above (inputs, weights, state)
};
inline constexpr std::array<Direction, 4> kAllDirections = {
    Direction::ReadToLow, Direction::WriteFromLow, Direction::ReadToHigh, Direction::WriteFromHigh};
const char* direction_name(
    Direction d);  // "rd_to_low", "wr_from_low", "rd_to_high", "wr_from_high"
inline bool is_read(Direction d) {
  return d == Direction::ReadToLow || d == Direction::ReadToHigh;
}

struct DirectionTraffic {
  double amount_elements = 0;  // elements moved per period (one instance, incl. fan-out boost)
  std::uint32_t precision_bits = 0;
  std::uint64_t period_cycles = 0;
  double period_count = 0;  // periods in the node (spikes of a stateful O: each seen once)
  double words = 0;         // word accesses, all copies of the level
  double energy_pJ = 0;
  double real_cycles = 0;     // cycles one period's transfer needs at the level's bandwidth
  double allowed_cycles = 0;  // cycles the loop nest allows for it
};

struct LevelCost {
  std::string memory;  // memory level name ("dram" when the operand was too large)
  bool offchip = false;
  std::vector<Loop> temporal_loops;  // loops allocated to this level, innermost first
  std::vector<Loop> spatial_loops;   // unrolled loops between this level and the one below
  double tile_bits = 0;              // data one instance holds
  double copies = 1;                 // active instances
  bool double_buffered = false;
  std::array<DirectionTraffic, 4> traffic{};
  double energy_pJ = 0;
};

// The bits a DRAM level of a too-large operand moves, read from and written to the DRAM: its
// word accesses x the DRAM's port widths (a word at a level is its bandwidth in bits).
struct DramStreamBits {
  double read_bits = 0;
  double write_bits = 0;
};
DramStreamBits dram_stream_bits(const LevelCost& level, const hardware::Dram& dram);

struct OperandCost {
  MemOperand operand = MemOperand::W;
  std::string layer_operand;      // "W", "I", "O", "V"; an Add's X (W path) and Y (I path)
  std::vector<LevelCost> levels;  // innermost first
  double energy_pJ = 0;
};

struct SpatialUnroll {
  std::string array_dim;
  workload::Dim dim = workload::Dim::K;
  double factor = 1;             // fractional when the loop does not divide (energy, LOMA)
  std::uint64_t factor_int = 1;  // ceil version (latency)
  std::uint64_t temporal = 1;    // iterations left for the loop: ceil(L / unrolled)
};

struct LatencyBreakdown {
  std::uint64_t ideal_cycles = 0;           // ceil(ops / PEs)
  std::uint64_t ideal_temporal_cycles = 0;  // product of the temporal loops
  double stall_cycles = 0;                  // bandwidth stalls over all ports (ZigZag SS_comb)
  double loading_cycles = 0;                // initial fill of the lower levels
  double offloading_cycles = 0;             // final drain (not part of latency_cycles)
  double latency_cycles = 0;                // ideal_temporal + stall + loading (STEMS's runtime)
};

struct NodeCost {
  double mac_energy_pJ = 0;
  double onchip_memory_energy_pJ = 0;   // all on-chip levels
  double offchip_memory_energy_pJ = 0;  // the DRAM level of too-large operands
  // Neuron updates (core's neuron_update_energy_pJ per stateful neuron per timestep) under
  // policy.neuron_update_energy; 0 otherwise and on the shipped STEMS hardware.
  double neuron_energy_pJ = 0;
  double energy_pJ = 0;  // mac + neuron + on-chip + off-chip memory
  std::uint64_t ops = 0;
  bool multi_bit_macs = false;
  LatencyBreakdown latency;
  std::vector<SpatialUnroll> spatial;
  std::vector<Loop> ordering;         // the chosen LOMA ordering, innermost first
  std::vector<OperandCost> operands;  // O, W, I, V (those the node has)
  std::vector<MemOperand> too_large;  // operands given DRAM as an extra top level
  // Bits the tiles of the too-large (streamed) operands take in the core's top on-chip memory,
  // the level right below the DRAM (tile x copies); 0 when nothing streams. The loop nest counts
  // on this room beside the resident operands (its capacity check; a double-buffered level's
  // second sub-tile is not included); the scheduler's memory manager reserves it only under
  // ModelPolicy::reserve_streamed_tiles (README "Streamed tiles are not reserved").
  double streamed_top_bits = 0;
  // True when the reference's capacity check left no feasible loop nest and more operands were
  // moved off-chip (see search_node).
  bool too_large_escalated = false;
  std::uint64_t orderings_evaluated = 0;
  double onchip_energy_pJ() const {
    return mac_energy_pJ + neuron_energy_pJ + onchip_memory_energy_pJ;
  }
};

// Every bit the node moves between its DRAM levels and the DRAM (reads and writes of its
// too-large operands, dram_stream_bits added up); 0 when nothing streams.
double node_dram_stream_bits(const NodeCost& c, const hardware::Dram& dram);

}  // namespace stems::cost
