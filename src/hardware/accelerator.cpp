#include "stems/hardware/accelerator.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace stems::hardware {

std::string_view mem_operand_name(MemOperand o) {
  switch (o) {
    case MemOperand::W:
      return "W";
    case MemOperand::I:
      return "I";
    case MemOperand::O:
      return "O";
    case MemOperand::V:
      return "V";
  }
  return "?";
}

std::optional<MemOperand> parse_mem_operand(std::string_view name) {
  for (MemOperand o : {MemOperand::W, MemOperand::I, MemOperand::O, MemOperand::V}) {
    if (mem_operand_name(o) == name) return o;
  }
  return std::nullopt;
}

std::uint64_t PeArray::pe_count() const {
  std::uint64_t n = 1;
  for (const auto& d : dims)
    n *= d.size;
  return n;
}

std::optional<std::size_t> PeArray::index_of(const std::string& dim_name) const {
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i].name == dim_name) return i;
  }
  return std::nullopt;
}

bool MemoryLevel::serves(MemOperand o) const {
  return std::find(operands.begin(), operands.end(), o) != operands.end();
}

std::vector<std::size_t> Core::hierarchy(MemOperand o) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < memories.size(); ++i) {
    if (memories[i].serves(o)) out.push_back(i);
  }
  return out;
}

std::optional<std::size_t> Core::top_level(MemOperand o) const {
  const auto h = hierarchy(o);
  if (h.empty()) return std::nullopt;
  return h.back();
}

bool Core::runs(OpType op) const {
  return std::find(operators.begin(), operators.end(), op) != operators.end();
}

std::vector<ArrayUnroll> Core::unrolling_for(OpType op) const {
  for (const SpatialMappingEntry& e : spatial_mappings) {
    if (std::find(e.operators.begin(), e.operators.end(), op) != e.operators.end()) {
      return e.unrolls;
    }
  }
  std::vector<ArrayUnroll> out;
  for (std::size_t i = 0; i < array.dims.size(); ++i) {
    if (array.dims[i].unrolls) out.push_back(ArrayUnroll{i, *array.dims[i].unrolls, 0});
  }
  return out;
}

double Dram::read_energy_pJ_for(std::uint64_t bits) const {
  return static_cast<double>((bits + read_bw_bits - 1) / read_bw_bits) * read_energy_pJ;
}

double Dram::write_energy_pJ_for(std::uint64_t bits) const {
  return static_cast<double>((bits + write_bw_bits - 1) / write_bw_bits) * write_energy_pJ;
}

std::map<OpType, std::vector<int>> Accelerator::allocation() const {
  std::map<OpType, std::vector<int>> out;
  for (const Core& c : cores) {
    for (OpType op : c.operators)
      out[op].push_back(c.id);
  }
  return out;
}

const Link* Accelerator::link_between(const std::string& a, const std::string& b) const {
  for (const Link& l : links) {
    if ((l.a == a && l.b == b) || (l.bidirectional && l.a == b && l.b == a)) return &l;
  }
  return nullptr;
}

namespace {
void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}
bool finite_non_negative(double x) {
  return std::isfinite(x) && x >= 0;
}
}  // namespace

void Accelerator::validate() const {
  require(!cores.empty(), "the accelerator has no cores");
  std::set<std::string> names{dram.name};
  for (std::size_t ci = 0; ci < cores.size(); ++ci) {
    const Core& c = cores[ci];
    const std::string who = "core '" + c.name + "'";
    require(c.id == static_cast<int>(ci), who + ": core ids must be 0, 1, ... in file order");
    require(names.insert(c.name).second, who + ": duplicate name (core and DRAM names are unique)");
    require(!c.array.dims.empty(), who + ": the PE array has no dimensions");
    std::set<std::string> dim_names;
    std::set<Dim> unrolled;
    for (const ArrayDim& d : c.array.dims) {
      require(dim_names.insert(d.name).second, who + ": duplicate PE-array dimension " + d.name);
      require(d.size >= 1, who + ": PE-array dimension " + d.name + " must have size >= 1");
      if (d.unrolls) {
        require(unrolled.insert(*d.unrolls).second,
                who + ": loop dimension " + std::string(workload::dim_name(*d.unrolls)) +
                    " is unrolled by more than one PE-array dimension");
      }
    }
    std::uint64_t pes = 1;
    for (const ArrayDim& d : c.array.dims) {
      require(!__builtin_mul_overflow(pes, d.size, &pes) && pes <= (1ull << 32),
              who + ": the PE array has more than 2^32 PEs; the sizes are not plausible");
    }
    require(finite_non_negative(c.array.accumulate_energy_pJ) &&
                finite_non_negative(c.array.mac_energy_pJ),
            who + ": operation energies must be finite and >= 0");
    require(!c.memories.empty(), who + ": no memory levels");
    std::set<std::string> level_names;
    for (const MemoryLevel& m : c.memories) {
      const std::string lw = who + " memory '" + m.name + "'";
      require(level_names.insert(m.name).second, lw + ": duplicate memory level name");
      require(!m.operands.empty(), lw + ": serves no operand");
      require(m.size_bits >= 1, lw + ": size_bits must be >= 1");
      require(m.read_bw_bits >= 1 && m.write_bw_bits >= 1, lw + ": bandwidths must be >= 1 bit");
      require(m.min_read_bits >= 1 && m.min_read_bits <= m.read_bw_bits,
              lw + ": min_read_bits must be in [1, read_bw_bits]");
      require(m.min_write_bits >= 1 && m.min_write_bits <= m.write_bw_bits,
              lw + ": min_write_bits must be in [1, write_bw_bits]");
      require(finite_non_negative(m.read_energy_pJ) && finite_non_negative(m.write_energy_pJ),
              lw + ": access energies must be finite and >= 0");
      require(m.ports.read + m.ports.read_write >= 1 && m.ports.write + m.ports.read_write >= 1,
              lw + ": needs at least one read and one write port (read/write/read_write)");
      for (const std::string& s : m.served_dims) {
        require(c.array.index_of(s).has_value(),
                lw + ": served dimension '" + s + "' is not a PE-array dimension");
      }
    }
    for (MemOperand o : {MemOperand::W, MemOperand::I, MemOperand::O}) {
      require(!c.hierarchy(o).empty(),
              who + ": no memory level serves operand " + std::string(mem_operand_name(o)));
    }
    require(!c.operators.empty(), who + ": runs no operator types");
  }
  require(dram.size_bits >= 1, "dram: size_bits must be >= 1");
  require(dram.read_bw_bits >= 1 && dram.write_bw_bits >= 1, "dram: bandwidths must be >= 1 bit");
  require(finite_non_negative(dram.read_energy_pJ) && finite_non_negative(dram.write_energy_pJ),
          "dram: access energies must be finite and >= 0");
  for (const Link& l : links) {
    const std::string lw = "link " + l.a + " <-> " + l.b;
    require(names.count(l.a) && names.count(l.b), lw + ": endpoints must be core or DRAM names");
    require(l.a != l.b, lw + ": a link needs two different endpoints");
    require(std::isfinite(l.bandwidth_bits_per_cycle) && l.bandwidth_bits_per_cycle > 0,
            lw + ": bandwidth_bits_per_cycle must be finite and > 0");
    require(finite_non_negative(l.energy_pJ_per_bit), lw + ": energy_pJ_per_bit must be >= 0");
  }
  for (const Core& c : cores) {
    require(link_between(c.name, dram.name) != nullptr || link_between(dram.name, c.name),
            "core '" + c.name + "' has no link to the DRAM '" + dram.name +
                "' (weights and states start off-chip)");
  }
}

}  // namespace stems::hardware
