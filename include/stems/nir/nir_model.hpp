#pragma once
// A NIR model with its trained numbers, for the functional simulator (stems/simulate).
//
// load_nir_file (nir_loader.hpp) gives the topology and the layers the cost model sees; this adds,
// per layer, the numeric datasets of the NIR nodes the layer came from: the synaptic node's
// (weight, bias, scale, kernel_size, stride, padding, dilation, groups) and those of the neuron
// node merged into it (tau, r, v_leak, v_threshold, v_reset, tau_syn, tau_mem, w_in). The nodes of
// each layer are the ones the importer built it from (a layer is named after its synaptic node;
// a neuron node merged into it is recorded when it merges).
//
// NirModel is plain data so tests can build one by hand.
//
// Graph metadata: NIR 1.0 stores a graph's `metadata` dict as a group of datasets beside its
// nodes; stems reads two keys of the top graph's, /node/metadata/dt (seconds, a number) and
// /node/metadata/reset (a string), the simulation step and the reset rule the model was trained
// with. Other keys are ignored.

#include <cstdint>
#include <map>
#include <optional>
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

struct NirMetadata {
  std::optional<double> dt_s;        // /node/metadata/dt: finite and > 0
  std::optional<std::string> reset;  // /node/metadata/reset, as stored (the simulator checks it)
};

struct NirModel {
  std::string path;                        // the file (for messages)
  workload::Network network;               // as load_nir_file builds it
  std::vector<std::uint64_t> input_shape;  // the Input node's shape, e.g. {C, H, W} or {C}
  std::map<int, NirLayer> layers;          // by layer id: one entry per layer of `network`
  int output_layer = -1;  // the layer feeding the Output node (the classifier's output)
  NirMetadata metadata;
};

// Throws InputError naming the file and the node.
NirModel load_nir_model(const std::string& path, const NirOptions& options);

}  // namespace stems::nir
