#pragma once
// Plain-text tables for the terminal: aligned columns, numbers right-aligned with thousands
// separators.

#include <cstdint>
#include <string>
#include <vector>

namespace stems::report {

std::string with_commas(std::uint64_t v);
// A non-negative double (cycles, counts kept as doubles) as with_commas of its integer part; one
// that no 64-bit integer holds (>= 2^64, infinite, NaN: a cast would be undefined and printed
// garbage, e.g. "0 cycles") in %.4g notation.
std::string whole_with_commas(double v);
std::string fixed(double v, int decimals);

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void add_separator() { rows_.emplace_back(); }
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;  // empty row = separator
};

}  // namespace stems::report
