// load_nir_file in steps: read the graph (nir_graph.cpp), split off recurrent edges, infer shapes
// and build layers in topological order (layer_builder.cpp, with each node type's shape rule from
// the registry, node_types.cpp), check every node was reached, then connect the layers.
#include "stems/nir/nir_loader.hpp"

#include "layer_builder.hpp"
#include "nir_import.hpp"
#include "node_registry.hpp"
#include "stems/common/error.hpp"
#include "stems/workload/state_schedule.hpp"
#include "stems/workload/workload_loader.hpp"

namespace stems::nir {

namespace detail {

namespace {

// The file name without folder and extension.
std::string network_name(const std::string& path) {
  std::string stem = path;
  if (auto slash = stem.find_last_of('/'); slash != std::string::npos)
    stem = stem.substr(slash + 1);
  if (auto dot = stem.rfind('.'); dot != std::string::npos) stem = stem.substr(0, dot);
  return stem;
}

// Every node that computes something belongs to a layer.
void check_reached(const LayerBuilder& b) {
  for (const Node& n : b.graph.nodes) {
    const NodeKind kind = n.entry->info.kind;
    if (n.layer < 0 && kind != NodeKind::PassThrough && kind != NodeKind::Flatten) {
      b.fail(n, "is not reachable from an input");
    }
  }
  if (b.layers.empty()) throw InputError(b.h5.path(), "the NIR graph has no compute layers");
}

// Forward inputs, then recurrent connections into neuron layers.
void connect_layers(const LayerBuilder& b, workload::Network& net) {
  const auto& nodes = b.graph.nodes;
  for (std::size_t li = 0; li < b.layers.size(); ++li) {
    for (const auto& [src, operand] : b.layer_inputs[li]) {
      // A producer without a layer (the network input, or a dropped flatten of it): the layer
      // reads the network input.
      if (nodes[src].layer < 0) continue;
      net.add_edge(nodes[src].layer, static_cast<int>(li), operand);
    }
  }
  for (const Node& n : nodes) {
    for (std::size_t src : n.rec_in) {
      if (n.layer < 0 || nodes[src].layer < 0 || n.type == kIdentityType) {
        b.fail(n, "recurrent input from '" + nodes[src].name + "' does not connect two layers");
      }
      net.add_edge(nodes[src].layer, n.layer, workload::Operand::R, true);
    }
  }
}

workload::Network assemble(const LayerBuilder& b, const std::string& path) {
  workload::Network net(network_name(path));
  try {
    for (const auto& l : b.layers)
      net.add_layer(l);
    connect_layers(b, net);
    net.finalize();
  } catch (const workload::NetworkError& e) {
    throw InputError(path, e.what());
  }
  workload::apply_declared_state(net);
  return net;
}

}  // namespace

NirImport import_nir(const std::string& path, const NirOptions& options) {
  if (options.read_timeout_s > 0) {
    NirOptions in_child = options;
    in_child.read_timeout_s = 0;  // this very function, in the child first
    probe_in_child(path, options.read_timeout_s, [&] { import_nir(path, in_child); });
  }
  const H5Reader h5(path);
  NirImport out;
  out.graph = read_graph(h5);
  split_recurrent_edges(out.graph);
  LayerBuilder b(h5, options, out.graph);
  for (std::size_t u : topological_order(out.graph))
    b.visit(u);
  check_reached(b);
  out.network = assemble(b, path);
  out.layer_node = std::move(b.layer_node);
  out.layer_neuron = std::move(b.layer_neuron);
  return out;
}

}  // namespace detail

workload::Network load_nir_file(const std::string& path, const NirOptions& options) {
  return detail::import_nir(path, options).network;
}

workload::Network load_any_workload(const std::string& path, const NirOptions& options) {
  const bool onnx = onnx::is_onnx_path(path);
  const bool nir = !onnx && path.size() >= 4 && path.compare(path.size() - 4, 4, ".nir") == 0;
  const char* kind = onnx ? "an ONNX model (its precisions: --onnx-*)"
                          : (nir ? "a NIR model" : "a TOML workload (T and precisions are in it)");
  if (!nir && !options.nir_flags_given.empty()) {
    throw InputError(options.nir_flags_given.front(),
                     "applies to NIR models only; '" + path + "' is " + kind);
  }
  if (!onnx && !options.onnx_flags_given.empty()) {
    throw InputError(options.onnx_flags_given.front(),
                     "applies to ONNX models only; '" + path + "' is " + kind);
  }
  if (onnx) return onnx::load_onnx_file(path, options.onnx);
  return nir ? load_nir_file(path, options) : workload::load_workload_file(path);
}

}  // namespace stems::nir
