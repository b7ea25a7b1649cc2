#include "stems/report/table.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace stems::report {

std::string with_commas(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[i]);
    if ((n - i - 1) % 3 == 0 && i + 1 < n) out.push_back(',');
  }
  return out;
}

std::string whole_with_commas(double v) {
  if (v >= 0 && v < 18446744073709551616.0) return with_commas(static_cast<std::uint64_t>(v));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

EnergyUnit energy_unit(double smallest_pJ) {
  static constexpr EnergyUnit units[] = {{"mJ", 1e9}, {"uJ", 1e6}, {"nJ", 1e3}, {"pJ", 1}};
  if (!(smallest_pJ > 0) || !std::isfinite(smallest_pJ)) return units[0];
  for (const EnergyUnit& u : units) {
    if (smallest_pJ >= u.pJ) return u;
  }
  return units[3];
}

std::string energy_in(double energy_pJ, EnergyUnit unit) {
  return fixed(energy_pJ / unit.pJ, 4);
}

namespace {
bool numeric(const std::string& s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) {
                       return std::isdigit(static_cast<unsigned char>(c)) || c == ',' || c == '.' ||
                              c == '-' || c == 'x';
                     }) &&
         std::isdigit(static_cast<unsigned char>(s.front()));
}
}  // namespace

std::string TextTable::render() const {
  std::vector<std::size_t> width(header_.size(), 0);
  for (std::size_t c = 0; c < header_.size(); ++c)
    width[c] = header_[c].size();
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  std::ostringstream os;
  auto line = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      const std::string pad(width[c] - cell.size(), ' ');
      if (c) os << "  ";
      os << (numeric(cell) ? pad + cell : cell + (c + 1 < width.size() ? pad : ""));
    }
    os << '\n';
  };
  line(header_);
  std::size_t total = 0;
  for (auto w : width)
    total += w + 2;
  const std::string rule(total > 2 ? total - 2 : 0, '-');
  os << rule << '\n';
  for (const auto& row : rows_) {
    if (row.empty()) {
      os << rule << '\n';
    } else {
      line(row);
    }
  }
  return os.str();
}

}  // namespace stems::report
