#pragma once
// The memory technology model: energy per access and area of an SRAM as functions of its capacity,
// from a table of points (capacity, read/write energy per bit, macro area) interpolated in log-log
// and refused outside the table's range; flip-flop registers (levels up to register_max_bits) by
// area per bit; the PE array by area per PE for each operator type a core runs. A hardware file
// names its table in `[technology]` (format: configs/README.md, "Technology"; the shipped default
// and its sources: configs/hardware/technology/sram_28nm.toml).
//
// The table has no width or port axis: energies are per bit (an access of a level costs the
// per-bit energy at its capacity times its width), areas are those of the port configuration the
// table was made for (the shipped one: the Meta-prototype-like 1R1W SRAMs).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stems/hardware/accelerator.hpp"

namespace stems::hardware {

struct SramPoint {
  std::uint64_t size_bits = 0;
  double read_energy_pJ_per_bit = 0;
  double write_energy_pJ_per_bit = 0;
  double area_mm2 = 0;
};

// What the model says about one SRAM capacity.
struct SramEstimate {
  double read_energy_pJ_per_bit = 0;
  double write_energy_pJ_per_bit = 0;
  double area_mm2 = 0;
};

struct Technology {
  std::string name;
  std::string source;                   // where the numbers come from (free text, shown by reports)
  std::vector<SramPoint> sram;          // strictly increasing size_bits, every value > 0
  std::uint64_t register_max_bits = 0;  // levels up to this size are registers, not SRAM macros
  double register_area_um2_per_bit = 0;
  std::map<OpType, double> pe_area_um2;  // per PE, for each operator type it must run

  std::uint64_t min_sram_bits() const { return sram.empty() ? 0 : sram.front().size_bits; }
  std::uint64_t max_sram_bits() const { return sram.empty() ? 0 : sram.back().size_bits; }
  bool in_range(std::uint64_t size_bits) const;
  bool is_register(const MemoryLevel& m) const { return m.size_bits <= register_max_bits; }
  // Log-log interpolation between the two neighbouring points (exact at a point); nullopt outside
  // [min_sram_bits, max_sram_bits].
  std::optional<SramEstimate> sram_at(std::uint64_t size_bits) const;
  // Area of one PE of a core running `ops`: the largest per-operator area (a PE runs them all).
  // Throws std::invalid_argument for an operator the table has no area for.
  double pe_area_um2_for(const std::vector<OpType>& ops) const;

  // Throws std::invalid_argument describing the first inconsistency.
  void validate() const;
};

// y at x on the straight line through (x0, y0) and (x1, y1) in log-log (all > 0, x0 < x1).
double loglog_interpolate(double x, double x0, double y0, double x1, double y1);

// Area of every component of an accelerator (per core: the PE array and each memory level with
// its copies) and the total, in mm2.
struct AreaItem {
  std::string core;
  std::string component;  // "pe_array" or a memory level's name
  std::string kind;       // "pe", "register" or "sram"
  std::uint64_t copies = 1;
  double area_mm2 = 0;  // all copies
};
struct AreaReport {
  std::vector<AreaItem> items;
  double total_mm2 = 0;
};
// Throws std::invalid_argument when the accelerator has no technology or an SRAM level lies
// outside the table.
AreaReport accelerator_area(const Accelerator& acc);
double area_mm2(const Accelerator& acc);

// Sets a level's access energies from the technology at its current size and width. Throws
// std::invalid_argument when its size is outside the table (registers are left alone).
void apply_technology(const Technology& tech, MemoryLevel& m);

}  // namespace stems::hardware
