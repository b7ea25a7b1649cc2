#pragma once
// What evaluating a schedule gives: totals, energy buckets, per-layer results and (with
// Records::Full) every node, transfer, occupancy change and breakdown entry.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "stems/common/names.hpp"

namespace stems::schedule {

// Energy buckets of the reference (stems_model.md 7.3), in pJ.
struct EnergyBuckets {
  double cn_onchip_pJ = 0;          // node MAC + on-chip memory energy
  double cn_offchip_memory_pJ = 0;  // DRAM level of too-large operands, fetches, state write-backs
  double cn_offchip_link_pJ = 0;
  double eviction_memory_pJ = 0;  // write-backs forced by evictions and flushes
  double eviction_link_pJ = 0;
  double sink_memory_pJ = 0;  // final outputs written to DRAM
  double sink_link_pJ = 0;
  double core_to_core_memory_pJ = 0;
  double core_to_core_link_pJ = 0;
  double total_pJ() const {
    return cn_onchip_pJ + cn_offchip_memory_pJ + cn_offchip_link_pJ + eviction_memory_pJ +
           eviction_link_pJ + sink_memory_pJ + sink_link_pJ + core_to_core_memory_pJ +
           core_to_core_link_pJ;
  }
};

struct LayerResult {
  int id = 0;
  std::string name;
  int block = 0;
  bool stateful = false;
  std::size_t nodes = 0;
  double onchip_energy_pJ = 0;  // MAC + on-chip memory of its nodes
  double mac_energy_pJ = 0;
  double offchip_energy_pJ = 0;  // DRAM energy attributed to the layer (node + transfers)
  double latency_cycles = 0;     // sum of its nodes' runtimes
  double start_cycle = 0;
  double end_cycle = 0;
};

struct NodeRecord {
  int layer_id = 0;
  std::uint64_t t_index = 0, x_index = 0;
  int core = 0;
  double start_cycle = 0, end_cycle = 0;
  double energy_pJ = 0;
  std::vector<std::string> too_large;
  double streamed_top_bits = 0;  // its streamed tiles in the top memory (NodeCost)
  // The part of its core's DRAM link bandwidth the node holds, from dram_link_from_cycle to its
  // end (too-large operands only; 0 when nothing streams): 1 under ModelPolicy::
  // streaming_holds_link_whole, else its in-node DRAM bits over those cycles x the link's bits
  // per cycle. dram_link_from_cycle is its start, or later when transfers placed before it held
  // the link at its start (ListScheduler::dram_link_use).
  double dram_link_share = 0;
  double dram_link_from_cycle = 0;
};

enum class TransferKind : std::uint8_t { Fetch, StateWriteBack, Eviction, Sink, CoreToCore };
inline constexpr NameTable<TransferKind, 5> kTransferKindNames = {
    {{TransferKind::Fetch, "fetch"},
     {TransferKind::StateWriteBack, "state_write_back"},
     {TransferKind::Eviction, "eviction"},
     {TransferKind::Sink, "sink"},
     {TransferKind::CoreToCore, "core_to_core"}}};
inline std::string_view transfer_kind_name(TransferKind k) {  // for the reports' spelling
  return name_of(kTransferKindNames, k);
}

struct TransferRecord {
  TransferKind kind = TransferKind::Fetch;
  int layer_id = 0;
  std::string operand;
  std::uint64_t bits = 0;
  double start_cycle = 0, end_cycle = 0;  // on `link`
  std::size_t link = 0;                   // index in Accelerator::links
};

// Nodes that stream operands from DRAM and the room their tiles take in the top on-chip memory,
// which the memory manager does not reserve (README "Streamed tiles are not reserved"): a node
// counts on the bits its core holds at its start plus its streamed tiles (NodeCost::
// streamed_top_bits). When that exceeds the capacity, the node's energy and latency are
// optimistic by the evictions the missing room would take.
struct StreamedTiles {
  std::uint64_t streaming_nodes = 0;      // nodes with an operand streamed from DRAM
  std::uint64_t over_capacity_nodes = 0;  // those counting on more than their core's capacity
  std::uint64_t peak_bits = 0;  // the most any of them counts on (held + tiles, rounded up)
  // The tiles had their room made and held (ModelPolicy::reserve_streamed_tiles): the JSON's
  // "model" says so; the text summary words its line by it.
  bool reserved = false;
};

struct ScheduleResult {
  double energy_pJ = 0;
  double latency_cycles = 0;  // makespan over node ends and link events
  double mac_energy_pJ = 0;
  std::uint64_t offchip_read_bits = 0;
  std::uint64_t offchip_write_bits = 0;
  double offchip_energy_pJ = 0;  // every DRAM access (node DRAM levels + transfers)
  std::uint64_t state_bits = 0;
  std::uint64_t peak_onchip_bits = 0;
  bool memory_overflow = false;  // a node needed more than the top memory even after eviction
  StreamedTiles streamed_tiles;
  EnergyBuckets buckets;
  std::vector<LayerResult> layers;  // topological order
  // Breakdown per (layer, operand, component) in pJ; component = "MAC", a memory level name, or
  // the DRAM's name.
  std::map<std::tuple<int, std::string, std::string>, double> breakdown;
  std::vector<NodeRecord> nodes;  // in scheduling order
  std::vector<TransferRecord> transfers;
  std::vector<std::pair<double, std::uint64_t>> memory_timeline;  // (cycle, on-chip bits)
  std::size_t unique_nodes = 0;
  std::string model;  // the cost model evaluated with (cost::kModelNames)
};

// What an evaluation records besides its totals. Totals (the optimiser's fitness, campaign rows)
// leaves `breakdown`, `nodes`, `transfers` and `memory_timeline` empty; every other field,
// per-layer results included, is the same, bit for bit, as with Full.
enum class Records : std::uint8_t { Full, Totals };

}  // namespace stems::schedule
