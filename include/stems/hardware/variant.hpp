#pragma once
// Hardware parameters a search may set on a template accelerator (`[search.hardware]` of a run
// config; configs/README.md, "Hardware genes"), by name:
//
//   <memory>.size_bits                      capacity of every level of that name (any core);
//                                           its energies follow the technology model
//   <memory>.bw_bits                        read and write width of that level (bits per access);
//                                           energy per access = per-bit energy x width
//   pe.<dim>.size                           PEs along a PE-array dimension (every core having it);
//                                           memory copies follow
//   link.<a>-<b>.bandwidth_bits_per_cycle   a link's bandwidth (endpoints in either order)
//   dram.bw_bits                            DRAM read and write width; energy per bit unchanged
//
// A configured accelerator is validated again; what it cannot be is std::invalid_argument with the
// reason (the search makes it an infeasible genome).

#include <cstdint>
#include <string>
#include <vector>

#include "stems/hardware/accelerator.hpp"

namespace stems::hardware {

enum class KnobKind : std::uint8_t { MemorySize, MemoryWidth, PeDim, LinkBandwidth, DramWidth };

struct Knob {
  std::string name;  // as written, e.g. "sram_1MB.size_bits"
  KnobKind kind = KnobKind::MemorySize;
  std::string target;   // memory level, PE dimension or first link endpoint
  std::string target2;  // second link endpoint
};

// Resolves a parameter name against the template. Throws std::invalid_argument naming what is
// wrong (unknown level, dimension or link, a capacity gene without a technology table, a PE
// dimension that unrolls no loop dimension).
Knob parse_knob(const Accelerator& tpl, const std::string& name);

// The template's current value of a parameter.
std::uint64_t knob_value(const Accelerator& acc, const Knob& k);

// Sets the parameters (in order) and re-derives what follows from them: memory copies, SRAM
// energies (technology model), DRAM access energies. Throws std::invalid_argument when the result
// is not a valid accelerator.
Accelerator configure(const Accelerator& tpl, const std::vector<Knob>& knobs,
                      const std::vector<std::uint64_t>& values);

}  // namespace stems::hardware
