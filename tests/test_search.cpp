// Tests of the search (stems/search and problems/): genome encoding, the Pagmo problem, the
// optimiser's seeding, determinism, accuracy models, exhaustive ground truth.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <pagmo/bfe.hpp>
#include <pagmo/problem.hpp>
#include <set>
#include <thread>

#include "schedule_problem.hpp"
#include "stems/common/error.hpp"
#include "stems/config/document.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/nir/nir_loader.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/search/optimizer.hpp"
#include "stems/search/run_config.hpp"
#include "stems/search/search_space.hpp"
#include "stems/search/thread_bfe.hpp"
#include "stems/simulate/events.hpp"
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

// Blocks 4-6 of SEW (small feature maps): 3 blocks, 12 layers, fast to evaluate.
workload::Network small() {
  const char* text = R"(
[workload]
name = "sew_tail"
timesteps = 16
[[layer]]
id = 0
op = "conv2d"
block = 0
K = 128
C = 64
OY = 8
OX = 8
FY = 1
FX = 1
neuron = "PLIF"
precision = { W = 4, I = 1, O = 1, psum = 12, V = 12 }
[[layer]]
id = 1
op = "conv2d"
block = 0
K = 128
C = 128
OY = 8
OX = 8
FY = 3
FX = 3
padding = 1
neuron = "PLIF"
precision = { W = 4, I = 1, O = 1, psum = 12, V = 12 }
inputs = { I = 0 }
[[layer]]
id = 2
op = "maxpool"
block = 0
K = 128
OY = 4
OX = 4
FY = 2
FX = 2
precision = { I = 1, O = 1 }
inputs = { I = 1 }
[[layer]]
id = 3
op = "conv2d"
block = 1
K = 128
C = 128
OY = 4
OX = 4
FY = 3
FX = 3
padding = 1
neuron = "PLIF"
precision = { W = 4, I = 1, O = 1, psum = 12, V = 12 }
inputs = { I = 2 }
[[layer]]
id = 4
op = "maxpool"
block = 1
K = 128
OY = 2
OX = 2
FY = 2
FX = 2
precision = { I = 1, O = 1 }
inputs = { I = 3 }
[[layer]]
id = 5
op = "conv2d"
block = 2
K = 128
C = 128
OY = 2
OX = 2
FY = 3
FX = 3
padding = 1
neuron = "PLIF"
precision = { W = 4, I = 1, O = 1, psum = 12, V = 12 }
inputs = { I = 4 }
)";
  return workload::load_workload(config::parse_toml_string(text, "small.toml"));
}

std::shared_ptr<const problems::ScheduleContext> context(
    workload::Network net, search::SpaceKind kind = search::SpaceKind::Stems,
    search::AccuracyModel acc = {}) {
  return std::make_shared<const problems::ScheduleContext>(std::move(net), meta(), kind,
                                                           search::Granularity::Block, acc);
}

}  // namespace

TEST(SearchSpace, StemsSpaceOfSewIsTheSixteenThousandSchedules) {
  const auto net = sew();
  search::SearchSpace space(net, search::SpaceKind::Stems, search::Granularity::Block);
  EXPECT_EQ(space.dimension(), 14u);  // a time and a depth gene per block
  EXPECT_DOUBLE_EQ(space.size(), 16384.0);
  EXPECT_FALSE(space.has_state_genes());
}

TEST(SearchSpace, EncodeDecodeRoundTripOfStemsBitStrings) {
  auto net = sew();
  search::SearchSpace space(net, search::SpaceKind::Stems, search::Granularity::Block);
  for (const auto& [t, d] : std::vector<std::pair<std::string, std::string>>{
           {"1111111", "0000000"}, {"0011111", "1111111"}, {"0101010", "1100110"}}) {
    const auto x = space.encode_bits(t, d);
    const auto s = space.decode(x, net);
    EXPECT_EQ(s.time_bits, t);
    EXPECT_EQ(s.depth_bits, d);
    const auto ref = schedule::schedule_from_bits(net, t, d, true);
    for (workload::Vertex v : net.topological_order()) {
      EXPECT_EQ(s.layers[v].time_tile, ref.layers[v].time_tile);
      EXPECT_EQ(s.layers[v].ox_tile, ref.layers[v].ox_tile);
      EXPECT_EQ(s.layers[v].fuse_group, ref.layers[v].fuse_group);
    }
  }
}

TEST(SearchSpace, FullSpaceHasDivisorTilesAndBarriers) {
  auto net = sew();
  search::SearchSpace space(net, search::SpaceKind::Full, search::Granularity::Block);
  const auto& g = space.genes();
  ASSERT_FALSE(g.empty());
  EXPECT_EQ(g[0].label, "b0.time");
  EXPECT_EQ(g[0].options, (std::vector<std::uint64_t>{1, 2, 4, 8, 16}));
  EXPECT_EQ(g[1].label, "b0.space");
  EXPECT_EQ(g[1].options, (std::vector<std::uint64_t>{0, 1, 2, 4, 8, 16, 32, 64}));
  EXPECT_EQ(
      std::count_if(g.begin(), g.end(),
                    [](const search::Gene& x) { return x.kind == search::GeneKind::Barrier; }),
      6);
  // Any genome decodes to a schedule the scheduler accepts.
  std::vector<double> x(g.size());
  for (std::size_t i = 0; i < g.size(); ++i)
    x[i] = double((i * 7) % g[i].options.size());
  const auto s = space.decode(x, net);
  cost::NodeCostCache cache(meta());
  EXPECT_GT(schedule::evaluate_schedule(net, meta(), s, cache).energy_pJ, 0);
}

TEST(ScheduleProblem, ObjectivesAreTheEvaluatorsNumbers) {
  const auto ctx = context(sew());
  problems::ScheduleProblem p(ctx);
  EXPECT_EQ(p.get_nobj(), 3u);
  EXPECT_EQ(p.get_nix(), 14u);
  EXPECT_EQ(p.get_bounds().second, std::vector<double>(14, 1.0));
  const auto f = p.fitness(ctx->space.encode_bits("1111111", "1111111"));
  EXPECT_NEAR(f[0], 3'984'057'248.0, 0.001 * 3'984'057'248.0);  // TB-F, reference energy
  EXPECT_EQ(f[2], 46'362'624.0);
  EXPECT_EQ(ctx->evaluations(), 1u);
  p.fitness(ctx->space.encode_bits("1111111", "1111111"));
  EXPECT_EQ(ctx->evaluations(), 1u);  // memoised
}

TEST(ScheduleProblem, FreeStateWithoutAccuracyModelIsRefused) {
  auto net = sew();
  for (workload::Vertex v : net.topological_order()) {
    auto& l = net.mutable_layer(v);
    if (l.has_neurons()) l.state_policy = workload::StatePolicy::Free;
  }
  try {
    context(net);
    FAIL() << "expected a refusal";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("accuracy model"), std::string::npos);
  }
}

TEST(Optimizer, FrontIsNeverWorseThanStemsHandPickedSchedules) {
  const auto ctx = context(sew());
  search::OptimizerConfig c;
  c.population = 16;
  c.generations = 3;
  c.threads = 2;
  const auto r = search::optimize(ctx, c);
  ASSERT_FALSE(r.front.empty());
  const double tbf = ctx->evaluate(ctx->space.encode_bits("1111111", "1111111"))[0];
  EXPECT_LE(r.front.front().f[0], tbf);  // the front's lowest energy
  EXPECT_EQ(r.convergence.size(), 4u);   // generation 0 + 3
  for (std::size_t i = 1; i < r.convergence.size(); ++i) {
    EXPECT_GE(r.convergence[i].hypervolume, r.convergence[i - 1].hypervolume);  // archive HV
  }
}

TEST(Optimizer, SameSeedSameFrontWhateverTheThreadCount) {
  search::OptimizerConfig c;
  c.population = 16;
  c.generations = 4;
  c.seed = 7;
  c.threads = 1;
  const auto a = search::optimize(context(small()), c);
  c.threads = 2;
  const auto b = search::optimize(context(small()), c);
  ASSERT_EQ(a.front.size(), b.front.size());
  for (std::size_t i = 0; i < a.front.size(); ++i) {
    EXPECT_EQ(a.front[i].x, b.front[i].x);
    EXPECT_EQ(a.front[i].f, b.front[i].f);
  }
}

TEST(Optimizer, ReachesTheExhaustiveFrontOfASmallSpace) {
  // 3 blocks: 2^6 = 64 schedules. The search with a budget of 64 evaluations finds >= 99% of the
  // exhaustive front's hypervolume (same reference point).
  const auto exact = search::exhaustive(context(small()), 1000, 2);
  EXPECT_EQ(exact.evaluations, 64u);
  ASSERT_FALSE(exact.front.empty());
  search::OptimizerConfig c;
  c.population = 8;
  c.evaluations = 64;
  c.generations = 50;
  const auto r = search::optimize(context(small()), c);
  std::vector<std::vector<double>> fe, fr;
  for (const auto& p : exact.front)
    fe.push_back(p.f);
  for (const auto& p : r.front)
    fr.push_back(p.f);
  const double hv_exact = search::hypervolume(fe, exact.reference_point);
  EXPECT_GT(hv_exact, 0);
  EXPECT_GE(search::hypervolume(fr, exact.reference_point), 0.99 * hv_exact);
}

TEST(Optimizer, ExhaustiveIsRefusedAboveTheLimit) {
  EXPECT_THROW(search::exhaustive(context(sew()), 1000, 1), InputError);
}

TEST(Optimizer, AccuracyTableFindsTheFivePlifConfiguration) {
  // The paper's finding: early blocks need no state. Equal accuracy for 5PLIF..7PLIF, lower for
  // fewer stateful blocks: the front holds 5PLIF (0011111), ~20x fewer state bits than 7PLIF and
  // less energy.
  auto net = sew();
  for (workload::Vertex v : net.topological_order()) {
    auto& l = net.mutable_layer(v);
    if (l.has_neurons()) l.state_policy = workload::StatePolicy::Free;
  }
  search::AccuracyModel acc;
  acc.table = {{"1111111", 0.930}, {"0111111", 0.930}, {"0011111", 0.930}, {"0001111", 0.910},
               {"0000111", 0.880}, {"0000011", 0.850}, {"0000001", 0.800}, {"0000000", 0.700}};
  acc.min_accuracy = 0.92;
  auto ctx = std::make_shared<const problems::ScheduleContext>(
      net, meta(), search::SpaceKind::Stems, search::Granularity::Block, acc);
  EXPECT_EQ(ctx->objectives(), 4u);
  search::OptimizerConfig c;
  c.population = 32;
  c.generations = 6;
  const auto r = search::optimize(ctx, c);
  bool found = false;
  const double seven = ctx->evaluate(ctx->space.encode_bits("1111111", "1111111"))[0];
  for (const auto& p : r.front) {
    if (p.f[2] == 2'322'432.0) {
      found = true;
      EXPECT_LT(p.f[0], seven);
      EXPECT_DOUBLE_EQ(-p.f[3], 0.930);
    }
    EXPECT_GE(-p.f[3], 0.92);  // the constraint holds on the front
  }
  EXPECT_TRUE(found);
}

TEST(Optimizer, DefaultRunReachesTheExhaustiveSewFrontWithin2000Evaluations) {
  // Ground truth from `stems optimize configs/runs/sew_resnet_7b_1mb.toml --exhaustive` (all
  // 16,384 schedules of STEMS's per-block space, 246 s on 2 cores): its front and the reference
  // point it derived (10% beyond the worst value of every objective). Regenerate both if the cost
  // model changes.
  const std::vector<std::vector<double>> exact = {{3978056608.0, 28976531.0, 46362624.0},
                                                  {4262331132.16, 28974249.0, 46362624.0},
                                                  {5749175000.32, 28592821.0, 46362624.0},
                                                  {6033449524.48, 28590539.0, 46362624.0}};
  const std::vector<double> ref = {24025187900.73826, 61957042.4, 50998886.4};
  search::OptimizerConfig c;  // the shipped run's settings
  c.population = 32;
  c.generations = 40;
  c.evaluations = 2000;
  c.seed = 42;
  const auto r = search::optimize(context(sew()), c);
  EXPECT_LE(r.evaluations, 2000u + 32u);  // the budget is checked between generations
  std::vector<std::vector<double>> found;
  for (const auto& p : r.front)
    found.push_back(p.f);
  EXPECT_GE(search::hypervolume(found, ref), 0.99 * search::hypervolume(exact, ref));
  // The best energy is below STEMS's best hand-picked schedule (TB-F, 3.9841 mJ).
  EXPECT_LT(r.front.front().f[0], 3'984'057'248.0);
}

TEST(Optimizer, EveryAlgorithmRunsAndKeepsGenomesIntegral) {
  for (const char* name : {"nsga2", "maco", "ihs", "moead", "nspso"}) {
    SCOPED_TRACE(name);
    search::OptimizerConfig c;
    c.algorithm = name;
    c.population = 8;
    c.generations = 2;
    const auto r = search::optimize(context(small()), c);
    ASSERT_FALSE(r.front.empty());
    for (const auto& p : r.front) {
      for (double g : p.x)
        EXPECT_EQ(g, std::nearbyint(g));
    }
  }
  search::OptimizerConfig bad;
  bad.algorithm = "simulated_annealing";
  bad.generations = 1;
  EXPECT_THROW(search::optimize(context(small()), bad), InputError);
  bad.algorithm = "nsga2";
  bad.population = 10;  // not a multiple of 4
  EXPECT_THROW(search::optimize(context(small()), bad), InputError);
}

TEST(Optimizer, ThreadIslandsWithMigrationRun) {
  search::OptimizerConfig c;
  c.population = 8;
  c.generations = 3;
  c.islands = 2;
  const auto r = search::optimize(context(small()), c);
  EXPECT_FALSE(r.front.empty());
  EXPECT_EQ(r.convergence.size(), 4u);
}

TEST(Optimizer, StopFlagEndsTheRunWithTheFrontSoFar) {
  std::atomic<bool> stop{false};
  search::OptimizerConfig c;
  c.population = 8;
  c.generations = 1000;
  unsigned seen = 0;
  const auto r = search::optimize(
      context(small()), c,
      [&](const search::ConvergenceRow& row) {
        seen = row.generation;
        if (row.generation == 2) stop.store(true);  // as the SIGINT handler does
      },
      &stop);
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(seen, 2u);
  EXPECT_FALSE(r.front.empty());
}

TEST(SearchSpace, MultiCoreHardwareAddsCoreGenes) {
  const auto net = sew();
  const auto acc = hardware::load_hardware_file(kConfigs + "/hardware/meta_proto_1mb_3core.toml");
  search::SearchSpace space(net, search::SpaceKind::Stems, search::Granularity::Block, &acc);
  std::size_t cores = 0;
  for (const auto& g : space.genes())
    cores += g.kind == search::GeneKind::Core;
  EXPECT_EQ(cores, 14u);  // 7 adds (compute or SIMD) + 7 pools (compute or pooling)
  auto decoded = net;
  std::vector<double> x = space.encode_bits("1111111", "0000000");
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (space.genes()[i].kind == search::GeneKind::Core) x[i] = 1;  // the second allowed core
  }
  const auto s = space.decode(x, decoded);
  EXPECT_EQ(s.cores[net.vertex(3)], 2);
  EXPECT_EQ(s.cores[net.vertex(4)], 1);
  EXPECT_EQ(s.cores[net.vertex(1)], -1);
}

TEST(Optimizer, SimulatedAccuracyGivesAFourObjectiveFront) {
  // [accuracy.simulate] on the synthetic gesture NIR model: the accuracy objective is the
  // agreement with the fully stateful network on 3 Poisson samples, computed per state schedule.
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("stems_search_sim_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  simulate::save_events((dir / "events.npy").string(),
                        simulate::poisson_events({2, 64, 64}, 3, 4, 0.2, 1));
  {
    std::ofstream run(dir / "run.toml");
    run << "[run]\nworkload = \"" << STEMS_SHARED_NIR << "/conv_gesture_synthetic.nir\"\n"
        << "hardware = \"" << kConfigs << "/hardware/meta_proto_1mb.toml\"\nseed = 3\n"
        << "[nir]\ntimesteps = 4\nweight_bits = 4\nstate_bits = 12\n"
        << "[search]\nfree_state_blocks = [0, 1, 2, 3]\n"
        << "[algorithm]\npopulation = 8\ngenerations = 3\n"
        << "[accuracy]\nsimulate = { inputs = \"events.npy\", samples = 3, dt_s = 0.005 }\n";
  }
  const search::RunConfig rc = search::load_run_config((dir / "run.toml").string());
  ASSERT_TRUE(rc.accuracy.oracle);
  workload::Network net = nir::load_any_workload(rc.workload, rc.nir);
  for (workload::Vertex v : net.topological_order()) {
    auto& l = net.mutable_layer(v);
    if (l.has_neurons()) l.state_policy = workload::StatePolicy::Free;
  }
  auto ctx = std::make_shared<const problems::ScheduleContext>(net, meta(), rc.space,
                                                               rc.granularity, rc.accuracy);
  EXPECT_EQ(ctx->objectives(), 4u);
  const auto r = search::optimize(ctx, rc.optimizer);
  ASSERT_FALSE(r.front.empty());
  std::set<double> state_bits;
  for (const auto& p : r.front) {
    ASSERT_EQ(p.f.size(), 4u);
    workload::Network decoded = ctx->network;
    ctx->space.decode(p.x, decoded);
    const std::string bits = workload::current_state_schedule(decoded);
    EXPECT_DOUBLE_EQ(-p.f[3], rc.accuracy.oracle->estimate(bits).accuracy) << bits;
    EXPECT_EQ(p.f[2], static_cast<double>(decoded.totals().state_bits));
    state_bits.insert(p.f[2]);
  }
  // The front trades accuracy against state: more than one state configuration survives.
  EXPECT_GT(state_bits.size(), 1u);
  EXPECT_DOUBLE_EQ(rc.accuracy.oracle->estimate("1111").accuracy, 1.0);
  std::filesystem::remove_all(dir);
}

TEST(RunConfig, SimulatedAccuracyNeedsANirWorkloadAndKnownKeys) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("stems_search_simcfg_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto load = [&](const std::string& workload, const std::string& simulate) {
    std::ofstream(dir / "run.toml")
        << "[run]\nworkload = \"" << workload << "\"\nhardware = \"" << kConfigs
        << "/hardware/meta_proto_1mb.toml\"\n[algorithm]\ngenerations = 1\n[accuracy]\nsimulate = "
        << simulate << "\n";
    return search::load_run_config((dir / "run.toml").string());
  };
  const std::string nir = std::string(STEMS_SHARED_NIR) + "/conv_gesture_synthetic.nir";
  EXPECT_THROW(load(kConfigs + "/workloads/sew_resnet_7b.toml", "{ inputs = \"x.npy\" }"),
               InputError);
  EXPECT_THROW(load(nir, "{ inputs = \"x.npy\", sampels = 3 }"), InputError);  // unknown key
  EXPECT_THROW(load(nir, "{ inputs = \"missing.npy\" }"), InputError);         // no such file
  std::filesystem::remove_all(dir);
}

// The optimisers' batch evaluator: std::threads, results in the order of the genomes, equal to
// one-by-one evaluation, fevals counted once per genome.
TEST(ThreadBfe, BatchEqualsOneByOneEvaluationInOrder) {
  const auto ctx = context(sew());
  const pagmo::problem prob{problems::ScheduleProblem{ctx}};
  std::vector<std::vector<double>> genomes;
  for (const char* t : {"1111111", "0000000", "1010101", "0110011"}) {
    for (const char* d : {"1111111", "0000000", "1100110"})
      genomes.push_back(ctx->space.encode_bits(t, d));
  }
  pagmo::vector_double dvs;
  for (const auto& g : genomes)
    dvs.insert(dvs.end(), g.begin(), g.end());
  const pagmo::bfe batch{search::ThreadBfe{2}};
  const pagmo::vector_double f = batch(prob, dvs);
  EXPECT_EQ(prob.get_fevals(), genomes.size());
  ASSERT_EQ(f.size(), genomes.size() * 3);
  const auto serial = context(sew());  // a fresh memo: the numbers are recomputed
  for (std::size_t i = 0; i < genomes.size(); ++i) {
    const auto one = serial->evaluate(genomes[i]);
    for (std::size_t k = 0; k < 3; ++k)
      EXPECT_EQ(f[i * 3 + k], one[k]) << "genome " << i;
  }
}

TEST(ThreadBfe, ProblemsThatAreNotConstantThreadSafeAreEvaluatedSerially) {
  struct Counts {
    std::atomic<int> inside{0}, most{0};
  };
  struct Counting {  // thread safety `basic` (pagmo's default): one call at a time
    std::shared_ptr<Counts> counts = std::make_shared<Counts>();  // shared by copies
    pagmo::vector_double fitness(const pagmo::vector_double& x) const {
      const int now = ++counts->inside;
      int most = counts->most.load();
      while (now > most && !counts->most.compare_exchange_weak(most, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      --counts->inside;
      return {x[0] * 2};
    }
    std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const { return {{0}, {9}}; }
  };
  const Counting udp;
  const pagmo::problem prob{udp};
  const pagmo::bfe batch{search::ThreadBfe{4}};
  const auto f = batch(prob, pagmo::vector_double{1, 2, 3, 4, 5, 6});
  EXPECT_EQ(f, (pagmo::vector_double{2, 4, 6, 8, 10, 12}));
  EXPECT_EQ(udp.counts->most.load(), 1);
  EXPECT_EQ(prob.get_fevals(), 6u);
}

// pareto.json names every gene's kind (a core gene used to be written as "?").
TEST(SearchSpace, EveryGeneKindHasItsOwnName) {
  std::set<std::string> names;
  for (auto k : {search::GeneKind::TimeTile, search::GeneKind::SpatialTile,
                 search::GeneKind::Barrier, search::GeneKind::StateKeep, search::GeneKind::Core}) {
    const std::string name(search::gene_kind_name(k));
    EXPECT_NE(name, "?");
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 5u);
  EXPECT_EQ(search::gene_kind_name(search::GeneKind::Core), "core");
}
