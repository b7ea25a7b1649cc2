#include "stems/workload/layer.hpp"

#include <algorithm>

namespace stems::workload {

std::uint64_t sliding_window_output(std::uint64_t in, std::uint64_t kernel, std::uint64_t stride,
                                    std::uint64_t pad, std::uint64_t dil) {
  if (kernel == 0 || stride == 0 || dil == 0) return 0;
  // In 128 bits: absurd sizes must not wrap into a plausible-looking result.
  __extension__ typedef unsigned __int128 u128;
  const u128 padded = u128(in) + u128(2) * pad;
  const u128 span = u128(dil) * (kernel - 1) + 1;
  if (padded < span) return 0;
  const u128 out = (padded - span) / stride + 1;
  return out > ~std::uint64_t{0} ? ~std::uint64_t{0} : static_cast<std::uint64_t>(out);
}

std::uint64_t Layer::output_channels() const {
  return size(Dim::G) * size(Dim::K);
}

std::uint64_t Layer::input_channels() const {
  switch (op) {
    case OpType::Conv2d:
    case OpType::Linear:
      return size(Dim::G) * size(Dim::C);
    case OpType::Flatten:
      return flatten_input[0];
    default:
      return size(Dim::G) * size(Dim::K);
  }
}

namespace {
std::uint64_t extent(std::uint64_t out, std::uint64_t kernel, std::uint32_t stride,
                     std::uint32_t dilation) {
  return (out - 1) * stride + (kernel - 1) * dilation + 1;
}
}  // namespace

std::uint64_t Layer::input_extent_y() const {
  if (op == OpType::Flatten) return flatten_input[1];
  const std::uint64_t e = extent(size(Dim::OY), size(Dim::FY), stride.y, dilation.y);
  return input_size.y ? std::min<std::uint64_t>(e, input_size.y) : e;
}

std::uint64_t Layer::input_extent_x() const {
  if (op == OpType::Flatten) return flatten_input[2];
  const std::uint64_t e = extent(size(Dim::OX), size(Dim::FX), stride.x, dilation.x);
  return input_size.x ? std::min<std::uint64_t>(e, input_size.x) : e;
}

std::uint64_t Layer::ops() const {
  if (op == OpType::Flatten) return 0;
  std::uint64_t p = 1;
  for (auto s : loop)
    p *= s;
  return p;
}

std::uint64_t Layer::weight_bits() const {
  if (!has_weights(op)) return 0;
  return size(Dim::G) * size(Dim::K) * size(Dim::C) * size(Dim::FY) * size(Dim::FX) * precision.W;
}

std::uint64_t Layer::output_elements_per_timestep() const {
  return size(Dim::B) * size(Dim::G) * size(Dim::K) * size(Dim::OY) * size(Dim::OX);
}

std::uint64_t Layer::neurons() const {
  return has_neurons() ? output_elements_per_timestep() : 0;
}

std::uint64_t Layer::stateful_neurons() const {
  return stateful() ? neurons() : 0;
}

std::uint64_t Layer::state_bits() const {
  return stateful_neurons() * precision.V * state_variables(neuron);
}

std::uint64_t Layer::output_bits_per_timestep() const {
  return output_elements_per_timestep() * precision.O;
}

std::uint64_t Layer::input_elements_per_timestep() const {
  return size(Dim::B) * input_channels() * input_extent_y() * input_extent_x();
}

std::uint64_t Layer::input_bits_per_timestep() const {
  const std::uint64_t one = input_elements_per_timestep() * precision.I;
  return op == OpType::Add ? 2 * one : one;
}

}  // namespace stems::workload
