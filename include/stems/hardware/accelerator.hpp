#pragma once
// The accelerator: compute cores with a PE array and a per-operand memory hierarchy, an off-chip
// DRAM, and the links between them. Units are in every name: sizes and bandwidths in bits (per
// access = per cycle), energies in pJ per access (memories), per operation (PE array) or per bit
// (links). Validated on construction by the loader and by validate() (std::invalid_argument with
// a precise message, pagmo style).

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stems/workload/types.hpp"

namespace stems::hardware {

using workload::Dim;
using workload::OpType;

// Memory operands served by a memory level: weights, inputs (spikes/activations), outputs, state.
// An Add's X operand travels on the W path and its Y operand on the I path (STEMS's links).
enum class MemOperand : std::uint8_t { W, I, O, V };
inline constexpr std::size_t kMemOperandCount = 4;
std::string_view mem_operand_name(MemOperand o);
std::optional<MemOperand> parse_mem_operand(std::string_view name);

struct Ports {
  std::uint32_t read = 0;
  std::uint32_t write = 0;
  std::uint32_t read_write = 0;
  bool operator==(const Ports&) const = default;
};

struct ArrayDim {
  std::string name;            // e.g. "D1"
  std::uint64_t size = 1;      // PEs along this dimension
  std::optional<Dim> unrolls;  // loop dimension unrolled along it (dataflow); none = idle
};

struct PeArray {
  std::vector<ArrayDim> dims;
  double accumulate_energy_pJ = 0;  // per accumulate-only op (1-bit spike input; add, pool)
  double mac_energy_pJ = 0;         // per multi-bit multiply-accumulate

  std::uint64_t pe_count() const;
  std::optional<std::size_t> index_of(const std::string& dim_name) const;
};

// The four data movements of a memory level, in cost::Direction's order: read to the level
// below, written from below, read to the level above, written from above (ZigZag's tl, fl, th,
// fh).
inline constexpr std::size_t kPortDirections = 4;

struct MemoryLevel {
  std::string name;
  std::vector<MemOperand> operands;
  std::uint64_t size_bits = 0;
  std::uint64_t read_bw_bits = 0;  // bits per access (= per cycle per port)
  std::uint64_t write_bw_bits = 0;
  double read_energy_pJ = 0;  // per full-width access
  double write_energy_pJ = 0;
  std::uint64_t min_read_bits = 0;  // access granularity: b bits cost ceil(b/min)*(min/bw) accesses
  std::uint64_t min_write_bits = 0;
  Ports ports;
  std::vector<std::string> served_dims;  // PE-array dims sharing one instance
  std::uint64_t copies = 1;              // instances = product of the sizes of the other dims
  // Explicit port of each movement (`port_allocation`), as an index among the level's ports
  // (read ports first, then write, then read/write; at most two of each kind); -1: the default
  // rule of the cost model (cost/node_problem.cpp, assign_ports).
  std::array<int, kPortDirections> port_of_direction{-1, -1, -1, -1};

  bool serves(MemOperand o) const;
  double read_energy_pJ_per_bit() const { return read_energy_pJ / double(read_bw_bits); }
  double write_energy_pJ_per_bit() const { return write_energy_pJ / double(write_bw_bits); }
};

// One PE-array dimension's unrolling in a per-operator spatial mapping.
struct ArrayUnroll {
  std::size_t array_dim = 0;  // index into PeArray::dims
  Dim dim = Dim::K;           // loop dimension unrolled along it
  std::uint64_t size = 0;     // at most the array dimension's size; 0: all of it
};

// A spatial mapping for some operators, instead of the PE array's own `unroll`s
// ([[core.spatial_mapping]]; ZigZag's mapping file entries).
struct SpatialMappingEntry {
  std::vector<OpType> operators;
  std::vector<ArrayUnroll> unrolls;  // array dims not listed are idle
};

struct Core {
  int id = 0;
  std::string name;
  PeArray array;
  std::vector<MemoryLevel> memories;                  // innermost first
  std::vector<OpType> operators;                      // operator types this core may run
  std::vector<SpatialMappingEntry> spatial_mappings;  // per operator; default: PE array unrolls
  // Event-driven: compute and spike traffic scale with the layers' spike densities
  // (cost/sparsity.hpp). Off by default (dense, as the reference runs).
  bool zero_skipping = false;
  // With zero_skipping: compute cycles also scale with the input density (an event-driven core
  // that spends a cycle only on non-zero inputs). Off by default: zero gating saves energy only.
  bool zero_skipping_cycles = false;
  // Energy of one neuron update (leak, threshold, reset: the neuron's state arithmetic, apart
  // from the synaptic accumulation in the MAC energy) per stateful neuron per timestep. Optional,
  // 0 by default and in every shipped STEMS config (the original tool does not charge it). A value
  // comes from the neuron circuit's post-layout or datasheet figure, e.g. the energy per synaptic
  // op times the adds/compares/shift of a LIF update at the state width.
  double neuron_update_energy_pJ = 0;

  // Indices into `memories` of the levels serving `o`, innermost first.
  std::vector<std::size_t> hierarchy(MemOperand o) const;
  // The outermost on-chip level of `o` (the buffer the scheduler's memory manager tracks).
  std::optional<std::size_t> top_level(MemOperand o) const;
  bool runs(OpType op) const;
  // The spatial mapping of `op`: its [[core.spatial_mapping]] entry, else the PE array's unrolls.
  std::vector<ArrayUnroll> unrolling_for(OpType op) const;
};

struct Dram {
  std::string name = "dram";
  std::uint64_t size_bits = 0;
  std::uint64_t read_bw_bits = 0;
  std::uint64_t write_bw_bits = 0;
  double read_energy_pJ = 0;   // per read access of read_bw_bits
  double write_energy_pJ = 0;  // per write access of write_bw_bits
  Ports ports;

  // Energy of moving `bits` in or out at whole-access granularity: ceil(bits/bw) * cost.
  double read_energy_pJ_for(std::uint64_t bits) const;
  double write_energy_pJ_for(std::uint64_t bits) const;
};

struct Link {
  std::string a;  // endpoint names: core names or the DRAM's name
  std::string b;
  double bandwidth_bits_per_cycle = 0;
  double energy_pJ_per_bit = 0;
  bool bidirectional = true;  // true: one link shared by both directions
};

struct Technology;  // stems/hardware/technology.hpp

struct Accelerator {
  std::string name;
  std::string description;
  std::vector<Core> cores;
  Dram dram;
  std::vector<Link> links;
  // The memory technology model of `[technology]` (areas, and the energies of a resized SRAM);
  // null when the file has none.
  std::shared_ptr<const Technology> technology;

  // Cores allowed to run each operator type (from each core's `operators`).
  std::map<OpType, std::vector<int>> allocation() const;
  const Link* link_between(const std::string& a, const std::string& b) const;

  // Throws std::invalid_argument describing the first inconsistency.
  void validate() const;
};

}  // namespace stems::hardware
