// Tests of the inter-layer scheduler (stems/schedule) against the STEMS reference runs
// (shared/reference/reference_runs.csv, stems_model.md 10.2, 10.3).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "stems/common/error.hpp"
#include "stems/config/document.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/schedule/cn_graph.hpp"
#include "stems/schedule/schedule_loader.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/workload/state_schedule.hpp"
#include "stems/workload/workload_loader.hpp"

using namespace stems;

namespace {

const std::string kConfigs = STEMS_CONFIGS;

const workload::Network& sew() {
  static const workload::Network net =
      workload::load_workload_file(kConfigs + "/workloads/sew_resnet_7b.toml");
  return net;
}

const hardware::Accelerator& meta() {
  static const hardware::Accelerator acc =
      hardware::load_hardware_file(kConfigs + "/hardware/meta_proto_1mb.toml");
  return acc;
}

schedule::ScheduleResult run(
    const workload::Network& net, const std::string& time, const std::string& depth,
    schedule::InputAlignment alignment = schedule::InputAlignment::Padded,
    schedule::StateLifecycle lifecycle = schedule::StateLifecycle::CarryOver) {
  auto s = schedule::schedule_from_bits(net, time, depth, true);
  s.alignment = alignment;
  s.lifecycle = lifecycle;
  cost::NodeCostCache cache(meta());
  return schedule::evaluate_schedule(net, meta(), s, cache);
}

// reference_runs.csv
struct Reference {
  const char* time;
  const char* depth;
  double energy_df_pJ, offchip_pJ, latency_cycles, peak_bits;
};
constexpr Reference kTbLbl{"1111111", "0000000", 6033449524, 3166682400, 47824331, 7487488};
constexpr Reference kTbF{"1111111", "1111111", 3984057248, 1125338400, 29335948, 3179008};
constexpr Reference kStLbl{"0000000", "0000000", 20886992084, 17660990400, 37889948, 8388608};

}  // namespace

TEST(Schedule, FuseGroupsFollowStems) {
  EXPECT_EQ(schedule::fuse_groups("0011111", "1111111", true),
            (std::vector<int>{0, 0, 1, 1, 1, 1, 1}));
  EXPECT_EQ(schedule::fuse_groups("0011111", "1111111", false),
            (std::vector<int>{0, 0, 0, 0, 0, 0, 0}));
  // A layer-by-layer block resets the run: no new group after it.
  EXPECT_EQ(schedule::fuse_groups("0101", "1101", true), (std::vector<int>{0, 1, 1, 1}));
}

TEST(Schedule, NodeCountsOfTheCanonicalSchedules) {
  auto count = [](const char* t, const char* d) {
    return schedule::build_cn_graph(sew(), schedule::schedule_from_bits(sew(), t, d, true))
        .nodes.size();
  };
  EXPECT_EQ(count("1111111", "0000000"), 30u);     // TB-LBL
  EXPECT_EQ(count("0000000", "0000000"), 480u);    // ST-LBL
  EXPECT_EQ(count("1111111", "1111111"), 1025u);   // TB-F
  EXPECT_EQ(count("0000000", "1111111"), 16400u);  // ST-F
}

TEST(Schedule, TileDependenciesIncludeHaloAndFollowTheAlignment) {
  auto s = schedule::schedule_from_bits(sew(), "1111111", "1111111", true);
  auto g = schedule::build_cn_graph(sew(), s);
  // Layer 1 (3x3, padding 1) column 5 reads layer 0 columns 4..6.
  const auto& l1 = g.nodes[g.nodes_of_layer[sew().vertex(1)][5]];
  std::vector<std::uint64_t> cols;
  for (auto p : l1.input_preds)
    cols.push_back(g.nodes[p].x_index);
  EXPECT_EQ(cols, (std::vector<std::uint64_t>{4, 5, 6}));
  s.alignment = schedule::InputAlignment::Stems;  // no padding offset: 5..7
  g = schedule::build_cn_graph(sew(), s);
  const auto& l1s = g.nodes[g.nodes_of_layer[sew().vertex(1)][5]];
  cols.clear();
  for (auto p : l1s.input_preds)
    cols.push_back(g.nodes[p].x_index);
  EXPECT_EQ(cols, (std::vector<std::uint64_t>{5, 6, 7}));
  // A 2x2 stride-2 pool column 3 reads its producer's columns 6 and 7.
  const auto& pool = g.nodes[g.nodes_of_layer[sew().vertex(4)][3]];
  cols.clear();
  for (auto p : pool.input_preds)
    cols.push_back(g.nodes[p].x_index);
  EXPECT_EQ(cols, (std::vector<std::uint64_t>{6, 7}));
}

TEST(Scheduler, TimeBatchedFusedReachesTheClosedFormOffChipEnergy) {
  const auto r = run(sew(), kTbF.time, kTbF.depth);
  // stems_model.md 10.3: V once in and out, W once, input once, sink output once, to the pJ.
  EXPECT_DOUBLE_EQ(r.offchip_energy_pJ, 1'125'338'400.0);
  EXPECT_NEAR(r.energy_pJ, kTbF.energy_df_pJ, 0.001 * kTbF.energy_df_pJ);
  EXPECT_NEAR(r.latency_cycles, kTbF.latency_cycles, 0.15 * kTbF.latency_cycles);
  EXPECT_NEAR(r.buckets.cn_onchip_pJ / 1e6, 2840.36 + 3.02, 0.01);  // + 16/7 rescale of layer 0
  EXPECT_NEAR(r.buckets.cn_offchip_memory_pJ / 1e6, 1140.65, 0.01);
  EXPECT_DOUBLE_EQ(r.buckets.eviction_memory_pJ, 0.0);
}

TEST(Scheduler, TimeBatchedFusedPeakMemoryWithStemsAlignment) {
  // STEMS does not model padding, so its fused tiles depend on columns x..x+2 rather than
  // x-1..x+1. With that alignment the peak is within 10% of the reference; with the padded
  // (default) geometry more layers are in flight at once and the peak is 4,546,560 bits.
  const auto stems = run(sew(), kTbF.time, kTbF.depth, schedule::InputAlignment::Stems);
  EXPECT_NEAR(double(stems.peak_onchip_bits), kTbF.peak_bits, 0.10 * kTbF.peak_bits);
  EXPECT_DOUBLE_EQ(stems.offchip_energy_pJ, 1'125'338'400.0);
  const auto padded = run(sew(), kTbF.time, kTbF.depth);
  EXPECT_EQ(padded.peak_onchip_bits, 4'546'560u);
}

TEST(Scheduler, TimeSequentialLayerByLayerMatchesReference) {
  const auto r = run(sew(), kStLbl.time, kStLbl.depth);
  // Every timestep reloads and rewrites every V and reloads every W: 17,660.99 uJ (10.3).
  EXPECT_NEAR(r.offchip_energy_pJ, kStLbl.offchip_pJ, 1.0);
  // 15 flushes x write-back of the V tensors of layers 5-27.
  EXPECT_NEAR(r.buckets.eviction_memory_pJ / 1e6, 1530.96, 0.01);
  EXPECT_NEAR(r.energy_pJ, kStLbl.energy_df_pJ, 0.001 * kStLbl.energy_df_pJ);
  EXPECT_NEAR(r.latency_cycles, kStLbl.latency_cycles, 0.15 * kStLbl.latency_cycles);
  EXPECT_EQ(r.peak_onchip_bits, 8'388'608u);
}

TEST(Scheduler, TimeBatchedLayerByLayerMatchesReferenceUpToTheDocumentedLatencyQuirk) {
  const auto r = run(sew(), kTbLbl.time, kTbLbl.depth);
  EXPECT_NEAR(r.energy_pJ, kTbLbl.energy_df_pJ, 0.001 * kTbLbl.energy_df_pJ);
  EXPECT_NEAR(r.offchip_energy_pJ, kTbLbl.offchip_pJ, 1.0);
  EXPECT_EQ(r.peak_onchip_bits, 7'487'488u);
  // Layers 1 and 2 carry STEMS's loading-phase quirk (README "Cost model"): 390 extra counts of
  // the 24,576-cycle V link each. With those added, the makespan is within 0.2% of the reference.
  const double quirk = 2 * 390 * 24'576.0;
  EXPECT_NEAR(r.latency_cycles + quirk, kTbLbl.latency_cycles, 0.002 * kTbLbl.latency_cycles);
  // Off-chip energy per component (stems_model.md 10.2, uJ).
  std::map<std::string, double> dram;
  for (const auto& [key, pJ] : r.breakdown) {
    if (std::get<2>(key) == "dram") dram[std::get<1>(key)] += pJ / 1e6;
  }
  EXPECT_NEAR(dram["I"], 717.52, 0.01);
  EXPECT_NEAR(dram["O"], 933.91, 0.01);
  EXPECT_NEAR(dram["V"], 1050.40, 0.01);
  EXPECT_NEAR(dram["W"], 51.97, 0.01);
  EXPECT_NEAR(dram["X"], 229.38, 0.01);
  EXPECT_NEAR(dram["Y"], 183.50, 0.01);
}

TEST(Scheduler, PaperHeadlineOffChipAndEnergyRatios) {
  const auto tbf = run(sew(), kTbF.time, kTbF.depth);
  const auto stlbl = run(sew(), kStLbl.time, kStLbl.depth);
  const double traffic = double(stlbl.offchip_read_bits + stlbl.offchip_write_bits) /
                         double(tbf.offchip_read_bits + tbf.offchip_write_bits);
  EXPECT_GE(traffic, 12.0);
  EXPECT_GE(stlbl.energy_pJ / tbf.energy_pJ, 5.0);
}

TEST(Scheduler, ResetLifecycleRemovesStateTraffic) {
  const auto carry = run(sew(), kTbF.time, kTbF.depth);
  const auto reset = run(sew(), kTbF.time, kTbF.depth, schedule::InputAlignment::Padded,
                         schedule::StateLifecycle::Reset);
  // V read once and written once (1,050.4032 uJ) disappear; everything else is unchanged.
  EXPECT_NEAR(carry.offchip_energy_pJ - reset.offchip_energy_pJ, 1'050'403'200.0, 1.0);
}

TEST(Scheduler, DeterministicAndEveryOrderRuns) {
  const auto a = run(sew(), "0011111", "1111111");
  const auto b = run(sew(), "0011111", "1111111");
  EXPECT_EQ(a.energy_pJ, b.energy_pJ);
  EXPECT_EQ(a.latency_cycles, b.latency_cycles);
  EXPECT_EQ(a.peak_onchip_bits, b.peak_onchip_bits);
  for (auto order : {schedule::Order::Memory, schedule::Order::Latency}) {
    auto s = schedule::schedule_from_bits(sew(), "1111111", "1111111", true);
    s.order = order;
    cost::NodeCostCache cache(meta());
    const auto r = schedule::evaluate_schedule(sew(), meta(), s, cache);
    EXPECT_DOUBLE_EQ(r.offchip_energy_pJ, 1'125'338'400.0);  // same tensors move once
  }
}

TEST(Scheduler, HybridRunsFuseGroupsInOrder) {
  // Blocks 0-1 time-sequential fused, blocks 2-6 time-batched fused: with the barrier every
  // node of group 0 runs before any node of group 1.
  const auto r = run(sew(), "0011111", "1111111");
  double last_group0 = 0, first_group1 = 1e300;
  for (const auto& n : r.nodes) {
    const int block = sew().layer_by_id(n.layer_id).block;
    if (block < 2) last_group0 = std::max(last_group0, n.end_cycle);
    if (block >= 2) first_group1 = std::min(first_group1, n.start_cycle);
  }
  EXPECT_LE(last_group0, first_group1);
}

TEST(Scheduler, StateScheduleChangesStateTraffic) {
  auto net = sew();
  workload::apply_state_schedule(net, "0011111");
  const auto r = run(net, kTbF.time, kTbF.depth);
  EXPECT_EQ(r.state_bits, 2'322'432u);
  // V moved once in and once out: 2,322,432 / 64 x (700 + 750) pJ.
  double v = 0;
  for (const auto& [key, pJ] : r.breakdown) {
    if (std::get<1>(key) == "V" && std::get<2>(key) == "dram") v += pJ;
  }
  EXPECT_NEAR(v, 2'322'432.0 / 64 * 1450, 1e-3);
}

TEST(Scheduler, RedLifRunsOnEveryBufferSize) {
  const auto red = workload::load_workload_file(kConfigs + "/workloads/red_lif.toml");
  for (const char* hw : {"meta_proto_128kb", "meta_proto_1mb", "meta_proto_64mb"}) {
    SCOPED_TRACE(hw);
    const auto acc = hardware::load_hardware_file(kConfigs + "/hardware/" + hw + ".toml");
    for (const auto& [t, d] : std::vector<std::pair<std::string, std::string>>{
             {"11111111", "00000000"}, {"11111111", "11111111"}, {"00000000", "00000000"}}) {
      auto s = schedule::schedule_from_bits(red, t, d, true);
      cost::NodeCostCache cache(acc);
      const auto r = schedule::evaluate_schedule(red, acc, s, cache);
      EXPECT_GT(r.energy_pJ, 0);
      EXPECT_GT(r.latency_cycles, 0);
      // At least the closed-form floor: W once, V in and out once, input, sink output.
      EXPECT_GE(r.offchip_energy_pJ, (135.8868 + 336.516) * 1e6 * 0.999);
    }
  }
}

TEST(Scheduler, BadSchedulesGiveClearErrors) {
  EXPECT_THROW(schedule::schedule_from_bits(sew(), "111", "0000000", true), InputError);
  EXPECT_THROW(schedule::schedule_from_bits(sew(), "1111111", "00000x0", true), InputError);
  const std::string text =
      "[schedule]\ntime_schedule = \"1111111\"\n[[layer]]\nid = 1\ntime_tile = 5\n";
  try {
    schedule::load_schedule(config::parse_toml_string(text, "s.toml"), sew(), meta());
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("s.toml:5:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not divide T = 16"), std::string::npos);
  }
  const std::string unknown = "[schedule]\ntime_schedul = \"1111111\"\n";
  EXPECT_THROW(schedule::load_schedule(config::parse_toml_string(unknown, "u.toml"), sew(), meta()),
               InputError);
}

TEST(Scheduler, ScheduleFileGivesPartialTimeBatchingAndWiderFusionTiles) {
  const std::string text = R"([schedule]
time_schedule = "1111111"
depth_schedule = "1111111"
[[block]]
id = 0
time_tile = 4
ox_tile = 8
[[layer]]
id = 29
time_tile = 2
)";
  const auto s = schedule::load_schedule(config::parse_toml_string(text, "s.toml"), sew(), meta());
  EXPECT_EQ(s.layers[sew().vertex(1)].time_tile, 4u);
  EXPECT_EQ(s.layers[sew().vertex(1)].ox_tile, 8u);
  EXPECT_EQ(s.layers[sew().vertex(29)].time_tile, 2u);
  EXPECT_EQ(s.layers[sew().vertex(29)].ox_tile, 1u);
  const auto g = schedule::build_cn_graph(sew(), s);
  EXPECT_EQ(g.nodes_of_layer[sew().vertex(1)].size(), 4u * 16);  // 4 time tiles x 16 column tiles
  cost::NodeCostCache cache(meta());
  const auto r = schedule::evaluate_schedule(sew(), meta(), s, cache);
  EXPECT_GT(r.energy_pJ, 0);
}

TEST(Scheduler, MultiCoreRunsPoolsAndAddsOnTheirOwnCores) {
  const auto acc = hardware::load_hardware_file(kConfigs + "/hardware/meta_proto_1mb_3core.toml");
  const std::string text = R"([schedule]
time_schedule = "1111111"
depth_schedule = "0000000"
[[layer]]
id = 3
core = "simd"
[[layer]]
id = 4
core = "pooling"
)";
  const auto s = schedule::load_schedule(config::parse_toml_string(text, "s.toml"), sew(), acc);
  cost::NodeCostCache cache(acc);
  const auto r = schedule::evaluate_schedule(sew(), acc, s, cache);
  for (const auto& n : r.nodes) {
    if (n.layer_id == 3) {
      EXPECT_EQ(n.core, 2);
    }
    if (n.layer_id == 4) {
      EXPECT_EQ(n.core, 1);
    }
    if (n.layer_id == 5) {
      EXPECT_EQ(n.core, 0);
    }
  }
  // Activations cross cores over the direct links: SRAM read + SRAM write, no DRAM.
  EXPECT_GT(r.buckets.core_to_core_memory_pJ, 0.0);
  bool crossed = false;
  for (const auto& t : r.transfers)
    crossed = crossed || t.kind == schedule::TransferKind::CoreToCore;
  EXPECT_TRUE(crossed);
  // Every weight and state still moves exactly once each way (TB-LBL).
  double v = 0;
  for (const auto& [key, pJ] : r.breakdown) {
    if (std::get<1>(key) == "V" && std::get<2>(key) == "dram") v += pJ;
  }
  EXPECT_NEAR(v / 1e6, 1050.40, 0.01);
  // A core that does not run the operator is refused.
  const std::string bad = "[schedule]\n[[layer]]\nid = 1\ncore = \"pooling\"\n";
  EXPECT_THROW(schedule::load_schedule(config::parse_toml_string(bad, "b.toml"), sew(), acc),
               InputError);
}

// ---- Numeric guards: counters that could exceed 2^64
// ---------------------------------------------

namespace {

// SEW-ResNet-152 with its timestep count replaced (the file sets T once, in [workload]).
workload::Network sew152_with_timesteps(int timesteps) {
  const std::string path = kConfigs + "/workloads/sew_resnet_152.toml";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string toml = text.str();
  const std::string key = "\ntimesteps = 16\n";
  const std::size_t at = toml.find(key);
  EXPECT_NE(at, std::string::npos) << path;
  EXPECT_EQ(toml.find(key, at + 1), std::string::npos) << "T is set more than once";
  if (at != std::string::npos) {
    toml.replace(at, key.size(), "\ntimesteps = " + std::to_string(timesteps) + "\n");
  }
  return workload::load_workload(config::parse_toml_string(toml, path));
}

struct Traffic {
  __extension__ typedef unsigned __int128 u128;
  std::map<std::pair<schedule::TransferKind, std::string>, u128> bits;  // per kind and operand
  u128 read = 0, written = 0;                                           // 128-bit sums
  std::uint64_t of(schedule::TransferKind k, const std::string& operand) const {
    auto it = bits.find({k, operand});
    return it == bits.end() ? 0 : static_cast<std::uint64_t>(it->second);
  }
};

Traffic traffic_of(const schedule::ScheduleResult& r) {
  Traffic t;
  for (const auto& x : r.transfers) {
    t.bits[{x.kind, x.operand}] += x.bits;
    (x.kind == schedule::TransferKind::Fetch ? t.read : t.written) += x.bits;
  }
  return t;
}

void expect_sane(const schedule::ScheduleResult& r, const workload::Network& net,
                 const Traffic& t) {
  for (double x : {r.energy_pJ, r.latency_cycles, r.mac_energy_pJ, r.offchip_energy_pJ}) {
    EXPECT_TRUE(std::isfinite(x) && x > 0) << x;
  }
  // Far from the 64-bit limit, and no smaller than the transfers they include (summed in 128
  // bits: a wrapped counter would be smaller).
  EXPECT_LT(r.offchip_read_bits, std::uint64_t{1} << 62);
  EXPECT_LT(r.offchip_write_bits, std::uint64_t{1} << 62);
  EXPECT_GE(Traffic::u128(r.offchip_read_bits), t.read);
  EXPECT_GE(Traffic::u128(r.offchip_write_bits), t.written);
  // Every weight and state starts in DRAM: read at least once.
  const auto totals = net.totals();
  EXPECT_GE(r.offchip_read_bits, totals.weight_bits + totals.state_bits);
}

}  // namespace

// SEW-ResNet-152 at T = 64 (4 x its T = 16): bits x accesses stay far below 2^64 and every figure
// relates to the T = 16 one as the model says, so nothing wrapped. Layer by layer, time-batched
// (one node per layer) and time-sequential (one node per timestep, 13,312 nodes).
TEST(ScheduleNumericGuards, SewResnet152AtT64EvaluatesWithoutOverflow) {
  const workload::Network t16 = sew152_with_timesteps(16);
  const workload::Network t64 = sew152_with_timesteps(64);
  ASSERT_EQ(t16.layer_count(), 208u);
  const auto n16 = t16.totals(), n64 = t64.totals();
  EXPECT_EQ(n64.ops, 4 * n16.ops);  // T is a loop dimension of every layer
  EXPECT_EQ(n64.weight_bits, n16.weight_bits);
  EXPECT_EQ(n64.state_bits, n16.state_bits);  // state per neuron, not per timestep
  const std::string ones(static_cast<std::size_t>(t16.block_count()), '1');
  const std::string zeros(static_cast<std::size_t>(t16.block_count()), '0');
  using schedule::TransferKind;
  for (const bool batched : {true, false}) {
    SCOPED_TRACE(batched ? "TB-LBL" : "ST-LBL");
    schedule::ScheduleResult r16, r64;
    for (auto [net, r] : {std::pair{&t16, &r16}, std::pair{&t64, &r64}}) {
      const auto s = schedule::schedule_from_bits(*net, batched ? ones : zeros, zeros, true);
      cost::NodeCostCache cache(meta());
      ASSERT_NO_THROW(*r = schedule::evaluate_schedule(*net, meta(), s, cache));
    }
    const Traffic a = traffic_of(r16), b = traffic_of(r64);
    expect_sane(r16, t16, a);
    expect_sane(r64, t64, b);
    EXPECT_EQ(r64.nodes.size(), batched ? 208u : 208u * 64);
    EXPECT_NEAR(r64.mac_energy_pJ / r16.mac_energy_pJ, 4.0, 1e-12);
    // Sink outputs (all timesteps) go to DRAM once: 4x. The last write-back of every state
    // happens once whatever T.
    EXPECT_EQ(b.of(TransferKind::Sink, "O"), 4 * a.of(TransferKind::Sink, "O"));
    EXPECT_EQ(b.of(TransferKind::StateWriteBack, "V"), n64.state_bits);
    EXPECT_EQ(a.of(TransferKind::StateWriteBack, "V"), n16.state_bits);
    if (batched) {
      // One node per layer: weights and states are fetched once whatever T.
      EXPECT_EQ(b.of(TransferKind::Fetch, "W"), a.of(TransferKind::Fetch, "W"));
      EXPECT_EQ(b.of(TransferKind::Fetch, "V"), n64.state_bits);
      EXPECT_EQ(a.of(TransferKind::Fetch, "V"), n16.state_bits);
      // Activations are 4x larger: at least 4x the traffic of the layers that did not fit.
      EXPECT_GE(b.of(TransferKind::Fetch, "I"), 4 * a.of(TransferKind::Fetch, "I"));
    } else {
      // One node per timestep: the per-timestep traffic (weights, states, network input)
      // repeats 4x as often; the totals scale by about 4 (evictions at the edges differ).
      for (const char* op : {"W", "V", "I"}) {
        EXPECT_EQ(b.of(TransferKind::Fetch, op), 4 * a.of(TransferKind::Fetch, op)) << op;
      }
      const double read_ratio = double(r64.offchip_read_bits) / double(r16.offchip_read_bits);
      const double write_ratio = double(r64.offchip_write_bits) / double(r16.offchip_write_bits);
      EXPECT_GT(read_ratio, 3.9);
      EXPECT_LT(read_ratio, 4.3);
      EXPECT_GT(write_ratio, 3.9);
      EXPECT_LT(write_ratio, 4.3);
      EXPECT_NEAR(r64.energy_pJ / r16.energy_pJ, 4.0, 0.05);
    }
  }
}

// A schedule that would cut a network into more computation nodes than fit in memory is refused
// before anything is allocated (10^6 timesteps x 64 columns, one node each: 64 million nodes).
TEST(ScheduleNumericGuards, TooManyComputationNodesIsAnInputError) {
  const std::string toml =
      "[workload]\nname = \"long\"\ntimesteps = 1000000\n"
      "[[layer]]\nid = 0\nop = \"conv2d\"\nK = 2\nC = 2\nOY = 1\nOX = 64\nFY = 1\nFX = 1\n"
      "neuron = \"LIF\"\nprecision = { W = 4, I = 1, O = 1, V = 12 }\n";
  const auto net = workload::load_workload(config::parse_toml_string(toml, "long.toml"));
  const auto s = schedule::schedule_from_bits(net, "0", "1", true);
  try {
    schedule::build_cn_graph(net, s);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("more than 10,000,000 computation nodes"),
              std::string::npos)
        << e.what();
  }
}

// The optimiser's fitness evaluates with Records::Totals: every total and per-layer figure must
// be the same bits as a full evaluation (`stems evaluate`), whatever the schedule and hardware:
// off-chip energy is summed in the breakdown's order without building the breakdown.
TEST(Scheduler, TotalsOnlyEvaluationGivesTheSameBitsAsAFullOne) {
  const auto red = workload::load_workload_file(kConfigs + "/workloads/red_lif.toml");
  struct Case {
    const workload::Network* net;
    std::string hardware, time, depth;
  };
  const std::vector<Case> cases = {
      {&sew(), "meta_proto_1mb", "1111111", "1111111"},
      {&sew(), "meta_proto_1mb", "0000000", "0000000"},
      {&sew(), "meta_proto_128kb", "1111111", "0000000"},  // too-large operands, evictions
      {&sew(), "meta_proto_1mb_3core", "0101010", "1100110"},
      {&red, "meta_proto_384kb", std::string(static_cast<std::size_t>(red.block_count()), '1'),
       std::string(static_cast<std::size_t>(red.block_count()), '1')},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.hardware + " " + c.time + "/" + c.depth);
    const auto acc = hardware::load_hardware_file(kConfigs + "/hardware/" + c.hardware + ".toml");
    const auto s = schedule::schedule_from_bits(*c.net, c.time, c.depth, true);
    cost::NodeCostCache cache(acc);
    const auto full = schedule::evaluate_schedule(*c.net, acc, s, cache);
    const auto totals =
        schedule::evaluate_schedule(*c.net, acc, s, cache, schedule::Records::Totals);
    EXPECT_EQ(totals.energy_pJ, full.energy_pJ);
    EXPECT_EQ(totals.latency_cycles, full.latency_cycles);
    EXPECT_EQ(totals.mac_energy_pJ, full.mac_energy_pJ);
    EXPECT_EQ(totals.offchip_read_bits, full.offchip_read_bits);
    EXPECT_EQ(totals.offchip_write_bits, full.offchip_write_bits);
    EXPECT_EQ(totals.offchip_energy_pJ, full.offchip_energy_pJ);
    EXPECT_GT(full.offchip_energy_pJ, 0);
    EXPECT_EQ(totals.state_bits, full.state_bits);
    EXPECT_EQ(totals.peak_onchip_bits, full.peak_onchip_bits);
    EXPECT_EQ(totals.memory_overflow, full.memory_overflow);
    EXPECT_EQ(totals.buckets.total_pJ(), full.buckets.total_pJ());
    EXPECT_EQ(totals.buckets.eviction_memory_pJ, full.buckets.eviction_memory_pJ);
    ASSERT_EQ(totals.layers.size(), full.layers.size());
    for (std::size_t i = 0; i < full.layers.size(); ++i) {
      EXPECT_EQ(totals.layers[i].offchip_energy_pJ, full.layers[i].offchip_energy_pJ);
      EXPECT_EQ(totals.layers[i].end_cycle, full.layers[i].end_cycle);
    }
    EXPECT_FALSE(full.nodes.empty());
    EXPECT_FALSE(full.transfers.empty());
    EXPECT_FALSE(full.breakdown.empty());
    EXPECT_TRUE(totals.nodes.empty());
    EXPECT_TRUE(totals.transfers.empty());
    EXPECT_TRUE(totals.breakdown.empty());
    EXPECT_TRUE(totals.memory_timeline.empty());
  }
}

// A recurrent input (layer 1's output feeds layer 0 one timestep later, as in the braille RNN):
// time-sequential schedules read it from the previous timestep's node, time-batched loops are
// refused, and the feedback layer is not a network output.
TEST(Scheduler, RecurrentInputsComeFromThePreviousTimestep) {
  const std::string text = R"([workload]
name = "rnn"
timesteps = 4
[[layer]]
id = 0
op = "linear"
block = 0
K = 32
C = 16
neuron = "LIF"
precision = { W = 4, I = 1, O = 1, psum = 16, V = 16 }
recurrent = [1]
[[layer]]
id = 1
op = "linear"
block = 1
K = 32
C = 32
precision = { W = 4, I = 1, O = 16, psum = 16 }
inputs = { I = 0 }
[[layer]]
id = 2
op = "linear"
block = 2
K = 8
C = 32
neuron = "LIF"
precision = { W = 4, I = 1, O = 1, psum = 16, V = 16 }
inputs = { I = 0 }
)";
  const auto net = workload::load_workload(config::parse_toml_string(text, "rnn.toml"));
  EXPECT_TRUE(net.has_recurrent_edges());
  EXPECT_FALSE(net.is_sink(net.vertex(1)));  // read one timestep later: not an output
  EXPECT_TRUE(net.is_sink(net.vertex(2)));

  // Time-batching a layer of the loop is refused, naming the edge and the layers.
  for (const char* time : {"111", "011", "101"}) {
    SCOPED_TRACE(time);
    try {
      schedule::build_cn_graph(net, schedule::schedule_from_bits(net, time, "000", true));
      FAIL() << "expected a refusal";
    } catch (const InputError& e) {
      const std::string w = e.what();
      EXPECT_NE(w.find("layer 1 -> layer 0"), std::string::npos) << w;
      EXPECT_NE(w.find("time tile of 1"), std::string::npos) << w;
      EXPECT_EQ(w.find("layer 2: 4"), std::string::npos) << w;  // not on the loop
    }
  }

  // Layer 2 is not on the loop: it may be time-batched.
  const auto s = schedule::schedule_from_bits(net, "001", "000", true);
  const auto g = schedule::build_cn_graph(net, s);
  for (std::size_t i : g.nodes_of_layer[net.vertex(0)]) {
    const auto& n = g.nodes[i];
    std::vector<std::size_t> recurrent;
    for (std::size_t k = 0; k < n.input_preds.size(); ++k) {
      if (n.input_operands[k] == workload::Operand::R) recurrent.push_back(n.input_preds[k]);
    }
    if (n.t0 == 0) {
      EXPECT_TRUE(recurrent.empty());  // nothing before the first timestep
    } else {
      ASSERT_EQ(recurrent.size(), 1u);
      const auto& p = g.nodes[recurrent[0]];
      EXPECT_EQ(p.layer, net.vertex(1));
      EXPECT_EQ(p.t0, n.t0 - 1);
      EXPECT_NE(std::find(n.preds.begin(), n.preds.end(), recurrent[0]), n.preds.end());
    }
  }
  for (std::size_t i : g.nodes_of_layer[net.vertex(1)]) {
    EXPECT_EQ(g.nodes[i].consumers, g.nodes[i].t0 + 1 < 4 ? 1u : 0u);  // the last is unread
  }

  const auto acc = hardware::load_hardware_file(kConfigs + "/hardware/meta_proto_1mb.toml");
  cost::NodeCostCache cache(acc);
  const auto r = schedule::evaluate_schedule(net, acc, s, cache);
  // Off-chip writes: layer 2's spikes (8 x 4 timesteps x 1 bit) and the two states (written back
  // once each); the feedback layer's 16-bit outputs stay on chip.
  EXPECT_EQ(r.offchip_write_bits, 8u * 4 + 32u * 16 + 8u * 16);
  for (const auto& t : r.transfers) {  // the feedback never leaves the chip (weights do come in)
    EXPECT_FALSE(t.layer_id == 1 && t.operand == "O") << schedule::transfer_kind_name(t.kind);
    EXPECT_NE(t.operand, "R") << schedule::transfer_kind_name(t.kind);
  }
  // Three timesteps read the 32 x 16-bit recurrent input from the top memory.
  const auto* top = &acc.cores[0].memories[*acc.cores[0].top_level(hardware::MemOperand::O)];
  const double read_pJ = std::ceil(512.0 / double(top->read_bw_bits)) * top->read_energy_pJ;
  const auto it = r.breakdown.find({0, "R", top->name});
  ASSERT_NE(it, r.breakdown.end());
  EXPECT_DOUBLE_EQ(it->second, 3 * read_pJ);
}
