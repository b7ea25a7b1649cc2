// The shape rules of the NIR node types (see node_types.cpp for which type uses which): each sets
// a node's output shape and precision and builds its layer. Shapes are checked against what the
// file declares (`weight`, `input_shape`, `input_type`, neuron parameter shapes).
#include <functional>
#include <numeric>
#include <optional>

#include "layer_builder.hpp"
#include "node_registry.hpp"
#include "stems/workload/network.hpp"

namespace stems::nir::detail {

using workload::Dim;
using workload::Layer;
using workload::NeuronModel;
using workload::OpType;
using Shape = std::vector<std::uint64_t>;

namespace {

std::uint64_t elements(const Shape& s) {
  return std::accumulate(s.begin(), s.end(), std::uint64_t{1}, std::multiplies<>());
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i)
    out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// Values were validated as non-negative: the shared sliding-window rule applies.
std::int64_t window(std::uint64_t in, std::int64_t k, std::int64_t s, std::int64_t p,
                    std::int64_t d) {
  return static_cast<std::int64_t>(workload::sliding_window_output(
      in, static_cast<std::uint64_t>(k), static_cast<std::uint64_t>(s),
      static_cast<std::uint64_t>(p), static_cast<std::uint64_t>(d)));
}

// An Input/Output node's `shape`, each entry positive ({} when absent).
Shape declared_shape(const LayerBuilder& b, const Node& n) {
  Shape declared;
  if (b.h5.exists(n.h5path + "/shape")) {
    for (auto x : b.h5.integers(n.h5path + "/shape")) {
      if (x <= 0) b.fail(n, "'shape' must be positive");
      declared.push_back(static_cast<std::uint64_t>(x));
    }
  }
  return declared;
}

// A node's declared input type: `input_type` as a dataset (Flatten, every NIR version) or as a
// group holding `input` (NIR 1.0 writes every node's input_type dict so); nullopt when absent.
std::optional<Shape> declared_input_type(const LayerBuilder& b, const Node& n) {
  std::string d = n.h5path + "/input_type";
  if (!b.h5.exists(d)) return std::nullopt;
  if (b.h5.is_group(d)) {
    d += "/input";
    if (!b.h5.exists(d)) return std::nullopt;
  }
  Shape declared;
  for (auto x : b.h5.integers(d))
    declared.push_back(static_cast<std::uint64_t>(x));
  return declared;
}

void check_input_type(const LayerBuilder& b, const Node& n, const Shape& received) {
  const auto declared = declared_input_type(b, n);
  if (declared && elements(*declared) != elements(received)) {
    b.fail(n, "declares input " + shape_str(*declared) + " but receives " + shape_str(received));
  }
}

// The first of a neuron node's parameters that is stored must be one value or one per neuron.
void check_population(const LayerBuilder& b, const Node& n, const Shape& in) {
  for (const char* key : {"v_threshold", "tau", "tau_mem", "r"}) {
    if (!b.h5.exists(n.h5path + "/" + key)) continue;
    const auto s = b.h5.shape(n.h5path + "/" + key);
    if (!s.empty() && elements(s) != elements(in) && elements(s) != 1) {
      b.fail(n, std::string("'") + key + "' has shape " + shape_str(s) +
                    " but the population receives " + shape_str(in));
    }
    return;
  }
}

// A neuron population without a synaptic producer: an element-wise 1x1 layer.
Layer& element_wise_neurons(LayerBuilder& b, Node& n, const NodeInput& in) {
  Layer& l = b.new_layer(n, OpType::SumPool, false);
  l.set_size(Dim::K, in.shape.empty() ? 1 : in.shape[0]);
  l.set_size(Dim::OY, in.shape.size() > 1 ? in.shape[1] : 1);
  l.set_size(Dim::OX, in.shape.size() > 2 ? in.shape[2] : 1);
  l.stride = {1, 1};
  l.precision.I = in.bits;
  b.merge_neuron(b.layer_node.back(), l.id);
  b.layer_inputs.back().emplace_back(n.in[0], workload::Operand::I);
  return l;
}

void conv_rule(LayerBuilder& b, Node& n, const NodeInput& in, bool two) {
  const auto w = b.h5.shape(n.h5path + "/weight");
  if (w.size() != (two ? 4u : 3u)) {
    b.fail(n, "'weight' has shape " + shape_str(w) + "; expected " +
                  (two ? "[Cout, Cin/groups, KY, KX]" : "[Cout, Cin/groups, K]"));
  }
  if (in.shape.size() != (two ? 3u : 2u)) {
    b.fail(n, "receives " + shape_str(in.shape) + "; expected " + (two ? "[C, H, W]" : "[C, L]"));
  }
  const std::size_t nd = two ? 2 : 1;
  const auto stride = b.ints(n, "stride", nd, std::vector<std::int64_t>(nd, 1));
  const auto pad = b.ints(n, "padding", nd, std::vector<std::int64_t>(nd, 0));
  const auto dil = b.ints(n, "dilation", nd, std::vector<std::int64_t>(nd, 1));
  const auto groups = b.ints(n, "groups", 1, {1})[0];
  if (groups <= 0 || w[0] % static_cast<std::uint64_t>(groups) != 0 ||
      in.shape[0] != w[1] * static_cast<std::uint64_t>(groups)) {
    b.fail(n, "channels do not chain: weight " + shape_str(w) + " with groups " +
                  std::to_string(groups) + " on input " + shape_str(in.shape));
  }
  const std::uint64_t H = two ? in.shape[1] : 1, W = two ? in.shape[2] : in.shape[1];
  const std::int64_t ky = two ? std::int64_t(w[2]) : 1, kx = std::int64_t(two ? w[3] : w[2]);
  const std::int64_t oy = two ? window(H, ky, stride[0], pad[0], dil[0]) : 1;
  const std::int64_t ox = window(W, kx, stride[nd - 1], pad[nd - 1], dil[nd - 1]);
  if (oy <= 0 || ox <= 0) b.fail(n, "the kernel does not fit the input");
  if (b.h5.exists(n.h5path + "/input_shape")) {
    const auto declared = b.h5.integers(n.h5path + "/input_shape");
    const std::vector<std::int64_t> spatial =
        two ? std::vector<std::int64_t>{std::int64_t(H), std::int64_t(W)}
            : std::vector<std::int64_t>{std::int64_t(W)};
    const std::vector<std::int64_t> full = {std::int64_t(in.shape[0]), std::int64_t(H),
                                            std::int64_t(W)};
    if (declared != spatial && !(two && declared == full)) {
      b.fail(n, "declares input_shape that differs from the inferred " + shape_str(in.shape));
    }
  }
  Layer& l = b.new_layer(n, OpType::Conv2d, true);
  l.set_size(Dim::G, static_cast<std::uint64_t>(groups));
  l.set_size(Dim::K, w[0] / static_cast<std::uint64_t>(groups));
  l.set_size(Dim::C, w[1]);
  l.set_size(Dim::OY, static_cast<std::uint64_t>(oy));
  l.set_size(Dim::OX, static_cast<std::uint64_t>(ox));
  l.set_size(Dim::FY, static_cast<std::uint64_t>(ky));
  l.set_size(Dim::FX, static_cast<std::uint64_t>(kx));
  l.stride = {static_cast<std::uint32_t>(two ? stride[0] : 1),
              static_cast<std::uint32_t>(stride[nd - 1])};
  l.padding = {static_cast<std::uint32_t>(two ? pad[0] : 0),
               static_cast<std::uint32_t>(pad[nd - 1])};
  l.dilation = {static_cast<std::uint32_t>(two ? dil[0] : 1),
                static_cast<std::uint32_t>(dil[nd - 1])};
  l.precision = {b.options.weight_bits, in.bits, b.options.state_bits, b.options.state_bits, 0};
  n.out_shape =
      two ? Shape{w[0], std::uint64_t(oy), std::uint64_t(ox)} : Shape{w[0], std::uint64_t(ox)};
}

}  // namespace

void identity_rule(LayerBuilder& b, Node& n, const NodeInput& in) {
  n.out_shape = in.shape;
  n.out_bits = in.bits;
  n.layer = b.graph.nodes[n.in[0]].layer;
}

void input_rule(LayerBuilder& b, Node& n, const NodeInput&) {
  n.out_shape = declared_shape(b, n);
  if (n.out_shape.empty()) b.fail(n, "missing 'shape'");
  n.out_bits = b.options.input_bits;
}

void output_rule(LayerBuilder& b, Node& n, const NodeInput& in) {
  declared_shape(b, n);  // checked, not compared: the output is what arrives
  n.out_shape = in.shape;
  n.out_bits = in.bits;
}

void flatten_rule(LayerBuilder& b, Node& n, const NodeInput& in) {
  n.out_shape = {elements(in.shape)};
  n.out_bits = in.bits;
  check_input_type(b, n, in.shape);
  if (b.is_network_input(n.in[0])) return;  // flattening the input: a no-op
  b.new_layer(n, OpType::Flatten, false);
  b.read_from(n.in[0]);
}

// Merged into its synaptic producer's layer when it is that node's only consumer; else a layer of
// its own.
void neuron_rule(LayerBuilder& b, Node& n, const NodeInput& in) {
  const Node& producer = b.graph.nodes[b.effective(n.in[0])];
  const NodeKind producer_kind = producer.entry->info.kind;
  const bool has_synaptic_producer =
      producer.layer >= 0 &&
      (producer_kind == NodeKind::Synaptic || producer_kind == NodeKind::Pooling) &&
      producer.out.size() == 1 &&
      b.layers[static_cast<std::size_t>(producer.layer)].neuron == NeuronModel::None;
  Layer* l;
  if (has_synaptic_producer) {
    l = &b.layers[static_cast<std::size_t>(producer.layer)];
    n.layer = l->id;
    b.merge_neuron(static_cast<std::size_t>(&n - b.graph.nodes.data()), l->id);
  } else {
    l = &element_wise_neurons(b, n, in);
  }
  const NodeTypeInfo& type = n.entry->info;
  l->neuron = type.neuron;
  l->precision.V = b.options.state_bits;
  l->precision.psum = b.options.state_bits;
  l->precision.O = type.spiking ? 1 : b.options.state_bits;
  n.out_shape = in.shape;
  n.out_bits = l->precision.O;
  check_population(b, n, in.shape);
  check_input_type(b, n, in.shape);
}

void dense_rule(LayerBuilder& b, Node& n, const NodeInput& in) {
  const auto w = b.h5.shape(n.h5path + "/weight");
  if (w.size() != 2) b.fail(n, "'weight' should be [out, in], is " + shape_str(w));
  if (w[1] != elements(in.shape)) {
    b.fail(n, "'weight' expects " + std::to_string(w[1]) + " inputs but receives " +
                  shape_str(in.shape));
  }
  Layer& l = b.new_layer(n, OpType::Linear, true);
  l.set_size(Dim::K, w[0]);
  l.set_size(Dim::C, w[1]);
  l.precision = {b.options.weight_bits, in.bits, b.options.state_bits, b.options.state_bits, 0};
  n.out_shape = {w[0]};
}

void conv1d_rule(LayerBuilder& b, Node& n, const NodeInput& in) {
  conv_rule(b, n, in, false);
}

void conv2d_rule(LayerBuilder& b, Node& n, const NodeInput& in) {
  conv_rule(b, n, in, true);
}

namespace {

void pool_rule(LayerBuilder& b, Node& n, const NodeInput& in, OpType op) {
  if (in.shape.size() != 3) b.fail(n, "receives " + shape_str(in.shape) + "; expected [C, H, W]");
  const auto k = b.ints(n, "kernel_size", 2, {});
  const auto stride = b.ints(n, "stride", 2, k);
  const auto pad = b.ints(n, "padding", 2, {0, 0});
  const std::int64_t oy = window(in.shape[1], k[0], stride[0], pad[0], 1);
  const std::int64_t ox = window(in.shape[2], k[1], stride[1], pad[1], 1);
  if (oy <= 0 || ox <= 0) b.fail(n, "the window does not fit the input");
  Layer& l = b.new_layer(n, op, false);
  l.set_size(Dim::K, in.shape[0]);
  l.set_size(Dim::OY, std::uint64_t(oy));
  l.set_size(Dim::OX, std::uint64_t(ox));
  l.set_size(Dim::FY, std::uint64_t(k[0]));
  l.set_size(Dim::FX, std::uint64_t(k[1]));
  l.stride = {std::uint32_t(stride[0]), std::uint32_t(stride[1])};
  l.padding = {std::uint32_t(pad[0]), std::uint32_t(pad[1])};
  // Pooling keeps the input's precision (a simplification for summed spikes).
  l.precision = {0, in.bits, in.bits, in.bits, 0};
  n.out_shape = {in.shape[0], std::uint64_t(oy), std::uint64_t(ox)};
}

}  // namespace

void sum_pool_rule(LayerBuilder& b, Node& n, const NodeInput& in) {
  pool_rule(b, n, in, OpType::SumPool);
}

void avg_pool_rule(LayerBuilder& b, Node& n, const NodeInput& in) {
  pool_rule(b, n, in, OpType::AvgPool);
}

// Scale: an element-wise layer. A [C, L] input lies along OX here (a standalone neuron layer puts
// L along OY; both give the same counts).
void scale_rule(LayerBuilder& b, Node& n, const NodeInput& in) {
  Layer& l = b.new_layer(n, OpType::SumPool, false);
  l.set_size(Dim::K, in.shape.empty() ? 1 : in.shape[0]);
  l.set_size(Dim::OY, in.shape.size() > 2 ? in.shape[1] : 1);
  l.set_size(Dim::OX, in.shape.size() > 2 ? in.shape[2] : (in.shape.size() == 2 ? in.shape[1] : 1));
  l.stride = {1, 1};
  l.precision = {0, in.bits, b.options.state_bits, b.options.state_bits, 0};
  n.out_shape = in.shape;
}

}  // namespace stems::nir::detail
