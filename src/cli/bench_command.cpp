#include "stems/cli/bench_command.hpp"

#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "schedule_problem.hpp"
#include "stems/common/parallel_for.hpp"
#include "stems/cost/node_search.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/workload/workload_loader.hpp"

namespace stems::cli {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string machine() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return model + ", " + std::to_string(std::thread::hardware_concurrency()) + " hardware threads";
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double one = -1;
  if (!(in >> one)) return -1;
  return one;
}

// A whole evaluation as a fresh process would do it: load files, search every node, schedule.
double cold_evaluate(const std::string& workload, const std::string& hardware,
                     const std::string& time_bits_char, const std::string& depth_bits_char) {
  const auto t = Clock::now();
  const auto net = workload::load_workload_file(workload);
  const auto acc = hardware::load_hardware_file(hardware);
  const auto blocks = static_cast<std::size_t>(net.block_count());
  const auto s = schedule::schedule_from_bits(net, std::string(blocks, time_bits_char[0]),
                                              std::string(blocks, depth_bits_char[0]), true);
  cost::NodeCostCache cache(acc);
  schedule::evaluate_schedule(net, acc, s, cache);
  return seconds_since(t);
}

}  // namespace

BenchReport run_bench(const std::string& configs) {
  BenchReport r;
  r.machine = machine();
  r.load_before = load_average();
#ifdef NDEBUG
  r.optimised_build = true;
#endif
  const std::string sew = configs + "/workloads/sew_resnet_7b.toml";
  const std::string red = configs + "/workloads/red_lif.toml";
  const std::string big = configs + "/workloads/sew_resnet_152.toml";
  const std::string hw = configs + "/hardware/meta_proto_1mb.toml";

  for (const auto& [name, t, d] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"TB-LBL", "1", "0"}, {"TB-F", "1", "1"}, {"ST-LBL", "0", "0"}}) {
    const double s = cold_evaluate(sew, hw, t, d);
    r.figures.push_back({"cold evaluate SEW " + name, s, "s", "< 0.5 s", s < 0.5});
  }
  {
    const auto net = workload::load_workload_file(sew);
    const auto acc = hardware::load_hardware_file(hw);
    const auto s = schedule::schedule_from_bits(net, "1111111", "1111111", true);
    cost::NodeCostCache cache(acc);
    schedule::evaluate_schedule(net, acc, s, cache);
    // Fitness evaluations (totals only, what the optimiser pays), then with every record.
    for (const auto records : {schedule::Records::Totals, schedule::Records::Full}) {
      const auto t = Clock::now();
      int n = 0;
      while (seconds_since(t) < 1.0) {
        schedule::evaluate_schedule(net, acc, s, cache, records);
        ++n;
      }
      const double rate = n / seconds_since(t);
      if (records == schedule::Records::Totals) {
        r.figures.push_back({"warm fitness evaluations SEW TB-F (1,025 nodes), 1 thread", rate,
                             "schedules/s", ">= 1,000", rate >= 1000});
      } else {
        r.figures.push_back({"the same with every record (as stems evaluate), 1 thread", rate,
                             "schedules/s", "", false});
      }
    }
    // Loop-nest evaluations: repeated searches of layer 9.
    const auto& l9 = net.layer_by_id(9);
    const auto t2 = Clock::now();
    std::uint64_t orderings = 0;
    while (seconds_since(t2) < 1.0) {
      orderings += cost::search_node(l9, acc.cores[0], acc.dram).orderings_evaluated;
    }
    const double le = double(orderings) / seconds_since(t2);
    r.figures.push_back({"loop-nest evaluations, 1 core", le, "per s", ">= 1,000,000", le >= 1e6});
  }
  {
    const double s = cold_evaluate(red, hw, "1", "1");
    r.figures.push_back({"cold evaluate RED-LIF TB-F", s, "s", "< 1 s", s < 1.0});
  }
  {
    const double s = cold_evaluate(big, hw, "1", "0");
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const double mb = double(ru.ru_maxrss) / 1024.0;
    r.figures.push_back({"cold evaluate SEW-ResNet-152 TB-LBL", s, "s", "< 5 s", s < 5.0});
    r.figures.push_back({"peak memory of this process so far", mb, "MB", "< 1,024 MB", mb < 1024});
  }
  {
    // Parallel efficiency of batch fitness: the same 192 distinct genomes evaluated with 1 and
    // with 2 threads, node costs warm, the genome memo cleared before each timing.
    const auto net = workload::load_workload_file(sew);
    const auto acc = hardware::load_hardware_file(hw);
    const auto ctx = std::make_shared<const problems::ScheduleProblem>(
        net, acc, search::SpaceKind::Stems, search::Granularity::Block,
        search::AccuracyObjective{});
    std::mt19937_64 rng(1);
    std::uniform_int_distribution<int> bit(0, 1);
    std::set<std::vector<double>> unique;
    while (unique.size() < 192) {
      std::vector<double> x(ctx->space().dimension());
      for (auto& g : x)
        g = bit(rng);
      unique.insert(x);
    }
    const std::vector<std::vector<double>> genomes(unique.begin(), unique.end());
    auto batch = [&](unsigned threads) {
      ctx->clear_memo();
      const auto t = Clock::now();
      parallel_for(genomes.size(), threads, [&](std::size_t i) { ctx->evaluate(genomes[i]); });
      return seconds_since(t);
    };
    batch(2);  // warm the node costs
    // Best of three each, interleaved, so that neither count is timed only on a noisy moment.
    double t1 = 1e300, t2 = 1e300;
    for (int round = 0; round < 3; ++round) {
      t1 = std::min(t1, batch(1));
      t2 = std::min(t2, batch(2));
    }
    const double speedup = t1 / t2;
    r.figures.push_back({"batch fitness speed-up, 2 threads vs 1 (192 SEW schedules)", speedup, "x",
                         ">= 1.7", speedup >= 1.7});
  }
  return r;
}

}  // namespace stems::cli
