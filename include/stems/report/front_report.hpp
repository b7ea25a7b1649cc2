#pragma once
// Output of `stems optimize`: pareto.csv, pareto.json, convergence.csv and the run config used,
// written into one directory (each file atomically).

#include <string>

#include "schedule_problem.hpp"
#include "stems/search/optimizer.hpp"
#include "stems/search/run_config.hpp"

namespace stems::report {

void write_front(const std::string& dir, const search::RunConfig& run,
                 const problems::ScheduleContext& ctx, const search::OptimizeResult& result,
                 bool exhaustive);

}  // namespace stems::report
