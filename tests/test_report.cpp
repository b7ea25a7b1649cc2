// Tests of the reports (stems/report): the JSON contract of `stems inspect` and the text tables.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "stems/common/error.hpp"
#include "stems/cost/bounds.hpp"
#include "stems/cost/node_cache.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/report/hardware_report.hpp"
#include "stems/report/html_report.hpp"
#include "stems/report/network_report.hpp"
#include "stems/report/table.hpp"
#include "stems/report/trace.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/workload/workload_loader.hpp"

using namespace stems;
using test::sew;

namespace {
const std::string kConfigs = STEMS_CONFIGS;
}  // namespace

TEST(Report, WithCommas) {
  EXPECT_EQ(report::with_commas(0), "0");
  EXPECT_EQ(report::with_commas(999), "999");
  EXPECT_EQ(report::with_commas(1000), "1,000");
  EXPECT_EQ(report::with_commas(26'152'353'792ull), "26,152,353,792");
}

TEST(Report, TextTableAlignsNumbersRight) {
  report::TextTable t({"name", "bits"});
  t.add_row({"a", "1"});
  t.add_row({"bb", "1,000"});
  const std::string s = t.render();
  EXPECT_NE(s.find("a         1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("bb    1,000\n"), std::string::npos) << s;
}

TEST(Report, EnergyUnitKeepsTheSmallestValueAtLeastOne) {
  // The main job's front: 1.4 .. 5.1 uJ printed in mJ read 0.0014 .. 0.0051 (two points 0.0031).
  EXPECT_STREQ(report::energy_unit(1.4315e6).name, "uJ");
  EXPECT_EQ(report::energy_in(3.1049e6, report::energy_unit(1.4315e6)), "3.1049");
  EXPECT_STREQ(report::energy_unit(2.8766e9).name, "mJ");  // SEW: unchanged
  EXPECT_STREQ(report::energy_unit(4.8e13).name, "mJ");    // never J
  EXPECT_STREQ(report::energy_unit(999.0).name, "pJ");
  EXPECT_STREQ(report::energy_unit(1000.0).name, "nJ");
  EXPECT_STREQ(report::energy_unit(0.5).name, "pJ");
  EXPECT_STREQ(report::energy_unit(0).name, "mJ");
  EXPECT_STREQ(report::energy_unit(std::nan("")).name, "mJ");
}

TEST(Report, InspectJsonContract) {
  const report::Json j = report::network_json(sew());
  ASSERT_TRUE(j.contains("layers"));
  ASSERT_TRUE(j.contains("totals"));
  EXPECT_EQ(j["totals"]["ops"].get<std::uint64_t>(), 26'152'353'792ull);
  EXPECT_EQ(j["totals"]["weight_bits"].get<std::uint64_t>(), 4'751'872ull);
  EXPECT_EQ(j["totals"]["state_bits"].get<std::uint64_t>(), 46'362'624ull);
  EXPECT_EQ(j["totals"]["stateful_neurons"].get<std::uint64_t>(), 3'863'552ull);
  EXPECT_EQ(j["state_schedule"], "1111111");
  ASSERT_EQ(j["layers"].size(), 30u);
  const auto& l3 = j["layers"][3];
  EXPECT_EQ(l3["id"], 3);
  EXPECT_EQ(l3["op"], "add");
  EXPECT_EQ(l3["block"], 0);
  EXPECT_EQ(l3["loops"]["K"], 64);
  EXPECT_EQ(l3["inputs"].size(), 2u);
  for (const char* key : {"name", "ops", "weight_bits", "state_bits", "neurons", "neuron",
                          "stateful", "input_bits_per_timestep", "output_bits_per_timestep",
                          "precision_bits", "input_extent", "stride", "padding", "dilation"}) {
    EXPECT_TRUE(l3.contains(key)) << key;
  }
  EXPECT_EQ(j["layers"][1]["input_extent"], report::Json::array({130, 130}));
}

TEST(Report, InspectTextShowsTotals) {
  const std::string s = report::network_text(sew());
  EXPECT_NE(s.find("30 layers, 7 blocks"), std::string::npos);
  EXPECT_NE(s.find("totals: ops 26,152,353,792, weight bits 4,751,872, state bits 46,362,624"),
            std::string::npos)
      << s;
}

TEST(Report, HardwareAndBoundsJson) {
  const auto acc = hardware::load_hardware_file(kConfigs + "/hardware/meta_proto_1mb.toml");
  const report::Json h = report::accelerator_json(acc);
  EXPECT_EQ(h["name"], "meta_proto_1mb");
  EXPECT_EQ(h["cores"][0]["pe_count"], 1024);
  EXPECT_EQ(h["cores"][0]["hierarchy"]["V"], report::Json::array({"rf_16b_V", "sram_1MB"}));
  EXPECT_EQ(h["dram"]["read_bw_bits"], 64);
  const report::Json b = report::bounds_json(cost::compute_bounds(sew(), acc));
  EXPECT_DOUBLE_EQ(b["dram_floor"]["energy_pJ"].get<double>(), 1'125'338'400.0);
  EXPECT_EQ(b["layers"].size(), 30u);
  const std::string text = report::bounds_text(cost::compute_bounds(sew(), acc));
  EXPECT_NE(text.find("1833.6847 uJ"), std::string::npos) << text;
  EXPECT_NE(text.find("1125.3384 uJ"), std::string::npos) << text;
}

// ---------------------------------------------------------------------------------------------
// The HTML report (its rendering in Chromium is the CTest report_renders_in_chromium).

namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("stems_report_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(HtmlReport, RefusesADirectoryThatHoldsNoResults) {
  const fs::path dir = fresh_dir("empty");
  EXPECT_THROW(report::write_html_report(dir.string()), InputError);
  EXPECT_FALSE(fs::exists(dir / "report.html"));
  fs::remove_all(dir);
}

TEST(HtmlReport, EmbedsTheDataWithoutClosingItsScriptAndInlinesTheGivenLibrary) {
  const fs::path dir = fresh_dir("run");
  // A minimal optimize directory whose strings try to end the <script> element.
  std::ofstream(dir / "pareto.json")
      << R"({"run": "x</script><b>", "workload": "w", "hardware": "h", "method": "nsga2",
            "seed": 1, "evaluations": 1, "space_size": 1, "interrupted": false, "front": []})";
  const fs::path lib = dir / "fake_plotly.js";
  std::ofstream(lib) << "window.Plotly = {newPlot: function () {}};";
  const std::string path = report::write_html_report(dir.string(), lib.string());
  const std::string html = slurp(path);
  EXPECT_NE(html.find("window.Plotly = {newPlot"), std::string::npos);
  EXPECT_NE(html.find("window.STEMS_DATA = "), std::string::npos);
  EXPECT_EQ(html.find("x</script>"), std::string::npos);  // escaped as <\/script>
  EXPECT_NE(html.find("x<\\/script>"), std::string::npos);
  EXPECT_NE(html.find("<title>stems optimize x&lt;/script&gt;&lt;b&gt;</title>"),
            std::string::npos);
  // A library that does not exist is an input error, not a half-written page.
  fs::remove(path);
  EXPECT_THROW(report::write_html_report(dir.string(), (dir / "missing.js").string()), InputError);
  EXPECT_FALSE(fs::exists(path));
  fs::remove_all(dir);
}

}  // namespace

// Cycles and counts kept as doubles print as integers with commas, and values no 64-bit integer
// holds print in %g notation: casting them was undefined (a link of 1e-300 bits/cycle made
// `stems evaluate` print "latency 0 cycles"; found while auditing the fuzzers' oracles).
TEST(ReportNumbers, WholeWithCommasNeverCastsOutOfRange) {
  using stems::report::whole_with_commas;
  EXPECT_EQ(whole_with_commas(0.0), "0");
  EXPECT_EQ(whole_with_commas(28590539.7), "28,590,539");  // the integer part, as before
  EXPECT_EQ(whole_with_commas(18446744073709549568.0), "18,446,744,073,709,549,568");
  EXPECT_EQ(whole_with_commas(18446744073709551616.0), "1.845e+19");  // 2^64
  EXPECT_EQ(whole_with_commas(3.95264e306), "3.953e+306");
  EXPECT_EQ(whole_with_commas(1.0 / 0.0), "inf");
  EXPECT_EQ(whole_with_commas(-5.0), "-5");
}

// The schedule trace (`stems evaluate --trace`): a parsable Chrome trace with one complete slice
// per computation node and per transfer, on a track per core and per link, and the occupancy.
TEST(Trace, OneSlicePerNodeAndTransferOnTracksPerCoreAndLink) {
  for (const char* hw : {"meta_proto_1mb", "meta_proto_1mb_3core"}) {
    SCOPED_TRACE(hw);
    const auto& acc = test::hardware(hw);
    const auto s = schedule::schedule_from_bits(sew(), "0011111", "1111111", true);
    cost::NodeCostCache cache(acc);
    const auto r = schedule::evaluate_schedule(sew(), acc, s, cache);
    const report::Json j = report::Json::parse(report::chrome_trace(sew(), acc, s, r).dump());
    std::size_t nodes = 0, transfers = 0, counters = 0, tracks = 0;
    double node_energy_pJ = 0;
    for (const auto& e : j.at("traceEvents")) {
      const std::string ph = e.at("ph");
      if (ph == "X" && e.at("cat") == "node") {
        ++nodes;
        node_energy_pJ += e.at("args").at("energy_pJ").get<double>();
        EXPECT_LE(e.at("tid").get<int>(), static_cast<int>(acc.cores.size()));
      } else if (ph == "X") {
        ++transfers;
        EXPECT_GE(e.at("tid").get<int>(), 1000);
        EXPECT_GE(e.at("dur").get<double>(), 0.0);
      } else if (ph == "C") {
        ++counters;
      } else if (ph == "M" && e.at("name") == "thread_name") {
        ++tracks;
      }
    }
    EXPECT_EQ(nodes, r.nodes.size());
    EXPECT_EQ(transfers, r.transfers.size());
    EXPECT_EQ(counters, r.memory_timeline.size());
    EXPECT_EQ(tracks, acc.cores.size() + acc.links.size());
    EXPECT_GT(transfers, 0u);  // states and weights come from DRAM
    // Blocks 0-1 one node per timestep and column: 16 x (4 x 128 + 64) + 16 x (3 x 64 + 32);
    // blocks 2-6 all timesteps per column: (3 x 32 + 16) + (3 x 16 + 8) + (4 x 8 + 4) +
    // (3 x 4 + 2) + (3 x 2 + 1).
    EXPECT_EQ(nodes, 16u * (4 * 128 + 64) + 16 * (3 * 64 + 32) + 112 + 56 + 36 + 14 + 7);
    double total = 0;
    for (const auto& n : r.nodes)
      total += n.energy_pJ;
    EXPECT_DOUBLE_EQ(node_energy_pJ, total);
    EXPECT_EQ(j.at("otherData").at("time_unit").get<std::string>().rfind("clock cycles", 0), 0u);
  }
}

// A node streaming from DRAM carries the share of its core's DRAM link it holds and from when
// (ModelPolicy::streaming_holds_link_whole: the whole link in stems, its average rate in
// physical); other nodes carry neither.
TEST(Trace, StreamingNodesCarryTheirDramLinkShare) {
  const auto& acc = test::hardware("meta_proto_1mb");
  const auto s = schedule::schedule_from_bits(sew(), "1111111", "0000000", true);  // TB-LBL
  for (const auto& policy : {cost::ModelPolicy::physical(), cost::ModelPolicy::stems()}) {
    SCOPED_TRACE(std::string(policy.name()));
    cost::NodeSearchOptions options;
    options.policy = policy;
    cost::NodeCostCache cache(acc, options);
    const auto r = schedule::evaluate_schedule(sew(), acc, s, cache);
    const report::Json j = report::Json::parse(report::chrome_trace(sew(), acc, s, r).dump());
    std::size_t streaming = 0, partial = 0;
    for (const auto& e : j.at("traceEvents")) {
      if (e.at("ph") != "X" || e.at("cat") != "node") continue;
      const auto& args = e.at("args");
      if (!args.contains("too_large")) {
        EXPECT_FALSE(args.contains("dram_link_share"));
        continue;
      }
      ++streaming;
      const double share = args.at("dram_link_share").get<double>();
      const double from = args.at("dram_link_from_cycle").get<double>();
      EXPECT_GT(share, 0.0);
      EXPECT_LE(share, 1.0);
      EXPECT_GE(from, e.at("ts").get<double>());
      EXPECT_LE(from, e.at("ts").get<double>() + e.at("dur").get<double>());
      if (policy.streaming_holds_link_whole) EXPECT_EQ(share, 1.0);
      if (share < 1.0) ++partial;
    }
    EXPECT_GT(streaming, 0u);
    // physical: the convolutions stream a state at a fraction of the link (0.03-0.10 of it)
    EXPECT_EQ(partial > 0, !policy.streaming_holds_link_whole);
  }
}
