#pragma once
// The ratio tables a campaign asks for ([[table]]), computed from its results.csv: for each run,
// the metric and baseline / run ("x less than the baseline"; > 1 means the run is better).

#include <string>
#include <vector>

#include "stems/campaign/campaign.hpp"
#include "stems/campaign/results_store.hpp"

namespace stems::campaign {

struct Table {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

std::vector<Table> ratio_tables(const Campaign& c, const CsvTable& results);
// A metric's value for display: *_pJ in mJ (4 decimals), *_bits / *_cycles with thousands
// separators, others as they are.
std::string display_metric(const std::string& metric, const std::string& value);
std::string display_header(const std::string& metric);
std::string tables_markdown(const Campaign& c, const std::vector<Table>& tables);

}  // namespace stems::campaign
