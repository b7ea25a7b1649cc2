#include "stems/report/html_report.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

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

Json read_json_file(const std::string& path) {
  return read_json(path);
}

bool is_campaign_dir(const std::string& dir) {
  return fs::exists(dir + "/results.csv") && fs::exists(dir + "/campaign.json");
}

std::string write_html_report(const std::string& dir, const std::string& plotly_js) {
  if (!fs::exists(dir + "/pareto.json")) {
    throw InputError(dir,
                     "neither a campaign directory (campaign.json, results.csv) nor an "
                     "optimize output directory (pareto.json)");
  }
  const Json data = run_data(dir);
  return write_html(dir, "stems optimize " + data["pareto"].value("run", std::string("run")), data,
                    plotly_js);
}

std::string write_html(const std::string& dir, const std::string& title, const Json& data,
                       const std::string& plotly_js) {
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
