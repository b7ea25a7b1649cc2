// Tests of the mapping-independent closed-form figures (stems/cost/bounds), against the closed-form
// checks of the STEMS reference (shared/reference/stems_model.md 10.3).
#include <gtest/gtest.h>

#include "stems/common/error.hpp"
#include "stems/cost/bounds.hpp"
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
