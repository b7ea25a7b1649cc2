#include "node_tensors.hpp"

#include <algorithm>

namespace stems::schedule {

using workload::Dim;

namespace {

Tensor weight_tensor(const workload::Layer& l, std::size_t nodes) {
  Tensor w;
  w.kind = TensorKind::Weight;
  w.layer_id = l.id;
  w.bits = l.weight_bits();
  w.remaining = static_cast<std::int64_t>(nodes);  // read by every node of the layer
  w.in_dram = true;
  w.operand = "W";
  return w;
}

// The state of one spatial tile, used by each of the layer's time tiles.
Tensor state_tensor(const workload::Layer& l, const ComputationNode& n, std::uint64_t time_tile,
                    StateLifecycle lifecycle) {
  Tensor s;
  s.kind = TensorKind::State;
  s.layer_id = l.id;
  s.bits = n.tile().state_bits();
  // One use per time tile (a tile longer than T is T, as in the node graph).
  s.remaining = static_cast<std::int64_t>(l.size(Dim::T) / std::min(time_tile, l.size(Dim::T)));
  s.in_dram = lifecycle == StateLifecycle::CarryOver;
  s.operand = "V";
  return s;
}

Tensor output_tensor(const workload::Layer& l, const ComputationNode& n) {
  Tensor o;
  o.kind = TensorKind::Activation;
  o.layer_id = l.id;
  o.bits = n.tile().size(Dim::T) * n.tile().output_bits_per_timestep();
  o.remaining = static_cast<std::int64_t>(n.consumers);
  o.operand = "O";
  return o;
}

Tensor network_input_tensor(const workload::Layer& l, const ComputationNode& n) {
  Tensor in;
  in.kind = TensorKind::NetworkInput;
  in.layer_id = l.id;
  in.bits = n.tile().size(Dim::T) * n.tile().input_bits_per_timestep();
  in.remaining = 1;
  in.in_dram = true;
  in.operand = "I";
  return in;
}

}  // namespace

NodeTensors create_tensors(const workload::Network& net, const Schedule& schedule, const CnGraph& g,
                           MemoryManager& memory) {
  NodeTensors nt;
  nt.weight_of.assign(net.layer_count(), kNoTensor);
  nt.state_of.resize(net.layer_count());
  nt.output_of.assign(g.nodes.size(), kNoTensor);
  nt.input_of.assign(g.nodes.size(), kNoTensor);
  // At most: a weight per layer, a state, an output and a network-input tile per node.
  memory.reserve(net.layer_count() + 3 * g.nodes.size());
  for (workload::Vertex v : net.topological_order()) {
    const workload::Layer& l = net.layer(v);
    const auto& nodes = g.nodes_of_layer[v];
    if (l.weight_bits() > 0) nt.weight_of[v] = memory.add(weight_tensor(l, nodes.size()));
    for (std::size_t ni : nodes) {
      const ComputationNode& n = g.nodes[ni];
      if (n.tile().stateful()) {
        auto& slots = nt.state_of[v];
        if (slots.size() <= n.x_index) slots.resize(n.x_index + 1, kNoTensor);
        if (slots[n.x_index] == kNoTensor) {
          slots[n.x_index] =
              memory.add(state_tensor(l, n, schedule.layers[v].time_tile, schedule.lifecycle));
        }
      }
      nt.output_of[ni] = memory.add(output_tensor(l, n));
      if (l.input_is_network_input) nt.input_of[ni] = memory.add(network_input_tensor(l, n));
    }
  }
  return nt;
}

void set_tensor_uses(const CnGraph& g, const NodeTensors& nt, const std::vector<int>& core_of,
                     const std::vector<std::uint32_t>& position, MemoryManager& memory) {
  std::vector<std::uint32_t> uses;
  for (std::size_t v = 0; v < g.nodes_of_layer.size(); ++v) {
    const auto& nodes = g.nodes_of_layer[v];
    if (nt.weight_of[v] != kNoTensor) {
      uses.clear();
      for (std::size_t ni : nodes)
        uses.push_back(position[ni]);
      memory.set_uses(nt.weight_of[v], uses);
    }
    // Spatial tile x's nodes: x, x + tiles, ... (the layer's nodes vary x fastest).
    const std::size_t tiles = nt.state_of[v].size();
    for (std::size_t x = 0; x < tiles; ++x) {
      if (nt.state_of[v][x] == kNoTensor) continue;
      uses.clear();
      for (std::size_t k = x; k < nodes.size(); k += tiles)
        uses.push_back(position[nodes[k]]);
      memory.set_uses(nt.state_of[v][x], uses);
    }
  }
  // Outputs: the readers of every node on its own core, gathered by producer (compressed rows,
  // sized for every reader).
  const std::size_t N = g.nodes.size();
  std::vector<std::size_t> begin(N + 1, 0);
  for (std::size_t p = 0; p < N; ++p)
    begin[p + 1] = begin[p] + g.nodes[p].consumers;
  std::vector<std::size_t> fill(begin.begin(), begin.end() - 1);
  uses.assign(begin[N], 0);
  for (const auto& n : g.nodes) {
    for (std::size_t p : n.input_preds) {
      if (core_of[g.nodes[p].layer] == core_of[n.layer]) uses[fill[p]++] = position[n.index];
    }
  }
  for (std::size_t p = 0; p < N; ++p) {
    memory.set_uses(nt.output_of[p], std::span(uses).subspan(begin[p], fill[p] - begin[p]));
    if (nt.input_of[p] != kNoTensor) memory.set_uses(nt.input_of[p], std::span(&position[p], 1));
  }
}

}  // namespace stems::schedule
