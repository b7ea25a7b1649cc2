// Model: the workload's layers in topological order, each with its synapse (built by the builder
// of its NIR node type, kSynapseBuilders), its neurons and its producers.
#include "stems/simulate/model.hpp"

#include <array>
#include <map>
#include <utility>

#include "stems/common/error.hpp"
#include "stems/nir/node_types.hpp"
#include "stems/workload/state_schedule.hpp"

namespace stems::simulate {

using workload::Dim;

namespace {

std::string shape_text(const Shape3& s) {
  std::string out = "[";  // appended (GCC 12 warns, falsely, on "[" + std::to_string(...))
  out += std::to_string(s.c);
  out += ", ";
  out += std::to_string(s.h);
  out += ", ";
  out += std::to_string(s.w);
  out += "]";
  return out;
}

const std::vector<double>& values_or_empty(const nir::NirParams& p, const char* key) {
  static const std::vector<double> kEmpty;
  auto it = p.find(key);
  return it == p.end() ? kEmpty : it->second.values;
}

// The network input as C x H x W (rank 1: C; rank 2: C x L, along W).
Shape3 input_frame(const std::vector<std::uint64_t>& shape, const std::string& path) {
  switch (shape.size()) {
    case 1:
      return {shape[0], 1, 1};
    case 2:
      return {shape[0], 1, shape[1]};
    case 3:
      return {shape[0], shape[1], shape[2]};
    default:
      throw InputError(path, "the simulator takes inputs of rank 1 to 3 (C, C x L, C x H x W)");
  }
}

// One layer being built: what the synapse builders read and write.
struct LayerBuild {
  const workload::Layer& l;
  const nir::NirLayer& p;
  SimLayer& s;
  const std::string& path;

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(path, "layer " + std::to_string(l.id) + " ('" + l.name + "'): " + what);
  }

  // The layer's sliding window, checked against its input.
  Window window() const {
    Window w;
    w.ky = l.size(Dim::FY);
    w.kx = l.size(Dim::FX);
    w.sy = l.stride.y;
    w.sx = l.stride.x;
    w.py = l.padding.y;
    w.px = l.padding.x;
    w.dy = l.dilation.y;
    w.dx = l.dilation.x;
    w.out_h = l.size(Dim::OY);
    w.out_w = l.size(Dim::OX);
    const auto oy = workload::sliding_window_output(s.in_shape.h, w.ky, w.sy, w.py, w.dy);
    const auto ox = workload::sliding_window_output(s.in_shape.w, w.kx, w.sx, w.px, w.dx);
    if (oy != w.out_h || ox != w.out_w) {
      fail("its window on input " + shape_text(s.in_shape) + " gives " + std::to_string(oy) +
           " x " + std::to_string(ox) + " outputs, the layer has " + std::to_string(w.out_h) +
           " x " + std::to_string(w.out_w));
    }
    return w;
  }
};

void build_conv(LayerBuild& b) {
  const workload::Layer& l = b.l;
  const std::uint64_t g = l.size(Dim::G), cout = g * l.size(Dim::K);
  if (b.s.in_shape.c != g * l.size(Dim::C)) {
    b.fail("expects " + std::to_string(g * l.size(Dim::C)) + " input channels, receives " +
           shape_text(b.s.in_shape));
  }
  const auto& w = values_or_empty(b.p.params, "weight");
  const std::uint64_t needed = cout * l.size(Dim::C) * l.size(Dim::FY) * l.size(Dim::FX);
  if (w.size() != needed) {
    b.fail("'weight' has " + std::to_string(w.size()) + " values, the layer needs " +
           std::to_string(needed));
  }
  const auto& bias = values_or_empty(b.p.params, "bias");
  if (!bias.empty() && bias.size() != cout)
    b.fail("'bias' should have one value per output channel");
  b.s.synapse = std::make_unique<Conv2dSynapse>(b.s.in_shape, cout, g, b.window(), w, bias);
  b.s.out_shape = {cout, l.size(Dim::OY), l.size(Dim::OX)};
}

void build_dense(LayerBuild& b) {
  const std::uint64_t in = b.l.size(Dim::C), out = b.l.size(Dim::K);
  if (b.s.in_shape.size() != in) {
    b.fail("expects " + std::to_string(in) + " inputs, receives " + shape_text(b.s.in_shape));
  }
  const auto& w = values_or_empty(b.p.params, "weight");
  if (w.size() != in * out) b.fail("'weight' should have out x in values");
  const auto& bias = values_or_empty(b.p.params, "bias");
  if (!bias.empty() && bias.size() != out) b.fail("'bias' should have one value per output");
  b.s.synapse = std::make_unique<DenseSynapse>(in, out, w, bias);
  b.s.out_shape = {out, 1, 1};
}

void build_pool(LayerBuild& b, bool average) {
  if (b.s.in_shape.c != b.l.size(Dim::K)) b.fail("channels do not match its input");
  b.s.synapse = std::make_unique<PoolSynapse>(b.s.in_shape, b.window(), average);
  b.s.out_shape = {b.l.size(Dim::K), b.l.size(Dim::OY), b.l.size(Dim::OX)};
}

void build_sum_pool(LayerBuild& b) {
  build_pool(b, false);
}

void build_avg_pool(LayerBuild& b) {
  build_pool(b, true);  // zero padding counted in the window area
}

void build_flatten(LayerBuild& b) {
  b.s.synapse = std::make_unique<IdentitySynapse>();
  b.s.out_shape = {b.s.in_shape.size(), 1, 1};
}

void build_scale(LayerBuild& b) {
  const std::uint64_t n = b.s.in_shape.size();
  const auto& sc = values_or_empty(b.p.params, "scale");
  if (sc.size() != 1 && sc.size() != n) {
    b.fail("'scale' should have 1 or " + std::to_string(n) + " values");
  }
  b.s.synapse = std::make_unique<ScaleSynapse>(
      sc.size() == 1 ? arma::vec(n, arma::fill::value(sc[0])) : arma::vec(sc));
  b.s.out_shape = b.s.in_shape;
}

// A neuron population standing alone: its input current is its producer's output.
void build_identity(LayerBuild& b) {
  b.s.synapse = std::make_unique<IdentitySynapse>();
  b.s.out_shape = b.s.in_shape;
}

using SynapseBuilder = void (*)(LayerBuild&);

// The synapse of each NIR node type that makes a layer (neuron types: build_identity).
constexpr std::array<std::pair<std::string_view, SynapseBuilder>, 8> kSynapseBuilders = {{
    {"Conv2d", build_conv},
    {"Conv1d", build_conv},
    {"Affine", build_dense},
    {"Linear", build_dense},
    {"SumPool2d", build_sum_pool},
    {"AvgPool2d", build_avg_pool},
    {"Flatten", build_flatten},
    {"Scale", build_scale},
}};

SynapseBuilder synapse_builder(const std::string& type) {
  for (const auto& [name, build] : kSynapseBuilders) {
    if (name == type) return build;
  }
  const auto info = nir::find_node_type(type);
  if (info && info->kind == nir::NodeKind::Neuron) return build_identity;
  return nullptr;
}

}  // namespace

Model::Model(const nir::NirModel& nir, const SimOptions& options, std::string_view dt_option)
    : path_(nir.path),
      input_shape_(nir.input_shape),
      input_(input_frame(nir.input_shape, nir.path)),
      options_(options),
      timing_(resolve_timing(options.dt_s, options.reset, nir, dt_option)) {
  const workload::Network& net = nir.network;
  blocks_ = net.block_count();
  std::map<int, int> index;  // layer id -> index in layers_
  for (workload::Vertex v : net.topological_order())
    index[net.layer(v).id] = static_cast<int>(index.size());
  for (workload::Vertex v : net.topological_order())
    add_layer(nir, v, index);
  if (layers_.empty()) throw InputError(path_, "no layers to simulate");
  mark_recurrent_sources();
  const bool known = nir.output_layer >= 0 && index.count(nir.output_layer);
  output_ = known ? index.at(nir.output_layer) : static_cast<int>(layers_.size()) - 1;
}

void Model::add_layer(const nir::NirModel& nir, workload::Vertex v,
                      const std::map<int, int>& index) {
  const workload::Network& net = nir.network;
  const workload::Layer& l = net.layer(v);
  SimLayer s;
  s.id = l.id;
  s.name = l.name;
  s.block = l.block;
  auto pit = nir.layers.find(l.id);
  const nir::NirLayer none;
  LayerBuild b{l, pit == nir.layers.end() ? none : pit->second, s, path_};
  if (pit == nir.layers.end()) b.fail("no parameters for this layer");
  for (const auto& [u, e] : net.producers(v)) {
    const int ui = index.at(net.layer(u).id);
    if (e.recurrent) {
      s.recurrent.push_back(ui);
    } else if (s.input >= 0) {
      b.fail("layers with several inputs (add) are not simulated");
    } else {
      s.input = ui;
    }
  }
  s.in_shape = s.input < 0 ? input_ : layers_[static_cast<std::size_t>(s.input)].out_shape;
  const SynapseBuilder build = synapse_builder(b.p.node_type);
  if (build == nullptr) b.fail("node type '" + b.p.node_type + "' is not simulated");
  build(b);
  if (l.has_neurons()) {
    if (b.p.neuron_type.empty()) b.fail("has a neuron model but no neuron node");
    s.neuron = make_neuron_params(b.p.neuron_type, b.p.neuron_params, s.out_shape.size(),
                                  timing_.dt_s, path_, b.p.neuron_node);
  }
  layers_.push_back(std::move(s));
}

void Model::mark_recurrent_sources() {
  for (auto& s : layers_) {
    for (int r : s.recurrent) {
      auto& src = layers_[static_cast<std::size_t>(r)];
      if (src.out_shape.size() != s.out_shape.size()) {
        throw InputError(path_, "recurrent input of layer '" + s.name + "' from '" + src.name +
                                    "' has a different size");
      }
      src.feeds_recurrent = true;
    }
  }
}

std::vector<bool> Model::state_flags(const std::string& bits, const std::string& source) const {
  if (!bits.empty())
    workload::check_block_bits(bits, blocks_, source, "state schedule ", "'0' and '1'");
  std::vector<bool> flags(layers_.size(), false);
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const auto& l = layers_[i];
    flags[i] =
        l.neuron.has_value() && (bits.empty() || bits[static_cast<std::size_t>(l.block)] == '1');
  }
  return flags;
}

}  // namespace stems::simulate
