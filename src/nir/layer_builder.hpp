#pragma once
// Private to src/nir: shape inference and layer building. The nodes are visited in topological
// order; each node's input (its producer's shape and precision) goes through the shape rule of
// its type (shape_rules.cpp), which sets the node's output and makes its layer, or merges a
// neuron node into the layer of the synaptic node that feeds it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "h5_reader.hpp"
#include "nir_graph.hpp"
#include "stems/nir/nir_loader.hpp"
#include "stems/workload/layer.hpp"

namespace stems::nir::detail {

struct NodeInput {
  std::vector<std::uint64_t> shape;  // the producer's output shape ({} for an Input node)
  std::uint32_t bits = 0;            // and its precision
};

class LayerBuilder {
 public:
  LayerBuilder(const H5Reader& h5, const NirOptions& options, NirGraph& graph);

  // Infers node u's output and builds its layer; its producer was visited before.
  void visit(std::size_t u);

  // For the shape rules.
  [[noreturn]] void fail(const Node& n, const std::string& what) const;
  // A node's integer dataset `key` of `count` values (one value is repeated), each in
  // [0, 1'000'000]; `fallback` when absent (absent and no fallback: an error).
  std::vector<std::int64_t> ints(const Node& n, const char* key, std::size_t count,
                                 std::vector<std::int64_t> fallback) const;
  // A new layer named after n, of T = options.timesteps; a new block starts at a weighted one.
  workload::Layer& new_layer(Node& n, workload::OpType op, bool weighted);
  // The newest layer reads the output of node `producer` (nothing if that is the network input).
  void read_from(std::size_t producer);
  // The producer behind a chain of pass-through (Identity) nodes.
  std::size_t effective(std::size_t u) const;
  bool is_network_input(std::size_t u) const;
  // Records that neuron node u is the neuron model of layer `layer`.
  void merge_neuron(std::size_t u, int layer);

  const H5Reader& h5;
  const NirOptions& options;
  NirGraph& graph;
  std::vector<workload::Layer> layers;  // by id
  // Per layer: the nodes whose outputs it reads (forward inputs), with the operand.
  std::vector<std::vector<std::pair<std::size_t, workload::Operand>>> layer_inputs;
  std::vector<std::size_t> layer_node;  // per layer: the node it is named after
  std::vector<int> layer_neuron;        // per layer: its neuron node, -1 if none

 private:
  NodeInput input_of(const Node& n) const;
  int block_ = -1;
};

// The shape rules of the registry (node_types.cpp), one per family of node types.
void input_rule(LayerBuilder& b, Node& n, const NodeInput& in);
void output_rule(LayerBuilder& b, Node& n, const NodeInput& in);
void identity_rule(LayerBuilder& b, Node& n, const NodeInput& in);
void flatten_rule(LayerBuilder& b, Node& n, const NodeInput& in);
void neuron_rule(LayerBuilder& b, Node& n, const NodeInput& in);
void dense_rule(LayerBuilder& b, Node& n, const NodeInput& in);   // Affine, Linear
void conv1d_rule(LayerBuilder& b, Node& n, const NodeInput& in);  // Conv1d: a 1-row Conv2d
void conv2d_rule(LayerBuilder& b, Node& n, const NodeInput& in);
void sum_pool_rule(LayerBuilder& b, Node& n, const NodeInput& in);
void avg_pool_rule(LayerBuilder& b, Node& n, const NodeInput& in);
void scale_rule(LayerBuilder& b, Node& n, const NodeInput& in);

}  // namespace stems::nir::detail
