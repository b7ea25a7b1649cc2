#pragma once
// Closed-form figures that depend only on the workload and the hardware, not on a mapping:
//   * compute energy: dense operation count x energy per operation. A weighted layer (conv,
//     linear) whose input is wider than 1 bit performs multi-bit MACs (mac_energy_pJ); every other
//     operation is accumulate-only (spike-input synaptic ops, adds, pooling: accumulate_energy_pJ).
//     This is how the STEMS reference prices layers (its 16/7 rescaling of 0.07 pJ to 0.16 pJ).
//   * the off-chip floor under the reference's state lifecycle (states start in DRAM and are
//     written back after their last use): every weight read once, every kept state read once and
//     written back once, the network input read once, every sink output written once. Any
//     schedule moves at least this much; schedules that spill move more.
// Both assume dense spikes (no zero skipping), as the reference runs do.

#include <cstdint>
#include <vector>

#include "stems/hardware/accelerator.hpp"
#include "stems/workload/network.hpp"

namespace stems::cost {

struct LayerBounds {
  int layer_id = 0;
  int core_id = 0;              // first core allowed to run the layer's operator
  bool multi_bit_macs = false;  // priced at mac_energy_pJ
  double compute_energy_pJ = 0;
  std::uint64_t weight_read_bits = 0;
  std::uint64_t state_read_bits = 0;
  std::uint64_t state_write_bits = 0;
  std::uint64_t input_read_bits = 0;    // network input (all timesteps, with halo)
  std::uint64_t output_write_bits = 0;  // sink output (all timesteps)
  double dram_energy_pJ = 0;
};

struct Bounds {
  std::vector<LayerBounds> layers;  // topological order
  double compute_energy_pJ = 0;
  std::uint64_t weight_read_bits = 0;
  std::uint64_t state_read_bits = 0;
  std::uint64_t state_write_bits = 0;
  std::uint64_t input_read_bits = 0;
  std::uint64_t output_write_bits = 0;
  double weight_dram_energy_pJ = 0;
  double state_dram_energy_pJ = 0;
  double input_dram_energy_pJ = 0;
  double output_dram_energy_pJ = 0;
  double dram_energy_pJ = 0;
};

// Throws InputError (where = "hardware") if a layer's operator has no core that runs it.
Bounds compute_bounds(const workload::Network& net, const hardware::Accelerator& acc);

}  // namespace stems::cost
