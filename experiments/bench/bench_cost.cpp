// Google Benchmark suite of the intra-layer cost model (not part of ctest).
//   build/experiments/bench/stems_bench_cost --benchmark_min_time=0.5
// Reports loop-nest (ordering) evaluations per second and the time to search every unique node
// of a schedule, on one core.
#include <benchmark/benchmark.h>

#include <string>

#include "stems/common/allocator.hpp"
#include "stems/cost/node_cache.hpp"
#include "stems/cost/node_inputs.hpp"
#include "stems/cost/node_search.hpp"
#include "stems/hardware/hardware_loader.hpp"
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

// One full LOMA search of SEW layer 9 (1,260 causal orderings, each allocated and costed with
// energy and latency). items/s = loop-nest evaluations per second.
void BM_LoopNestEvaluationsLayer9(benchmark::State& state) {
  const auto& net = sew();
  const auto v = net.vertex(9);
  const auto bits = cost::producer_bits(net, v);
  std::uint64_t evaluated = 0;
  for (auto _ : state) {
    const auto c = cost::search_node(net.layer(v), meta().cores[0], meta().dram, bits);
    evaluated += c.orderings_evaluated;
    benchmark::DoNotOptimize(c.energy_pJ);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(evaluated));
}
BENCHMARK(BM_LoopNestEvaluationsLayer9)->Unit(benchmark::kMillisecond);

// The same search with 7 more zero-cost 4-bit weight registers after rf_4b_W (a 10-level weight
// hierarchy, same loop nest and cost): the cost model's per-level buffers are sized from the
// problem, so a deeper hierarchy costs only the work of its extra levels.
const hardware::Accelerator& deep_weight_meta() {
  static const hardware::Accelerator acc = [] {
    hardware::Accelerator a = meta();
    auto& mems = a.cores[0].memories;
    for (int k = 7; k >= 1; --k) {
      hardware::MemoryLevel reg = mems[0];  // rf_4b_W
      reg.name = "rf_4b_W_" + std::to_string(k);
      mems.insert(mems.begin() + 1, reg);
    }
    a.validate();
    return a;
  }();
  return acc;
}

void BM_LoopNestEvaluationsLayer9DeepWeights(benchmark::State& state) {
  const auto& net = sew();
  const auto v = net.vertex(9);
  const auto bits = cost::producer_bits(net, v);
  const auto& acc = deep_weight_meta();
  std::uint64_t evaluated = 0;
  for (auto _ : state) {
    const auto c = cost::search_node(net.layer(v), acc.cores[0], acc.dram, bits);
    evaluated += c.orderings_evaluated;
    benchmark::DoNotOptimize(c.energy_pJ);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(evaluated));
}
BENCHMARK(BM_LoopNestEvaluationsLayer9DeepWeights)->Unit(benchmark::kMillisecond);

// Cold search of every unique node of SEW time-batched layer-by-layer (one node per layer; the
// cache folds identical shapes), as a fresh process would do it.
void BM_SewTbLblUniqueNodesCold(benchmark::State& state) {
  const auto& net = sew();
  for (auto _ : state) {
    cost::NodeCostCache cache(meta());
    for (auto v : net.topological_order()) {
      const auto c = cache.get(net.layer(v), 0, cost::producer_bits(net, v));
      benchmark::DoNotOptimize(c->energy_pJ);
    }
    state.counters["unique_nodes"] = static_cast<double>(cache.size());
  }
}
BENCHMARK(BM_SewTbLblUniqueNodesCold)->Unit(benchmark::kMillisecond);

// SEW with one timestep per node (ST-LBL shapes): T = 1 in every node.
void BM_SewStLblUniqueNodesCold(benchmark::State& state) {
  const auto& net = sew();
  for (auto _ : state) {
    cost::NodeCostCache cache(meta());
    for (auto v : net.topological_order()) {
      workload::Layer step = net.layer(v);
      step.set_size(workload::Dim::T, 1);
      const auto c = cache.get(step, 0, cost::producer_bits(net, v, 1.0 / 16));
      benchmark::DoNotOptimize(c->energy_pJ);
    }
    state.counters["unique_nodes"] = static_cast<double>(cache.size());
  }
}
BENCHMARK(BM_SewStLblUniqueNodesCold)->Unit(benchmark::kMillisecond);

// Warm lookups: what the scheduler and optimiser pay per node once shapes are known.
void BM_CacheHit(benchmark::State& state) {
  const auto& net = sew();
  cost::NodeCostCache cache(meta());
  const auto& l = net.layer_by_id(9);
  cache.get(l, 0);
  for (auto _ : state)
    benchmark::DoNotOptimize(cache.get(l, 0));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheHit);

}  // namespace

// BENCHMARK_MAIN, with the allocator set as in the stems executable (allocator.hpp).
int main(int argc, char** argv) {
  stems::keep_freed_memory_for_reuse();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
