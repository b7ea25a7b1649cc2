#pragma once
// A campaign directory's report.html: its ratio tables, every run's headline numbers, the sweep
// plots the campaign declares and every search run's front, drawn by report/html_report.

#include <string>

namespace stems::campaign {

// Returns the report's path. Throws InputError when DIR is not a campaign's output or plotly.js
// cannot be found.
std::string write_campaign_report(const std::string& dir, const std::string& plotly_js = "");

}  // namespace stems::campaign
