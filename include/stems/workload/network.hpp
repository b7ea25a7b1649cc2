#pragma once
// The SNN as a Boost.Graph: vertices are layers, edges are tensors from a producer's output to one
// input operand of a consumer (I; X or Y of an Add; R for a recurrent input).
//
// Recurrent edges carry a delay of one timestep and are the only cycles allowed; topological order
// ignores them. Build with add_layer/add_edge, then call finalize(), which derives what follows
// from the edges (network inputs, Flatten shapes) and validates shapes; errors are NetworkError
// with the id of the offending layer so that loaders can point at the right line of their file.

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "stems/workload/layer.hpp"

namespace stems::workload {

struct TensorEdge {
  Operand operand = Operand::I;  // consumer operand fed by this edge
  bool recurrent = false;        // true: the value of the previous timestep (delay 1)
};

using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, Layer, TensorEdge>;
using Vertex = Graph::vertex_descriptor;
using Edge = Graph::edge_descriptor;

class NetworkError : public std::invalid_argument {
 public:
  NetworkError(int layer_id, const std::string& message)
      : std::invalid_argument(message), layer_id_(layer_id) {}
  int layer_id() const noexcept { return layer_id_; }  // -1: not about one layer

 private:
  int layer_id_;
};

struct NetworkTotals {
  std::uint64_t ops = 0;
  std::uint64_t weight_bits = 0;
  std::uint64_t state_bits = 0;
  std::uint64_t stateful_neurons = 0;
};

class Network {
 public:
  Network() = default;
  explicit Network(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  // Throws NetworkError on a duplicate id.
  Vertex add_layer(Layer layer);
  // Throws NetworkError for unknown ids or an operand the consumer does not have.
  void add_edge(int producer_id, int consumer_id, Operand operand, bool recurrent = false);
  // Derives network inputs and Flatten shapes, checks acyclicity (ignoring recurrent edges),
  // operand completeness and that producer/consumer shapes and precisions chain.
  void finalize();

  const Graph& graph() const { return graph_; }
  std::size_t layer_count() const { return boost::num_vertices(graph_); }
  const Layer& layer(Vertex v) const { return graph_[v]; }
  Layer& mutable_layer(Vertex v) { return graph_[v]; }
  bool has_layer(int id) const { return by_id_.count(id) != 0; }
  Vertex vertex(int id) const;  // throws NetworkError if unknown
  const Layer& layer_by_id(int id) const { return graph_[vertex(id)]; }

  // Layers in a topological order of the non-recurrent edges (ties broken by layer id).
  const std::vector<Vertex>& topological_order() const { return topo_; }
  // Number of blocks = max block id + 1 (ids are contiguous from 0, checked by finalize()).
  int block_count() const { return block_count_; }

  // (producer vertex, edge) pairs feeding v, and the vertices v feeds.
  std::vector<std::pair<Vertex, TensorEdge>> producers(Vertex v) const;
  std::vector<std::pair<Vertex, TensorEdge>> consumers(Vertex v) const;
  // Sinks: layers whose output no edge consumes, recurrent edges included (their output goes
  // off-chip as the network's output).
  bool has_recurrent_edges() const;
  bool is_sink(Vertex v) const;

  NetworkTotals totals() const;

 private:
  void compute_topological_order();
  void derive_and_check_layer(Vertex v);
  void check_totals_fit() const;

  std::string name_;
  Graph graph_;
  std::unordered_map<int, Vertex> by_id_;
  std::vector<Vertex> topo_;
  int block_count_ = 0;
};

}  // namespace stems::workload
