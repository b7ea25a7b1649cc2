#pragma once
// Multi-objective search over a search::Problem with Pagmo2: nsga2 (default), maco, ihs, and the
// continuous moead / nspso (genes are rounded when decoded). The first population starts from the
// problem's seeds (for a schedule search: STEMS's hand-picked schedules, all TB-LBL, TB-F, ST-LBL,
// ST-F and the hybrids, also in the lossless state configuration when an accuracy model gives
// one), so the front is never worse than them. Budget: generations, evaluations or
// wall time, whichever comes first; a stop flag (Ctrl-C) ends the run after the current generation
// with the front found so far. One seed drives every random choice: the same seed gives the same
// front whatever the thread count (batch fitness evaluation does not change results).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <pagmo/problem.hpp>
#include <string>
#include <vector>

#include "stems/search/objectives.hpp"
#include "stems/search/problem.hpp"

namespace stems::search {

// The algorithms by name, validated in one place (run configs, the optimiser).
const std::vector<std::string>& algorithm_names();  // nsga2, maco, ihs, moead, nspso
bool is_algorithm(const std::string& name);
std::string allowed_algorithms();  // "nsga2, maco, ihs, moead or nspso"
// "unknown algorithm 'x'; expected nsga2, ..." for a name not in algorithm_names(), or "" (the
// one wording of run configs, campaigns and the optimiser).
std::string algorithm_problem(const std::string& name);
// Why `population` does not suit `algorithm` (nsga2: a multiple of 4 and at least 8; moead: at
// least 3), or "" when it does.
std::string population_problem(const std::string& algorithm, std::uint64_t population);
// Pagmo takes 32-bit seeds: a 64-bit seed is folded (high half xor low half), so every seed below
// 2^32 is passed unchanged and seeds that differ only above bit 31 still differ.
unsigned pagmo_seed(std::uint64_t seed);

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
  // Start from the problem's seeds (STEMS's canonical schedules; off for the other MPI islands).
  bool problem_seeds = true;
};

struct FrontPoint {
  std::vector<double> x;  // genome (integral)
  Objectives objectives;
};

// An individual as pagmo holds it (decision vector and minimised fitness vector): what search
// islands exchange.
struct Migrant {
  std::vector<double> x;
  std::vector<double> f;
};

struct ConvergenceRow {
  unsigned generation = 0;
  std::uint64_t evaluations = 0;
  double hypervolume = 0;
  Objectives best;  // best value of each objective over the archive (lowest; highest accuracy)
  double seconds = 0;
};

struct OptimizeResult {
  ObjectiveSet objectives;
  std::vector<FrontPoint> front;  // non-dominated, sorted by energy, then latency, ...
  std::vector<ConvergenceRow> convergence;
  std::vector<double> reference_point;  // for the hypervolume, in pagmo's minimised form
  std::uint64_t evaluations = 0;        // distinct genomes evaluated
  std::uint64_t infeasible = 0;
  std::string first_infeasible_reason;  // "" when every genome was feasible
  // Individuals that arrived from other islands (thread islands: pagmo's migration log; MPI:
  // the ring exchanges of this rank). 0 with one island.
  std::uint64_t migrants_received = 0;
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
  std::function<std::vector<Migrant>(const std::vector<Migrant>& emigrants)> exchange;
};

// The pagmo::problem the algorithms evolve over `problem` (sharing it, memo included): pagmo sees
// the minimised vectors of objectives.hpp and integer bounds 0 .. option count - 1.
pagmo::problem to_pagmo_problem(std::shared_ptr<const Problem> problem);

// Throws InputError for an unknown algorithm or an invalid population size.
OptimizeResult optimize(std::shared_ptr<const Problem> problem, const OptimizerConfig& config,
                        const ProgressFn& progress = {}, const std::atomic<bool>* stop = nullptr,
                        const IslandHooks* hooks = nullptr);

// Evaluates every genome of the space (refused above `limit` genomes) and returns the exact
// front: ground truth for the search.
OptimizeResult exhaustive(std::shared_ptr<const Problem> problem, double limit,
                          unsigned threads = 0);

// Hypervolume of the points that strictly dominate `reference` (others contribute nothing).
double hypervolume(const std::vector<std::vector<double>>& points,
                   const std::vector<double>& reference);

// Non-dominated subset (duplicates removed), sorted by pagmo's vector (energy first).
std::vector<FrontPoint> non_dominated(const std::vector<FrontPoint>& points,
                                      const ObjectiveSet& set);

}  // namespace stems::search
