#pragma once
// Zero skipping (event-driven cores): a core with `zero_skipping = true` spends compute and spike
// traffic only on non-zero elements, so a node's costs scale with the measured spike densities of
// its layer (Layer::input_density, Layer::output_density: fractions of non-zero elements per
// timestep, from a workload file, `stems simulate --workload-out`, or a simulated accuracy model).
//
// What scales, per node:
//   - the MAC/accumulate energy, by the input density (an operation happens per non-zero input);
//   - every level's traffic of the input operand I when it carries spikes (1-bit input), by the
//     input density;
//   - every level's traffic of the output O when it carries spikes (a stateful layer with 1-bit
//     output), by the output density.
// and, only on a core with zero_skipping_cycles, the compute cycles by the input density.
// Simplifications: the loop nest is the dense one (chosen without knowing the densities);
// stalls and loading, weight and state traffic, partial sums of stateless layers and the
// scheduler's inter-layer DRAM transfers and buffer occupancy stay dense (tensors are stored
// dense); the saving is the mean over timesteps and positions (no per-tile variation). Dense cores
// (the default) are unaffected, so every reference number stays as it was.

#include "stems/cost/node_cost.hpp"
#include "stems/workload/layer.hpp"

namespace stems::cost {

// True when zero skipping would change anything for `layer` (some density below 1).
bool is_sparse(const workload::Layer& layer);

// The node's cost with compute and spike traffic scaled by the layer's densities; with `cycles`
// (a core's zero_skipping_cycles) also the compute cycles: ideal_temporal_cycles becomes
// ceil(dense x input density) and latency_cycles drops by the cycles saved (stalls, loading and
// offloading stay dense).
NodeCost apply_zero_skipping(const NodeCost& dense, const workload::Layer& layer,
                             bool cycles = false);

}  // namespace stems::cost
