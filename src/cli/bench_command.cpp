#include "stems/cli/bench_command.hpp"

#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "schedule_problem.hpp"
#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"
#include "stems/common/parallel_for.hpp"
#include "stems/cost/node_search.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/report/network_report.hpp"
#include "stems/report/table.hpp"
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
                     const std::string& time_bits_char, const std::string& depth_bits_char,
                     const cost::NodeSearchOptions& options) {
  const auto t = Clock::now();
  const auto net = workload::load_workload_file(workload);
  const auto acc = hardware::load_hardware_file(hardware);
  const auto blocks = static_cast<std::size_t>(net.block_count());
  auto s = schedule::schedule_from_bits(net, std::string(blocks, time_bits_char[0]),
                                        std::string(blocks, depth_bits_char[0]), true);
  s.alignment = schedule::default_alignment(options.policy);
  cost::NodeCostCache cache(acc, options);
  schedule::evaluate_schedule(net, acc, s, cache);
  return seconds_since(t);
}

}  // namespace

namespace {

struct BenchFiles {
  std::string sew, red, big, hw;
  cost::NodeSearchOptions options;  // the cost model benchmarked
};

// Cold whole-process-like evaluations of SEW (three corners), RED-LIF and SEW-ResNet-152, and the
// process's peak memory after them.
void cold_figures(const BenchFiles& f, std::vector<BenchFigure>& out) {
  for (const auto& [name, t, d] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"TB-LBL", "1", "0"}, {"TB-F", "1", "1"}, {"ST-LBL", "0", "0"}}) {
    const double s = cold_evaluate(f.sew, f.hw, t, d, f.options);
    out.push_back({"cold evaluate SEW " + name, s, "s", "< 0.5 s", s < 0.5});
  }
  const double red = cold_evaluate(f.red, f.hw, "1", "1", f.options);
  out.push_back({"cold evaluate RED-LIF TB-F", red, "s", "< 1 s", red < 1.0});
  const double big = cold_evaluate(f.big, f.hw, "1", "0", f.options);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double mb = double(ru.ru_maxrss) / 1024.0;
  out.push_back({"cold evaluate SEW-ResNet-152 TB-LBL", big, "s", "< 5 s", big < 5.0});
  out.push_back({"peak memory of this process so far", mb, "MB", "< 1,024 MB", mb < 1024});
}

// Warm evaluations of SEW TB-F (totals only, what the optimiser pays; then every record) and
// loop-nest evaluations (repeated searches of layer 9), one thread, one second each.
void warm_figures(const BenchFiles& f, std::vector<BenchFigure>& out) {
  const auto net = workload::load_workload_file(f.sew);
  const auto acc = hardware::load_hardware_file(f.hw);
  auto s = schedule::schedule_from_bits(net, "1111111", "1111111", true);
  s.alignment = schedule::default_alignment(f.options.policy);
  cost::NodeCostCache cache(acc, f.options);
  schedule::evaluate_schedule(net, acc, s, cache);
  for (const auto records : {schedule::Records::Totals, schedule::Records::Full}) {
    const auto t = Clock::now();
    int n = 0;
    while (seconds_since(t) < 1.0) {
      schedule::evaluate_schedule(net, acc, s, cache, records);
      ++n;
    }
    const double rate = n / seconds_since(t);
    if (records == schedule::Records::Totals) {
      out.push_back({"warm fitness evaluations SEW TB-F (1,025 nodes), 1 thread", rate,
                     "schedules/s", ">= 1,000", rate >= 1000});
    } else {
      out.push_back({"the same with every record (as stems evaluate), 1 thread", rate,
                     "schedules/s", "", false});
    }
  }
  const auto& l9 = net.layer_by_id(9);
  const auto t2 = Clock::now();
  std::uint64_t orderings = 0;
  while (seconds_since(t2) < 1.0) {
    orderings += cost::search_node(l9, acc.cores[0], acc.dram, {}, f.options).orderings_evaluated;
  }
  const double le = double(orderings) / seconds_since(t2);
  out.push_back({"loop-nest evaluations, 1 core", le, "per s", ">= 1,000,000", le >= 1e6});
}

// Parallel efficiency of batch fitness: the same 192 distinct genomes evaluated with 1 and with
// 2 threads, node costs warm, the genome memo cleared before each timing; best of three each,
// interleaved, so that neither count is timed only on a noisy moment.
void parallel_figure(const BenchFiles& f, std::vector<BenchFigure>& out) {
  const auto problem = std::make_shared<const problems::ScheduleProblem>(
      workload::load_workload_file(f.sew), hardware::load_hardware_file(f.hw),
      search::SpaceKind::Stems, search::Granularity::Block, search::AccuracyObjective{},
      f.options.policy);
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> bit(0, 1);
  std::set<std::vector<double>> unique;
  while (unique.size() < 192) {
    std::vector<double> x(problem->space().dimension());
    for (auto& g : x)
      g = bit(rng);
    unique.insert(x);
  }
  const std::vector<std::vector<double>> genomes(unique.begin(), unique.end());
  auto batch = [&](unsigned threads) {
    problem->clear_memo();
    const auto t = Clock::now();
    parallel_for(genomes.size(), threads, [&](std::size_t i) { problem->evaluate(genomes[i]); });
    return seconds_since(t);
  };
  batch(2);  // warm the node costs
  double t1 = 1e300, t2 = 1e300;
  for (int round = 0; round < 3; ++round) {
    t1 = std::min(t1, batch(1));
    t2 = std::min(t2, batch(2));
  }
  const double speedup = t1 / t2;
  out.push_back({"batch fitness speed-up, 2 threads vs 1 (192 SEW schedules)", speedup, "x",
                 ">= 1.7", speedup >= 1.7});
}

}  // namespace

BenchReport run_bench(const std::string& configs, const std::string& model) {
  BenchReport r;
  r.machine = machine();
  r.load_before = load_average();
#ifdef NDEBUG
  r.optimised_build = true;
#endif
  BenchFiles f{configs + "/workloads/sew_resnet_7b.toml",
               configs + "/workloads/red_lif.toml",
               configs + "/workloads/sew_resnet_152.toml",
               configs + "/hardware/meta_proto_1mb.toml",
               {}};
  f.options.policy = cost::policy_named(model, "--model");
  r.model = std::string(f.options.policy.name());
  // The order of the figures is the order of the report (and of --json).
  std::vector<BenchFigure> cold, warm, parallel;
  cold_figures(f, cold);
  warm_figures(f, warm);
  parallel_figure(f, parallel);
  r.figures = {cold[0], cold[1], cold[2], warm[0], warm[1],
               warm[2], cold[3], cold[4], cold[5], parallel[0]};
  return r;
}

int run_bench_command(const BenchOptions& o, std::ostream& out) {
  const BenchReport r = run_bench(o.configs, o.model);
  report::TextTable t({"figure", "measured", "unit", "target", "met"});
  report::Json j;
  j["machine"] = r.machine;
  j["model"] = r.model;
  j["optimised_build"] = r.optimised_build;
  j["load_average_before"] = r.load_before;
  j["figures"] = report::Json::array();
  for (const auto& f : r.figures) {
    const bool has_target = !f.target.empty();  // the others are for information
    t.add_row({f.name, report::fixed(f.value, f.value >= 100 ? 0 : 3), f.unit,
               has_target ? f.target : "-", has_target ? (f.met ? "yes" : "NO") : "-"});
    j["figures"].push_back({{"name", f.name},
                            {"value", f.value},
                            {"unit", f.unit},
                            {"target", f.target},
                            {"met", has_target ? report::Json(f.met) : report::Json(nullptr)}});
  }
  if (!o.json.empty()) write_file_atomically(o.json, j.dump(2) + "\n");
  if (o.json != "-") {
    out << "stems bench (model " << r.model << ") on " << r.machine << ", "
        << (r.optimised_build ? "optimised build" : "DEBUG BUILD (figures not representative)")
        << ", load average " << report::fixed(r.load_before, 2) << " before\n\n"
        << t.render();
    if (r.load_before > 0.5) {
      out << "\nnote: other work was running (load average " << report::fixed(r.load_before, 2)
          << "): the throughputs above are lower bounds\n";
    }
  }
  return kExitOk;
}

}  // namespace stems::cli
