#pragma once
// The memory technology model: energy per access and area of an SRAM as functions of its capacity
// and, when the table has those axes, its width and port configuration; from a table of points
// interpolated in log-log and refused outside the table's range; flip-flop registers (levels up to
// register_max_bits) by area per bit; the PE array by area per PE for each operator type a core
// runs. A hardware file names its table in `[technology]` (format: configs/README.md,
// "Technology"; the shipped tables and their sources: configs/hardware/technology/).
//
// Axes. A table without `width_bits` has no width axis: energies are per bit whatever the width
// (an access costs the per-bit energy at its capacity times its width) and the area is the one
// of the width the table was made for. A table with `width_bits` on every point is a grid over
// (capacity, width), interpolated bilinearly in log-log (along capacity at the two neighbouring
// widths, then along width); a level's width is max(read_bw_bits, write_bw_bits). A table with
// `ports` on every point is one such grid per port configuration, looked up exactly (no
// interpolation across port configurations; a level whose ports no grid has is refused).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stems/hardware/accelerator.hpp"

namespace stems::hardware {

struct SramPoint {
  std::uint64_t size_bits = 0;
  std::uint64_t width_bits = 0;  // 0: the table has no width axis
  std::optional<Ports> ports;    // none: the table has no port axis
  double read_energy_pJ_per_bit = 0;
  double write_energy_pJ_per_bit = 0;
  double area_mm2 = 0;
};

// An SRAM to look up: its capacity, width and ports (the axes a table lacks are ignored).
struct SramQuery {
  std::uint64_t size_bits = 0;
  std::uint64_t width_bits = 0;
  Ports ports;
};
SramQuery sram_query(const MemoryLevel& m);  // width: max(read_bw_bits, write_bw_bits)
std::string ports_name(const Ports& p);      // e.g. "{ read = 1, write = 1 }"

// What the model says about one SRAM.
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

  // The capacity range over every width and port configuration.
  std::uint64_t min_sram_bits() const;
  std::uint64_t max_sram_bits() const;
  bool has_width_axis() const { return !sram.empty() && sram.front().width_bits != 0; }
  bool has_port_axis() const { return !sram.empty() && sram.front().ports.has_value(); }
  bool in_range(std::uint64_t size_bits) const;
  bool has_grid_for(const Ports& p) const;  // always true without a port axis
  bool is_register(const MemoryLevel& m) const { return m.size_bits <= register_max_bits; }
  // Interpolated in log-log between the neighbouring points (exact at a point); nullopt outside
  // the table (see uncovered()).
  std::optional<SramEstimate> sram_at(const SramQuery& q) const;
  // A table without width and port axes: by capacity alone.
  std::optional<SramEstimate> sram_at(std::uint64_t size_bits) const;
  // Why the table cannot give q ("" when it can): its ports have no grid, or its capacity or
  // width is outside the range of that grid (the message gives the range).
  std::string uncovered(const SramQuery& q) const;
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

// Sets a level's access energies from the technology at its current size, width and ports.
// Throws std::invalid_argument when the table does not cover it (registers are left alone).
void apply_technology(const Technology& tech, MemoryLevel& m);

}  // namespace stems::hardware
