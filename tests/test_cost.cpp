// Tests of the mapping-independent closed-form figures (stems/cost/bounds), against the closed-form
// checks of the STEMS reference (shared/reference/stems_model.md 10.3).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "stems/common/error.hpp"
#include "stems/cost/bounds.hpp"
#include "stems/cost/loma.hpp"
#include "stems/cost/relevance.hpp"
#include "stems/hardware/hardware_loader.hpp"
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
