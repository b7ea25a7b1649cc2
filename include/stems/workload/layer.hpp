#pragma once
// One SNN layer: a loop nest over (T, B, G, K, C, OY, OX, FY, FX) plus precisions and a neuron
// model.
//
// Sizes follow ZigZag's conventions: K and C are per group, so a conv has G*K output channels and
// G*C input channels. Pooling layers are channel-wise: their channel count is K and C is 1. An Add
// has only T, B, K, OY, OX. A Flatten has no compute; its output is K = C*H*W with OY = OX = 1.
// All derived quantities carry their unit in the name (_bits, ops = operations).

#include <array>
#include <cstdint>
#include <string>

#include "stems/workload/types.hpp"

namespace stems::workload {

struct Precision {
  std::uint32_t W = 0;     // weight bits (0: no weights)
  std::uint32_t I = 0;     // input bits (also X and Y of an Add; 1 for spikes)
  std::uint32_t O = 0;     // final output bits (1 for spikes)
  std::uint32_t psum = 0;  // partial-sum bits of a stateless layer's output while it accumulates
  std::uint32_t V = 0;     // bits per neuron state variable (0: no neuron)
};

struct Window2 {
  std::uint32_t y = 1;
  std::uint32_t x = 1;
  bool operator==(const Window2&) const = default;
};

// Output size of a sliding window along one axis: floor((in + 2*pad - dil*(F-1) - 1) / stride) + 1,
// or 0 when the window does not fit (or kernel, stride or dilation is 0).
std::uint64_t sliding_window_output(std::uint64_t in, std::uint64_t kernel, std::uint64_t stride,
                                    std::uint64_t pad, std::uint64_t dil);

struct Layer {
  int id = 0;
  std::string name;
  OpType op = OpType::Conv2d;
  int block = 0;  // the unit that per-block schedules and state schedules address

  std::array<std::uint64_t, kDimCount> loop{1, 1, 1, 1, 1, 1, 1, 1, 1};
  Window2 stride{1, 1};
  Window2 padding{0, 0};
  Window2 dilation{1, 1};
  // The unpadded input rows/columns a conv2d reads (0: not given). When given, every input extent
  // the cost model computes is clipped to it, so padding is never read (ZigZag's pr_loop_dim_size
  // for ONNX layers); set by the ONNX importer, `input_size = [y, x]` in a workload file.
  Window2 input_size{0, 0};

  Precision precision;
  NeuronModel neuron = NeuronModel::None;
  StatePolicy state_policy = StatePolicy::Keep;
  // Effective decision for this evaluation (from the policy, overridden by a state schedule).
  bool keeps_state = true;

  // Fraction of non-zero elements per timestep of the layer's input and output (1 = dense). Used
  // only by cores with zero skipping (cost/sparsity.hpp); set from a workload file, from
  // `stems simulate --workload-out`, or per state schedule by a simulated accuracy model.
  double input_density = 1.0;
  double output_density = 1.0;

  // Flatten only: the C x H x W shape it reads (set from its producer).
  std::array<std::uint64_t, 3> flatten_input{1, 1, 1};

  std::uint64_t size(Dim d) const { return loop[static_cast<std::size_t>(d)]; }
  void set_size(Dim d, std::uint64_t v) { loop[static_cast<std::size_t>(d)] = v; }

  bool has_neurons() const { return neuron != NeuronModel::None; }
  // A stateful layer carries its neuron state V from one timestep to the next.
  bool stateful() const { return has_neurons() && keeps_state; }

  // Output precision while reductions are incomplete: spikes for a stateful layer (the state
  // accumulates, not the output), the partial-sum precision otherwise.
  std::uint32_t output_psum_bits() const { return stateful() ? precision.O : precision.psum; }

  // Which operands live off-chip from the start: weights always; the input when the layer reads
  // the network input (set by the network when the layer has no producer).
  bool input_is_network_input = false;

  std::uint64_t output_channels() const;  // G*K
  std::uint64_t input_channels() const;   // G*C (conv/linear), K (pool/add), C of flatten input
  // Input extent with halo along one axis: (O-1)*stride + (F-1)*dilation + 1, clipped to
  // input_size when that is given.
  std::uint64_t input_extent_y() const;
  std::uint64_t input_extent_x() const;
  // The bound the cost model clips every input extent to: input_size when given (a tile with a
  // ceil'ed unrolling may reach past the layer's own extent, never past the input), else the
  // extent.
  std::uint64_t input_bound_y() const { return input_size.y ? input_size.y : input_extent_y(); }
  std::uint64_t input_bound_x() const { return input_size.x ? input_size.x : input_extent_x(); }

  std::uint64_t ops() const;               // product of all loop sizes (0 for Flatten)
  std::uint64_t weight_bits() const;       // G*K*C*FY*FX*W
  std::uint64_t neurons() const;           // B*G*K*OY*OX when the layer has a neuron model
  std::uint64_t stateful_neurons() const;  // neurons() if the state is kept, else 0
  std::uint64_t state_bits() const;        // stateful_neurons * V * state variables
  std::uint64_t output_elements_per_timestep() const;  // B*G*K*OY*OX
  std::uint64_t output_bits_per_timestep() const;      // elements * O
  std::uint64_t input_elements_per_timestep() const;   // per input operand (X and Y each for Add)
  std::uint64_t input_bits_per_timestep() const;       // all input operands (X+Y for Add)
};

}  // namespace stems::workload
