#pragma once
// Output of `stems optimize`: pareto.csv, pareto.json, convergence.csv, chosen.json (the
// lowest-energy point with every record) and the run config used, written into one directory
// (each file atomically). Formats only: the points' schedules and evaluations come from the
// searched problem (problems::front_records).

#include <optional>
#include <string>
#include <vector>

#include "stems/hardware/accelerator.hpp"
#include "stems/report/network_report.hpp"
#include "stems/search/front_record.hpp"
#include "stems/search/hardware_space.hpp"
#include "stems/search/optimizer.hpp"
#include "stems/search/run_config.hpp"
#include "stems/search/search_space.hpp"
#include "stems/workload/network.hpp"

namespace stems::report {

struct FrontOutput {
  const search::RunConfig& run;
  const workload::Network& network;
  const hardware::Accelerator& accelerator;
  const search::SearchSpace& space;
  const search::OptimizeResult& result;
  const std::vector<search::FrontRecord>& points;  // one per result.front entry, same order
  const std::optional<search::FrontRecord>& chosen;
  bool exhaustive = false;
  const search::HardwareSpace* hardware_space = nullptr;  // co-design: the hardware genes
};

void write_front(const std::string& dir, const FrontOutput& f);
// The content of pareto.json (run, space, counters, and a record per front point).
Json pareto_json(const FrontOutput& f);

}  // namespace stems::report
