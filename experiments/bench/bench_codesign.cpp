// Google Benchmark case of issue 19's co-design target (>= 500 genome evaluations per second on
// SEW-ResNet, one thread, warm): the 2,000 uniformly random genomes (seed 42) of
// configs/runs/sew_resnet_7b_hw.toml, every hardware configuration and its node costs built once
// before the timing (about 25 s, then reused by every repetition). Each iteration evaluates the
// next genome; after a pass over the 2,000 the genome memo is cleared (outside the timing), so
// every timed evaluation schedules its genome afresh, as the search does for a genome it has not
// seen, with the configuration's node costs warm. The same figure as the disabled test
// CoDesign.WarmEvaluationsPerSecond (tests/test_search.cpp), which prints it per pass.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "run_context.hpp"
#include "schedule_problem.hpp"
#include "stems/search/run_config.hpp"

using namespace stems;

namespace {

struct CoDesignGenomes {
  std::shared_ptr<const problems::ScheduleProblem> problem;
  std::vector<std::vector<double>> genomes;
};

const CoDesignGenomes& codesign() {
  static const CoDesignGenomes g = [] {
    CoDesignGenomes out;
    const auto rc =
        search::load_run_config(std::string(STEMS_CONFIGS) + "/runs/sew_resnet_7b_hw.toml");
    out.problem = problems::make_context(rc);
    const auto counts = out.problem->option_counts();
    std::mt19937_64 rng(42);
    out.genomes.resize(2000);
    for (auto& x : out.genomes) {
      for (const std::uint64_t c : counts)
        x.push_back(static_cast<double>(rng() % c));
    }
    for (const auto& x : out.genomes)
      out.problem->evaluate(x);  // cold: every configuration and its node costs
    return out;
  }();
  return g;
}

void BM_CoDesignWarmRandomGenomes(benchmark::State& state) {
  const CoDesignGenomes& g = codesign();
  std::size_t i = 0;
  g.problem->clear_memo();
  for (auto _ : state) {
    benchmark::DoNotOptimize(g.problem->evaluate(g.genomes[i]));
    if (++i == g.genomes.size()) {
      state.PauseTiming();
      g.problem->clear_memo();
      i = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());  // genome evaluations per second
}

BENCHMARK(BM_CoDesignWarmRandomGenomes)->Unit(benchmark::kMicrosecond)->MinTime(3.0);

}  // namespace
