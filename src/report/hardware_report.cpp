#include "stems/report/hardware_report.hpp"

#include <sstream>
#include <string>
#include <vector>

#include "stems/hardware/technology.hpp"
#include "stems/report/table.hpp"

namespace stems::report {

using hardware::MemOperand;

namespace {

std::string operands_label(const hardware::MemoryLevel& m) {
  std::string s;
  for (MemOperand o : m.operands) {
    if (!s.empty()) s += ',';
    s += mem_operand_name(o);
  }
  return s;
}

std::string ports_label(const hardware::Ports& p) {
  std::string s;
  if (p.read) s += std::to_string(p.read) + "r ";
  if (p.write) s += std::to_string(p.write) + "w ";
  if (p.read_write) s += std::to_string(p.read_write) + "rw ";
  if (!s.empty()) s.pop_back();
  return s;
}

Json ports_json(const hardware::Ports& p) {
  return {{"read", p.read}, {"write", p.write}, {"read_write", p.read_write}};
}

// Values in pJ are printed in uJ in the text report (1 uJ = 1e6 pJ).
std::string uJ(double pJ) {
  return fixed(pJ / 1e6, 4);
}

// The axes of a technology table's SRAM points, as the keys that give them.
std::vector<std::string> technology_axes(const hardware::Technology& tech) {
  std::vector<std::string> axes{"size_bits"};
  if (tech.has_width_axis()) axes.emplace_back("width_bits");
  if (tech.has_port_axis()) axes.emplace_back("ports");
  return axes;
}

// Area per component and in total, when the file has a [technology] table.
void add_area_json(const hardware::Accelerator& acc, Json& j) {
  if (!acc.technology) return;
  const hardware::AreaReport a = hardware::accelerator_area(acc);
  Json items = Json::array();
  for (const auto& it : a.items) {
    items.push_back({{"core", it.core},
                     {"component", it.component},
                     {"kind", it.kind},
                     {"copies", it.copies},
                     {"area_mm2", it.area_mm2}});
  }
  const hardware::Technology& tech = *acc.technology;
  j["technology"] = {{"name", tech.name},
                     {"source", tech.source},
                     {"sram_points", tech.sram.size()},
                     {"axes", technology_axes(tech)},
                     {"sram_size_bits_range", {tech.min_sram_bits(), tech.max_sram_bits()}}};
  j["area"] = items;
  j["area_mm2"] = a.total_mm2;
}

std::string area_text(const hardware::Accelerator& acc) {
  if (!acc.technology) return "\narea: no [technology] table in the hardware file\n";
  const hardware::AreaReport a = hardware::accelerator_area(acc);
  TextTable t({"core", "component", "kind", "copies", "area mm2", "share"});
  for (const auto& it : a.items) {
    t.add_row({it.core, it.component, it.kind, with_commas(it.copies), fixed(it.area_mm2, 4),
               fixed(100 * it.area_mm2 / a.total_mm2, 1) + " %"});
  }
  std::ostringstream os;
  const hardware::Technology& tech = *acc.technology;
  std::string axes;
  for (const std::string& a : technology_axes(tech))
    axes += (axes.empty() ? "" : " x ") + a;
  os << "\narea (technology '" << tech.name << "', " << tech.sram.size() << " SRAM points over "
     << axes << "):\n"
     << t.render() << "total area " << fixed(a.total_mm2, 4) << " mm2\n";
  return os.str();
}

}  // namespace

Json accelerator_json(const hardware::Accelerator& acc) {
  Json j;
  j["name"] = acc.name;
  j["description"] = acc.description;
  Json cores = Json::array();
  for (const auto& c : acc.cores) {
    Json cj;
    cj["id"] = c.id;
    cj["name"] = c.name;
    Json ops = Json::array();
    for (auto op : c.operators)
      ops.push_back(std::string(workload::op_name(op)));
    cj["operators"] = ops;
    Json dims = Json::array();
    for (const auto& d : c.array.dims) {
      dims.push_back({{"name", d.name},
                      {"size", d.size},
                      {"unroll", d.unrolls ? std::string(workload::dim_name(*d.unrolls)) : ""}});
    }
    cj["pe_array"] = dims;
    cj["pe_count"] = c.array.pe_count();
    cj["accumulate_energy_pJ"] = c.array.accumulate_energy_pJ;
    if (c.zero_skipping) cj["zero_skipping"] = true;
    if (c.zero_skipping_cycles) cj["zero_skipping_cycles"] = true;
    cj["mac_energy_pJ"] = c.array.mac_energy_pJ;
    Json mems = Json::array();
    for (const auto& m : c.memories) {
      Json ops_j = Json::array();
      for (auto o : m.operands)
        ops_j.push_back(std::string(mem_operand_name(o)));
      mems.push_back({{"name", m.name},
                      {"operands", ops_j},
                      {"size_bits", m.size_bits},
                      {"read_bw_bits", m.read_bw_bits},
                      {"write_bw_bits", m.write_bw_bits},
                      {"read_energy_pJ", m.read_energy_pJ},
                      {"write_energy_pJ", m.write_energy_pJ},
                      {"min_read_bits", m.min_read_bits},
                      {"min_write_bits", m.min_write_bits},
                      {"ports", ports_json(m.ports)},
                      {"served_dims", m.served_dims},
                      {"copies", m.copies}});
    }
    cj["memories"] = mems;
    Json hier = Json::object();
    for (MemOperand o : {MemOperand::W, MemOperand::I, MemOperand::O, MemOperand::V}) {
      Json names = Json::array();
      for (auto i : c.hierarchy(o))
        names.push_back(c.memories[i].name);
      hier[std::string(mem_operand_name(o))] = names;
    }
    cj["hierarchy"] = hier;
    cores.push_back(cj);
  }
  j["cores"] = cores;
  j["dram"] = {{"name", acc.dram.name},
               {"size_bits", acc.dram.size_bits},
               {"read_bw_bits", acc.dram.read_bw_bits},
               {"write_bw_bits", acc.dram.write_bw_bits},
               {"read_energy_pJ", acc.dram.read_energy_pJ},
               {"write_energy_pJ", acc.dram.write_energy_pJ},
               {"ports", ports_json(acc.dram.ports)}};
  Json links = Json::array();
  for (const auto& l : acc.links) {
    links.push_back({{"endpoints", {l.a, l.b}},
                     {"bandwidth_bits_per_cycle", l.bandwidth_bits_per_cycle},
                     {"energy_pJ_per_bit", l.energy_pJ_per_bit},
                     {"bidirectional", l.bidirectional}});
  }
  j["links"] = links;
  Json alloc = Json::object();
  for (const auto& [op, ids] : acc.allocation())
    alloc[std::string(workload::op_name(op))] = ids;
  j["allocation"] = alloc;
  add_area_json(acc, j);
  return j;
}

std::string accelerator_text(const hardware::Accelerator& acc) {
  std::ostringstream os;
  os << "accelerator " << acc.name;
  if (!acc.description.empty()) os << ": " << acc.description;
  os << "\n";
  for (const auto& c : acc.cores) {
    os << "\ncore " << c.id << " '" << c.name << "': PE array ";
    for (std::size_t i = 0; i < c.array.dims.size(); ++i) {
      const auto& d = c.array.dims[i];
      os << (i ? " x " : "") << d.name << "=" << d.size;
      if (d.unrolls) os << "(" << workload::dim_name(*d.unrolls) << ")";
    }
    os << " = " << c.array.pe_count() << " PEs; " << c.array.accumulate_energy_pJ
       << " pJ/accumulate, " << c.array.mac_energy_pJ << " pJ/MAC; runs";
    for (auto op : c.operators)
      os << " " << workload::op_name(op);
    if (c.zero_skipping) {
      os << (c.zero_skipping_cycles
                 ? "; zero skipping (energy and compute cycles scale with spike density)"
                 : "; zero skipping (energy scales with spike density)");
    }
    os << "\n";
    TextTable t({"level", "operands", "size bits", "bw r/w bits", "pJ/access r/w", "pJ/bit r/w",
                 "min r/w bits", "ports", "served dims", "copies"});
    for (const auto& m : c.memories) {
      std::string served;
      for (const auto& s : m.served_dims) {
        if (!served.empty()) served += ',';
        served += s;
      }
      t.add_row({m.name, operands_label(m), with_commas(m.size_bits),
                 std::to_string(m.read_bw_bits) + "/" + std::to_string(m.write_bw_bits),
                 fixed(m.read_energy_pJ, 3) + "/" + fixed(m.write_energy_pJ, 3),
                 fixed(m.read_energy_pJ_per_bit(), 4) + "/" + fixed(m.write_energy_pJ_per_bit(), 4),
                 std::to_string(m.min_read_bits) + "/" + std::to_string(m.min_write_bits),
                 ports_label(m.ports), served.empty() ? "-" : served, with_commas(m.copies)});
    }
    os << t.render();
    for (MemOperand o : {MemOperand::W, MemOperand::I, MemOperand::O, MemOperand::V}) {
      os << "  " << mem_operand_name(o) << ": PE";
      for (auto i : c.hierarchy(o))
        os << " <-> " << c.memories[i].name;
      os << " <-> " << acc.dram.name << "\n";
    }
  }
  os << "\nDRAM '" << acc.dram.name << "': " << with_commas(acc.dram.size_bits) << " bits, "
     << acc.dram.read_bw_bits << "/" << acc.dram.write_bw_bits << " bits per access r/w, "
     << acc.dram.read_energy_pJ << "/" << acc.dram.write_energy_pJ << " pJ per access r/w ("
     << fixed(acc.dram.read_energy_pJ / double(acc.dram.read_bw_bits), 3) << "/"
     << fixed(acc.dram.write_energy_pJ / double(acc.dram.write_bw_bits), 3) << " pJ/bit), ports "
     << ports_label(acc.dram.ports) << "\n";
  for (const auto& l : acc.links) {
    os << "link " << l.a << (l.bidirectional ? " <-> " : " -> ") << l.b << ": "
       << l.bandwidth_bits_per_cycle << " bits/cycle, " << l.energy_pJ_per_bit << " pJ/bit"
       << (l.bidirectional ? " (one link shared by both directions)" : "") << "\n";
  }
  os << area_text(acc);
  return os.str();
}

Json bounds_json(const cost::Bounds& b) {
  Json j;
  j["compute_energy_pJ"] = b.compute_energy_pJ;
  j["dram_floor"] = {
      {"weight_read_bits", b.weight_read_bits},      {"state_read_bits", b.state_read_bits},
      {"state_write_bits", b.state_write_bits},      {"input_read_bits", b.input_read_bits},
      {"output_write_bits", b.output_write_bits},    {"weight_energy_pJ", b.weight_dram_energy_pJ},
      {"state_energy_pJ", b.state_dram_energy_pJ},   {"input_energy_pJ", b.input_dram_energy_pJ},
      {"output_energy_pJ", b.output_dram_energy_pJ}, {"energy_pJ", b.dram_energy_pJ}};
  Json layers = Json::array();
  for (const auto& l : b.layers) {
    layers.push_back({{"id", l.layer_id},
                      {"core", l.core_id},
                      {"multi_bit_macs", l.multi_bit_macs},
                      {"compute_energy_pJ", l.compute_energy_pJ},
                      {"weight_read_bits", l.weight_read_bits},
                      {"state_read_bits", l.state_read_bits},
                      {"state_write_bits", l.state_write_bits},
                      {"input_read_bits", l.input_read_bits},
                      {"output_write_bits", l.output_write_bits},
                      {"dram_energy_pJ", l.dram_energy_pJ}});
  }
  j["layers"] = layers;
  return j;
}

std::string bounds_text(const cost::Bounds& b) {
  std::ostringstream os;
  os << "closed-form figures (dense spikes; no mapping needed):\n"
     << "  compute energy                " << uJ(b.compute_energy_pJ) << " uJ\n"
     << "  DRAM floor: weights read once " << with_commas(b.weight_read_bits) << " bits, "
     << uJ(b.weight_dram_energy_pJ) << " uJ\n"
     << "              states read+written once " << with_commas(b.state_read_bits) << "+"
     << with_commas(b.state_write_bits) << " bits, " << uJ(b.state_dram_energy_pJ) << " uJ\n"
     << "              network input read once " << with_commas(b.input_read_bits) << " bits, "
     << uJ(b.input_dram_energy_pJ) << " uJ\n"
     << "              sink output written once " << with_commas(b.output_write_bits) << " bits, "
     << uJ(b.output_dram_energy_pJ) << " uJ\n"
     << "              total " << uJ(b.dram_energy_pJ) << " uJ\n";
  return os.str();
}

}  // namespace stems::report
