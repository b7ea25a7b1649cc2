#include "stems/hardware/technology.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace stems::hardware {

double loglog_interpolate(double x, double x0, double y0, double x1, double y1) {
  if (x <= x0) return y0;
  if (x >= x1) return y1;
  if (y0 == y1) return y0;
  const double t = (std::log(x) - std::log(x0)) / (std::log(x1) - std::log(x0));
  return std::exp(std::log(y0) + t * (std::log(y1) - std::log(y0)));
}

bool Technology::in_range(std::uint64_t size_bits) const {
  return !sram.empty() && size_bits >= min_sram_bits() && size_bits <= max_sram_bits();
}

std::optional<SramEstimate> Technology::sram_at(std::uint64_t size_bits) const {
  if (!in_range(size_bits)) return std::nullopt;
  auto hi = std::lower_bound(sram.begin(), sram.end(), size_bits,
                             [](const SramPoint& p, std::uint64_t s) { return p.size_bits < s; });
  if (hi->size_bits == size_bits) {
    return SramEstimate{hi->read_energy_pJ_per_bit, hi->write_energy_pJ_per_bit, hi->area_mm2};
  }
  const SramPoint& a = *(hi - 1);
  const SramPoint& b = *hi;
  const double x = double(size_bits), x0 = double(a.size_bits), x1 = double(b.size_bits);
  return SramEstimate{
      loglog_interpolate(x, x0, a.read_energy_pJ_per_bit, x1, b.read_energy_pJ_per_bit),
      loglog_interpolate(x, x0, a.write_energy_pJ_per_bit, x1, b.write_energy_pJ_per_bit),
      loglog_interpolate(x, x0, a.area_mm2, x1, b.area_mm2)};
}

double Technology::pe_area_um2_for(const std::vector<OpType>& ops) const {
  double area = 0;
  for (OpType op : ops) {
    auto it = pe_area_um2.find(op);
    if (it == pe_area_um2.end()) {
      throw std::invalid_argument("technology '" + name + "' has no PE area for operator " +
                                  std::string(workload::op_name(op)));
    }
    area = std::max(area, it->second);
  }
  return area;
}

void Technology::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
  };
  require(!sram.empty(), "the SRAM table has no points");
  for (std::size_t i = 0; i < sram.size(); ++i) {
    const SramPoint& p = sram[i];
    const std::string at = "sram point " + std::to_string(i);
    require(p.size_bits >= 1, at + ": size_bits must be >= 1");
    require(std::isfinite(p.read_energy_pJ_per_bit) && p.read_energy_pJ_per_bit > 0 &&
                std::isfinite(p.write_energy_pJ_per_bit) && p.write_energy_pJ_per_bit > 0 &&
                std::isfinite(p.area_mm2) && p.area_mm2 > 0,
            at + ": energies and area must be finite and > 0 (log-log interpolation)");
    if (i > 0) {
      require(p.size_bits > sram[i - 1].size_bits, at + ": sizes must increase strictly");
      require(p.area_mm2 >= sram[i - 1].area_mm2, at + ": area must not shrink with capacity");
    }
  }
  require(register_max_bits < min_sram_bits(),
          "register_max_bits must be below the smallest SRAM of the table");
  require(std::isfinite(register_area_um2_per_bit) && register_area_um2_per_bit >= 0,
          "register_area_um2_per_bit must be finite and >= 0");
  for (const auto& [op, a] : pe_area_um2) {
    require(std::isfinite(a) && a >= 0,
            "pe_area_um2." + std::string(workload::op_name(op)) + " must be finite and >= 0");
  }
}

void apply_technology(const Technology& tech, MemoryLevel& m) {
  if (tech.is_register(m)) return;
  const auto e = tech.sram_at(m.size_bits);
  if (!e) {
    throw std::invalid_argument("memory '" + m.name + "' of " + std::to_string(m.size_bits) +
                                " bits is outside the technology table (" +
                                std::to_string(tech.min_sram_bits()) + " .. " +
                                std::to_string(tech.max_sram_bits()) + " bits)");
  }
  m.read_energy_pJ = e->read_energy_pJ_per_bit * double(m.read_bw_bits);
  m.write_energy_pJ = e->write_energy_pJ_per_bit * double(m.write_bw_bits);
}

AreaReport accelerator_area(const Accelerator& acc) {
  if (!acc.technology) {
    throw std::invalid_argument("the accelerator '" + acc.name +
                                "' has no [technology] table: no area model");
  }
  const Technology& tech = *acc.technology;
  AreaReport r;
  for (const Core& c : acc.cores) {
    const std::uint64_t pes = c.array.pe_count();
    r.items.push_back(
        {c.name, "pe_array", "pe", pes, double(pes) * tech.pe_area_um2_for(c.operators) * 1e-6});
    for (const MemoryLevel& m : c.memories) {
      AreaItem it{c.name, m.name, "register", m.copies, 0};
      if (tech.is_register(m)) {
        it.area_mm2 =
            double(m.copies) * double(m.size_bits) * tech.register_area_um2_per_bit * 1e-6;
      } else {
        const auto e = tech.sram_at(m.size_bits);
        if (!e) {
          throw std::invalid_argument(
              "core '" + c.name + "' memory '" + m.name + "' of " + std::to_string(m.size_bits) +
              " bits is outside the technology table (" + std::to_string(tech.min_sram_bits()) +
              " .. " + std::to_string(tech.max_sram_bits()) + " bits)");
        }
        it.kind = "sram";
        it.area_mm2 = double(m.copies) * e->area_mm2;
      }
      r.items.push_back(it);
    }
  }
  for (const AreaItem& it : r.items)
    r.total_mm2 += it.area_mm2;
  return r;
}

double area_mm2(const Accelerator& acc) {
  return accelerator_area(acc).total_mm2;
}

}  // namespace stems::hardware
