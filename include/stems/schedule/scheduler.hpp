#pragma once
// The inter-layer scheduler (Stream/STEMS style): computation nodes are list-scheduled on the
// cores in priority order; a memory manager tracks each core's top on-chip memory (weights and
// states start in DRAM, states move on chip and are written back when they leave, eviction by
// importance = remaining uses x 100 - layer id, activations written back only when evicted while
// still needed); transfers serialise on the DRAM link; a node with operands too large for the
// top memory flushes it and blocks the DRAM link while it runs. Costs per node come from the
// intra-layer cost model (memoised).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stems/common/names.hpp"
#include "stems/cost/node_cache.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/schedule/cn_graph.hpp"
#include "stems/schedule/schedule.hpp"
#include "stems/workload/network.hpp"

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
  double start_cycle = 0, end_cycle = 0;  // on the DRAM link
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
  EnergyBuckets buckets;
  std::vector<LayerResult> layers;  // topological order
  // Breakdown per (layer, operand, component) in pJ; component = "MAC", a memory level name, or
  // the DRAM's name.
  std::map<std::tuple<int, std::string, std::string>, double> breakdown;
  std::vector<NodeRecord> nodes;  // in scheduling order
  std::vector<TransferRecord> transfers;
  std::vector<std::pair<double, std::uint64_t>> memory_timeline;  // (cycle, on-chip bits)
  std::size_t unique_nodes = 0;
};

// What an evaluation records besides its totals. Totals (the optimiser's fitness, campaign rows)
// leaves `breakdown`, `nodes`, `transfers` and `memory_timeline` empty; every other field,
// per-layer results included, is the same, bit for bit, as with Full.
enum class Records : std::uint8_t { Full, Totals };

// Evaluates `schedule` (nodes from build_cn_graph) of `net` on `acc`. `cache` memoises node costs
// and may be shared between evaluations on the same accelerator. Throws InputError for schedules
// the hardware cannot run.
ScheduleResult evaluate_schedule(const workload::Network& net, const hardware::Accelerator& acc,
                                 const Schedule& schedule, cost::NodeCostCache& cache,
                                 Records records = Records::Full);

}  // namespace stems::schedule
