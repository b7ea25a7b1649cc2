#pragma once
// Core-to-core replicas (part of the transfer model): an output read by nodes on another core is
// copied there once, one replica per producer node and consumer core, at the first read. The copy
// goes over a direct core-to-core link when there is one (top-memory read + link + top-memory
// write, bucket core_to_core), else through DRAM (the producer's copy written back once, then
// fetched). The producer's own copy then no longer waits for the reads the replica serves.

#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "stems/schedule/cn_graph.hpp"
#include "stems/schedule/memory_manager.hpp"

namespace stems::schedule {

class Replicas {
 public:
  // `core_of`: the core of every layer (by vertex).
  // `position`: the nodes' priority positions under next-use eviction (a replica's uses are its
  // readers on its core), else empty.
  Replicas(const workload::Network& net, const CnGraph& g, const std::vector<int>& core_of,
           const hardware::Accelerator& acc, MemoryManager& memory, LinkModel& links,
           EnergyLedger& ledger, const std::vector<std::uint32_t>& position);

  // The tensor a node on `core` reads producer node `producer`'s output (`output`) from: the
  // output itself on the producer's core, else the replica on `core` (created at the first ask).
  TensorId input_tensor(std::size_t producer, TensorId output, int core);
  // True for a replica that has not been copied yet.
  bool awaits_copy(TensorId t) const;
  // Copies replica t onto `core` for a node of `layer_id` reading it as `operand`; returns when
  // it is there.
  double copy_in(TensorId t, int core, int layer_id, std::string_view operand, double earliest,
                 const Protect& protect);

 private:
  struct Origin {
    TensorId tensor;     // the producer's output
    std::int64_t reads;  // reads the replica serves
  };
  double copy_over_link(TensorId origin, TensorId replica, int core, int layer_id,
                        std::string_view operand, double earliest, const Protect& protect);

  const workload::Network& net_;
  const CnGraph& g_;
  const std::vector<int>& core_of_;
  const hardware::Accelerator& acc_;
  MemoryManager& memory_;
  LinkModel& links_;
  EnergyLedger& ledger_;
  const std::vector<std::uint32_t>& position_;
  std::vector<std::uint32_t> uses_;  // a new replica's uses, reused
  // Reads of (producer node, consumer core) for consumers on another core than the producer.
  std::map<std::pair<std::size_t, int>, std::int64_t> remote_reads_;
  std::map<std::pair<TensorId, int>, TensorId> replica_of_;  // (output, core) -> replica
  std::map<TensorId, Origin> origin_of_;
};

}  // namespace stems::schedule
