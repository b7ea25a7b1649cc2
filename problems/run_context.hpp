#pragma once
// Builds the search problem of a run config: loads the workload (TOML or NIR) and the hardware,
// applies the fixed state schedule (the network as declared for this run) and the free state
// blocks, and makes the shared, immutable ScheduleProblem the optimiser evaluates. Shared by
// `stems optimize`, campaigns and the MPI island model so that all three search exactly the same
// problem.

#include <memory>
#include <optional>
#include <vector>

#include "schedule_problem.hpp"
#include "stems/search/optimizer.hpp"
#include "stems/search/run_config.hpp"

namespace stems::problems {

// Throws InputError naming the run file for a bad free_state_blocks entry; loader errors name
// their own files.
std::shared_ptr<const ScheduleProblem> make_context(const search::RunConfig& rc);

// Every front point with its schedule and totals, for reports (report/front_report.hpp), and the
// lowest-energy point evaluated with every record (empty when the front is).
std::vector<search::FrontRecord> front_records(const ScheduleProblem& problem,
                                               const search::OptimizeResult& result);
std::optional<search::FrontRecord> chosen_record(const ScheduleProblem& problem,
                                                 const search::OptimizeResult& result);

}  // namespace stems::problems
