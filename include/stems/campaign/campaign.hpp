#pragma once
// Experiment campaigns (format: configs/README.md, "Campaign format"; shipped ones in
// experiments/). A campaign is a grid of runs: the cartesian product of its axes, each axis a
// list of named values. Mode `evaluate` crosses workload x hardware x schedule x state; mode
// `optimize` crosses run config x hardware x state x seed and runs the search for each point.
// A value may be restricted to some workloads/run configs (`only = [...]`), so per-benchmark
// schedules live in one grid.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stems/nir/nir_loader.hpp"

namespace stems::campaign {

enum class Mode { Evaluate, Optimize };

struct AxisValue {
  std::string name;       // unique in its axis; [A-Za-z0-9._+-]+
  std::string path;       // workload, hardware, run config or schedule file (resolved)
  std::string canonical;  // schedule: TB-LBL, TB-F, ST-LBL, ST-F, HY-<k>
  std::string time_bits, depth_bits;
  bool fuse_barrier = true;
  std::string state_bits;         // state: per-block bits
  std::uint64_t seed = 0;         // seed
  std::vector<std::string> only;  // names of the first axis's values this value combines with
  std::uint32_t line = 0;         // where it was declared, for messages
};

struct Axis {
  std::string name;  // workload, run, hardware, schedule, state, model, seed
  std::vector<AxisValue> values;
};

// A table of ratios: for every run, baseline metric / run metric ("x less than the baseline"),
// the baseline being the run with the same axis values except those named in `baseline`.
struct RatioTable {
  std::string title;
  std::vector<std::string> metrics;
  std::map<std::string, std::string> baseline;  // axis -> value name
};

// A sweep plot in the report: `metric` against the values of axis `x`, one series per value of
// axis `series` (optional), other axes as separate panels.
struct SweepPlot {
  std::string title;
  std::string metric;
  std::string x;
  std::string series;
  bool log_y = false;
};

struct EvaluateSettings {
  std::string order;      // "" = the schedule's default
  std::string lifecycle;  // carry | reset
  std::string alignment;  // padded | stems
};

struct OptimizeOverrides {
  std::string where;  // "<campaign file> [optimize]" when the table is given, for messages
  std::optional<std::string> algorithm;
  std::optional<std::size_t> population;
  std::optional<unsigned> generations;
  std::optional<std::uint64_t> evaluations;
  std::optional<double> wall_time_s;
};

struct Campaign {
  std::string path;  // the campaign file
  std::string name;
  std::string description;
  Mode mode = Mode::Evaluate;
  // The cost model of every run ([campaign] model; cost::kModelNames), unless a [[model]] axis
  // names one per run (each value's name is a model). Empty: physical for evaluate runs, the run
  // config's model for optimize runs.
  std::string model;
  std::vector<Axis> axes;  // grid order; the first is workload (evaluate) or run (optimize)
  EvaluateSettings evaluate;
  OptimizeOverrides optimize;
  nir::NirOptions nir;  // for .nir workloads in evaluate mode
  std::vector<RatioTable> tables;
  std::vector<SweepPlot> plots;

  const Axis* axis(const std::string& name) const;
};

// One grid point.
struct RunSpec {
  std::size_t index = 0;  // position in the grid (results.csv order)
  std::string key;        // value names joined by "__": unique, also the file name
  std::vector<std::pair<std::string, AxisValue>> values;  // (axis name, value), grid order

  const AxisValue* value(const std::string& axis) const;
};

// Throws InputError naming the file, line and key for any malformed or unknown entry.
Campaign load_campaign_file(const std::string& path);

// The grid in a fixed order (first axis outermost), honouring `only` restrictions.
std::vector<RunSpec> expand_grid(const Campaign& campaign);

std::string_view mode_name(Mode m);

}  // namespace stems::campaign
