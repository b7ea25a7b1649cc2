// The registry of NIR node types: one row per type stems reads. Adding a type is adding a row
// (and a shape rule in shape_rules.cpp if no existing one fits); the simulator's synapses
// (src/simulate/model.cpp) and neuron models (neuron.cpp) cover the same names.
#include <array>
#include <stdexcept>
#include <string>

#include "layer_builder.hpp"
#include "node_registry.hpp"

namespace stems::nir {

namespace detail {

namespace {

using workload::NeuronModel;
constexpr NodeKind kPass = NodeKind::PassThrough;
constexpr NodeKind kSyn = NodeKind::Synaptic;
constexpr NodeKind kPool = NodeKind::Pooling;
constexpr NodeKind kNeuron = NodeKind::Neuron;

constexpr std::array<NodeTypeEntry, 16> kRegistry = {{
    {{kInputType, kPass}, input_rule},
    {{"Output", kPass}, output_rule},
    {{"Affine", kSyn}, dense_rule},
    {{"Linear", kSyn}, dense_rule},
    {{"Conv1d", kSyn}, conv1d_rule},
    {{"Conv2d", kSyn}, conv2d_rule},
    {{"SumPool2d", kPool}, sum_pool_rule},
    {{"AvgPool2d", kPool}, avg_pool_rule},
    {{"Flatten", NodeKind::Flatten}, flatten_rule},
    {{"Scale", kSyn}, scale_rule},
    {{"LIF", kNeuron, NeuronModel::LIF, true}, neuron_rule},
    {{"CubaLIF", kNeuron, NeuronModel::CubaLIF, true}, neuron_rule},
    {{"IF", kNeuron, NeuronModel::IF, true}, neuron_rule},
    // LI and Integrator: leaky and plain integrators without spikes (their output is v).
    {{"LI", kNeuron, NeuronModel::LI, false}, neuron_rule},
    {{"Integrator", kNeuron, NeuronModel::LI, false}, neuron_rule},
    {{"I", kNeuron, NeuronModel::LI, false}, neuron_rule},  // the integrator as NIR 1.0 names it
}};

constexpr NodeTypeEntry kIdentity = {{kIdentityType, kPass}, identity_rule};

// The registry's invariants, checked once at compile time: unique names, a neuron model exactly
// for the neuron kind (the layer builder relies on it), no Identity row. (A rule per row is
// checked where a row is found: GCC's -fsanitize=undefined makes a function pointer's comparison
// with null non-constant, so it cannot be part of the static_assert.)
constexpr bool registry_is_valid() {
  for (std::size_t i = 0; i < kRegistry.size(); ++i) {
    const NodeTypeEntry& e = kRegistry[i];
    if (e.info.name.empty() || e.info.name == kIdentityType) return false;
    if ((e.info.kind == NodeKind::Neuron) != (e.info.neuron != NeuronModel::None)) return false;
    if (e.info.spiking && e.info.kind != NodeKind::Neuron) return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (kRegistry[j].info.name == e.info.name) return false;
    }
  }
  return true;
}
static_assert(registry_is_valid(), "the NIR node registry has a malformed row");

}  // namespace

const NodeTypeEntry* find_entry(std::string_view type) {
  for (const NodeTypeEntry& e : kRegistry) {
    if (e.info.name != type) continue;
    if (e.rule == nullptr) {
      throw std::logic_error("NIR node registry: no shape rule for " + std::string(e.info.name));
    }
    return &e;
  }
  return nullptr;
}

const NodeTypeEntry& identity_entry() {
  return kIdentity;
}

}  // namespace detail

std::optional<NodeTypeInfo> find_node_type(std::string_view type) {
  const detail::NodeTypeEntry* e = detail::find_entry(type);
  if (e == nullptr) return std::nullopt;
  return e->info;
}

std::string supported_node_types() {
  std::string out;
  for (const detail::NodeTypeEntry& e : detail::kRegistry) {
    if (!out.empty()) out += ", ";
    out += e.info.name;
  }
  return out;
}

}  // namespace stems::nir
