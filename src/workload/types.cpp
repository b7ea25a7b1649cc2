#include "stems/workload/types.hpp"

#include "stems/common/names.hpp"

namespace stems::workload {

namespace {

constexpr NameTable<Dim, kDimCount> kDimNames = {{{Dim::T, "T"},
                                                  {Dim::B, "B"},
                                                  {Dim::G, "G"},
                                                  {Dim::K, "K"},
                                                  {Dim::C, "C"},
                                                  {Dim::OY, "OY"},
                                                  {Dim::OX, "OX"},
                                                  {Dim::FY, "FY"},
                                                  {Dim::FX, "FX"}}};
constexpr NameTable<OpType, 7> kOpNames = {{{OpType::Conv2d, "conv2d"},
                                            {OpType::Linear, "linear"},
                                            {OpType::MaxPool, "maxpool"},
                                            {OpType::AvgPool, "avgpool"},
                                            {OpType::SumPool, "sumpool"},
                                            {OpType::Add, "add"},
                                            {OpType::Flatten, "flatten"}}};
constexpr NameTable<NeuronModel, 6> kNeuronNames = {{{NeuronModel::None, "none"},
                                                     {NeuronModel::IF, "IF"},
                                                     {NeuronModel::LIF, "LIF"},
                                                     {NeuronModel::PLIF, "PLIF"},
                                                     {NeuronModel::CubaLIF, "CubaLIF"},
                                                     {NeuronModel::LI, "LI"}}};
constexpr NameTable<StatePolicy, 3> kPolicyNames = {
    {{StatePolicy::Keep, "keep"}, {StatePolicy::Drop, "drop"}, {StatePolicy::Free, "free"}}};
constexpr NameTable<Operand, 7> kOperandNames = {{{Operand::W, "W"},
                                                  {Operand::I, "I"},
                                                  {Operand::X, "X"},
                                                  {Operand::Y, "Y"},
                                                  {Operand::R, "R"},
                                                  {Operand::O, "O"},
                                                  {Operand::V, "V"}}};

}  // namespace

std::string_view dim_name(Dim d) {
  return name_of(kDimNames, d);
}
std::optional<Dim> parse_dim(std::string_view name) {
  return parse_name(kDimNames, name);
}

std::string_view op_name(OpType op) {
  return name_of(kOpNames, op);
}
std::optional<OpType> parse_op(std::string_view name) {
  return parse_name(kOpNames, name);
}
std::string op_names() {
  return allowed_names(kOpNames);
}

bool is_pool(OpType op) {
  return op == OpType::MaxPool || op == OpType::AvgPool || op == OpType::SumPool;
}

bool has_weights(OpType op) {
  return op == OpType::Conv2d || op == OpType::Linear;
}

std::string_view neuron_name(NeuronModel n) {
  return name_of(kNeuronNames, n);
}
std::optional<NeuronModel> parse_neuron(std::string_view name) {
  return parse_name(kNeuronNames, name);
}
std::string neuron_names() {
  return allowed_names(kNeuronNames);
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
  return name_of(kPolicyNames, p);
}
std::optional<StatePolicy> parse_state_policy(std::string_view name) {
  return parse_name(kPolicyNames, name);
}
std::string state_policy_names() {
  return allowed_names(kPolicyNames);
}

std::string_view operand_name(Operand o) {
  return name_of(kOperandNames, o);
}
std::optional<Operand> parse_operand(std::string_view name) {
  return parse_name(kOperandNames, name);
}

}  // namespace stems::workload
