#pragma once
// The costs of one evaluation's nodes. Nodes of a layer mostly share their shape and input bits,
// so a cost is looked up in a small local list first and in the shared NodeCostCache (a string
// key, a lock) once per (layer, shape, input bits). On a zero-skipping core the dense cost is
// scaled by the layer's spike densities (cost/sparsity.hpp).

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "stems/cost/node_cache.hpp"
#include "stems/schedule/cn_graph.hpp"

namespace stems::schedule {

class NodeCosts {
 public:
  NodeCosts(const hardware::Accelerator& acc, cost::NodeCostCache& cache)
      : acc_(acc), cache_(cache) {}

  // The cost of node n on core `core` when its producers deliver `bits` (the capacity check's
  // inputs). The reference stays valid for the object's lifetime.
  // `must_stream`: operands streamed from DRAM even if they fit (cost::search_node);
  // `top_cap_bits`: the most of the core's top memory the nest may use (0: all; NodeCostCache).
  const cost::NodeCost& of(const ComputationNode& n, int core, const cost::OperandBits& bits,
                           cost::OperandMask must_stream = 0, std::uint64_t top_cap_bits = 0);
  // The options every cost here is searched with (the criterion among them).
  const cost::NodeSearchOptions& options() const { return cache_.options(); }

 private:
  // What tells apart the costs of one layer's nodes (the layer is the index of local_).
  struct Key {
    std::uint64_t t = 0, ox = 0, bits_w = 0, bits_i = 0, top_cap_bits = 0;
    cost::OperandMask must_stream = 0;
    int core = 0;
    bool operator==(const Key&) const = default;
  };
  const hardware::Accelerator& acc_;
  cost::NodeCostCache& cache_;
  // Per layer, a few (key, cost) pairs, searched linearly: a layer's nodes share one or two.
  std::vector<std::vector<std::pair<Key, std::shared_ptr<const cost::NodeCost>>>> local_;
};

}  // namespace stems::schedule
