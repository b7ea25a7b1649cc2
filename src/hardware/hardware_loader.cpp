#include "stems/hardware/hardware_loader.hpp"

#include <algorithm>
#include <stdexcept>

#include "stems/common/error.hpp"
#include "stems/hardware/technology.hpp"

namespace stems::hardware {

namespace {

using config::TableReader;

Ports read_ports(const TableReader& r) {
  Ports p;
  if (auto t = r.optional_table("ports")) {
    auto count = [&](const char* key) {
      const std::uint64_t n = t->non_negative_or(key, 0);
      if (n > 1024) t->fail(key, "expected 0 to 1024 ports");
      return static_cast<std::uint32_t>(n);
    };
    p.read = count("read");
    p.write = count("write");
    p.read_write = count("read_write");
    t->finish();
    if (p.read + p.read_write == 0 || p.write + p.read_write == 0) {
      r.fail("ports",
             "expected at least one read and one write port "
             "(keys read, write, read_write)");
    }
  } else {
    r.fail_here("missing required key 'ports' (e.g. ports = { read = 1, write = 1 })");
  }
  return p;
}

MemoryLevel read_memory(const TableReader& r, const PeArray& array, const Technology* tech) {
  MemoryLevel m;
  m.name = r.string("name");
  for (const std::string& o : r.string_list("operands")) {
    const auto op = parse_mem_operand(o);
    if (!op) r.fail("operands", "unknown memory operand '" + o + "'; expected W, I, O or V");
    if (m.serves(*op)) r.fail("operands", "operand '" + o + "' listed twice");
    m.operands.push_back(*op);
  }
  if (m.operands.empty()) r.fail("operands", "a memory level must serve at least one operand");
  m.size_bits = r.positive("size_bits");
  m.read_bw_bits = r.positive("read_bw_bits");
  m.write_bw_bits = r.positive("write_bw_bits");
  m.read_energy_pJ = r.non_negative_number("read_energy_pJ");
  m.write_energy_pJ = r.non_negative_number("write_energy_pJ");
  m.min_read_bits = r.positive_or("min_read_bits", m.read_bw_bits);
  m.min_write_bits = r.positive_or("min_write_bits", m.write_bw_bits);
  if (m.min_read_bits > m.read_bw_bits) {
    r.fail("min_read_bits",
           "must not exceed read_bw_bits (" + std::to_string(m.read_bw_bits) + ")");
  }
  if (m.min_write_bits > m.write_bw_bits) {
    r.fail("min_write_bits",
           "must not exceed write_bw_bits (" + std::to_string(m.write_bw_bits) + ")");
  }
  m.ports = read_ports(r);
  m.served_dims = r.string_list_or("served_dims", {});
  m.copies = 1;
  for (const ArrayDim& d : array.dims) {
    const bool served =
        std::find(m.served_dims.begin(), m.served_dims.end(), d.name) != m.served_dims.end();
    if (!served) m.copies *= d.size;
  }
  for (const std::string& s : m.served_dims) {
    if (!array.index_of(s)) {
      r.fail("served_dims", "'" + s + "' is not a dimension of this core's pe_array");
    }
  }
  if (tech && !tech->is_register(m) && !tech->in_range(m.size_bits)) {
    r.fail("size_bits", "an SRAM of " + std::to_string(m.size_bits) +
                            " bits is outside the technology table '" + tech->name + "' (" +
                            std::to_string(tech->min_sram_bits()) + " .. " +
                            std::to_string(tech->max_sram_bits()) + " bits; registers up to " +
                            std::to_string(tech->register_max_bits) + ")");
  }
  r.finish();
  return m;
}

Core read_core(const TableReader& r, int id, const Technology* tech) {
  Core c;
  c.id = id;
  c.name = r.string("name");
  for (const std::string& op : r.string_list("operators")) {
    const auto parsed = workload::parse_op(op);
    if (!parsed) {
      r.fail("operators",
             "unknown operator '" + op +
                 "'; expected conv2d, linear, maxpool, avgpool, sumpool, add, flatten");
    }
    c.operators.push_back(*parsed);
  }
  c.array.accumulate_energy_pJ = r.non_negative_number("accumulate_energy_pJ");
  c.array.mac_energy_pJ = r.non_negative_number("mac_energy_pJ");
  c.zero_skipping = r.boolean_or("zero_skipping", false);
  c.neuron_update_energy_pJ = r.non_negative_number_or("neuron_update_energy_pJ", 0.0);
  c.zero_skipping_cycles = r.boolean_or("zero_skipping_cycles", false);
  if (c.zero_skipping_cycles && !c.zero_skipping) {
    r.fail("zero_skipping_cycles", "needs zero_skipping = true (it says what zero skipping saves)");
  }
  for (const TableReader& d : r.table_array("pe_array")) {
    ArrayDim dim;
    dim.name = d.string("name");
    dim.size = d.positive("size");
    if (dim.size > (1u << 24)) d.fail("size", "implausibly large PE-array dimension");
    const std::string unroll = d.string_or("unroll", "");
    if (!unroll.empty()) {
      dim.unrolls = workload::parse_dim(unroll);
      if (!dim.unrolls) {
        d.fail("unroll", "unknown loop dimension '" + unroll +
                             "'; expected one of T, B, G, K, C, OY, OX, FY, FX");
      }
    }
    d.finish();
    c.array.dims.push_back(dim);
  }
  if (c.array.dims.empty()) r.fail("pe_array", "the PE array needs at least one dimension");
  for (const TableReader& m : r.table_array("memory"))
    c.memories.push_back(read_memory(m, c.array, tech));
  r.finish();
  return c;
}

// [technology] of a hardware file or of a technology file: name, source, register_max_bits,
// register_area_um2_per_bit, pe_area_um2 = { <operator> = um2, ... }, sram = [{ size_bits,
// read_energy_pJ_per_bit, write_energy_pJ_per_bit, area_mm2 }, ...].
Technology read_technology_table(const TableReader& t) {
  Technology tech;
  tech.name = t.string("name");
  tech.source = t.string_or("source", "");
  tech.register_max_bits = t.non_negative_or("register_max_bits", 0);
  tech.register_area_um2_per_bit = t.non_negative_number_or("register_area_um2_per_bit", 0);
  if (auto pe = t.optional_table("pe_area_um2")) {
    for (const char* op : {"conv2d", "linear", "maxpool", "avgpool", "sumpool", "add", "flatten"}) {
      if (pe->has(op)) tech.pe_area_um2[*workload::parse_op(op)] = pe->non_negative_number(op);
    }
    pe->finish();
  }
  for (const TableReader& p : t.table_array("sram")) {
    SramPoint pt;
    pt.size_bits = p.positive("size_bits");
    pt.read_energy_pJ_per_bit = p.non_negative_number("read_energy_pJ_per_bit");
    pt.write_energy_pJ_per_bit = p.non_negative_number("write_energy_pJ_per_bit");
    pt.area_mm2 = p.non_negative_number("area_mm2");
    if (!tech.sram.empty() && pt.size_bits <= tech.sram.back().size_bits)
      p.fail("size_bits", "SRAM points must be listed by strictly increasing size_bits");
    if (pt.read_energy_pJ_per_bit <= 0 || pt.write_energy_pJ_per_bit <= 0 || pt.area_mm2 <= 0)
      p.fail_here("energies and area must be > 0 (they are interpolated in log-log)");
    if (!tech.sram.empty() && pt.area_mm2 < tech.sram.back().area_mm2)
      p.fail("area_mm2", "area must not shrink with capacity");
    p.finish();
    tech.sram.push_back(pt);
  }
  if (tech.sram.empty()) t.fail("sram", "expected at least one SRAM point");
  if (tech.register_max_bits >= tech.min_sram_bits())
    t.fail("register_max_bits", "must be below the smallest SRAM of the table");
  t.finish();
  return tech;
}

// [technology] = { file = "..." } (relative to the hardware file) or the table inline.
std::shared_ptr<const Technology> read_technology(const TableReader& root,
                                                  const config::Document& doc) {
  auto t = root.optional_table("technology");
  if (!t) return nullptr;
  if (!t->has("file")) return std::make_shared<const Technology>(read_technology_table(*t));
  const std::string file = config::resolve_relative(doc.path, t->string("file"));
  t->finish();
  const config::Document tdoc = config::parse_toml_file(file);
  const TableReader troot(tdoc, tdoc.root, "");
  auto tech = std::make_shared<const Technology>(read_technology_table(troot.table("technology")));
  troot.finish();
  return tech;
}

}  // namespace

Accelerator load_hardware(const config::Document& doc) {
  const TableReader root(doc, doc.root, "");
  Accelerator acc;
  {
    const TableReader a = root.table("accelerator");
    acc.name = a.string("name");
    acc.description = a.string_or("description", "");
    a.finish();
  }
  acc.technology = read_technology(root, doc);
  const auto cores = root.table_array("core");
  if (cores.empty()) root.fail("core", "the accelerator needs at least one [[core]]");
  for (std::size_t i = 0; i < cores.size(); ++i) {
    acc.cores.push_back(read_core(cores[i], static_cast<int>(i), acc.technology.get()));
  }
  {
    const TableReader d = root.table("dram");
    acc.dram.name = d.string_or("name", "dram");
    acc.dram.size_bits = d.positive("size_bits");
    acc.dram.read_bw_bits = d.positive("read_bw_bits");
    acc.dram.write_bw_bits = d.positive("write_bw_bits");
    acc.dram.read_energy_pJ = d.non_negative_number("read_energy_pJ");
    acc.dram.write_energy_pJ = d.non_negative_number("write_energy_pJ");
    acc.dram.ports = read_ports(d);
    d.finish();
  }
  for (const TableReader& l : root.table_array("link")) {
    Link link;
    const auto ends = l.string_list("endpoints");
    if (ends.size() != 2) l.fail("endpoints", "expected two endpoint names [a, b]");
    link.a = ends[0];
    link.b = ends[1];
    link.bandwidth_bits_per_cycle = l.non_negative_number("bandwidth_bits_per_cycle");
    if (link.bandwidth_bits_per_cycle <= 0) {
      l.fail("bandwidth_bits_per_cycle", "expected a bandwidth > 0");
    }
    link.energy_pJ_per_bit = l.non_negative_number("energy_pJ_per_bit");
    link.bidirectional = l.boolean_or("bidirectional", true);
    l.finish();
    acc.links.push_back(link);
  }
  root.finish();
  try {
    acc.validate();
    if (acc.technology) {
      for (const Core& c : acc.cores)
        acc.technology->pe_area_um2_for(c.operators);  // every operator has a PE area
    }
  } catch (const std::invalid_argument& e) {
    throw InputError(doc.path, e.what());
  }
  return acc;
}

Accelerator load_hardware_file(const std::string& path) {
  return load_hardware(config::parse_toml_file(path));
}

}  // namespace stems::hardware
