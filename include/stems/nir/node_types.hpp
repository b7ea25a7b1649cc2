#pragma once
// The NIR node types stems reads, as one registry (src/nir/node_types.cpp): each type's name as it
// appears in a file, its kind, and (for neurons) the neuron model it becomes. The importer takes
// its per-type shape rules from the same table, and "unsupported node type" errors list its names,
// so a type is added in one place. Delay, Threshold and other NIR types are not in it.

#include <optional>
#include <string>
#include <string_view>

#include "stems/workload/types.hpp"

namespace stems::nir {

enum class NodeKind : std::uint8_t {
  PassThrough,  // Input (declares the network input) and Output: no layer of their own
  Synaptic,     // Affine, Linear, Conv1d, Conv2d, Scale: a layer a neuron node can merge into
  Pooling,      // SumPool2d, AvgPool2d: a layer a neuron node can merge into
  Flatten,      // a layer, except when it flattens the network input (a no-op then)
  Neuron,       // LIF, CubaLIF, IF, LI, Integrator/I: the neuron model of the layer feeding it
};

struct NodeTypeInfo {
  std::string_view name;  // as stored in a node's `type` dataset
  NodeKind kind;
  workload::NeuronModel neuron = workload::NeuronModel::None;  // Neuron kind only
  bool spiking = false;  // a neuron type whose output is spikes (else its potential)
};

// The registry entry of a NIR type name; nullopt for a type stems does not read.
std::optional<NodeTypeInfo> find_node_type(std::string_view type);
// "Input, Output, Affine, ..." for error messages.
std::string supported_node_types();

}  // namespace stems::nir
