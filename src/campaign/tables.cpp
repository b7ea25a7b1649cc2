#include "stems/campaign/tables.hpp"

#include <cmath>
#include <map>

#include "stems/report/table.hpp"

namespace stems::campaign {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

std::string display_header(const std::string& metric) {
  if (ends_with(metric, "_pJ")) return metric.substr(0, metric.size() - 3) + " mJ";
  return metric;
}

std::string display_metric(const std::string& metric, const std::string& value) {
  if (value.empty()) return "-";
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (end == value.c_str() || *end != '\0') return value;
  if (ends_with(metric, "_pJ")) return report::fixed(v / 1e9, 4);
  if ((ends_with(metric, "_bits") || ends_with(metric, "_cycles")) && v >= 0 && v < 1.8e19) {
    return report::whole_with_commas(std::round(v));  // llround stops at 2^63
  }
  return value;
}

std::vector<Table> ratio_tables(const Campaign& c, const CsvTable& results) {
  std::vector<Table> out;
  std::vector<int> axis_col;
  for (const auto& a : c.axes)
    axis_col.push_back(results.column(a.name));
  const int status_col = results.column("status");
  // Rows by their axis value names.
  std::map<std::vector<std::string>, const std::vector<std::string>*> by_values;
  for (const auto& row : results.rows) {
    std::vector<std::string> key;
    for (int col : axis_col)
      key.push_back(col >= 0 ? row[std::size_t(col)] : "");
    by_values[key] = &row;
  }
  for (const RatioTable& rt : c.tables) {
    Table t;
    t.title = rt.title;
    for (const auto& a : c.axes)
      t.columns.push_back(a.name);
    std::string base_name;
    for (const auto& [axis, value] : rt.baseline) {
      if (!base_name.empty()) base_name += ", ";
      base_name += value;
    }
    for (const auto& m : rt.metrics) {
      t.columns.push_back(display_header(m));
      t.columns.push_back(base_name + " / run");
    }
    for (const auto& row : results.rows) {
      std::vector<std::string> cells, key;
      for (std::size_t a = 0; a < c.axes.size(); ++a) {
        const int col = axis_col[a];
        const std::string v = col >= 0 ? row[std::size_t(col)] : "";
        cells.push_back(v);
        auto b = rt.baseline.find(c.axes[a].name);
        key.push_back(b != rt.baseline.end() ? b->second : v);
      }
      auto base = by_values.find(key);
      const bool ok = status_col < 0 || row[std::size_t(status_col)] == "ok";
      for (const auto& m : rt.metrics) {
        const int col = results.column(m);
        const std::string v = (col >= 0 && ok) ? row[std::size_t(col)] : "";
        cells.push_back(display_metric(m, v));
        std::string ratio = "-";
        if (col >= 0 && ok && base != by_values.end() &&
            (status_col < 0 || (*base->second)[std::size_t(status_col)] == "ok")) {
          const double mine = std::strtod(v.c_str(), nullptr);
          const double theirs = std::strtod((*base->second)[std::size_t(col)].c_str(), nullptr);
          if (mine > 0) ratio = report::fixed(theirs / mine, 2) + "x";
        }
        cells.push_back(ratio);
      }
      t.rows.push_back(std::move(cells));
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::string tables_markdown(const Campaign& c, const std::vector<Table>& tables) {
  std::string md = "# Campaign " + c.name + "\n\n";
  if (!c.description.empty()) md += c.description + "\n\n";
  for (const auto& t : tables) {
    md += "## " + t.title + "\n\n|";
    for (const auto& col : t.columns)
      md += " " + col + " |";
    md += "\n|";
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      md += i < c.axes.size() ? "---|" : "---:|";
    md += "\n";
    for (const auto& row : t.rows) {
      md += "|";
      for (const auto& cell : row)
        md += " " + cell + " |";
      md += "\n";
    }
    md += "\n";
  }
  return md;
}

}  // namespace stems::campaign
