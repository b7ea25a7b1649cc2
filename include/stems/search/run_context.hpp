#pragma once
// Builds the search context of a run config: loads the workload (TOML or NIR) and the hardware,
// applies the fixed state schedule and the free state blocks, and makes the shared, immutable
// ScheduleContext that the optimiser evaluates. Shared by `stems optimize`, campaigns and the MPI
// island model so that all three search exactly the same problem.

#include <memory>

#include "schedule_problem.hpp"
#include "stems/search/run_config.hpp"

namespace stems::search {

// Throws InputError naming the run file for a bad free_state_blocks entry; loader errors name
// their own files.
std::shared_ptr<const problems::ScheduleContext> make_context(const RunConfig& rc);

}  // namespace stems::search
