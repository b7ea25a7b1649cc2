#pragma once
// The inter-layer scheduler (Stream/STEMS style): computation nodes are list-scheduled on the
// cores in priority order; a memory manager tracks each core's top on-chip memory (weights and
// states start in DRAM, states move on chip and are written back when they leave, eviction of
// the tensor used last (physical) or of the lowest remaining uses x 100 - layer id (stems),
// activations written back only when evicted while still needed); transfers serialise on the DRAM
// link; a node with operands too large for the top memory streams them from DRAM (under stems
// after flushing the top memory) and blocks the DRAM link while it runs. Costs per node come from
// the intra-layer cost model (memoised).
//
// Components (one header each): the list scheduler (src/schedule/list_scheduler.hpp: ready set,
// priority keys, node start times), the memory manager (memory_manager.hpp), the transfer model
// (link_model.hpp; core-to-core replicas in src/schedule/replicas.hpp) and the energy bookkeeping
// (energy_ledger.hpp).

#include "stems/cost/node_cache.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/schedule/cn_graph.hpp"
#include "stems/schedule/schedule.hpp"
#include "stems/schedule/schedule_result.hpp"
#include "stems/workload/network.hpp"

namespace stems::schedule {

// Evaluates `schedule` (nodes from build_cn_graph) of `net` on `acc`. `cache` memoises node costs
// and may be shared between evaluations on the same accelerator. Throws InputError for schedules
// the hardware cannot run.
ScheduleResult evaluate_schedule(const workload::Network& net, const hardware::Accelerator& acc,
                                 const Schedule& schedule, cost::NodeCostCache& cache,
                                 Records records = Records::Full);

}  // namespace stems::schedule
