#include "stems/simulate/model.hpp"

#include <map>

#include "stems/common/error.hpp"
#include "stems/workload/state_schedule.hpp"

namespace stems::simulate {

using workload::Dim;

namespace {

std::string shape_text(const Shape3& s) {
  std::string out = "[";
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

}  // namespace

Model::Model(const nir::NirModel& nir, const SimOptions& options)
    : path_(nir.path), input_shape_(nir.input_shape), options_(options) {
  if (!(options.dt_s > 0) || !std::isfinite(options.dt_s)) {
    throw InputError("--dt-s", "the timestep must be a positive number of seconds");
  }
  const workload::Network& net = nir.network;
  blocks_ = net.block_count();
  switch (input_shape_.size()) {
    case 1:
      input_ = {input_shape_[0], 1, 1};
      break;
    case 2:
      input_ = {input_shape_[0], 1, input_shape_[1]};
      break;
    case 3:
      input_ = {input_shape_[0], input_shape_[1], input_shape_[2]};
      break;
    default:
      throw InputError(path_, "the simulator takes inputs of rank 1 to 3 (C, C x L, C x H x W)");
  }
  std::map<int, int> index;  // layer id -> index in layers_
  for (workload::Vertex v : net.topological_order())
    index[net.layer(v).id] = static_cast<int>(index.size());
  for (workload::Vertex v : net.topological_order()) {
    const workload::Layer& l = net.layer(v);
    auto fail = [&](const std::string& what) {
      throw InputError(path_, "layer " + std::to_string(l.id) + " ('" + l.name + "'): " + what);
    };
    auto pit = nir.layers.find(l.id);
    if (pit == nir.layers.end()) fail("no parameters for this layer");
    const nir::NirLayer& p = pit->second;
    SimLayer s;
    s.id = l.id;
    s.name = l.name;
    s.block = l.block;
    for (const auto& [u, e] : net.producers(v)) {
      const int ui = index.at(net.layer(u).id);
      if (e.recurrent) {
        s.recurrent.push_back(ui);
      } else if (s.input >= 0) {
        fail("layers with several inputs (add) are not simulated");
      } else {
        s.input = ui;
      }
    }
    s.in_shape = s.input < 0 ? input_ : layers_[static_cast<std::size_t>(s.input)].out_shape;
    const std::string& t = p.node_type;
    auto window = [&]() {
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
    };
    if (t == "Conv2d" || t == "Conv1d") {
      const std::uint64_t g = l.size(Dim::G), cout = g * l.size(Dim::K);
      if (s.in_shape.c != g * l.size(Dim::C)) {
        fail("expects " + std::to_string(g * l.size(Dim::C)) + " input channels, receives " +
             shape_text(s.in_shape));
      }
      const auto& w = values_or_empty(p.params, "weight");
      if (w.size() != cout * l.size(Dim::C) * l.size(Dim::FY) * l.size(Dim::FX)) {
        fail("'weight' has " + std::to_string(w.size()) + " values, the layer needs " +
             std::to_string(cout * l.size(Dim::C) * l.size(Dim::FY) * l.size(Dim::FX)));
      }
      const auto& b = values_or_empty(p.params, "bias");
      if (!b.empty() && b.size() != cout) fail("'bias' should have one value per output channel");
      s.synapse = std::make_unique<Conv2dSynapse>(s.in_shape, cout, g, window(), w, b);
      s.out_shape = {cout, l.size(Dim::OY), l.size(Dim::OX)};
    } else if (t == "Affine" || t == "Linear") {
      const std::uint64_t in = l.size(Dim::C), out = l.size(Dim::K);
      if (s.in_shape.size() != in) {
        fail("expects " + std::to_string(in) + " inputs, receives " + shape_text(s.in_shape));
      }
      const auto& w = values_or_empty(p.params, "weight");
      if (w.size() != in * out) fail("'weight' should have out x in values");
      const auto& b = values_or_empty(p.params, "bias");
      if (!b.empty() && b.size() != out) fail("'bias' should have one value per output");
      s.synapse = std::make_unique<DenseSynapse>(in, out, w, b);
      s.out_shape = {out, 1, 1};
    } else if (t == "SumPool2d" || t == "AvgPool2d") {
      if (s.in_shape.c != l.size(Dim::K)) fail("channels do not match its input");
      s.synapse = std::make_unique<PoolSynapse>(s.in_shape, window(), t == "AvgPool2d");
      s.out_shape = {l.size(Dim::K), l.size(Dim::OY), l.size(Dim::OX)};
    } else if (t == "Flatten") {
      s.synapse = std::make_unique<IdentitySynapse>();
      s.out_shape = {s.in_shape.size(), 1, 1};
    } else if (t == "Scale") {
      const auto& sc = values_or_empty(p.params, "scale");
      if (sc.size() != 1 && sc.size() != s.in_shape.size()) {
        fail("'scale' should have 1 or " + std::to_string(s.in_shape.size()) + " values");
      }
      s.synapse = std::make_unique<ScaleSynapse>(
          sc.size() == 1 ? arma::vec(s.in_shape.size(), arma::fill::value(sc[0])) : arma::vec(sc));
      s.out_shape = s.in_shape;
    } else if (t == "LIF" || t == "CubaLIF" || t == "IF" || t == "LI" || t == "Integrator") {
      s.synapse = std::make_unique<IdentitySynapse>();
      s.out_shape = s.in_shape;
    } else {
      fail("node type '" + t + "' is not simulated");
    }
    if (l.has_neurons()) {
      if (p.neuron_type.empty()) fail("has a neuron model but no neuron node");
      s.neuron = make_neuron_params(p.neuron_type, p.neuron_params, s.out_shape.size(),
                                    options_.dt_s, path_, p.neuron_node);
    }
    layers_.push_back(std::move(s));
  }
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
  if (nir.output_layer >= 0 && index.count(nir.output_layer)) {
    output_ = index.at(nir.output_layer);
  } else {
    output_ = static_cast<int>(layers_.size()) - 1;
  }
  if (layers_.empty()) throw InputError(path_, "no layers to simulate");
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
