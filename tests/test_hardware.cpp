// Tests of the hardware model (stems/hardware): the Meta-prototype-like configs against STEMS's
// numbers (shared/reference/stems_model.md 5.1, 5.3) and validation.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iterator>

#include "fixtures.hpp"
#include "stems/common/error.hpp"
#include "stems/config/document.hpp"
#include "stems/hardware/hardware_loader.hpp"

using namespace stems::hardware;

namespace {

const Accelerator& load(const std::string& name) {
  return stems::test::hardware(name);
}

const MemoryLevel& level(const Core& c, const std::string& name) {
  for (const auto& m : c.memories) {
    if (m.name == name) return m;
  }
  throw std::runtime_error("no level " + name);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(Hardware, MetaPrototypeCore) {
  const Accelerator& acc = load("meta_proto_1mb");
  ASSERT_EQ(acc.cores.size(), 1u);
  const Core& c = acc.cores[0];
  EXPECT_EQ(c.array.pe_count(), 1024u);
  ASSERT_EQ(c.array.dims.size(), 4u);
  EXPECT_EQ(c.array.dims[0].unrolls, Dim::K);
  EXPECT_EQ(c.array.dims[1].unrolls, Dim::C);
  EXPECT_EQ(c.array.dims[2].unrolls, Dim::OY);
  EXPECT_DOUBLE_EQ(c.array.accumulate_energy_pJ, 0.07);
  EXPECT_DOUBLE_EQ(c.array.mac_energy_pJ, 0.16);
  // Copies derive from the served (sharing) dimensions.
  EXPECT_EQ(level(c, "rf_4b_W").copies, 64u);
  EXPECT_EQ(level(c, "rf_16b_O").copies, 512u);
  EXPECT_EQ(level(c, "rf_16b_V").copies, 512u);
  EXPECT_EQ(level(c, "sram_1MB").copies, 1u);
  const MemoryLevel& gb = level(c, "sram_1MB");
  EXPECT_EQ(gb.size_bits, 8'388'608u);
  EXPECT_EQ(gb.read_bw_bits, 1024u);
  EXPECT_NEAR(gb.read_energy_pJ_per_bit(), 0.13, 1e-12);
  EXPECT_NEAR(gb.write_energy_pJ_per_bit(), 0.175, 1e-12);
  EXPECT_NEAR(level(c, "sram_16KB").write_energy_pJ_per_bit(), 0.12, 1e-12);
}

TEST(Hardware, OperandHierarchies) {
  const Core& c = load("meta_proto_1mb").cores[0];
  auto names = [&](MemOperand o) {
    std::vector<std::string> out;
    for (auto i : c.hierarchy(o))
      out.push_back(c.memories[i].name);
    return out;
  };
  EXPECT_EQ(names(MemOperand::W), (std::vector<std::string>{"rf_4b_W", "sram_32KB", "sram_1MB"}));
  EXPECT_EQ(names(MemOperand::I), (std::vector<std::string>{"sram_16KB", "sram_1MB"}));
  EXPECT_EQ(names(MemOperand::O), (std::vector<std::string>{"rf_16b_O", "sram_1MB"}));
  EXPECT_EQ(names(MemOperand::V), (std::vector<std::string>{"rf_16b_V", "sram_1MB"}));
  EXPECT_EQ(c.memories[*c.top_level(MemOperand::V)].name, "sram_1MB");
}

TEST(Hardware, DramAndLink) {
  const Accelerator& acc = load("meta_proto_1mb");
  EXPECT_EQ(acc.dram.read_bw_bits, 64u);
  EXPECT_DOUBLE_EQ(acc.dram.read_energy_pJ, 700.0);
  EXPECT_DOUBLE_EQ(acc.dram.write_energy_pJ, 750.0);
  // Whole-access granularity: 65 bits cost two accesses.
  EXPECT_DOUBLE_EQ(acc.dram.read_energy_pJ_for(64), 700.0);
  EXPECT_DOUBLE_EQ(acc.dram.read_energy_pJ_for(65), 1400.0);
  EXPECT_DOUBLE_EQ(acc.dram.write_energy_pJ_for(0), 0.0);
  const Link* link = acc.link_between("dram", "compute");
  ASSERT_NE(link, nullptr);
  EXPECT_DOUBLE_EQ(link->bandwidth_bits_per_cycle, 64.0);
  EXPECT_DOUBLE_EQ(link->energy_pJ_per_bit, 0.0);
  const auto alloc = acc.allocation();
  EXPECT_EQ(alloc.at(OpType::Conv2d), (std::vector<int>{0}));
  EXPECT_EQ(alloc.at(OpType::MaxPool), (std::vector<int>{0}));
  EXPECT_EQ(alloc.at(OpType::Add), (std::vector<int>{0}));
}

TEST(Hardware, BufferVariantsHaveStemsSizesAndCosts) {
  struct Row {
    const char* name;
    std::uint64_t size_bits, bw_bits;
    double r_pJ, w_pJ;
  };
  const Row rows[] = {
      {"meta_proto_128kb", 1'101'004, 128, 16.64, 22.4},
      {"meta_proto_256kb", 2'202'009, 256, 33.28, 44.8},
      {"meta_proto_384kb", 3'250'585, 384, 49.92, 67.2},
      {"meta_proto_512kb", 4'194'304, 512, 66.56, 89.6},
      {"meta_proto_1mb", 8'388'608, 1024, 133.12, 179.2},
      {"meta_proto_2mb", 16'777'216, 2048, 266.24, 358.4},
      {"meta_proto_64mb", 536'870'912, 1024, 133.12, 179.2},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    const Accelerator& acc = load(r.name);
    EXPECT_EQ(acc.name, r.name);
    const MemoryLevel& gb = level(acc.cores[0], "sram_1MB");
    EXPECT_EQ(gb.size_bits, r.size_bits);
    EXPECT_EQ(gb.read_bw_bits, r.bw_bits);
    EXPECT_EQ(gb.write_bw_bits, r.bw_bits);
    EXPECT_DOUBLE_EQ(gb.read_energy_pJ, r.r_pJ);
    EXPECT_DOUBLE_EQ(gb.write_energy_pJ, r.w_pJ);
    // Everything below the shared buffer is the same core.
    EXPECT_EQ(level(acc.cores[0], "sram_32KB").size_bits, 262'144u);
  }
}

TEST(Hardware, ValidateRejectsInconsistentModels) {
  const Accelerator& acc = load("meta_proto_1mb");
  EXPECT_NO_THROW(acc.validate());
  {
    Accelerator a = acc;
    a.links.clear();
    EXPECT_NE(error_of([&] { a.validate(); }).find("no link to the DRAM"), std::string::npos);
  }
  {
    Accelerator a = acc;
    a.cores[0].memories[0].read_energy_pJ = -1;
    EXPECT_NE(error_of([&] { a.validate(); }).find("finite and >= 0"), std::string::npos);
  }
  {
    Accelerator a = acc;
    a.cores[0].array.dims[1].unrolls = Dim::K;
    EXPECT_NE(error_of([&] { a.validate(); }).find("more than one PE-array dimension"),
              std::string::npos);
  }
  {
    Accelerator a = acc;
    a.cores[0].memories.erase(a.cores[0].memories.begin() + 1);  // drop rf_16b_O
    a.cores[0].memories.pop_back();                              // and the shared buffer
    EXPECT_NE(error_of([&] { a.validate(); }).find("serves operand O"), std::string::npos);
  }
}

TEST(Hardware, LoaderErrorsNameKeyAndLine) {
  const std::string text = R"([accelerator]
name = "x"
[[core]]
name = "c"
operators = ["conv2d"]
accumulate_energy_pJ = 0.07
mac_energy_pJ = 0.16
pe_array = [ { name = "D1", size = 4, unroll = "Q" } ]
)";
  const std::string msg =
      error_of([&] { load_hardware(stems::config::parse_toml_string(text, "hw.toml")); });
  EXPECT_NE(msg.find("hw.toml:8:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("core[0].pe_array[0].unroll"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown loop dimension 'Q'"), std::string::npos) << msg;
}

TEST(Hardware, DeepHierarchiesLoadWithEveryLevel) {
  // meta_proto_1mb with 70 more 4-bit weight registers after rf_4b_W: nothing in the model
  // bounds the number of levels (the cost model sizes its buffers from the hierarchy).
  std::ifstream in(stems::test::configs_dir() + "/hardware/meta_proto_1mb.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string tech = "file = \"technology/";  // named relative to the hardware file
  if (auto t = text.find(tech); t != std::string::npos)
    text.replace(t, tech.size(),
                 "file = \"" + stems::test::configs_dir() + "/hardware/technology/");
  const std::string anchor = "served_dims = [\"D3\", \"D4\"]    # 32 x 2 = 64 copies\n";
  const auto at = text.find(anchor);
  ASSERT_NE(at, std::string::npos);
  std::string extra;
  for (int k = 1; k <= 70; ++k) {
    extra += "[[core.memory]]\nname = \"rf_4b_W_" + std::to_string(k) +
             "\"\noperands = [\"W\"]\nsize_bits = 4\nread_bw_bits = 4\nwrite_bw_bits = 4\n"
             "read_energy_pJ = 0.0\nwrite_energy_pJ = 0.0\nports = { read = 1, write = 1 }\n"
             "served_dims = [\"D3\", \"D4\"]\n";
  }
  text.insert(at + anchor.size(), extra);
  stems::test::ScratchDir dir("deep_hw");
  { std::ofstream(dir / "deep.toml") << text; }
  const Accelerator acc = load_hardware_file(dir / "deep.toml");
  const Core& c = acc.cores[0];
  ASSERT_EQ(c.memories.size(), 76u);
  const auto w = c.hierarchy(MemOperand::W);
  ASSERT_EQ(w.size(), 73u);
  EXPECT_EQ(c.memories[w[1]].name, "rf_4b_W_1");
  EXPECT_EQ(c.memories[w[70]].name, "rf_4b_W_70");
  EXPECT_EQ(c.memories[w[70]].copies, 64u);  // 32 x 2: shared along D3, D4 like rf_4b_W
  EXPECT_EQ(c.memories[w[71]].name, "sram_32KB");
  EXPECT_EQ(c.memories[*c.top_level(MemOperand::W)].name, "sram_1MB");
  EXPECT_EQ(c.hierarchy(MemOperand::I).size(), 2u);  // the other paths are unchanged
}

// ---- Memory technology model and hardware parameters (issue 19) ----

#include "stems/hardware/technology.hpp"
#include "stems/hardware/variant.hpp"

TEST(Technology, InterpolationIsExactAtTablePointsAndMonotoneBetween) {
  const Technology& t = *load("meta_proto_1mb").technology;
  for (const SramPoint& p : t.sram) {
    const auto e = t.sram_at(p.size_bits);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->area_mm2, p.area_mm2);
    EXPECT_EQ(e->read_energy_pJ_per_bit, p.read_energy_pJ_per_bit);
    EXPECT_EQ(e->write_energy_pJ_per_bit, p.write_energy_pJ_per_bit);
  }
  double last_area = 0, last_read = 0;
  for (std::uint64_t s = t.min_sram_bits(); s <= t.max_sram_bits(); s += s / 7 + 1) {
    const auto e = t.sram_at(s);
    ASSERT_TRUE(e) << s;
    EXPECT_GE(e->area_mm2, last_area) << s;
    EXPECT_GE(e->read_energy_pJ_per_bit, last_read) << s;
    last_area = e->area_mm2;
    last_read = e->read_energy_pJ_per_bit;
  }
  // Log-log: halfway (geometrically) between two points is the geometric mean.
  EXPECT_NEAR(loglog_interpolate(2, 1, 1, 4, 4), 2.0, 1e-12);
  EXPECT_NEAR(loglog_interpolate(std::sqrt(2.0), 1, 3, 2, 12), 6.0, 1e-12);
}

TEST(Technology, OutsideTheTableIsRefused) {
  const Accelerator& acc = load("meta_proto_1mb");
  const Technology& t = *acc.technology;
  EXPECT_FALSE(t.sram_at(t.min_sram_bits() - 1));
  EXPECT_FALSE(t.sram_at(t.max_sram_bits() + 1));
  const Knob k = parse_knob(acc, "sram_1MB.size_bits");
  EXPECT_NE(error_of([&] {
              configure(acc, {k}, {t.max_sram_bits() * 2});
            }).find("outside the technology table"),
            std::string::npos);
}

namespace {

// Two port configurations x two widths x two capacities; the dual-ported grid costs twice.
Technology grid_technology() {
  Technology t;
  t.name = "grid";
  t.register_max_bits = 64;
  for (const Ports p : {Ports{1, 1, 0}, Ports{0, 0, 2}}) {
    const double k = p.read_write == 2 ? 2.0 : 1.0;
    for (const std::uint64_t w : {64u, 256u}) {
      for (const std::uint64_t c : {4096u, 65536u}) {
        const double wide = w == 256 ? 0.5 : 1.0;  // per bit, a wider word is cheaper here
        t.sram.push_back({c, w, p, k * wide * 1e-3 * std::sqrt(double(c)),
                          k * wide * 2e-3 * std::sqrt(double(c)), k * double(c) * 1e-6 / wide});
      }
    }
  }
  t.validate();
  return t;
}

}  // namespace

TEST(Technology, WidthAndPortAxesInterpolateBilinearlyInLogLogAndMatchPortsExactly) {
  const Technology t = grid_technology();
  ASSERT_TRUE(t.has_width_axis());
  ASSERT_TRUE(t.has_port_axis());
  for (const SramPoint& p : t.sram) {
    const auto e = t.sram_at(SramQuery{p.size_bits, p.width_bits, *p.ports});
    ASSERT_TRUE(e);
    EXPECT_EQ(e->read_energy_pJ_per_bit, p.read_energy_pJ_per_bit);
    EXPECT_EQ(e->area_mm2, p.area_mm2);
  }
  // The geometric middle of both axes is the geometric mean of the four corners.
  const Ports one_each{1, 1, 0};
  const auto mid = t.sram_at(SramQuery{16384, 128, one_each});
  ASSERT_TRUE(mid);
  double corners = 1;
  for (const SramPoint& p : t.sram) {
    if (*p.ports == one_each) corners *= p.area_mm2;
  }
  EXPECT_NEAR(mid->area_mm2, std::pow(corners, 0.25), 1e-15);
  // Along width alone at a table capacity: log-log in width.
  const auto w128 = t.sram_at(SramQuery{4096, 128, one_each});
  ASSERT_TRUE(w128);
  EXPECT_NEAR(w128->read_energy_pJ_per_bit, 1e-3 * 64 * std::sqrt(0.5), 1e-15);
  // Ports: exact, never interpolated; dual-ported costs what its own grid says.
  const auto dual = t.sram_at(SramQuery{4096, 64, Ports{0, 0, 2}});
  ASSERT_TRUE(dual);
  EXPECT_DOUBLE_EQ(dual->read_energy_pJ_per_bit, 2 * 1e-3 * 64);
  EXPECT_FALSE(t.sram_at(SramQuery{4096, 64, Ports{0, 0, 1}}));
  EXPECT_NE(t.uncovered(SramQuery{4096, 64, Ports{0, 0, 1}}).find("no SRAM with ports"),
            std::string::npos);
  EXPECT_NE(t.uncovered(SramQuery{4096, 512, one_each}).find("512 bits wide is outside"),
            std::string::npos);
  EXPECT_NE(t.uncovered(SramQuery{1 << 20, 64, one_each}).find("outside the technology table"),
            std::string::npos);
  EXPECT_EQ(t.uncovered(SramQuery{5000, 100, one_each}), "");
  EXPECT_THROW(t.sram_at(4096), std::logic_error);  // a grid needs the width and ports
}

TEST(Technology, AGridIsCompleteWithItsAxesOnEveryPoint) {
  Technology t = grid_technology();
  t.sram.pop_back();
  EXPECT_NE(error_of([&] { t.validate(); }).find("expected every one of its 2 capacities"),
            std::string::npos);
  t = grid_technology();
  t.sram[3].width_bits = 0;
  EXPECT_NE(error_of([&] { t.validate(); }).find("width_bits on every point or on none"),
            std::string::npos);
  t = grid_technology();
  t.sram[2].ports.reset();
  EXPECT_NE(error_of([&] { t.validate(); }).find("ports on every point or on none"),
            std::string::npos);
  t = grid_technology();
  t.sram[1] = t.sram[0];
  EXPECT_NE(error_of([&] { t.validate(); }).find("repeats sram point 0"), std::string::npos);
  t = grid_technology();
  t.sram[1].area_mm2 = t.sram[0].area_mm2 / 2;  // 64 KB smaller than 4 KB
  EXPECT_NE(error_of([&] { t.validate(); }).find("area must not shrink"), std::string::npos);
}

TEST(Technology, TheCactiTableSetsTheEnergiesAHardwareFileLeavesOut) {
  const Accelerator& acc = load("meta_proto_1mb_cacti");
  const Technology& t = *acc.technology;
  EXPECT_EQ(t.sram.size(), 13u * 6u * 3u);  // capacities x widths x port configurations
  for (const MemoryLevel& m : acc.cores[0].memories) {
    if (t.is_register(m)) continue;
    const auto e = t.sram_at(sram_query(m));
    ASSERT_TRUE(e) << m.name;
    EXPECT_DOUBLE_EQ(m.read_energy_pJ, e->read_energy_pJ_per_bit * double(m.read_bw_bits));
    EXPECT_DOUBLE_EQ(m.write_energy_pJ, e->write_energy_pJ_per_bit * double(m.write_bw_bits));
  }
  // A width gene moves energy per bit and area along the width axis.
  const Knob width = parse_knob(acc, "sram_1MB.bw_bits");
  const Accelerator narrow = configure(acc, {width}, {256});
  const Accelerator wide = configure(acc, {width}, {2048});
  const auto per_bit = [](const Accelerator& a) {
    return level(a.cores[0], "sram_1MB").read_energy_pJ_per_bit();
  };
  EXPECT_NE(per_bit(narrow), per_bit(wide));
  EXPECT_LT(area_mm2(narrow), area_mm2(wide));  // CACTI: more sense amplifiers and drivers
  EXPECT_NE(error_of([&] { configure(acc, {width}, {4096}); }).find("wide is outside"),
            std::string::npos);
}

TEST(Technology, ShippedEnergiesAreTheMetaProtoFilesAndAreaIsPerComponent) {
  // The table's energies reproduce every shipped buffer: energy per access / width.
  for (const char* f : {"meta_proto_128kb", "meta_proto_256kb", "meta_proto_512kb",
                        "meta_proto_1mb", "meta_proto_2mb", "meta_proto_64mb"}) {
    const Accelerator& acc = load(f);
    for (const MemoryLevel& m : acc.cores[0].memories) {
      if (acc.technology->is_register(m)) continue;
      const auto e = acc.technology->sram_at(m.size_bits);
      ASSERT_TRUE(e) << f << " " << m.name;
      EXPECT_NEAR(e->read_energy_pJ_per_bit * double(m.read_bw_bits), m.read_energy_pJ, 1e-9)
          << f << " " << m.name;
      EXPECT_NEAR(e->write_energy_pJ_per_bit * double(m.write_bw_bits), m.write_energy_pJ, 1e-9)
          << f << " " << m.name;
    }
  }
  const AreaReport a = accelerator_area(load("meta_proto_1mb"));
  double sum = 0;
  for (const auto& it : a.items)
    sum += it.area_mm2;
  EXPECT_DOUBLE_EQ(sum, a.total_mm2);
  EXPECT_EQ(a.items.front().component, "pe_array");
  EXPECT_NEAR(a.items.front().area_mm2, 1024 * 60.0 * 1e-6, 1e-12);  // 32x2x16 MAC PEs
  EXPECT_GT(area_mm2(load("meta_proto_2mb")), area_mm2(load("meta_proto_1mb")));
  EXPECT_GT(area_mm2(load("meta_proto_1mb")), area_mm2(load("meta_proto_128kb")));
}

TEST(HardwareKnobs, DecodeToTheRightHardware) {
  const Accelerator& tpl = load("meta_proto_1mb");
  const std::vector<Knob> knobs = {parse_knob(tpl, "sram_1MB.size_bits"),
                                   parse_knob(tpl, "pe.D1.size"),
                                   parse_knob(tpl, "link.dram-compute.bandwidth_bits_per_cycle"),
                                   parse_knob(tpl, "dram.bw_bits")};
  const Accelerator a = configure(tpl, knobs, {2097152, 64, 128, 128});
  const MemoryLevel& top = level(a.cores[0], "sram_1MB");
  EXPECT_EQ(top.size_bits, 2097152u);
  EXPECT_DOUBLE_EQ(top.read_energy_pJ, 0.13 * 1024);  // per-bit energy at 256 KB x width
  EXPECT_EQ(a.cores[0].array.dims[0].size, 64u);
  EXPECT_EQ(a.cores[0].array.pe_count(), 64u * 2 * 16);
  EXPECT_EQ(level(a.cores[0], "rf_4b_W").copies, 64u * 2);  // copies follow the array
  EXPECT_EQ(level(a.cores[0], "rf_16b_O").copies, 64u * 16);
  EXPECT_DOUBLE_EQ(a.links[0].bandwidth_bits_per_cycle, 128);
  EXPECT_EQ(a.dram.read_bw_bits, 128u);
  EXPECT_DOUBLE_EQ(a.dram.read_energy_pJ, 1400);  // same energy per bit
  EXPECT_LT(area_mm2(configure(tpl, {knobs[0]}, {2097152})), area_mm2(tpl));
  // The template is untouched.
  EXPECT_EQ(level(tpl.cores[0], "sram_1MB").size_bits, 8388608u);
}

TEST(HardwareKnobs, BadNamesAreRefusedWithTheReason) {
  const Accelerator& tpl = load("meta_proto_1mb");
  EXPECT_NE(error_of([&] { parse_knob(tpl, "sram_9MB.size_bits"); }).find("no memory level"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_knob(tpl, "pe.D9.size"); }).find("no core has"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parse_knob(tpl, "link.compute-simd.bandwidth_bits_per_cycle");
            }).find("no link"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_knob(tpl, "sram_1MB.colour"); }).find("unknown parameter"),
            std::string::npos);
  Accelerator idle = tpl;
  idle.cores[0].array.dims[3].unrolls.reset();
  EXPECT_NE(error_of([&] { parse_knob(idle, "pe.D4.size"); }).find("unrolls no loop dimension"),
            std::string::npos);
  Accelerator bare = tpl;
  bare.technology = nullptr;
  EXPECT_NE(error_of([&] { parse_knob(bare, "sram_1MB.size_bits"); }).find("[technology]"),
            std::string::npos);
  // A width below the access granularity is not a valid accelerator.
  EXPECT_NE(error_of([&] {
              configure(tpl, {parse_knob(tpl, "sram_1MB.bw_bits")}, {32});
            }).find("granularity"),
            std::string::npos);
}

// ---- the format extensions that ZigZag's accelerators need (configs/hardware/zigzag) ----

TEST(HardwareZigzag, FiveAcceleratorsLoadWithTheirMemoriesInAddMemoryOrder) {
  for (const char* name :
       {"ascend_like", "edge_tpu_like", "meta_prototype_like", "tesla_npu_like", "tpu_like"}) {
    const Accelerator acc =
        load_hardware_file(stems::test::configs_dir() + "/hardware/zigzag/" + name + ".toml");
    ASSERT_EQ(acc.cores.size(), 1u) << name;
    EXPECT_EQ(acc.cores[0].array.pe_count(), 1024u) << name;
    EXPECT_DOUBLE_EQ(acc.cores[0].array.mac_energy_pJ, 0.04) << name;
    EXPECT_DOUBLE_EQ(acc.dram.read_energy_pJ, 700.0) << name;
    EXPECT_DOUBLE_EQ(acc.dram.write_energy_pJ, 750.0) << name;
  }
  const Accelerator tesla =
      load_hardware_file(stems::test::configs_dir() + "/hardware/zigzag/tesla_npu_like.toml");
  const Core& c = tesla.cores[0];
  // served_dimensions vectors: [[0, 1, 0], [0, 0, 1]] = D2, D3; [[0, 0, 0]] = none; "all".
  EXPECT_EQ(level(c, "rf_1B").served_dims, (std::vector<std::string>{"D2", "D3"}));
  EXPECT_EQ(level(c, "rf_1B").copies, 32u);
  EXPECT_EQ(level(c, "rf_4B").copies, 1024u);
  EXPECT_EQ(level(c, "sram_1MB_A").copies, 1u);
  // port_allocation: r ports first, then w (rf_4B: 2r 2w): tl r1 = 0, fl w2 = 3, th r2 = 1,
  // fh w1 = 2 (the order of cost::Direction).
  EXPECT_EQ(level(c, "rf_4B").port_of_direction, (std::array<int, 4>{0, 3, 1, 2}));
  EXPECT_EQ(level(c, "sram_1MB_A").port_of_direction, (std::array<int, 4>{0, 1, 0, 1}));
  // The per-operator spatial mapping: adds and pools unroll K on D1 only; convs the PE array's.
  const auto add = c.unrolling_for(stems::workload::OpType::Add);
  ASSERT_EQ(add.size(), 1u);
  EXPECT_EQ(add[0].array_dim, 0u);
  EXPECT_EQ(add[0].dim, Dim::K);
  EXPECT_EQ(c.unrolling_for(stems::workload::OpType::Conv2d).size(), 3u);
}

namespace {

// A one-core accelerator whose memory `extra` lines are appended to the shared level.
std::string zz_text(const std::string& level_extra, const std::string& core_extra = "",
                    const std::string& ports = "{ read = 1, write = 1 }") {
  return R"([accelerator]
name = "t"
[[core]]
name = "c"
operators = ["conv2d", "add"]
accumulate_energy_pJ = 0.04
mac_energy_pJ = 0.04
pe_array = [{ name = "D1", size = 4, unroll = "K" }, { name = "D2", size = 2, unroll = "C" }]
)" + core_extra +
         R"(
[[core.memory]]
name = "reg"
operands = ["W"]
size_bits = 8
read_bw_bits = 8
write_bw_bits = 8
read_energy_pJ = 0.01
write_energy_pJ = 0.01
ports = { read = 1, write = 1 }
served_dimensions = [[0, 1]]
[[core.memory]]
name = "sram"
operands = ["I", "W", "O"]
size_bits = 1000000
read_bw_bits = 64
write_bw_bits = 64
read_energy_pJ = 1
write_energy_pJ = 1
ports = )" +
         ports + "\n" + level_extra + R"(
[dram]
size_bits = 10000000000
read_bw_bits = 64
write_bw_bits = 64
read_energy_pJ = 700
write_energy_pJ = 750
ports = { read_write = 1 }
[[link]]
endpoints = ["c", "dram"]
bandwidth_bits_per_cycle = 64
energy_pJ_per_bit = 0
)";
}

Accelerator zz_load(const std::string& text) {
  return load_hardware(stems::config::parse_toml_string(text, "hw.toml"));
}

}  // namespace

TEST(HardwareZigzag, ServedDimensionsVectorsAndPortAllocation) {
  const Accelerator a = zz_load(zz_text(
      "served_dimensions = \"all\"\nport_allocation.O = { to_high = \"r_port_1\", from_low = "
      "\"w_port_1\" }\n"));
  EXPECT_EQ(a.cores[0].memories[0].served_dims, (std::vector<std::string>{"D2"}));
  EXPECT_EQ(a.cores[0].memories[0].copies, 4u);
  EXPECT_EQ(a.cores[0].memories[1].served_dims, (std::vector<std::string>{"D1", "D2"}));
  EXPECT_EQ(a.cores[0].memories[1].port_of_direction, (std::array<int, 4>{-1, 1, 0, -1}));
}

TEST(HardwareZigzag, RefusesWhatTheExtensionsCannotSay) {
  auto err = [](const std::string& level, const std::string& core = "",
                const std::string& ports = "{ read = 1, write = 1 }") {
    return error_of([&] { zz_load(zz_text(level, core, ports)); });
  };
  EXPECT_NE(err("served_dimensions = [[1, 1]]").find("one-hot"), std::string::npos);
  EXPECT_NE(err("served_dimensions = [[1]]").find("vector of 2"), std::string::npos);
  EXPECT_NE(err("served_dims = [\"D1\"]\nserved_dimensions = \"all\"").find("served_dims or"),
            std::string::npos);
  EXPECT_NE(err("port_allocation.O = { to_low = \"w_port_1\" }").find("not a read port"),
            std::string::npos);
  EXPECT_NE(err("port_allocation.O = { to_low = \"r_port_2\" }").find("not a read port"),
            std::string::npos);
  EXPECT_NE(err("port_allocation.V = { to_low = \"r_port_1\" }").find("not served"),
            std::string::npos);
  EXPECT_NE(err("port_allocation.O = { to_low = \"r_port_1\" }\n"
                "port_allocation.I = { to_low = \"r_port_2\" }",
                "", "{ read = 2, write = 1 }")
                .find("differs from another operand"),
            std::string::npos);
  EXPECT_NE(err("", "[[core.spatial_mapping]]\noperators = [\"add\"]\nunroll = { D1 = \"Q\" }")
                .find("unknown loop dimension"),
            std::string::npos);
  EXPECT_NE(err("",
                "[[core.spatial_mapping]]\noperators = [\"add\"]\nunroll = { D1 = \"K\" }\n"
                "size = { D1 = 5 }")
                .find("exceeds"),
            std::string::npos);
}
