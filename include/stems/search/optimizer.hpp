#pragma once
// Multi-objective search over a ScheduleContext with Pagmo2: nsga2 (default), maco, ihs, and the
// continuous moead / nspso (genes are rounded when decoded). The population is seeded with
// STEMS's hand-picked schedules (all TB-LBL, TB-F, ST-LBL, ST-F and the hybrids), so the front is
// never worse than them. Budget: generations, evaluations or wall time, whichever comes first; a
// stop flag (Ctrl-C) ends the run after the current generation with the front found so far.
// One seed drives every random choice: the same seed gives the same front whatever the thread
// count (batch fitness evaluation does not change results).

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "schedule_problem.hpp"

namespace stems::search {

struct OptimizerConfig {
  std::string algorithm = "nsga2";
  std::size_t population = 32;
  std::optional<unsigned> generations;
  std::optional<std::uint64_t> evaluations;
  std::optional<double> wall_time_s;
  std::uint64_t seed = 42;
  unsigned threads = 0;  // 0: all cores
  // Thread islands with migration (pagmo archipelago). More than one island is NOT reproducible:
  // migration between islands is asynchronous.
  unsigned islands = 1;
  // Put STEMS's canonical schedules into the initial population (off for the other MPI islands).
  bool canonical_seeds = true;
};

struct FrontPoint {
  std::vector<double> x;  // genome (integral)
  std::vector<double> f;  // objectives
};

struct ConvergenceRow {
  unsigned generation = 0;
  std::uint64_t evaluations = 0;
  double hypervolume = 0;
  std::vector<double> best;  // best value per objective
  double seconds = 0;
};

struct OptimizeResult {
  std::vector<FrontPoint> front;  // non-dominated, sorted by energy
  std::vector<ConvergenceRow> convergence;
  std::vector<double> reference_point;  // for the hypervolume
  std::uint64_t evaluations = 0;        // distinct genomes evaluated
  std::uint64_t infeasible = 0;
  double seconds = 0;
  bool interrupted = false;
};

// Called once per generation (for a progress line).
using ProgressFn = std::function<void(const ConvergenceRow&)>;

// Couples one search with others (the MPI island model, stems/parallel/mpi.hpp). Called after
// every generation by every island, in lockstep, so the result is reproducible.
struct IslandHooks {
  // Whether every island stops now; `local_stop` says whether this one wants to (budget reached
  // or interrupted). All islands must get the same answer.
  std::function<bool(bool local_stop)> agree_stop;
  // Every `interval` generations: sends this island's `migrants` best individuals and returns the
  // immigrants, which replace the worst individuals.
  unsigned interval = 5;
  std::size_t migrants = 2;
  std::function<std::vector<FrontPoint>(const std::vector<FrontPoint>& emigrants)> exchange;
};

// Throws InputError for an unknown algorithm or an invalid population size.
OptimizeResult optimize(std::shared_ptr<const problems::ScheduleContext> context,
                        const OptimizerConfig& config, const ProgressFn& progress = {},
                        const std::atomic<bool>* stop = nullptr,
                        const IslandHooks* hooks = nullptr);

// Evaluates every genome of the space (refused above `limit` genomes) and returns the exact
// front: ground truth for the search.
OptimizeResult exhaustive(std::shared_ptr<const problems::ScheduleContext> context, double limit,
                          unsigned threads = 0);

// Hypervolume of the points that strictly dominate `reference` (others contribute nothing).
double hypervolume(const std::vector<std::vector<double>>& points,
                   const std::vector<double>& reference);

// Non-dominated subset (duplicates removed), sorted by the first objective.
std::vector<FrontPoint> non_dominated(const std::vector<FrontPoint>& points);

}  // namespace stems::search
