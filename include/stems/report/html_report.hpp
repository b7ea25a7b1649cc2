#pragma once
// `stems report DIR`: a self-contained DIR/report.html (opens offline) with plotly.js inlined.
//   * an optimize output directory (pareto.json, chosen.json): the Pareto front (energy vs
//     latency, state bits as colour, hover shows the schedule), the energy breakdown of the
//     lowest-energy point per operand and memory level and per layer, its schedule timeline
//     (nodes on the cores, transfers on the DRAM link) and its on-chip memory occupancy;
//   * a campaign directory (campaign.toml, results.csv): its ratio tables, every run's headline
//     numbers, the sweep plots it declares, and for search campaigns every run's front.
// plotly.js comes from the npm registry (src/report/web: `npm ci`); its location is, in order:
// the `plotly_js` argument, $STEMS_PLOTLY_JS, the path configured at build time.

#include <string>

#include "stems/report/network_report.hpp"

namespace stems::report {

// An optimize output directory's report. Returns the report's path. Throws InputError when DIR is
// not one (campaign directories: campaign::write_campaign_report) or plotly.js cannot be found.
std::string write_html_report(const std::string& dir, const std::string& plotly_js = "");

// DIR/report.html showing `data` (window.STEMS_DATA for src/report/web/report.js: kind "run" or
// "campaign"). Returns the report's path.
std::string write_html(const std::string& dir, const std::string& title, const Json& data,
                       const std::string& plotly_js = "");

// Whether DIR holds a campaign's output (campaign.json and results.csv).
bool is_campaign_dir(const std::string& dir);
// Reads a JSON file (InputError naming it when it cannot be read or parsed).
Json read_json_file(const std::string& path);

// Where plotly.js would be taken from ("" when nowhere).
std::string find_plotly(const std::string& plotly_js = "");

}  // namespace stems::report
