#include "stems/workload/types.hpp"

namespace stems::workload {

namespace {
template <class Enum, std::size_t N>
std::optional<Enum> parse_by_name(std::string_view name, const std::array<Enum, N>& all,
                                  std::string_view (*name_of)(Enum)) {
  for (Enum e : all) {
    if (name_of(e) == name) return e;
  }
  return std::nullopt;
}
}  // namespace

std::string_view dim_name(Dim d) {
  switch (d) {
    case Dim::T:
      return "T";
    case Dim::B:
      return "B";
    case Dim::G:
      return "G";
    case Dim::K:
      return "K";
    case Dim::C:
      return "C";
    case Dim::OY:
      return "OY";
    case Dim::OX:
      return "OX";
    case Dim::FY:
      return "FY";
    case Dim::FX:
      return "FX";
  }
  return "?";
}

std::optional<Dim> parse_dim(std::string_view name) {
  return parse_by_name(name, kAllDims, dim_name);
}

std::string_view op_name(OpType op) {
  switch (op) {
    case OpType::Conv2d:
      return "conv2d";
    case OpType::Linear:
      return "linear";
    case OpType::MaxPool:
      return "maxpool";
    case OpType::AvgPool:
      return "avgpool";
    case OpType::SumPool:
      return "sumpool";
    case OpType::Add:
      return "add";
    case OpType::Flatten:
      return "flatten";
  }
  return "?";
}

std::optional<OpType> parse_op(std::string_view name) {
  return parse_by_name(name, kAllOpTypes, op_name);
}

bool is_pool(OpType op) {
  return op == OpType::MaxPool || op == OpType::AvgPool || op == OpType::SumPool;
}

bool has_weights(OpType op) {
  return op == OpType::Conv2d || op == OpType::Linear;
}

namespace {
constexpr std::array<NeuronModel, 6> kAllNeurons = {NeuronModel::None,    NeuronModel::IF,
                                                    NeuronModel::LIF,     NeuronModel::PLIF,
                                                    NeuronModel::CubaLIF, NeuronModel::LI};
constexpr std::array<StatePolicy, 3> kAllPolicies = {StatePolicy::Keep, StatePolicy::Drop,
                                                     StatePolicy::Free};
constexpr std::array<Operand, 7> kAllOperands = {Operand::W, Operand::I, Operand::X, Operand::Y,
                                                 Operand::R, Operand::O, Operand::V};
}  // namespace

std::string_view neuron_name(NeuronModel n) {
  switch (n) {
    case NeuronModel::None:
      return "none";
    case NeuronModel::IF:
      return "IF";
    case NeuronModel::LIF:
      return "LIF";
    case NeuronModel::PLIF:
      return "PLIF";
    case NeuronModel::CubaLIF:
      return "CubaLIF";
    case NeuronModel::LI:
      return "LI";
  }
  return "?";
}

std::optional<NeuronModel> parse_neuron(std::string_view name) {
  return parse_by_name(name, kAllNeurons, neuron_name);
}

std::uint32_t state_variables(NeuronModel n) {
  switch (n) {
    case NeuronModel::None:
      return 0;
    case NeuronModel::CubaLIF:
      return 2;
    default:
      return 1;
  }
}

std::string_view state_policy_name(StatePolicy p) {
  switch (p) {
    case StatePolicy::Keep:
      return "keep";
    case StatePolicy::Drop:
      return "drop";
    case StatePolicy::Free:
      return "free";
  }
  return "?";
}

std::optional<StatePolicy> parse_state_policy(std::string_view name) {
  return parse_by_name(name, kAllPolicies, state_policy_name);
}

std::string_view operand_name(Operand o) {
  switch (o) {
    case Operand::W:
      return "W";
    case Operand::I:
      return "I";
    case Operand::X:
      return "X";
    case Operand::Y:
      return "Y";
    case Operand::R:
      return "R";
    case Operand::O:
      return "O";
    case Operand::V:
      return "V";
  }
  return "?";
}

std::optional<Operand> parse_operand(std::string_view name) {
  return parse_by_name(name, kAllOperands, operand_name);
}

}  // namespace stems::workload
