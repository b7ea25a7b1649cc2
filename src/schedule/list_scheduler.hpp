#pragma once
// The list scheduler: takes ready computation nodes in the schedule's priority order (ReadySet)
// and gives each its start and end cycle on its layer's core. Per node (stems_model.md 4.6): start
// when the core is idle and the predecessors are done; a node with too-large operands flushes its
// core's memory; the tensors it needs are brought on chip (smallest first; replicas from other
// cores at their first read); it runs for its cost's latency (the DRAM link blocked meanwhile if
// it works from DRAM); its output takes room on chip (or is born in DRAM when too large); then
// the uses are released and sink outputs written to DRAM. Memory, transfers and energy are the
// components' (memory_manager.hpp, link_model.hpp, replicas.hpp, energy_ledger.hpp).

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "node_costs.hpp"
#include "node_tensors.hpp"
#include "ready_set.hpp"
#include "replicas.hpp"
#include "stems/schedule/energy_ledger.hpp"
#include "stems/schedule/link_model.hpp"
#include "stems/schedule/memory_manager.hpp"
#include "stems/schedule/scheduler.hpp"

namespace stems::schedule {

class ListScheduler {
 public:
  // Throws InputError / Infeasible when a layer has no core or the hardware cannot be scheduled.
  ListScheduler(const workload::Network& net, const hardware::Accelerator& acc,
                const Schedule& schedule, const CnGraph& graph, cost::NodeCostCache& cache,
                Records records);
  ListScheduler(const ListScheduler&) = delete;
  ListScheduler& operator=(const ListScheduler&) = delete;

  // Schedules every node once; call once.
  ScheduleResult run();

 private:
  void schedule_node(const ComputationNode& n);
  double earliest_start(const ComputationNode& n, int core) const;
  cost::OperandBits input_bits(const ComputationNode& n) const;
  const cost::NodeCost& node_cost(const ComputationNode& n, int core);
  double state_fetch_pJ(const ComputationNode& n, int core, const cost::NodeCost& c) const;
  struct LastUseMoves {
    double pJ = 0;
    std::uint64_t bits = 0;
    cost::OperandMask mask = 0;
  };
  LastUseMoves last_use_moves(int core) const;
  const cost::NodeCost& weigh_last_use_fetches(const ComputationNode& n, int core,
                                               const cost::OperandBits& bits,
                                               const cost::NodeCost& c);
  bool streams_better(int core, const cost::NodeCost& s, const LastUseMoves& sm,
                      const cost::NodeCost& c, const LastUseMoves& cm) const;
  std::uint64_t new_room_bits(const ComputationNode& n, int core, const cost::NodeCost& c) const;
  double placement_pJ(const ComputationNode& n, int core, const cost::NodeCost& c) const;
  const cost::NodeCost& fit_streamed_room(const ComputationNode& n, int core,
                                          const cost::OperandBits& bits,
                                          cost::OperandMask must_stream, const cost::NodeCost& c);
  const cost::NodeCost& fetch_or_stream_fitted(const ComputationNode& n, int core,
                                               const cost::OperandBits& bits,
                                               const cost::NodeCost& c,
                                               const cost::NodeCost& streamed);
  static std::uint64_t streamed_room_bits(const cost::NodeCost& c);
  static std::uint64_t next_cap_below(std::uint64_t cap, std::uint64_t capacity);
  void hold_streamed_room(int core, const cost::NodeCost& c, double start, double end);
  // A node's use of its core's DRAM link (dram_link_use): its share of the bandwidth from
  // from_cycle to end_cycle, which is the node's end.
  struct LinkUse {
    double from_cycle = 0;
    double end_cycle = 0;
    double share = 0;
  };
  LinkUse dram_link_use(int core, const cost::NodeCost& c, double start) const;
  void use_dram_link(int core, double end);
  void gather_tensors(const ComputationNode& n, int core, const cost::NodeCost& c);
  double bring_inputs(int core, int layer_id, double start);
  double make_output_room(const ComputationNode& n, int core, const cost::NodeCost& c,
                          double start);
  void place_output(const ComputationNode& n, int core, const cost::NodeCost& c, double start,
                    double end);
  void account(const ComputationNode& n, int core, const cost::NodeCost& c, double start,
               double end);
  void record_node(const ComputationNode& n, int core, const cost::NodeCost& c, double start,
                   double end);
  double release_uses(const ComputationNode& n, const cost::NodeCost& c, double end);
  void complete(const ComputationNode& n, int core, double end);
  void note_streamed_tiles(int core, const cost::NodeCost& c);
  ScheduleResult finish();

  const workload::Network& net_;
  const hardware::Accelerator& acc_;
  const Schedule& schedule_;
  const CnGraph& g_;
  cost::NodeCostCache& cache_;
  const cost::ModelPolicy& policy_;  // the schedule fields (the cache's model)
  const bool full_;  // Records::Full: node, transfer, timeline and breakdown records

  // Components, in construction order (the memory manager and replicas use the ledger and links).
  std::vector<int> core_of_;  // by vertex
  // The nodes in the ready set's order (ReadySet::sequence) when it is static or under next-use
  // eviction, else empty; and by node, its position there under next-use eviction, else empty.
  std::vector<std::size_t> sequence_;
  std::vector<std::uint32_t> position_;
  EnergyLedger ledger_;
  LinkModel links_;
  MemoryManager memory_;
  NodeTensors tensors_;
  Replicas replicas_;
  NodeCosts costs_;
  ReadySet ready_;

  // Scheduling state.
  std::vector<std::size_t> missing_;  // by node: predecessors not finished yet (latency order)
  std::vector<double> end_of_;        // by node: end cycle once scheduled
  std::vector<double> core_free_at_;  // by core: end of its last node
  double makespan_ = 0;
  StreamedTiles streamed_;           // what streaming nodes count on (note_streamed_tiles)
  std::vector<LayerResult> layers_;  // by vertex
  std::vector<NodeRecord> nodes_;    // Records::Full, in scheduling order

  // The node being scheduled (buffers reused across nodes).
  struct Needed {
    TensorId tensor;
    std::string_view label;    // the workload operand's name (static)
    hardware::MemOperand mem;  // the memory operand it is (fed_operand of an input)
  };
  std::vector<Needed> needed_;
  std::vector<TensorId> input_ts_;  // by input edge: the tensor it reads (DRAM or on chip)
  Protect protect_, keep_;
  std::vector<TensorId> tiles_of_core_;  // by core: the tensor holding a node's streamed tiles
  LinkUse link_use_;                     // its use of its core's DRAM link
};

}  // namespace stems::schedule
