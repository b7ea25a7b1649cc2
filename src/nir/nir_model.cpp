// load_nir_model: the import (nir_loader.cpp) names each layer's nodes; this reads their numbers,
// the network input's shape, the classifier output and the graph metadata.
#include "stems/nir/nir_model.hpp"

#include <cmath>

#include "h5_reader.hpp"
#include "nir_import.hpp"
#include "node_registry.hpp"
#include "stems/common/error.hpp"

namespace stems::nir {

namespace {

using detail::H5Reader;
using detail::NirImport;
using detail::Node;

const char* const kSynapticKeys[] = {"weight", "bias",    "scale",    "kernel_size",
                                     "stride", "padding", "dilation", "groups"};
const char* const kNeuronKeys[] = {"tau",     "r",       "v_leak",  "v_threshold",
                                   "v_reset", "tau_syn", "tau_mem", "w_in"};

template <std::size_t N>
NirParams read_params(const H5Reader& h5, const std::string& group, const char* const (&keys)[N]) {
  NirParams p;
  for (const char* key : keys) {
    const std::string d = group + "/" + key;
    if (!h5.exists(d)) continue;
    NirTensor t;
    t.shape = h5.shape(d);
    t.values = h5.doubles(d);
    p[key] = std::move(t);
  }
  return p;
}

NirLayer read_layer(const H5Reader& h5, const NirImport& imp, int id) {
  const Node& node = imp.graph.nodes[imp.layer_node.at(static_cast<std::size_t>(id))];
  const int neuron = imp.layer_neuron.at(static_cast<std::size_t>(id));
  NirLayer nl;
  nl.node = node.name;
  nl.node_type = node.type;
  const bool standalone_neuron = node.entry->info.kind == NodeKind::Neuron;
  nl.params = standalone_neuron ? read_params(h5, node.h5path, kNeuronKeys)
                                : read_params(h5, node.h5path, kSynapticKeys);
  if (standalone_neuron) {
    nl.neuron_node = nl.node;
    nl.neuron_type = nl.node_type;
    nl.neuron_params = nl.params;
  } else if (neuron >= 0) {
    const Node& n = imp.graph.nodes[static_cast<std::size_t>(neuron)];
    nl.neuron_node = n.name;
    nl.neuron_type = n.type;
    nl.neuron_params = read_params(h5, n.h5path, kNeuronKeys);
  }
  return nl;
}

// The shape of the only Input node of the top graph (nested graphs' are pass-throughs).
std::vector<std::uint64_t> input_shape(const NirImport& imp, const std::string& path) {
  std::vector<const Node*> inputs;
  for (const Node& n : imp.graph.nodes) {
    if (n.type == detail::kInputType) inputs.push_back(&n);
  }
  if (inputs.size() != 1) {
    throw InputError(path, "the simulator needs exactly one Input node, the file has " +
                               std::to_string(inputs.size()));
  }
  return inputs[0]->out_shape;  // its declared shape, checked positive by the import
}

// The layer that feeds the first Output node of the top graph (by name), found back through
// nodes without a layer of their own; without an Output node, or when it is fed by the network
// input, the last sink in topological order.
int output_layer(const NirImport& imp) {
  const auto& nodes = imp.graph.nodes;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].type != "Output") continue;
    for (std::size_t u = i;; u = nodes[u].in[0]) {
      if (nodes[u].type != "Output" && nodes[u].layer >= 0) return nodes[u].layer;
      if (nodes[u].in.empty()) break;
    }
    break;
  }
  int last = -1;
  for (workload::Vertex v : imp.network.topological_order()) {
    if (imp.network.is_sink(v)) last = imp.network.layer(v).id;
  }
  return last;
}

NirMetadata read_metadata(const H5Reader& h5) {
  NirMetadata m;
  const std::string dt = "/node/metadata/dt", reset = "/node/metadata/reset";
  if (h5.exists(dt)) {
    const auto v = h5.doubles(dt);  // finite, or an InputError naming the dataset
    if (v.size() != 1 || !(v[0] > 0)) {
      throw InputError(h5.path(), "'" + dt + "': expected one timestep in seconds, > 0");
    }
    m.dt_s = v[0];
  }
  if (h5.exists(reset)) m.reset = h5.string(reset);
  return m;
}

}  // namespace

NirModel load_nir_model(const std::string& path, const NirOptions& options) {
  NirImport imp = detail::import_nir(path, options);  // validates the graph and shapes
  const H5Reader h5(path);
  NirModel m;
  m.path = path;
  for (std::size_t id = 0; id < imp.layer_node.size(); ++id) {
    m.layers[static_cast<int>(id)] = read_layer(h5, imp, static_cast<int>(id));
  }
  m.input_shape = input_shape(imp, path);
  m.output_layer = output_layer(imp);
  m.metadata = read_metadata(h5);
  m.network = std::move(imp.network);
  return m;
}

}  // namespace stems::nir
