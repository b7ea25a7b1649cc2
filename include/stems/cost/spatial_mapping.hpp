#pragma once
// Spatial mapping from a core's fixed dataflow (STEMS/ZigZag: the core's dataflow is the spatial
// mapping; no search). Each PE-array dimension unrolls its loop dimension by
// u = min(array size, loop size); when u does not divide the loop, the loop runs
// rem = ceil(L/u) temporal iterations and the unrolling becomes fractional, u = L/rem (used for
// energy and tiling; its ceiling is used for latency). An Add only unrolls its channel and batch
// dimensions (STEMS names an Add's spatial dims AY/AX precisely so that the core's OY/OX
// unrolling does not apply to it); a flatten unrolls nothing.

#include <vector>

#include "stems/cost/node_cost.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/workload/layer.hpp"

namespace stems::cost {

std::vector<SpatialUnroll> spatial_mapping(const workload::Layer& layer,
                                           const hardware::Core& core);

// Temporal iterations left for dimension d after the unrolling: ceil(L / u) (>= 1).
std::uint64_t temporal_size(const workload::Layer& layer, const std::vector<SpatialUnroll>& s,
                            workload::Dim d);

}  // namespace stems::cost
