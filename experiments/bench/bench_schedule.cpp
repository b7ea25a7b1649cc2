// Google Benchmark cases of the inter-layer scheduler (warm node cache). `Totals` is what the
// optimiser pays per candidate schedule (its fitness); `Full` also records every node, transfer
// and the breakdown, as `stems evaluate` does. BM_SewCnGraph is the node-graph part of an
// evaluation alone (the rest is the list scheduler and its components).
#include <benchmark/benchmark.h>

#include <string>

#include "stems/hardware/hardware_loader.hpp"
#include "stems/schedule/cn_graph.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/workload/workload_loader.hpp"

using namespace stems;

namespace {

const std::string kConfigs = STEMS_CONFIGS;

const workload::Network& sew() {
  static const auto net = workload::load_workload_file(kConfigs + "/workloads/sew_resnet_7b.toml");
  return net;
}

void BM_SewWarm(benchmark::State& state, const char* time, const char* depth,
                schedule::Records records) {
  const auto& net = sew();
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

void BM_SewCnGraph(benchmark::State& state, const char* time, const char* depth) {
  const auto s = schedule::schedule_from_bits(sew(), time, depth, true);
  for (auto _ : state) {
    const auto g = schedule::build_cn_graph(sew(), s);
    benchmark::DoNotOptimize(g.nodes.data());
  }
  state.SetItemsProcessed(state.iterations());  // graphs per second
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

BENCHMARK_CAPTURE(BM_SewCnGraph, TbF, "1111111", "1111111")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SewCnGraph, StF, "0000000", "1111111")->Unit(benchmark::kMillisecond);

}  // namespace
