#include "stems/cost/sparsity.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace stems::cost {

bool is_sparse(const workload::Layer& layer) {
  return layer.input_density < 1.0 || layer.output_density < 1.0;
}

NodeCost apply_zero_skipping(const NodeCost& dense, const workload::Layer& layer, bool cycles) {
  const double in = std::clamp(layer.input_density, 0.0, 1.0);
  const double out = std::clamp(layer.output_density, 0.0, 1.0);
  const bool spike_input = layer.precision.I == 1;
  const bool spike_output = layer.output_psum_bits() == 1;
  NodeCost c = dense;
  c.mac_energy_pJ = dense.mac_energy_pJ * in;
  for (OperandCost& oc : c.operands) {
    double factor = 1.0;
    if (oc.layer_operand == "I" && spike_input) factor = in;
    if (oc.layer_operand == "O" && spike_output) factor = out;
    if (factor == 1.0) continue;
    for (LevelCost& lvl : oc.levels) {
      const double saved = lvl.energy_pJ * (1.0 - factor);
      lvl.energy_pJ -= saved;
      oc.energy_pJ -= saved;
      (lvl.offchip ? c.offchip_memory_energy_pJ : c.onchip_memory_energy_pJ) -= saved;
      for (DirectionTraffic& t : lvl.traffic) {
        t.words *= factor;
        t.energy_pJ *= factor;
      }
    }
  }
  c.energy_pJ = c.mac_energy_pJ + c.neuron_energy_pJ + c.onchip_memory_energy_pJ +
                c.offchip_memory_energy_pJ;  // a neuron updates whether it spikes or not
  if (cycles) {
    const std::uint64_t ideal = dense.latency.ideal_temporal_cycles;
    const auto busy = static_cast<std::uint64_t>(std::ceil(static_cast<double>(ideal) * in));
    c.latency.ideal_temporal_cycles = busy;
    c.latency.latency_cycles = dense.latency.latency_cycles - static_cast<double>(ideal - busy);
  }
  return c;
}

}  // namespace stems::cost
