#pragma once
// Private to src/nir: a NIR file imported as a workload, with what the importer learnt on the way
// (each layer's nodes), for load_nir_model.

#include <cstddef>
#include <string>
#include <vector>

#include "nir_graph.hpp"
#include "stems/nir/nir_loader.hpp"
#include "stems/workload/network.hpp"

namespace stems::nir::detail {

struct NirImport {
  NirGraph graph;  // every node with its inferred output shape and its layer
  workload::Network network;
  std::vector<std::size_t> layer_node;  // by layer id: the node the layer is named after
  std::vector<int> layer_neuron;        // by layer id: its neuron node (-1: none)
};

// load_nir_file's work (the child-process probe included), keeping the graph.
NirImport import_nir(const std::string& path, const NirOptions& options);

}  // namespace stems::nir::detail
