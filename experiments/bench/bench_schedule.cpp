// Google Benchmark cases of the inter-layer scheduler (warm node cache). `Totals` is what the
// optimiser pays per candidate schedule (its fitness); `Full` also records every node, transfer
// and the breakdown, as `stems evaluate` does.
#include <benchmark/benchmark.h>

#include <string>

#include "stems/hardware/hardware_loader.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/workload/workload_loader.hpp"

using namespace stems;

namespace {

const std::string kConfigs = STEMS_CONFIGS;

void BM_SewWarm(benchmark::State& state, const char* time, const char* depth,
                schedule::Records records) {
  static const auto net = workload::load_workload_file(kConfigs + "/workloads/sew_resnet_7b.toml");
  static const auto acc = hardware::load_hardware_file(kConfigs + "/hardware/meta_proto_1mb.toml");
  const auto s = schedule::schedule_from_bits(net, time, depth, true);
  cost::NodeCostCache cache(acc);
  schedule::evaluate_schedule(net, acc, s, cache);  // warm the node cache
  for (auto _ : state) {
    const auto r = schedule::evaluate_schedule(net, acc, s, cache, records);
    benchmark::DoNotOptimize(r.energy_pJ);
  }
  state.SetItemsProcessed(state.iterations());  // schedules per second
}

// Named BM_SewWarm/<schedule>_<records>, e.g. --benchmark_filter=BM_SewWarm/TbF_Totals.
BENCHMARK_CAPTURE(BM_SewWarm, TbF_Totals, "1111111", "1111111", schedule::Records::Totals)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SewWarm, TbF_Full, "1111111", "1111111", schedule::Records::Full)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SewWarm, TbLbl_Totals, "1111111", "0000000", schedule::Records::Totals)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SewWarm, TbLbl_Full, "1111111", "0000000", schedule::Records::Full)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SewWarm, StF_Totals, "0000000", "1111111", schedule::Records::Totals)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SewWarm, StF_Full, "0000000", "1111111", schedule::Records::Full)
    ->Unit(benchmark::kMillisecond);

}  // namespace
