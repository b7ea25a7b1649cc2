#include "stems/report/html_report.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "stems/campaign/campaign.hpp"
#include "stems/campaign/results_store.hpp"
#include "stems/campaign/tables.hpp"
#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"
#include "stems/report/network_report.hpp"

namespace stems::report {

namespace detail {
extern const char* const kReportJs;
extern const char* const kReportCss;
}  // namespace detail

namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json read_json(const std::string& path) {
  try {
    return Json::parse(read_text(path));
  } catch (const Json::parse_error& e) {
    throw InputError(path, std::string("not valid JSON: ") + e.what());
  }
}

// Text that cannot end the <script> element it is embedded in.
std::string script_safe(std::string s) {
  std::size_t at = 0;
  while ((at = s.find("</", at)) != std::string::npos) {
    s.replace(at, 2, "<\\/");
    at += 3;
  }
  return s;
}

std::string escape_html(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else {
      out += c;
    }
  }
  return out;
}

Json campaign_data(const std::string& dir) {
  const Json meta = read_json(dir + "/campaign.json");
  campaign::Campaign c;
  try {
    c.name = meta.at("name").get<std::string>();
    c.description = meta.value("description", "");
    c.mode = meta.at("mode").get<std::string>() == "optimize" ? campaign::Mode::Optimize
                                                              : campaign::Mode::Evaluate;
    for (const auto& a : meta.at("axes"))
      c.axes.push_back({a.get<std::string>(), {}});
    for (const auto& t : meta.at("tables")) {
      campaign::RatioTable rt;
      rt.title = t.at("title").get<std::string>();
      rt.metrics = t.at("metrics").get<std::vector<std::string>>();
      rt.baseline = t.at("baseline").get<std::map<std::string, std::string>>();
      c.tables.push_back(rt);
    }
  } catch (const Json::exception& e) {
    throw InputError(dir + "/campaign.json", std::string("unexpected content: ") + e.what());
  }
  const campaign::CsvTable results = campaign::read_csv(dir + "/results.csv");
  Json j;
  j["kind"] = "campaign";
  j["name"] = c.name;
  j["description"] = c.description;
  j["mode"] = std::string(campaign::mode_name(c.mode));
  j["axes"] = meta.at("axes");
  j["plots"] = meta.at("plots");
  j["results"] = {{"header", results.header}, {"rows", results.rows}};
  Json tables = Json::array();
  for (const auto& t : campaign::ratio_tables(c, results)) {
    tables.push_back({{"title", t.title}, {"columns", t.columns}, {"rows", t.rows}});
  }
  j["tables"] = tables;
  Json fronts = Json::array();
  const int status = results.column("status");
  for (const auto& row : results.rows) {
    const std::string pareto = dir + "/runs/" + row.front() + "/pareto.json";
    if (status >= 0 && row[std::size_t(status)] == "ok" && fs::exists(pareto)) {
      fronts.push_back({{"run", row.front()}, {"front", read_json(pareto).at("front")}});
    }
  }
  j["fronts"] = fronts;
  return j;
}

Json run_data(const std::string& dir) {
  Json j;
  j["kind"] = "run";
  j["pareto"] = read_json(dir + "/pareto.json");
  if (fs::exists(dir + "/chosen.json")) j["chosen"] = read_json(dir + "/chosen.json");
  return j;
}

}  // namespace

std::string find_plotly(const std::string& plotly_js) {
  std::vector<std::string> candidates;
  if (!plotly_js.empty()) return fs::is_regular_file(plotly_js) ? plotly_js : "";
  if (const char* env = std::getenv("STEMS_PLOTLY_JS")) candidates.emplace_back(env);
#ifdef STEMS_PLOTLY_JS
  candidates.emplace_back(STEMS_PLOTLY_JS);
#endif
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c)) return c;
  }
  return "";
}

std::string write_html_report(const std::string& dir, const std::string& plotly_js) {
  Json data;
  std::string title;
  if (fs::exists(dir + "/results.csv") && fs::exists(dir + "/campaign.json")) {
    data = campaign_data(dir);
    title = "stems campaign " + data["name"].get<std::string>();
  } else if (fs::exists(dir + "/pareto.json")) {
    data = run_data(dir);
    title = "stems optimize " + data["pareto"].value("run", std::string("run"));
  } else {
    throw InputError(dir,
                     "neither a campaign directory (campaign.json, results.csv) nor an "
                     "optimize output directory (pareto.json)");
  }
  const std::string plotly = find_plotly(plotly_js);
  if (plotly.empty()) {
    throw InputError(plotly_js.empty() ? std::string("plotly.js") : plotly_js,
                     "not found; install it with `npm ci --prefix src/report/web` (bash .ci/setup "
                     "does) or give --plotly FILE / $STEMS_PLOTLY_JS");
  }
  std::string html =
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
  html += escape_html(title);
  html += "</title>\n<style>\n";
  html += detail::kReportCss;
  html += "</style>\n<script>\n";
  html += script_safe(read_text(plotly));
  html +=
      "\n</script>\n</head>\n<body>\n<h1 id=\"title\"></h1>\n<p class=\"meta\" id=\"meta\"></p>\n"
      "<div id=\"content\"></div>\n<script>\nwindow.STEMS_DATA = ";
  html += script_safe(data.dump());
  html += ";\n</script>\n<script>\n";
  html += script_safe(detail::kReportJs);
  html += "\n</script>\n</body>\n</html>\n";
  const std::string path = dir + "/report.html";
  write_file_atomically(path, html);
  return path;
}

}  // namespace stems::report
