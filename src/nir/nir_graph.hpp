#pragma once
// Private to src/nir: a NIR graph as stored in the file, before it becomes a workload. Nested
// NIRGraph nodes are flattened: an inner node is named "<graph>.<node>", an edge into a graph goes
// to its Input node(s), an edge out of it leaves from its Output node(s), and those inner
// Input/Output nodes become pass-through "Identity" nodes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "h5_reader.hpp"

namespace stems::nir::detail {

struct NodeTypeEntry;

struct Node {
  std::string name;
  std::string type;                      // as in the file; "Identity" for a nested Input/Output
  const NodeTypeEntry* entry = nullptr;  // its registry entry (node_registry.hpp)
  std::string h5path;                    // its group in the file
  std::vector<std::size_t> in, out;      // forward edges (node indices)
  std::vector<std::size_t> rec_in;       // recurrent edges into this node
  std::vector<std::uint64_t> out_shape;  // inferred (layer_builder.hpp)
  std::uint32_t out_bits = 0;
  int layer = -1;  // the layer whose output this node's output is
};

struct NirGraph {
  std::vector<Node> nodes;  // in file order: sorted member names, nested graphs in place
  std::vector<std::pair<std::size_t, std::size_t>> edges;  // every edge, sorted
};

// Reads the nodes (types checked against the registry) and edges of the file's /node graph.
// Throws InputError naming the file and the node or group.
NirGraph read_graph(const H5Reader& h5);

// An edge that closes a cycle (found by a depth-first walk from the Input nodes, then from the
// others, in node order) is recurrent: it goes to the target's rec_in; every other edge to
// in/out.
void split_recurrent_edges(NirGraph& g);

// The nodes in topological order over the forward edges.
std::vector<std::size_t> topological_order(const NirGraph& g);

}  // namespace stems::nir::detail
