#pragma once
// Vocabulary of the workload model: loop dimensions, operator types, neuron models, operands.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stems::workload {

// Loop dimensions of a layer's loop nest. T (timesteps) is a first-class loop: every layer has it.
//   T timesteps, B batch, G groups, K output channels (per group), C input channels (per group),
//   OY/OX output rows/columns, FY/FX kernel rows/columns.
enum class Dim : std::uint8_t { T, B, G, K, C, OY, OX, FY, FX };
inline constexpr std::size_t kDimCount = 9;
inline constexpr std::array<Dim, kDimCount> kAllDims = {Dim::T,  Dim::B,  Dim::G,  Dim::K, Dim::C,
                                                        Dim::OY, Dim::OX, Dim::FY, Dim::FX};

std::string_view dim_name(Dim d);
std::optional<Dim> parse_dim(std::string_view name);

enum class OpType : std::uint8_t { Conv2d, Linear, MaxPool, AvgPool, SumPool, Add, Flatten };
inline constexpr std::array<OpType, 7> kAllOpTypes = {
    OpType::Conv2d,  OpType::Linear, OpType::MaxPool, OpType::AvgPool,
    OpType::SumPool, OpType::Add,    OpType::Flatten};

// Config spelling: "conv2d", "linear", "maxpool", "avgpool", "sumpool", "add", "flatten".
std::string_view op_name(OpType op);
std::optional<OpType> parse_op(std::string_view name);
std::string op_names();  // "conv2d, linear, ... or flatten" (for error messages)
bool is_pool(OpType op);
bool has_weights(OpType op);  // Conv2d, Linear

// Neuron models. Every model but None carries state from one timestep to the next.
enum class NeuronModel : std::uint8_t { None, IF, LIF, PLIF, CubaLIF, LI };
std::string_view neuron_name(NeuronModel n);  // "none", "IF", "LIF", "PLIF", "CubaLIF", "LI"
std::optional<NeuronModel> parse_neuron(std::string_view name);
std::string neuron_names();
// State variables per neuron: CubaLIF keeps synaptic current and membrane voltage (2); others 1.
std::uint32_t state_variables(NeuronModel n);

// Whether a layer with a neuron model keeps its state. `Free` means "as declared (kept) unless the
// optimiser decides otherwise"; a state schedule string overrides all three per block.
enum class StatePolicy : std::uint8_t { Keep, Drop, Free };
std::string_view state_policy_name(StatePolicy p);
std::optional<StatePolicy> parse_state_policy(std::string_view name);
std::string state_policy_names();

// Layer operands. I is the input of conv/linear/pool/flatten; X and Y are the two inputs of an Add;
// R is a recurrent input (added to the neuron input current, delay one timestep). W weights,
// O output, V neuron state.
enum class Operand : std::uint8_t { W, I, X, Y, R, O, V };
std::string_view operand_name(Operand o);
std::optional<Operand> parse_operand(std::string_view name);

}  // namespace stems::workload
