#include "layer_builder.hpp"

#include "node_registry.hpp"
#include "stems/common/error.hpp"

namespace stems::nir::detail {

using workload::Dim;
using workload::Layer;

LayerBuilder::LayerBuilder(const H5Reader& h5_reader, const NirOptions& opt, NirGraph& g)
    : h5(h5_reader), options(opt), graph(g) {}

void LayerBuilder::visit(std::size_t u) {
  Node& n = graph.nodes[u];
  const NodeInput in = input_of(n);
  n.entry->rule(*this, n, in);
  const NodeKind kind = n.entry->info.kind;
  if (kind == NodeKind::Synaptic || kind == NodeKind::Pooling) {
    n.out_bits = layers.back().precision.O;
    read_from(n.in[0]);
  }
}

NodeInput LayerBuilder::input_of(const Node& n) const {
  if (n.type == kInputType) return {{}, options.input_bits};
  if (n.in.empty()) fail(n, "has no input");
  if (n.in.size() > 1) {
    fail(n, "has " + std::to_string(n.in.size()) +
                " forward inputs; summing several inputs into one node is not supported yet");
  }
  const Node& p = graph.nodes[n.in[0]];
  return {p.out_shape, p.out_bits};
}

void LayerBuilder::fail(const Node& n, const std::string& what) const {
  throw InputError(h5.path(), "node '" + n.name + "' (" + n.type + "): " + what);
}

std::vector<std::int64_t> LayerBuilder::ints(const Node& n, const char* key, std::size_t count,
                                             std::vector<std::int64_t> fallback) const {
  const std::string d = n.h5path + "/" + key;
  if (!h5.exists(d)) {
    if (fallback.empty()) fail(n, std::string("missing '") + key + "'");
    return fallback;
  }
  auto v = h5.integers(d);
  if (v.size() == 1 && count > 1) v.assign(count, v[0]);
  if (v.size() != count) {
    fail(n, std::string("'") + key + "' should have " + std::to_string(count) + " values, has " +
                std::to_string(v.size()));
  }
  for (auto x : v) {
    if (x < 0 || x > 1'000'000) fail(n, std::string("implausible '") + key + "'");
  }
  return v;
}

Layer& LayerBuilder::new_layer(Node& n, workload::OpType op, bool weighted) {
  if (weighted || block_ < 0) ++block_;
  Layer l;
  l.id = static_cast<int>(layers.size());
  l.name = n.name;
  l.op = op;
  l.block = block_;
  l.set_size(Dim::T, options.timesteps);
  n.layer = l.id;
  layers.push_back(l);
  layer_inputs.emplace_back();
  layer_node.push_back(static_cast<std::size_t>(&n - graph.nodes.data()));
  layer_neuron.push_back(-1);
  return layers.back();
}

void LayerBuilder::read_from(std::size_t producer) {
  // A producer without a layer (the network input, or a flatten of it) is skipped when the
  // network is connected: the layer then reads the network input.
  layer_inputs.back().emplace_back(producer, workload::Operand::I);
}

std::size_t LayerBuilder::effective(std::size_t u) const {
  while (graph.nodes[u].type == kIdentityType && !graph.nodes[u].in.empty())
    u = graph.nodes[u].in[0];
  return u;
}

bool LayerBuilder::is_network_input(std::size_t u) const {
  return graph.nodes[effective(u)].type == kInputType;
}

void LayerBuilder::merge_neuron(std::size_t u, int layer) {
  layer_neuron[static_cast<std::size_t>(layer)] = static_cast<int>(u);
}

}  // namespace stems::nir::detail
