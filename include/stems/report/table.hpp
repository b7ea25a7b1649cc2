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

// A unit to print energies in: the largest of pJ, nJ, uJ and mJ in which `smallest_pJ` (the
// smallest value of what is printed together) is at least 1, so that a table of microjoule
// points does not read 0.0031 / 0.0031 mJ; mJ from 1 mJ up (never J: the shipped SNN runs are
// mJ-scale and their figures keep their unit). 0, negative or non-finite values give mJ.
struct EnergyUnit {
  const char* name;  // "pJ", "nJ", "uJ", "mJ"
  double pJ;         // picojoules per unit
};
EnergyUnit energy_unit(double smallest_pJ);
// `energy_pJ` in `unit`, 4 decimals.
std::string energy_in(double energy_pJ, EnergyUnit unit);

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
