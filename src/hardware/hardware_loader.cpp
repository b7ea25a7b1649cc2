#include "stems/hardware/hardware_loader.hpp"

#include <algorithm>
#include <stdexcept>

#include "stems/common/error.hpp"
#include "stems/hardware/technology.hpp"

namespace stems::hardware {

namespace {

using config::TableReader;

// An energy: finite, >= 0 and at most 1e9 pJ (1 mJ per access or bit, six orders above any
// memory's): larger values overflow the totals to infinity (a 1e308 pJ read gave `energy inf`).
constexpr double kMaxEnergy_pJ = 1e9;
double energy_pJ(const TableReader& r, const std::string& key) {
  const double e = r.non_negative_number(key);
  if (e > kMaxEnergy_pJ) r.fail(key, "expected at most 1e9 pJ (larger energies overflow totals)");
  return e;
}
double energy_pJ_or(const TableReader& r, const std::string& key, double fallback) {
  return r.has(key) ? energy_pJ(r, key) : fallback;
}

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

// served_dimensions = "all" or ZigZag's vectors over the PE-array dims, e.g. [[0, 0, 1, 0],
// [0, 0, 0, 1]] for D3 and D4 (each vector one-hot, or all zeros: no dimension).
std::vector<std::string> read_served_vectors(const TableReader& r, const PeArray& array) {
  const config::Value* v = r.raw("served_dimensions");
  std::vector<std::string> served;
  if (v->kind == config::Value::Kind::String) {
    if (v->string_value != "all") r.fail("served_dimensions", "expected \"all\" or vectors");
    for (const ArrayDim& d : array.dims)
      served.push_back(d.name);
    return served;
  }
  if (v->kind != config::Value::Kind::Array) {
    r.fail("served_dimensions", "expected \"all\" or a list of vectors like [[0, 0, 1, 0]]");
  }
  for (const config::Value& vec : v->array) {
    const bool ok = vec.kind == config::Value::Kind::Array && vec.array.size() == array.dims.size();
    if (!ok) {
      r.fail_at(vec, r.key_path("served_dimensions"),
                "expected a vector of " + std::to_string(array.dims.size()) +
                    " integers (one per PE-array dimension)");
    }
    int ones = 0;
    for (std::size_t i = 0; i < vec.array.size(); ++i) {
      const config::Value& e = vec.array[i];
      if (e.kind != config::Value::Kind::Integer || e.integer_value < 0 || e.integer_value > 1) {
        r.fail_at(e, r.key_path("served_dimensions"), "expected 0 or 1");
      }
      if (e.integer_value == 1) {
        ++ones;
        if (std::find(served.begin(), served.end(), array.dims[i].name) == served.end()) {
          served.push_back(array.dims[i].name);
        }
      }
    }
    if (ones > 1) r.fail_at(vec, r.key_path("served_dimensions"), "expected a one-hot vector");
  }
  return served;
}

// One port name of `port_allocation` ("r_port_1", "w_port_2", "rw_port_1": ZigZag's names) as an
// index among the level's ports: read ports first, then write, then read/write (two of a kind at
// most). `read`: the movement reads the level.
int port_index(const TableReader& t, const std::string& key, const Ports& p, bool read) {
  const std::string name = t.string(key);
  const auto kind_end = name.find("_port_");
  const std::string kind = name.substr(0, kind_end);
  std::uint32_t k = 0;
  if (kind_end != std::string::npos) {
    const std::string num = name.substr(kind_end + 6);
    if (num == "1" || num == "2") k = static_cast<std::uint32_t>(num[0] - '0');
  }
  const std::uint32_t nr = std::min<std::uint32_t>(p.read, 2),
                      nw = std::min<std::uint32_t>(p.write, 2),
                      nrw = std::min<std::uint32_t>(p.read_write, 2);
  if (k >= 1 && kind == "r" && read && k <= nr) return static_cast<int>(k - 1);
  if (k >= 1 && kind == "w" && !read && k <= nw) return static_cast<int>(nr + k - 1);
  if (k >= 1 && kind == "rw" && k <= nrw) return static_cast<int>(nr + nw + k - 1);
  t.fail(key, "'" + name + "' is not a " + (read ? "read" : "write") +
                  " port of this level (r_port_N for reads, w_port_N for writes, rw_port_N for "
                  "either; N = 1 or 2, at most the level's port count)");
}

// port_allocation = { O = { to_low = "r_port_1", from_low = "w_port_2", ... }, W = {...} }: the
// port of each movement per operand (ZigZag's port_alloc: tl, fl, th, fh). The cost model has one
// port per movement for all operands of a level, so operands that name a movement must agree.
void read_port_allocation(const TableReader& r, MemoryLevel& m) {
  const auto t = r.optional_table("port_allocation");
  if (!t) return;
  static const char* const kKeys[kPortDirections] = {"to_low", "from_low", "to_high", "from_high"};
  for (MemOperand o : {MemOperand::W, MemOperand::I, MemOperand::O, MemOperand::V}) {
    const std::string on(mem_operand_name(o));
    if (!t->has(on)) continue;
    if (!m.serves(o)) t->fail(on, "operand " + on + " is not served by this level");
    const TableReader a = t->table(on);
    for (std::size_t d = 0; d < kPortDirections; ++d) {
      if (!a.has(kKeys[d])) continue;
      const int port = port_index(a, kKeys[d], m.ports, d == 0 || d == 2);
      if (m.port_of_direction[d] >= 0 && m.port_of_direction[d] != port) {
        a.fail(kKeys[d],
               "differs from another operand's port for the same movement (the cost "
               "model allocates ports per movement, not per operand)");
      }
      m.port_of_direction[d] = port;
    }
    a.finish();
  }
  t->finish();
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
  // An SRAM level may leave its energies to the technology table (both keys absent).
  const bool energies_from_table =
      tech && !tech->is_register(m) && !r.has("read_energy_pJ") && !r.has("write_energy_pJ");
  if (!energies_from_table) {
    m.read_energy_pJ = energy_pJ(r, "read_energy_pJ");
    m.write_energy_pJ = energy_pJ(r, "write_energy_pJ");
  }
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
  read_port_allocation(r, m);
  if (r.has("served_dimensions")) {
    if (r.has("served_dims")) r.fail("served_dimensions", "give served_dims or served_dimensions");
    m.served_dims = read_served_vectors(r, array);
  } else {
    m.served_dims = r.string_list_or("served_dims", {});
  }
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
  if (tech && !tech->is_register(m)) {
    const std::string why = tech->uncovered(sram_query(m));
    if (!tech->has_grid_for(m.ports)) r.fail("ports", why);
    if (!why.empty()) {
      r.fail("size_bits",
             why + "; registers up to " + std::to_string(tech->register_max_bits) + " bits");
    }
    if (energies_from_table) apply_technology(*tech, m);
  }
  r.finish();
  return m;
}

// [[core.spatial_mapping]]: operators = [...], unroll = { D1 = "K", ... }, optional
// size = { D1 = 8, ... } (at most the array dimension's size; default all of it).
SpatialMappingEntry read_spatial_mapping(const TableReader& r, const PeArray& array) {
  SpatialMappingEntry e;
  for (const std::string& op : r.string_list("operators")) {
    const auto parsed = workload::parse_op(op);
    if (!parsed)
      r.fail("operators", "unknown operator '" + op + "'; expected " + workload::op_names());
    e.operators.push_back(*parsed);
  }
  const TableReader unroll = r.table("unroll");
  const auto sizes = r.optional_table("size");
  for (std::size_t i = 0; i < array.dims.size(); ++i) {
    const std::string& dn = array.dims[i].name;
    if (sizes && sizes->has(dn) && !unroll.has(dn)) sizes->fail(dn, "has no unroll");
    if (!unroll.has(dn)) continue;
    const std::string loop = unroll.string(dn);
    const auto d = workload::parse_dim(loop);
    if (!d) unroll.fail(dn, "unknown loop dimension '" + loop + "'");
    for (const ArrayUnroll& prev : e.unrolls) {
      if (prev.dim == *d) unroll.fail(dn, "loop dimension '" + loop + "' is unrolled twice");
    }
    ArrayUnroll u{i, *d, 0};
    if (sizes && sizes->has(dn)) {
      u.size = sizes->positive(dn);
      if (u.size > array.dims[i].size) sizes->fail(dn, "exceeds the dimension's size");
    }
    e.unrolls.push_back(u);
  }
  unroll.finish();
  if (sizes) sizes->finish();
  r.finish();
  return e;
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
  c.array.accumulate_energy_pJ = energy_pJ(r, "accumulate_energy_pJ");
  c.array.mac_energy_pJ = energy_pJ(r, "mac_energy_pJ");
  c.zero_skipping = r.boolean_or("zero_skipping", false);
  c.neuron_update_energy_pJ = energy_pJ_or(r, "neuron_update_energy_pJ", 0.0);
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
  const auto mappings =
      r.has("spatial_mapping") ? r.table_array("spatial_mapping") : std::vector<TableReader>{};
  for (const TableReader& m : mappings) {
    c.spatial_mappings.push_back(read_spatial_mapping(m, c.array));
    for (OpType op : c.spatial_mappings.back().operators) {
      for (std::size_t i = 0; i + 1 < c.spatial_mappings.size(); ++i) {
        const auto& prev = c.spatial_mappings[i].operators;
        if (std::find(prev.begin(), prev.end(), op) != prev.end()) {
          m.fail("operators",
                 "operator '" + std::string(workload::op_name(op)) + "' has two spatial mappings");
        }
      }
    }
  }
  r.finish();
  return c;
}

// [technology] of a hardware file or of a technology file: name, source, register_max_bits,
// register_area_um2_per_bit, pe_area_um2 = { <operator> = um2, ... }, sram = [{ size_bits,
// [width_bits], [ports = { read, write, read_write }], read_energy_pJ_per_bit,
// write_energy_pJ_per_bit, area_mm2 }, ...] (the grid rules: Technology::validate()).
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
    pt.width_bits = p.positive_or("width_bits", 0);
    if (p.has("ports")) pt.ports = read_ports(p);
    pt.read_energy_pJ_per_bit = energy_pJ(p, "read_energy_pJ_per_bit");
    pt.write_energy_pJ_per_bit = energy_pJ(p, "write_energy_pJ_per_bit");
    pt.area_mm2 = p.non_negative_number("area_mm2");
    if (pt.read_energy_pJ_per_bit <= 0 || pt.write_energy_pJ_per_bit <= 0 || pt.area_mm2 <= 0)
      p.fail_here("energies and area must be > 0 (they are interpolated in log-log)");
    p.finish();
    tech.sram.push_back(pt);
  }
  if (tech.sram.empty()) t.fail("sram", "expected at least one SRAM point");
  if (tech.register_max_bits >= tech.min_sram_bits())
    t.fail("register_max_bits", "must be below the smallest SRAM of the table");
  try {
    tech.validate();
  } catch (const std::invalid_argument& e) {
    t.fail("sram", e.what());
  }
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
  try {
    const config::Document tdoc = config::parse_toml_file(file);
    const TableReader troot(tdoc, tdoc.root, "");
    auto tech =
        std::make_shared<const Technology>(read_technology_table(troot.table("technology")));
    troot.finish();
    return tech;
  } catch (const InputError& e) {  // name the hardware file too: it points to the table
    t->fail("file", std::string("the technology file it names: ") + e.what());
  }
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
    acc.dram.read_energy_pJ = energy_pJ(d, "read_energy_pJ");
    acc.dram.write_energy_pJ = energy_pJ(d, "write_energy_pJ");
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
    link.energy_pJ_per_bit = energy_pJ(l, "energy_pJ_per_bit");
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
