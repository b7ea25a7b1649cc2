#include "stems/hardware/technology.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace stems::hardware {

double loglog_interpolate(double x, double x0, double y0, double x1, double y1) {
  if (x <= x0) return y0;
  if (x >= x1) return y1;
  if (y0 == y1) return y0;
  const double t = (std::log(x) - std::log(x0)) / (std::log(x1) - std::log(x0));
  return std::exp(std::log(y0) + t * (std::log(y1) - std::log(y0)));
}

std::string ports_name(const Ports& p) {
  std::string s;
  auto add = [&](const char* key, std::uint32_t n) {
    if (n == 0) return;
    s += (s.empty() ? "" : ", ") + std::string(key) + " = " + std::to_string(n);
  };
  add("read", p.read);
  add("write", p.write);
  add("read_write", p.read_write);
  return "{ " + s + " }";
}

SramQuery sram_query(const MemoryLevel& m) {
  return {m.size_bits, std::max(m.read_bw_bits, m.write_bw_bits), m.ports};
}

namespace {

// The points of the grid that serves `ports` (every point when the table has no port axis).
std::vector<const SramPoint*> grid_of(const Technology& t, const Ports& ports) {
  std::vector<const SramPoint*> g;
  for (const SramPoint& p : t.sram) {
    if (!p.ports || *p.ports == ports) g.push_back(&p);
  }
  return g;
}

std::vector<std::uint64_t> axis(const std::vector<const SramPoint*>& g,
                                std::uint64_t SramPoint::*field) {
  std::vector<std::uint64_t> v;
  for (const SramPoint* p : g)
    v.push_back(p->*field);
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// The neighbouring axis values around x (both x when it is one), x within [front, back].
std::pair<std::uint64_t, std::uint64_t> bracket(const std::vector<std::uint64_t>& a,
                                                std::uint64_t x) {
  const auto hi = std::lower_bound(a.begin(), a.end(), x);
  if (*hi == x) return {x, x};
  return {*(hi - 1), *hi};
}

const SramPoint& point_at(const std::vector<const SramPoint*>& g, std::uint64_t size,
                          std::uint64_t width) {
  for (const SramPoint* p : g) {
    if (p->size_bits == size && p->width_bits == width) return *p;
  }
  throw std::logic_error("technology grid without the point (" + std::to_string(size) + ", " +
                         std::to_string(width) + "): validate() was not called");
}

SramEstimate between(double x, double x0, const SramEstimate& a, double x1, const SramEstimate& b) {
  return {loglog_interpolate(x, x0, a.read_energy_pJ_per_bit, x1, b.read_energy_pJ_per_bit),
          loglog_interpolate(x, x0, a.write_energy_pJ_per_bit, x1, b.write_energy_pJ_per_bit),
          loglog_interpolate(x, x0, a.area_mm2, x1, b.area_mm2)};
}

SramEstimate estimate_of(const SramPoint& p) {
  return {p.read_energy_pJ_per_bit, p.write_energy_pJ_per_bit, p.area_mm2};
}

std::string range(const std::vector<std::uint64_t>& a) {
  return std::to_string(a.front()) + " .. " + std::to_string(a.back()) + " bits";
}

}  // namespace

std::uint64_t Technology::min_sram_bits() const {
  std::uint64_t m = 0;
  for (const SramPoint& p : sram)
    m = m == 0 ? p.size_bits : std::min(m, p.size_bits);
  return m;
}

std::uint64_t Technology::max_sram_bits() const {
  std::uint64_t m = 0;
  for (const SramPoint& p : sram)
    m = std::max(m, p.size_bits);
  return m;
}

bool Technology::in_range(std::uint64_t size_bits) const {
  return !sram.empty() && size_bits >= min_sram_bits() && size_bits <= max_sram_bits();
}

bool Technology::has_grid_for(const Ports& p) const {
  return !grid_of(*this, p).empty();
}

std::string Technology::uncovered(const SramQuery& q) const {
  const auto g = grid_of(*this, q.ports);
  if (g.empty()) {
    return sram.empty() ? "the technology table '" + name + "' has no SRAM points"
                        : "the technology table '" + name + "' has no SRAM with ports " +
                              ports_name(q.ports);
  }
  const auto sizes = axis(g, &SramPoint::size_bits);
  if (q.size_bits < sizes.front() || q.size_bits > sizes.back()) {
    return "an SRAM of " + std::to_string(q.size_bits) + " bits is outside the technology table '" +
           name + "' (" + range(sizes) + ")";
  }
  if (has_width_axis()) {
    const auto widths = axis(g, &SramPoint::width_bits);
    if (q.width_bits < widths.front() || q.width_bits > widths.back()) {
      return "an SRAM " + std::to_string(q.width_bits) +
             " bits wide is outside the technology table '" + name + "' (widths " + range(widths) +
             ")";
    }
  }
  return "";
}

std::optional<SramEstimate> Technology::sram_at(const SramQuery& q) const {
  if (!uncovered(q).empty()) return std::nullopt;
  const auto g = grid_of(*this, q.ports);
  // (not a structured binding: lambdas cannot capture those before C++20 in every compiler)
  const std::pair<std::uint64_t, std::uint64_t> cs =
      bracket(axis(g, &SramPoint::size_bits), q.size_bits);
  const std::uint64_t c0 = cs.first, c1 = cs.second;
  const auto along_capacity = [&](std::uint64_t w) {
    const SramEstimate a = estimate_of(point_at(g, c0, w));
    if (c0 == c1) return a;
    return between(double(q.size_bits), double(c0), a, double(c1), estimate_of(point_at(g, c1, w)));
  };
  if (!has_width_axis()) return along_capacity(0);
  const auto [w0, w1] = bracket(axis(g, &SramPoint::width_bits), q.width_bits);
  const SramEstimate a = along_capacity(w0);
  if (w0 == w1) return a;
  return between(double(q.width_bits), double(w0), a, double(w1), along_capacity(w1));
}

std::optional<SramEstimate> Technology::sram_at(std::uint64_t size_bits) const {
  if (has_width_axis() || has_port_axis()) {
    throw std::logic_error("technology '" + name +
                           "' has width or port axes: look it up with an SramQuery");
  }
  return sram_at(SramQuery{size_bits, 0, Ports{}});
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
    require((p.width_bits != 0) == has_width_axis(),
            at + ": give width_bits on every point or on none");
    require(p.ports.has_value() == has_port_axis(), at + ": give ports on every point or on none");
    for (std::size_t j = 0; j < i; ++j) {
      const SramPoint& o = sram[j];
      const bool same_grid = !p.ports || *p.ports == *o.ports;
      if (!same_grid || o.width_bits != p.width_bits) continue;
      require(o.size_bits != p.size_bits,
              at + ": repeats sram point " + std::to_string(j) + " (same size, width and ports)");
      // Within one (ports, width) series, a larger capacity has at least the area.
      const SramPoint& smaller = o.size_bits < p.size_bits ? o : p;
      const SramPoint& larger = o.size_bits < p.size_bits ? p : o;
      require(smaller.area_mm2 <= larger.area_mm2,
              at + ": area must not shrink with capacity (against sram point " + std::to_string(j) +
                  ")");
    }
  }
  // Every grid (one per port configuration) is complete: each capacity at each width. Checked
  // once per grid, at its first point.
  for (const SramPoint& p : sram) {
    const auto g = grid_of(*this, p.ports.value_or(Ports{}));
    if (g.front() != &p) continue;
    const auto sizes = axis(g, &SramPoint::size_bits);
    const auto widths = axis(g, &SramPoint::width_bits);
    require(g.size() == sizes.size() * widths.size(),
            "the SRAM grid" + (p.ports ? " for ports " + ports_name(*p.ports) : std::string()) +
                " has " + std::to_string(g.size()) + " points, expected every one of its " +
                std::to_string(sizes.size()) + " capacities at each of its " +
                std::to_string(widths.size()) + " widths");
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
  const auto e = tech.sram_at(sram_query(m));
  if (!e) throw std::invalid_argument("memory '" + m.name + "': " + tech.uncovered(sram_query(m)));
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
        const auto e = tech.sram_at(sram_query(m));
        if (!e) {
          throw std::invalid_argument("core '" + c.name + "' memory '" + m.name +
                                      "': " + tech.uncovered(sram_query(m)));
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
