#pragma once
// The schedule as a Chrome trace-event file (`stems evaluate --trace FILE`, trace.json beside
// chosen.json from `stems optimize`), for Perfetto (ui.perfetto.dev) and chrome://tracing: one
// track per core and per link, every computation node and every transfer as a complete slice
// ("ph": "X") with its layer, tile, timesteps and energy as args, and the on-chip occupancy as a
// counter track. The time unit is the clock cycle: a trace "microsecond" is one cycle (the file's
// metadata says so).

#include "stems/hardware/accelerator.hpp"
#include "stems/report/network_report.hpp"
#include "stems/schedule/schedule.hpp"
#include "stems/schedule/scheduler.hpp"

namespace stems::report {

// Needs a result evaluated with schedule::Records::Full (nodes, transfers, timeline).
Json chrome_trace(const workload::Network& net, const hardware::Accelerator& acc,
                  const schedule::Schedule& s, const schedule::ScheduleResult& r);

}  // namespace stems::report
