#pragma once
// `stems evaluate`: a schedule's totals, energy buckets, per-layer table and breakdown, as text
// and JSON. JSON contract (scripts depend on it): energy_pJ, latency_cycles,
// offchip {read_bits, write_bits, energy_pJ}, mac_energy_pJ, state_bits, peak_onchip_bits,
// buckets {...}, layers [{id, name, block, stateful, onchip_energy_pJ, mac_energy_pJ,
// offchip_energy_pJ, latency_cycles, start_cycle, end_cycle}], breakdown [{layer, operand,
// component, energy_pJ}], nodes [{layer, t, x, core, start_cycle, end_cycle, energy_pJ}].

#include <string>

#include "stems/report/network_report.hpp"
#include "stems/schedule/scheduler.hpp"

namespace stems::report {

Json schedule_json(const workload::Network& net, const hardware::Accelerator& acc,
                   const schedule::Schedule& s, const schedule::ScheduleResult& r);
// The on-chip occupancy steps [[cycle, bits], ...], thinned to at most `max_points` (keeping the
// peak of every thinned stretch) so a report stays small for schedules with many nodes.
Json memory_timeline_json(const schedule::ScheduleResult& r, std::size_t max_points = 20000);
std::string schedule_text(const workload::Network& net, const hardware::Accelerator& acc,
                          const schedule::Schedule& s, const schedule::ScheduleResult& r);

}  // namespace stems::report
