// Tests of the mapping-independent closed-form figures (stems/cost/bounds), against the closed-form
// checks of the STEMS reference (shared/reference/stems_model.md 10.3).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "stems/common/error.hpp"
#include "stems/config/document.hpp"
#include "stems/cost/bounds.hpp"
#include "stems/cost/loma.hpp"
#include "stems/cost/node_cache.hpp"
#include "stems/cost/node_inputs.hpp"
#include "stems/cost/node_search.hpp"
#include "stems/cost/relevance.hpp"
#include "stems/cost/sparsity.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/workload/state_schedule.hpp"
#include "stems/workload/workload_loader.hpp"

using namespace stems;

namespace {
const std::string kConfigs = STEMS_CONFIGS;
workload::Network sew() {
  return workload::load_workload_file(kConfigs + "/workloads/sew_resnet_7b.toml");
}
hardware::Accelerator meta() {
  return hardware::load_hardware_file(kConfigs + "/hardware/meta_proto_1mb.toml");
}
constexpr double kUj = 1e6;  // pJ per uJ
}  // namespace

TEST(Bounds, SewComputeEnergyUsesMacEnergyOnlyForTheMultiBitStem) {
  const cost::Bounds b = cost::compute_bounds(sew(), meta());
  // 33,554,432 stem ops x 0.16 pJ + the remaining 26,118,799,360 ops x 0.07 pJ = 1,833.685 uJ
  // (the reference's DataFrame total with its 16/7 rescaling of layer 0).
  EXPECT_NEAR(b.compute_energy_pJ / kUj, 1833.6847, 1e-4);
  ASSERT_EQ(b.layers.size(), 30u);
  EXPECT_TRUE(b.layers[0].multi_bit_macs);
  EXPECT_FALSE(b.layers[1].multi_bit_macs);
  EXPECT_FALSE(b.layers[3].multi_bit_macs);  // adds accumulate
}

TEST(Bounds, SewDramFloorMatchesTimeBatchedFusedReference) {
  const cost::Bounds b = cost::compute_bounds(sew(), meta());
  EXPECT_NEAR(b.state_dram_energy_pJ / kUj, 1050.4032, 1e-9);
  EXPECT_NEAR(b.weight_dram_energy_pJ / kUj, 51.9736, 1e-9);
  EXPECT_NEAR(b.input_dram_energy_pJ / kUj, 22.9376, 1e-9);
  EXPECT_NEAR(b.output_dram_energy_pJ / kUj, 0.024, 1e-9);
  // TB-F reaches the floor: measured DRAM energy 1,125.3384 uJ (reference_runs.csv
  // offchip_energy_pJ = 1,125,338,400).
  EXPECT_DOUBLE_EQ(b.dram_energy_pJ, 1'125'338'400.0);
  EXPECT_EQ(b.state_read_bits, 46'362'624u);
  EXPECT_EQ(b.input_read_bits, 2'097'152u);
  EXPECT_EQ(b.output_write_bits, 2'048u);
}

TEST(Bounds, RedClosedForms) {
  const auto red = workload::load_workload_file(kConfigs + "/workloads/red_lif.toml");
  const cost::Bounds b = cost::compute_bounds(red, meta());
  EXPECT_NEAR(b.state_dram_energy_pJ / kUj, 336.516, 1e-3);
  EXPECT_NEAR(b.weight_dram_energy_pJ / kUj, 135.8868, 1e-4);
  // The reference's df value with 0.16 pJ on layers 0-3, 5, 6, 8-10, 12 (multi-bit inputs).
  EXPECT_NEAR(b.compute_energy_pJ / kUj, 17453.28, 0.01);
  EXPECT_EQ(b.output_write_bits, 46'080u);
}

TEST(Bounds, DroppingStateRemovesItsTraffic) {
  auto net = sew();
  workload::apply_state_schedule(net, "0011111");
  const cost::Bounds b = cost::compute_bounds(net, meta());
  EXPECT_EQ(b.state_read_bits, 2'322'432u);
  EXPECT_NEAR(b.state_dram_energy_pJ, 2'322'432.0 / 64 * 1450, 1e-6);
}

TEST(Bounds, MissingCoreForAnOperatorIsAnInputError) {
  auto acc = meta();
  acc.cores[0].operators = {workload::OpType::Conv2d};
  EXPECT_THROW(cost::compute_bounds(sew(), acc), InputError);
}

// ---- LOMA building blocks ----------------------------------------------------------------------

using cost::Loop;
using workload::Dim;

TEST(Loma, PrimeFactors) {
  EXPECT_EQ(cost::prime_factors(1), (std::vector<std::uint64_t>{}));
  EXPECT_EQ(cost::prime_factors(12), (std::vector<std::uint64_t>{2, 2, 3}));
  EXPECT_EQ(cost::prime_factors(45), (std::vector<std::uint64_t>{3, 3, 5}));
  EXPECT_EQ(cost::prime_factors(97), (std::vector<std::uint64_t>{97}));
}

TEST(Loma, Layer9FactorsMergeToOnePerDimension) {
  // SEW layer 9 after the K32 x C2 x OY16 unrolling: K2 C32 OY2 OX32 FY3 FX3 T16 -> 18 prime
  // factors, merged down to max(6, 7 dims) = 7: one loop per dimension, as in the reference
  // mapping (reg: C32 FY3 FX3 T16; SRAM: OY2 K2 OX32).
  const std::vector<Loop> loops = {{Dim::T, 16},  {Dim::K, 2},  {Dim::C, 32}, {Dim::OY, 2},
                                   {Dim::OX, 32}, {Dim::FY, 3}, {Dim::FX, 3}};
  const auto f = cost::lpf_factors(loops, 6);
  ASSERT_EQ(f.size(), 7u);
  for (const Loop& l : loops) {
    EXPECT_NE(std::find(f.begin(), f.end(), l), f.end()) << workload::dim_name(l.dim);
  }
  EXPECT_EQ(cost::ordering_count(f), 5040u);
}

TEST(Loma, MergingKeepsTheProductOfEveryDimension) {
  const std::vector<Loop> loops = {{Dim::K, 64}, {Dim::C, 48}, {Dim::OX, 10}};
  const auto f = cost::lpf_factors(loops, 6);
  EXPECT_LE(f.size(), 6u);
  std::map<Dim, std::uint64_t> product;
  for (const Loop& l : f)
    product.try_emplace(l.dim, 1).first->second *= l.size;
  EXPECT_EQ(product[Dim::K], 64u);
  EXPECT_EQ(product[Dim::C], 48u);
  EXPECT_EQ(product[Dim::OX], 10u);
}

TEST(Loma, OrderingsAreDistinctAndCausalityFiltersThem) {
  const std::vector<Loop> f = {{Dim::C, 2}, {Dim::C, 2}, {Dim::T, 2}, {Dim::K, 3}};
  EXPECT_EQ(cost::ordering_count(f), 12u);  // 4! / 2!
  std::set<std::vector<Loop>> seen;
  const auto all = cost::for_each_ordering(
      f, false, [](Dim d) { return d == Dim::C; },
      [&](const std::vector<Loop>& o) { return seen.insert(o).second; });
  EXPECT_EQ(all, 12u);
  EXPECT_EQ(seen.size(), 12u);
  // Causal: T above both C factors. Positions of {C, C, T} keep T last among them: 12 / 3 = 4.
  std::uint64_t causal = cost::for_each_ordering(
      f, true, [](Dim d) { return d == Dim::C; },
      [&](const std::vector<Loop>& o) {
        std::size_t t = 0, last_c = 0;
        for (std::size_t i = 0; i < o.size(); ++i) {
          if (o[i].dim == Dim::T) t = i;
          if (o[i].dim == Dim::C) last_c = i;
        }
        EXPECT_GT(t, last_c);
        return true;
      });
  EXPECT_EQ(causal, 4u);
}

TEST(Relevance, StateIsTheOutputWithoutTime) {
  const auto net = sew();
  const auto t = cost::relevance_table(net.layer_by_id(9));
  using cost::Relevance;
  EXPECT_EQ(cost::relevance(t, hardware::MemOperand::O, Dim::T), Relevance::Relevant);
  EXPECT_EQ(cost::relevance(t, hardware::MemOperand::V, Dim::T), Relevance::Irrelevant);
  EXPECT_EQ(cost::relevance(t, hardware::MemOperand::V, Dim::K), Relevance::Relevant);
  EXPECT_EQ(cost::relevance(t, hardware::MemOperand::I, Dim::OX), Relevance::Partial);
  EXPECT_EQ(cost::relevance(t, hardware::MemOperand::W, Dim::T), Relevance::Irrelevant);
  EXPECT_TRUE(cost::is_reduction_dim(t, Dim::C));
  EXPECT_FALSE(cost::is_reduction_dim(t, Dim::T));
  auto stateless = net;
  workload::apply_state_schedule(stateless, "0000000");
  const auto s = cost::relevance_table(stateless.layer_by_id(9));
  EXPECT_EQ(cost::relevance(s, hardware::MemOperand::V, Dim::K), Relevance::Irrelevant);
}

// ---- Intra-layer cost model against STEMS (stems_model.md 3.2, 10.2, 10.3) -------------------

namespace {

cost::NodeCost cost_of(const workload::Network& net, int id, const hardware::Accelerator& acc) {
  const auto v = net.vertex(id);
  return cost::search_node(net.layer(v), acc.cores[0], acc.dram, cost::producer_bits(net, v));
}

double operand_energy_uJ(const cost::NodeCost& c, const std::string& name) {
  for (const auto& o : c.operands) {
    if (o.layer_operand == name) return o.energy_pJ / kUj;
  }
  return -1;
}

const cost::LevelCost& level_of(const cost::NodeCost& c, const std::string& op,
                                const std::string& mem) {
  for (const auto& o : c.operands) {
    for (const auto& l : o.levels) {
      if (o.layer_operand == op && l.memory == mem) return l;
    }
  }
  throw std::runtime_error("no level " + op + "@" + mem);
}

}  // namespace

TEST(NodeCost, SewLayer9TimeBatchedMatchesReferenceExactly) {
  const auto net = workload::load_workload_file(kConfigs + "/workloads/sew_layer9.toml");
  const cost::NodeCost c = cost_of(net, 9, meta());
  EXPECT_NEAR(c.mac_energy_pJ / kUj, 42.2786, 5e-5);
  EXPECT_NEAR(c.onchip_memory_energy_pJ / kUj, 20.1702, 5e-5);
  EXPECT_NEAR(operand_energy_uJ(c, "W"), 15.1364, 5e-5);
  EXPECT_NEAR(operand_energy_uJ(c, "I"), 4.6105, 5e-5);
  EXPECT_NEAR(operand_energy_uJ(c, "O"), 0.1835, 5e-5);
  EXPECT_NEAR(operand_energy_uJ(c, "V"), 0.2399, 5e-5);
  EXPECT_NEAR(c.energy_pJ / kUj, 62.4488, 5e-5);
  EXPECT_DOUBLE_EQ(c.latency.latency_cycles, 591'275.0);
  EXPECT_EQ(c.latency.ideal_temporal_cycles, 589'824u);
  EXPECT_DOUBLE_EQ(c.latency.stall_cycles, 635.0);    // V read-modify-write: 5 x 127 periods
  EXPECT_DOUBLE_EQ(c.latency.loading_cycles, 816.0);  // 16 KB input buffer fill
  // V stays in its register across all 16 timesteps and crosses the SRAM boundary once.
  const auto& v_sram = level_of(c, "V", "sram_1MB");
  EXPECT_DOUBLE_EQ(v_sram.traffic[0].words, 768.0);  // rd_to_low
  EXPECT_DOUBLE_EQ(v_sram.traffic[1].words, 768.0);  // wr_from_low
  const auto& v_rf = level_of(c, "V", "rf_16b_V");
  const bool t_in_register =
      std::any_of(v_rf.temporal_loops.begin(), v_rf.temporal_loops.end(),
                  [](const cost::Loop& l) { return l.dim == Dim::T && l.size == 16; });
  EXPECT_TRUE(t_in_register);
  EXPECT_DOUBLE_EQ(level_of(c, "O", "sram_1MB").traffic[1].words, 1024.0);  // spikes once
  EXPECT_DOUBLE_EQ(level_of(c, "W", "sram_1MB").traffic[0].words, 144.0);
  EXPECT_TRUE(c.too_large.empty());
}

TEST(NodeCost, SewLayer9OneTimestepPerNode) {
  auto net = workload::load_workload_file(kConfigs + "/workloads/sew_layer9.toml");
  workload::Layer step = net.layer_by_id(9);
  step.set_size(Dim::T, 1);
  const cost::NodeCost c = cost::search_node(step, meta().cores[0], meta().dram);
  EXPECT_NEAR(c.energy_pJ / kUj, 4.1288, 5e-5);  // x16 = 66.06 uJ per layer
  EXPECT_DOUBLE_EQ(c.latency.latency_cycles, 38'082.0);
  // With T outside the node, V crosses the SRAM boundary every timestep: 768 + 768 per step.
  EXPECT_DOUBLE_EQ(level_of(c, "V", "sram_1MB").traffic[0].words, 768.0);
}

TEST(NodeCost, SewTimeBatchedLayerByLayerPerLayerReference) {
  // stems_model.md 10.2: 7PLIF TB-LBL, one node per layer. Reference on-chip energy is MAC at
  // 0.07 pJ (the reference applies its 0.16 pJ rescaling afterwards) + register/SRAM levels, in uJ
  // rounded to 2 decimals; latency is latency_total1.
  struct Ref {
    int id;
    double cycles, onchip_uJ;
  };
  const Ref refs[] = {
      {0, 626688, 73.65}, {1, 19094513, 1008.79}, {2, 19094513, 1008.79}, {3, 753792, 25.59},
      {4, 262400, 10.72}, {5, 2362428, 250.43},   {6, 2362428, 250.43},   {7, 135169, 5.66},
      {8, 32829, 1.95},   {9, 591275, 62.45},     {10, 591275, 62.45},    {11, 33024, 1.1},
      {12, 8317, 0.49},   {13, 148188, 15.65},    {14, 148188, 15.65},    {15, 9217, 0.27},
      {16, 2175, 0.12},   {17, 16958, 1.19},      {18, 295551, 20.7},     {19, 295551, 20.7},
      {20, 5120, 0.14},   {21, 2048, 0.06},       {22, 148049, 7.54},     {23, 148049, 7.54},
      {24, 1280, 0.03},   {25, 768, 0.015},       {26, 74305, 3.18},      {27, 74305, 3.18},
      {28, 320, 0.009},   {29, 320, 0.005}};
  const auto net = sew();
  const auto acc = meta();
  for (const Ref& r : refs) {
    SCOPED_TRACE("layer " + std::to_string(r.id));
    const cost::NodeCost c = cost_of(net, r.id, acc);
    const double onchip_uJ = (c.onchip_memory_energy_pJ + static_cast<double>(c.ops) * 0.07) / kUj;
    // Within 3%, or within the rounding of the printed reference value.
    EXPECT_NEAR(onchip_uJ, r.onchip_uJ, std::max(0.03 * r.onchip_uJ, 0.0055));
    if (r.id == 1 || r.id == 2) {
      // Documented difference (README "Cost model"): STEMS appends V to the layer's shared list
      // of input operands once per loop ordering it evaluates, so a V link that is shared on both
      // ports (here DRAM <-> sram_1MB, 24,576 cycles) is counted again in the loading phase for
      // every ordering tried before the winner: 390 extra times for these layers. We count it once.
      const auto& v_dram = level_of(c, "V", "dram");
      const double quantum = v_dram.traffic[0].real_cycles;
      EXPECT_DOUBLE_EQ(quantum, 24'576.0);
      EXPECT_DOUBLE_EQ(r.cycles - c.latency.latency_cycles, 390 * quantum);
    } else {
      EXPECT_NEAR(c.latency.latency_cycles, r.cycles, 0.10 * r.cycles);
    }
  }
}

TEST(NodeCost, TooLargeOperandsFollowTheReference) {
  // stems_model.md 10.2: L0 {S,O}, L1 {S,I1,O}, L2 {S,I1,O}, L3 {I1,I2,O}, L4 {I1}, L5 {O},
  // L6 {O}, L7 {I2,O}; later layers fit. (S = V, I1 = I/Y, I2 = W/X.)
  using hardware::MemOperand;
  const auto net = sew();
  const auto acc = meta();
  auto set_of = [&](int id) {
    const auto v = net.vertex(id);
    auto t = cost::too_large_operands(net.layer(v), acc.cores[0], cost::producer_bits(net, v));
    return std::set<MemOperand>(t.begin(), t.end());
  };
  using S = std::set<MemOperand>;
  EXPECT_EQ(set_of(0), (S{MemOperand::V, MemOperand::O}));
  EXPECT_EQ(set_of(1), (S{MemOperand::V, MemOperand::I, MemOperand::O}));
  EXPECT_EQ(set_of(2), (S{MemOperand::V, MemOperand::I, MemOperand::O}));
  EXPECT_EQ(set_of(3), (S{MemOperand::I, MemOperand::W, MemOperand::O}));
  EXPECT_EQ(set_of(4), (S{MemOperand::I}));
  EXPECT_EQ(set_of(5), (S{MemOperand::O}));
  EXPECT_EQ(set_of(6), (S{MemOperand::O}));
  EXPECT_EQ(set_of(7), (S{MemOperand::W, MemOperand::O}));
  for (int id = 8; id < 30; ++id)
    EXPECT_TRUE(set_of(id).empty()) << id;
}

TEST(NodeCost, StatelessLayerAccumulatesPartialSumsAndWritesFinalSpikes) {
  auto net = sew();
  workload::apply_state_schedule(net, "0011111");
  const cost::NodeCost c = cost_of(net, 5, meta());  // block 1: state dropped
  for (const auto& o : c.operands)
    EXPECT_NE(o.layer_operand, "V");
  const auto& rf = level_of(c, "O", "rf_16b_O");
  EXPECT_EQ(rf.traffic[1].precision_bits, 12u);  // partial sums written into the register
  EXPECT_GT(rf.traffic[0].words, 0.0);           // and read back while C, FY, FX run
  const auto& top = c.operands[0].levels.back();
  EXPECT_EQ(top.traffic[1].precision_bits, 1u);  // spikes out once final
  // Dropping the state removes V's traffic: cheaper than the stateful layer.
  EXPECT_LT(c.energy_pJ, cost_of(sew(), 5, meta()).energy_pJ);
}

TEST(NodeCost, ImpossibleHardwareGivesAClearError) {
  auto net = workload::load_workload_file(kConfigs + "/workloads/sew_layer9.toml");
  workload::Layer l = net.layer_by_id(9);
  l.precision.W = 8;  // the 4-bit weight register cannot hold one weight
  try {
    cost::search_node(l, meta().cores[0], meta().dram);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("layer 9 on core 'compute'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("no loop ordering fits"), std::string::npos);
  }
  auto acc = meta();
  auto& mems = acc.cores[0].memories;
  for (auto& m : mems) {
    m.operands.erase(std::remove(m.operands.begin(), m.operands.end(), hardware::MemOperand::V),
                     m.operands.end());
  }
  EXPECT_THROW(cost::search_node(net.layer_by_id(9), acc.cores[0], acc.dram), InputError);
}

TEST(NodeCost, CacheReturnsTheSameResultOncePerShapeAcrossThreads) {
  const auto acc = meta();
  const auto net = sew();
  cost::NodeCostCache cache(acc);
  std::vector<std::shared_ptr<const cost::NodeCost>> a(30), b(30);
  std::thread t1([&] {
    for (int id = 0; id < 30; ++id)
      a[id] = cache.get(net.layer_by_id(id), 0);
  });
  std::thread t2([&] {
    for (int id = 29; id >= 0; --id)
      b[id] = cache.get(net.layer_by_id(id), 0);
  });
  t1.join();
  t2.join();
  for (int id = 0; id < 30; ++id) {
    EXPECT_DOUBLE_EQ(a[id]->energy_pJ, b[id]->energy_pJ);
    EXPECT_DOUBLE_EQ(a[id]->latency.latency_cycles, b[id]->latency.latency_cycles);
  }
  // Layers 9/10, 13/14, ... share shapes: fewer entries than layers.
  EXPECT_LT(cache.size(), 30u);
  const auto again = cache.get(net.layer_by_id(9), 0);
  EXPECT_EQ(again.get(), cache.get(net.layer_by_id(10), 0).get());
  EXPECT_GE(cache.hits(), 1u);
}

// ---- zero skipping (cost/sparsity) ---------------------------------------------------------

TEST(ZeroSkipping, ScalesComputeAndSpikeTrafficOnlyOnZeroSkippingCores) {
  const workload::Network dense_net = sew();
  workload::Network sparse_net = sew();
  for (workload::Vertex v : sparse_net.topological_order()) {
    auto& l = sparse_net.mutable_layer(v);
    l.input_density = 0.1;
    l.output_density = 0.2;
  }
  // The flag comes from the hardware file (off by default).
  std::ifstream in(kConfigs + "/hardware/meta_proto_1mb.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find("mac_energy_pJ");
  ASSERT_NE(at, std::string::npos);
  text.insert(text.find('\n', at) + 1, "zero_skipping = true\n");
  const hardware::Accelerator event_driven =
      hardware::load_hardware(config::parse_toml_string(text, "zero_skipping.toml"));
  ASSERT_TRUE(event_driven.cores[0].zero_skipping);
  ASSERT_FALSE(meta().cores[0].zero_skipping);

  const auto s = schedule::schedule_from_bits(dense_net, "1111111", "0000000", true);
  auto eval = [&](const workload::Network& net, const hardware::Accelerator& acc) {
    cost::NodeCostCache cache(acc);
    return schedule::evaluate_schedule(net, acc, s, cache);
  };
  const auto dense = eval(dense_net, meta());
  // Densities change nothing on a dense core, and a zero-skipping core at density 1 is dense.
  EXPECT_EQ(eval(sparse_net, meta()).energy_pJ, dense.energy_pJ);
  EXPECT_EQ(eval(dense_net, event_driven).energy_pJ, dense.energy_pJ);
  const auto sparse = eval(sparse_net, event_driven);
  EXPECT_NEAR(sparse.mac_energy_pJ, 0.1 * dense.mac_energy_pJ, 1e-6 * dense.mac_energy_pJ);
  EXPECT_LT(sparse.energy_pJ, dense.energy_pJ);
  EXPECT_EQ(sparse.latency_cycles, dense.latency_cycles);  // latency stays dense

  // Per node: I traffic of a spike-input layer scales by the input density, the stateful
  // layer's 1-bit O by the output density, W and V not at all.
  const workload::Layer& l9 = sparse_net.layer_by_id(9);
  const hardware::Accelerator dense_acc = meta();
  const cost::NodeCost c = cost::search_node(l9, dense_acc.cores[0], dense_acc.dram);
  const cost::NodeCost z = cost::apply_zero_skipping(c, l9);
  for (std::size_t i = 0; i < c.operands.size(); ++i) {
    const std::string& op = c.operands[i].layer_operand;
    const double f = op == "I" ? 0.1 : op == "O" ? 0.2 : 1.0;
    EXPECT_NEAR(z.operands[i].energy_pJ, f * c.operands[i].energy_pJ, 1e-9 * c.energy_pJ) << op;
  }
  EXPECT_NEAR(z.energy_pJ, z.mac_energy_pJ + z.onchip_memory_energy_pJ + z.offchip_memory_energy_pJ,
              1e-6);
}

// zero_skipping_cycles: an event-driven core also spends compute cycles only on non-zero inputs.
TEST(ZeroSkipping, CyclesScaleWithTheInputDensityOnlyWhenAsked) {
  std::ifstream in(kConfigs + "/hardware/meta_proto_1mb.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find("mac_energy_pJ");
  ASSERT_NE(at, std::string::npos);
  std::string energy_only = text, with_cycles = text;
  energy_only.insert(text.find('\n', at) + 1, "zero_skipping = true\n");
  with_cycles.insert(text.find('\n', at) + 1,
                     "zero_skipping = true\nzero_skipping_cycles = true\n");
  const auto gated = hardware::load_hardware(config::parse_toml_string(energy_only, "a.toml"));
  const auto skipping = hardware::load_hardware(config::parse_toml_string(with_cycles, "b.toml"));
  EXPECT_FALSE(gated.cores[0].zero_skipping_cycles);
  ASSERT_TRUE(skipping.cores[0].zero_skipping_cycles);

  workload::Network net = sew();
  for (workload::Vertex v : net.topological_order())
    net.mutable_layer(v).input_density = 0.25;
  // Per node: the compute cycles scale (rounded up), stalls and loading do not, energy is the
  // energy-only figure.
  const workload::Layer& l9 = net.layer_by_id(9);
  const cost::NodeCost c = cost::search_node(l9, skipping.cores[0], skipping.dram);
  const cost::NodeCost e = cost::apply_zero_skipping(c, l9);
  const cost::NodeCost z = cost::apply_zero_skipping(c, l9, true);
  const std::uint64_t ideal = c.latency.ideal_temporal_cycles;
  const auto busy = static_cast<std::uint64_t>(std::ceil(0.25 * static_cast<double>(ideal)));
  EXPECT_EQ(e.latency.latency_cycles, c.latency.latency_cycles);
  EXPECT_EQ(z.latency.ideal_temporal_cycles, busy);
  EXPECT_DOUBLE_EQ(z.latency.latency_cycles,
                   c.latency.latency_cycles - static_cast<double>(ideal - busy));
  EXPECT_EQ(z.latency.stall_cycles, c.latency.stall_cycles);
  EXPECT_EQ(z.latency.loading_cycles, c.latency.loading_cycles);
  EXPECT_EQ(z.energy_pJ, e.energy_pJ);

  // Whole schedule: shorter on the skipping core, same energy as the gating one.
  const auto s = schedule::schedule_from_bits(net, "1111111", "0000000", true);
  auto eval = [&](const hardware::Accelerator& acc) {
    cost::NodeCostCache cache(acc);
    return schedule::evaluate_schedule(net, acc, s, cache);
  };
  const auto g = eval(gated), k = eval(skipping);
  EXPECT_EQ(k.energy_pJ, g.energy_pJ);
  EXPECT_LT(k.latency_cycles, 0.9 * g.latency_cycles);
}
