#pragma once
// A NIR model with its trained numbers, for the functional simulator (stems/simulate).
//
// load_nir_file (nir_loader.hpp) gives the topology and the layers the cost model sees; this adds,
// per layer, the numeric datasets of the NIR nodes the layer came from: the synaptic node's
// (weight, bias, scale, kernel_size, stride, padding, dilation, groups) and those of the neuron
// node merged into it (tau, r, v_leak, v_threshold, v_reset, tau_syn, tau_mem, w_in). Layers are
// matched to nodes by name (a layer is named after its synaptic node; a merged neuron is that
// node's only successor, found through the pass-through Input/Output nodes of nested graphs).
//
// NirModel is plain data so tests can build one by hand.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stems/nir/nir_loader.hpp"
#include "stems/workload/network.hpp"

namespace stems::nir {

struct NirTensor {
  std::vector<std::uint64_t> shape;  // as stored ({} for a scalar)
  std::vector<double> values;        // row-major (C order), as stored
};
using NirParams = std::map<std::string, NirTensor>;

struct NirLayer {
  std::string node;       // the NIR node the layer is named after
  std::string node_type;  // Affine, Linear, Conv1d, Conv2d, SumPool2d, AvgPool2d, Flatten, Scale,
                          // or a neuron type (LIF, CubaLIF, IF, LI, Integrator) standing alone
  NirParams params;
  std::string neuron_node;  // the neuron node merged into the layer ("" if none)
  std::string neuron_type;
  NirParams neuron_params;  // for a neuron standing alone: the same as params
};

struct NirModel {
  std::string path;                        // the file (for messages)
  workload::Network network;               // as load_nir_file builds it
  std::vector<std::uint64_t> input_shape;  // the Input node's shape, e.g. {C, H, W} or {C}
  std::map<int, NirLayer> layers;          // by layer id: one entry per layer of `network`
  int output_layer = -1;  // the layer feeding the Output node (the classifier's output)
};

// Throws InputError naming the file and the node.
NirModel load_nir_model(const std::string& path, const NirOptions& options);

}  // namespace stems::nir
