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

void run_warm(benchmark::State& state, const char* time, const char* depth,
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

void BM_SewTbFWarmTotals(benchmark::State& state) {
  run_warm(state, "1111111", "1111111", schedule::Records::Totals);
}
BENCHMARK(BM_SewTbFWarmTotals)->Unit(benchmark::kMillisecond);

void BM_SewTbFWarmFull(benchmark::State& state) {
  run_warm(state, "1111111", "1111111", schedule::Records::Full);
}
BENCHMARK(BM_SewTbFWarmFull)->Unit(benchmark::kMillisecond);

void BM_SewTbLblWarmTotals(benchmark::State& state) {
  run_warm(state, "1111111", "0000000", schedule::Records::Totals);
}
BENCHMARK(BM_SewTbLblWarmTotals)->Unit(benchmark::kMillisecond);

void BM_SewTbLblWarmFull(benchmark::State& state) {
  run_warm(state, "1111111", "0000000", schedule::Records::Full);
}
BENCHMARK(BM_SewTbLblWarmFull)->Unit(benchmark::kMillisecond);

void BM_SewStFWarmTotals(benchmark::State& state) {
  run_warm(state, "0000000", "1111111", schedule::Records::Totals);
}
BENCHMARK(BM_SewStFWarmTotals)->Unit(benchmark::kMillisecond);

void BM_SewStFWarmFull(benchmark::State& state) {
  run_warm(state, "0000000", "1111111", schedule::Records::Full);
}
BENCHMARK(BM_SewStFWarmFull)->Unit(benchmark::kMillisecond);

}  // namespace
