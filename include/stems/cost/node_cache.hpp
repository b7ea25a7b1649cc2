#pragma once
// Thread-safe memo of node costs: a node's cost depends only on its shape, precisions, state,
// the core and the capacity-check inputs, so each unique node is searched once per accelerator.
// The scheduler and the optimiser ask for the same few shapes millions of times.

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "stems/cost/node_search.hpp"

namespace stems::cost {

class NodeCostCache {
 public:
  // Keeps its own copy of the accelerator description.
  explicit NodeCostCache(hardware::Accelerator acc, NodeSearchOptions options = {});

  // The cost of `node` on core `core_id` (searched on first use). Safe to call from many threads;
  // throws what search_node throws (nothing is cached then).
  // `must_stream`: operands the node must stream from DRAM (search_node).
  // `top_cap_bits`: when nonzero, the node's loop nest may use at most this many bits of the
  // core's top on-chip memory (the scheduler's candidates for a streaming node under
  // ModelPolicy::reserve_streamed_tiles); 0: the whole memory.
  std::shared_ptr<const NodeCost> get(const workload::Layer& node, int core_id,
                                      const OperandBits& bits = {}, OperandMask must_stream = 0,
                                      std::uint64_t top_cap_bits = 0);

  std::size_t size() const;
  // The search options every cost here was computed with; the scheduler reads the model's schedule
  // fields from options().policy.
  const NodeSearchOptions& options() const { return options_; }
  const ModelPolicy& policy() const { return options_.policy; }
  std::uint64_t hits() const { return hits_.load(); }
  std::uint64_t misses() const { return misses_.load(); }

 private:
  std::string key(const workload::Layer& node, int core_id, const OperandBits& bits,
                  OperandMask must_stream, std::uint64_t top_cap_bits) const;

  const hardware::Accelerator acc_;
  const NodeSearchOptions options_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const NodeCost>> map_;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace stems::cost
