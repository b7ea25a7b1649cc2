#pragma once
// `stems bench`: measures the headline speed figures of issue 8 on this machine, in-process, on
// the shipped configs, and reports them against their targets. Google Benchmark
// (experiments/bench) has the fine-grained cases; this is the one-command summary.

#include <ostream>
#include <string>
#include <vector>

namespace stems::cli {

struct BenchFigure {
  std::string name;
  double value = 0;
  std::string unit;
  std::string target;  // human readable
  bool met = false;
};

struct BenchReport {
  std::string machine;           // CPU model, cores
  std::string model;             // the cost model measured
  bool optimised_build = false;  // built with NDEBUG (Release); a debug build is not representative
  // 1-minute load average (/proc/loadavg; -1 if unknown) before the first timing: above about
  // half a core, other work shared the machine and the throughputs are lower bounds.
  double load_before = -1;
  std::vector<BenchFigure> figures;
};

// `configs` is the configs/ directory. Throws InputError if a config is missing.
BenchReport run_bench(const std::string& configs, const std::string& model = "");

struct BenchOptions {
  std::string configs = "configs";
  std::string model;  // physical (default) | stems | physical-reserved
  std::string json;
};
// Measures, prints the table (and the JSON with --json).
int run_bench_command(const BenchOptions& o, std::ostream& out);

}  // namespace stems::cli
