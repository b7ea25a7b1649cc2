#include "stems/campaign/campaign_report.hpp"

#include <filesystem>

#include "stems/campaign/campaign.hpp"
#include "stems/campaign/results_store.hpp"
#include "stems/campaign/tables.hpp"
#include "stems/common/error.hpp"
#include "stems/report/html_report.hpp"

namespace stems::campaign {

namespace {

namespace fs = std::filesystem;
using report::Json;

// The page's data (window.STEMS_DATA, kind "campaign") from campaign.json and results.csv.
Json campaign_data(const std::string& dir) {
  const Json meta = report::read_json_file(dir + "/campaign.json");
  Campaign c;
  try {
    c.name = meta.at("name").get<std::string>();
    c.description = meta.value("description", "");
    c.mode = meta.at("mode").get<std::string>() == "optimize" ? Mode::Optimize : Mode::Evaluate;
    for (const auto& a : meta.at("axes"))
      c.axes.push_back({a.get<std::string>(), {}});
    for (const auto& t : meta.at("tables")) {
      RatioTable rt;
      rt.title = t.at("title").get<std::string>();
      rt.metrics = t.at("metrics").get<std::vector<std::string>>();
      rt.baseline = t.at("baseline").get<std::map<std::string, std::string>>();
      c.tables.push_back(rt);
    }
  } catch (const Json::exception& e) {
    throw InputError(dir + "/campaign.json", std::string("unexpected content: ") + e.what());
  }
  const CsvTable results = read_csv(dir + "/results.csv");
  Json j;
  j["kind"] = "campaign";
  j["name"] = c.name;
  j["description"] = c.description;
  j["mode"] = std::string(mode_name(c.mode));
  j["axes"] = meta.at("axes");
  j["plots"] = meta.at("plots");
  j["results"] = {{"header", results.header}, {"rows", results.rows}};
  Json tables = Json::array();
  for (const auto& t : ratio_tables(c, results)) {
    tables.push_back({{"title", t.title}, {"columns", t.columns}, {"rows", t.rows}});
  }
  j["tables"] = tables;
  Json fronts = Json::array();
  const int status = results.column("status");
  for (const auto& row : results.rows) {
    const std::string pareto = dir + "/runs/" + row.front() + "/pareto.json";
    if (status >= 0 && row[std::size_t(status)] == "ok" && fs::exists(pareto)) {
      fronts.push_back(
          {{"run", row.front()}, {"front", report::read_json_file(pareto).at("front")}});
    }
  }
  j["fronts"] = fronts;
  return j;
}

}  // namespace

std::string write_campaign_report(const std::string& dir, const std::string& plotly_js) {
  if (!report::is_campaign_dir(dir)) {
    throw InputError(dir, "not a campaign directory (campaign.json, results.csv)");
  }
  const Json data = campaign_data(dir);
  return report::write_html(dir, "stems campaign " + data["name"].get<std::string>(), data,
                            plotly_js);
}

}  // namespace stems::campaign
