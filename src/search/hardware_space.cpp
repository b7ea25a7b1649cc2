#include "stems/search/hardware_space.hpp"

#include <cmath>
#include <stdexcept>

#include "stems/common/error.hpp"
#include "stems/hardware/technology.hpp"

namespace stems::search {

namespace {

[[noreturn]] void fail(const HardwareGeneSpec& s, const std::string& what) {
  throw InputError(s.where, "'search.hardware." + s.parameter + "': " + what);
}

// Is the level `name` a register in the template (sized in the register range)?
bool template_register(const hardware::Accelerator& tpl, const std::string& name) {
  for (const auto& c : tpl.cores)
    for (const auto& m : c.memories)
      if (m.name == name) return tpl.technology->is_register(m);
  return false;
}

void check_values(const hardware::Accelerator& tpl, const workload::Network& net,
                  const hardware::Knob& k, const HardwareGeneSpec& s) {
  for (std::uint64_t v : s.values) {
    if (v == 0) fail(s, "values must be >= 1");
  }
  if (k.kind == hardware::KnobKind::MemorySize) {
    const hardware::Technology& t = *tpl.technology;
    const bool reg = template_register(tpl, k.target);
    for (std::uint64_t v : s.values) {
      const bool ok = reg ? v <= t.register_max_bits : t.in_range(v);
      if (!ok) {
        fail(s, std::to_string(v) + " bits is outside the technology table '" + t.name + "' (" +
                    (reg ? "registers: 1 .. " + std::to_string(t.register_max_bits)
                         : std::to_string(t.min_sram_bits()) + " .. " +
                               std::to_string(t.max_sram_bits())) +
                    " bits)");
      }
    }
  }
  if (k.kind == hardware::KnobKind::MemoryWidth && tpl.technology->has_width_axis()) {
    // Each width must lie in the table's width range for the level's ports.
    for (const auto& c : tpl.cores) {
      for (const auto& m : c.memories) {
        if (m.name != k.target || tpl.technology->is_register(m)) continue;
        for (std::uint64_t v : s.values) {
          hardware::MemoryLevel wide = m;
          wide.read_bw_bits = wide.write_bw_bits = v;
          const std::string why = tpl.technology->uncovered(hardware::sram_query(wide));
          if (!why.empty()) fail(s, why);
        }
      }
    }
  }
  if (k.kind == hardware::KnobKind::PeDim) {
    // The loop dimension this PE dimension unrolls must be > 1 in some layer.
    for (const auto& c : tpl.cores) {
      const auto i = c.array.index_of(k.target);
      if (!i) continue;
      const workload::Dim d = *c.array.dims[*i].unrolls;
      std::uint64_t largest = 1;
      for (workload::Vertex v : net.topological_order())
        largest = std::max(largest, net.layer(v).size(d));
      if (largest < 2) {
        fail(s, "PE-array dimension " + k.target + " unrolls loop dimension " +
                    std::string(workload::dim_name(d)) + ", which no layer of '" + net.name() +
                    "' has (size 1 everywhere): no operator can unroll it");
      }
    }
  }
}

}  // namespace

HardwareSpace::HardwareSpace(const hardware::Accelerator& tpl, const workload::Network& net,
                             const std::vector<HardwareGeneSpec>& specs) {
  std::vector<hardware::Knob> fixed_knobs;
  for (const HardwareGeneSpec& s : specs) {
    hardware::Knob k;
    try {
      k = hardware::parse_knob(tpl, s.parameter);
    } catch (const std::invalid_argument& e) {
      fail(s, e.what());
    }
    if (s.values.empty()) fail(s, "expected at least one value");
    check_values(tpl, net, k, s);
    if (s.values.size() == 1) {
      fixed_knobs.push_back(k);
      fixed_.push_back(s.values[0]);
    } else {
      genes_.push_back({k, s.values, "hw." + s.parameter});
      knobs_.push_back(k);
    }
  }
  knobs_.insert(knobs_.end(), fixed_knobs.begin(), fixed_knobs.end());
}

std::vector<std::uint64_t> HardwareSpace::values(const std::vector<double>& x,
                                                 std::size_t first) const {
  std::vector<std::uint64_t> out;
  out.reserve(knobs_.size());
  for (std::size_t g = 0; g < genes_.size(); ++g) {
    const auto& opts = genes_[g].options;
    const double r = std::nearbyint(x.at(first + g));
    const std::size_t i = r <= 0 ? 0 : std::min<std::size_t>(std::size_t(r), opts.size() - 1);
    out.push_back(opts[i]);
  }
  out.insert(out.end(), fixed_.begin(), fixed_.end());
  return out;
}

hardware::Accelerator HardwareSpace::configure(const hardware::Accelerator& tpl,
                                               const std::vector<std::uint64_t>& values) const {
  try {
    return hardware::configure(tpl, knobs_, values);
  } catch (const std::invalid_argument& e) {
    throw Infeasible("hardware", e.what());
  }
}

}  // namespace stems::search
