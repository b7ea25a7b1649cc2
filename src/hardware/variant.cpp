#include "stems/hardware/variant.hpp"

#include <stdexcept>

#include "stems/hardware/technology.hpp"

namespace stems::hardware {

namespace {

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw std::invalid_argument("hardware parameter '" + name + "': " + what);
}

bool has_suffix(const std::string& s, const std::string& suffix, std::string& head) {
  if (s.size() <= suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix))
    return false;
  head = s.substr(0, s.size() - suffix.size());
  return true;
}

bool has_memory(const Accelerator& acc, const std::string& level) {
  for (const Core& c : acc.cores)
    for (const MemoryLevel& m : c.memories)
      if (m.name == level) return true;
  return false;
}

Knob parse_pe_knob(const Accelerator& tpl, const std::string& name, const std::string& dim) {
  bool found = false;
  for (const Core& c : tpl.cores) {
    const auto i = c.array.index_of(dim);
    if (!i) continue;
    found = true;
    if (!c.array.dims[*i].unrolls) {
      fail(name, "PE-array dimension " + dim + " of core '" + c.name +
                     "' unrolls no loop dimension (no operator can use its PEs)");
    }
  }
  if (!found) fail(name, "no core has a PE-array dimension '" + dim + "'");
  return {name, KnobKind::PeDim, dim, ""};
}

Knob parse_link_knob(const Accelerator& tpl, const std::string& name, const std::string& ends) {
  const auto dash = ends.find('-');
  if (dash == std::string::npos) fail(name, "expected link.<a>-<b>.bandwidth_bits_per_cycle");
  const std::string a = ends.substr(0, dash), b = ends.substr(dash + 1);
  if (!tpl.link_between(a, b) && !tpl.link_between(b, a)) {
    fail(name, "no link between '" + a + "' and '" + b + "'");
  }
  return {name, KnobKind::LinkBandwidth, a, b};
}

Link* find_link(Accelerator& acc, const Knob& k) {
  for (Link& l : acc.links) {
    if ((l.a == k.target && l.b == k.target2) || (l.a == k.target2 && l.b == k.target)) return &l;
  }
  return nullptr;
}

void recount_copies(Core& c) {
  for (MemoryLevel& m : c.memories) {
    m.copies = 1;
    for (const ArrayDim& d : c.array.dims) {
      bool served = false;
      for (const std::string& s : m.served_dims)
        served = served || s == d.name;
      if (!served) m.copies *= d.size;
    }
  }
}

void set_memory(Accelerator& acc, const Knob& k, std::uint64_t v) {
  for (Core& c : acc.cores) {
    for (MemoryLevel& m : c.memories) {
      if (m.name != k.target) continue;
      if (k.kind == KnobKind::MemorySize) {
        m.size_bits = v;
      } else {
        if (m.min_read_bits > v || m.min_write_bits > v) {
          throw std::invalid_argument("memory '" + m.name + "': width " + std::to_string(v) +
                                      " bits is below its access granularity (min_read_bits " +
                                      std::to_string(m.min_read_bits) + ")");
        }
        m.read_bw_bits = v;
        m.write_bw_bits = v;
      }
      apply_technology(*acc.technology, m);
    }
  }
}

}  // namespace

Knob parse_knob(const Accelerator& tpl, const std::string& name) {
  std::string head;
  if (name.rfind("pe.", 0) == 0 && has_suffix(name, ".size", head)) {
    return parse_pe_knob(tpl, name, head.substr(3));
  }
  if (name.rfind("link.", 0) == 0 && has_suffix(name, ".bandwidth_bits_per_cycle", head)) {
    return parse_link_knob(tpl, name, head.substr(5));
  }
  if (name == "dram.bw_bits") return {name, KnobKind::DramWidth, tpl.dram.name, ""};
  const bool size = has_suffix(name, ".size_bits", head);
  if (size || has_suffix(name, ".bw_bits", head)) {
    if (!has_memory(tpl, head)) fail(name, "no memory level named '" + head + "'");
    if (!tpl.technology) {
      fail(name,
           "the hardware file has no [technology] table: a resized memory would have no "
           "energy or area (add technology = { file = ... })");
    }
    return {name, size ? KnobKind::MemorySize : KnobKind::MemoryWidth, head, ""};
  }
  fail(name,
       "unknown parameter; expected <memory>.size_bits, <memory>.bw_bits, pe.<dim>.size, "
       "link.<a>-<b>.bandwidth_bits_per_cycle or dram.bw_bits");
}

std::uint64_t knob_value(const Accelerator& acc, const Knob& k) {
  for (const Core& c : acc.cores) {
    if (k.kind == KnobKind::PeDim) {
      if (auto i = c.array.index_of(k.target)) return c.array.dims[*i].size;
    }
    for (const MemoryLevel& m : c.memories) {
      if (m.name != k.target) continue;
      if (k.kind == KnobKind::MemorySize) return m.size_bits;
      if (k.kind == KnobKind::MemoryWidth) return m.read_bw_bits;
    }
  }
  if (k.kind == KnobKind::DramWidth) return acc.dram.read_bw_bits;
  if (k.kind == KnobKind::LinkBandwidth) {
    if (const Link* l = find_link(const_cast<Accelerator&>(acc), k))
      return static_cast<std::uint64_t>(l->bandwidth_bits_per_cycle);
  }
  throw std::invalid_argument("hardware parameter '" + k.name + "' not found");
}

Accelerator configure(const Accelerator& tpl, const std::vector<Knob>& knobs,
                      const std::vector<std::uint64_t>& values) {
  if (knobs.size() != values.size()) throw std::logic_error("configure: knobs != values");
  Accelerator acc = tpl;
  for (std::size_t i = 0; i < knobs.size(); ++i) {
    const Knob& k = knobs[i];
    const std::uint64_t v = values[i];
    if (v == 0) throw std::invalid_argument(k.name + " = 0: expected a value >= 1");
    switch (k.kind) {
      case KnobKind::MemorySize:
      case KnobKind::MemoryWidth:
        set_memory(acc, k, v);
        break;
      case KnobKind::PeDim:
        for (Core& c : acc.cores) {
          if (auto d = c.array.index_of(k.target)) {
            c.array.dims[*d].size = v;
            recount_copies(c);
          }
        }
        break;
      case KnobKind::LinkBandwidth:
        find_link(acc, k)->bandwidth_bits_per_cycle = double(v);
        break;
      case KnobKind::DramWidth: {
        const double r = acc.dram.read_energy_pJ / double(acc.dram.read_bw_bits);
        const double w = acc.dram.write_energy_pJ / double(acc.dram.write_bw_bits);
        acc.dram.read_bw_bits = acc.dram.write_bw_bits = v;
        acc.dram.read_energy_pJ = r * double(v);
        acc.dram.write_energy_pJ = w * double(v);
        break;
      }
    }
  }
  acc.validate();
  return acc;
}

}  // namespace stems::hardware
