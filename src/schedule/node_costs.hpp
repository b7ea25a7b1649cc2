#pragma once
// The costs of one evaluation's nodes. Nodes of a layer mostly share their shape and input bits,
// so a cost is looked up in a small local map first and in the shared NodeCostCache (a string
// key, a lock) once per (layer, shape, input bits). On a zero-skipping core the dense cost is
// scaled by the layer's spike densities (cost/sparsity.hpp).

#include <cstdint>
#include <map>
#include <memory>
#include <tuple>

#include "stems/cost/node_cache.hpp"
#include "stems/schedule/cn_graph.hpp"

namespace stems::schedule {

class NodeCosts {
 public:
  NodeCosts(const hardware::Accelerator& acc, cost::NodeCostCache& cache)
      : acc_(acc), cache_(cache) {}

  // The cost of node n on core `core` when its producers deliver `bits` (the capacity check's
  // inputs). The reference stays valid for the object's lifetime.
  // `must_stream`: operands streamed from DRAM even if they fit (cost::search_node).
  const cost::NodeCost& of(const ComputationNode& n, int core, const cost::OperandBits& bits,
                           cost::OperandMask must_stream = 0);

 private:
  using Key = std::tuple<workload::Vertex, std::uint64_t, std::uint64_t, std::uint64_t,
                         std::uint64_t, cost::OperandMask>;
  const hardware::Accelerator& acc_;
  cost::NodeCostCache& cache_;
  std::map<Key, std::shared_ptr<const cost::NodeCost>> local_;
};

}  // namespace stems::schedule
