#pragma once
// The tensors of a node graph, registered with the memory manager before scheduling: the weights
// of every layer that has some, the state of every (layer, spatial tile) of a stateful layer, the
// output of every node and the network-input tile of every node that reads the network input.

#include <cstdint>
#include <vector>

#include "stems/schedule/cn_graph.hpp"
#include "stems/schedule/memory_manager.hpp"

namespace stems::schedule {

struct NodeTensors {
  std::vector<TensorId> weight_of;              // by vertex; kNoTensor: no weights
  std::vector<std::vector<TensorId>> state_of;  // by vertex, then spatial tile (x_index)
  std::vector<TensorId> output_of;              // by node
  std::vector<TensorId> input_of;               // by node; kNoTensor: not a network-input reader
};

// Creates them in topological order of layers, each layer's weights first, then per node its
// state (first node of its spatial tile), output and input. Tensor ids follow this order, and
// eviction ties go to the lowest id: the order is part of the results.
NodeTensors create_tensors(const workload::Network& net, const Schedule& schedule, const CnGraph& g,
                           MemoryManager& memory);

// Next-use eviction: gives every tensor its uses as positions in the priority order (`position`,
// by node): a layer's weights, its nodes; a state, the nodes of its spatial tile; an output, the
// nodes on its own core that read it (once per read: readers on other cores read a replica,
// whose uses Replicas gives; their reads are spent from the output all at once when it is copied,
// so while they remain, its next use is its first own read); a network-input tile, its node.
// `core_of`: every layer's core (by vertex).
void set_tensor_uses(const CnGraph& g, const NodeTensors& nt, const std::vector<int>& core_of,
                     const std::vector<std::uint32_t>& position, MemoryManager& memory);

}  // namespace stems::schedule
