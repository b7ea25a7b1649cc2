#include "stems/search/optimizer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <pagmo/algorithm.hpp>
#include <pagmo/algorithms/ihs.hpp>
#include <pagmo/algorithms/maco.hpp>
#include <pagmo/algorithms/moead.hpp>
#include <pagmo/algorithms/nsga2.hpp>
#include <pagmo/algorithms/nspso.hpp>
#include <pagmo/archipelago.hpp>
#include <pagmo/bfe.hpp>
#include <pagmo/islands/thread_island.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>
#include <pagmo/topologies/ring.hpp>
#include <pagmo/topology.hpp>
#include <pagmo/utils/hypervolume.hpp>
#include <pagmo/utils/multi_objective.hpp>
#include <set>
#include <thread>

#include "stems/common/error.hpp"
#include "stems/common/parallel_for.hpp"
#include "stems/search/thread_bfe.hpp"

namespace stems::search {

const std::vector<std::string>& algorithm_names() {
  static const std::vector<std::string> names = {"nsga2", "maco", "ihs", "moead", "nspso"};
  return names;
}

bool is_algorithm(const std::string& name) {
  const auto& n = algorithm_names();
  return std::find(n.begin(), n.end(), name) != n.end();
}

std::string allowed_algorithms() {
  const auto& n = algorithm_names();
  std::string out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (i > 0) out += i + 1 == n.size() ? " or " : ", ";
    out += n[i];
  }
  return out;
}

std::string algorithm_problem(const std::string& name) {
  if (is_algorithm(name)) return "";
  return "unknown algorithm '" + name + "'; expected " + allowed_algorithms();
}

std::string population_problem(const std::string& algorithm, std::uint64_t population) {
  if (algorithm == "nsga2" && (population < 8 || population % 4 != 0)) {
    return "nsga2 needs a population that is a multiple of 4 and at least 8, got " +
           std::to_string(population);
  }
  if (algorithm == "moead" && population < 3) {
    return "moead needs a population of at least 3, got " + std::to_string(population);
  }
  return "";
}

unsigned pagmo_seed(std::uint64_t seed) {
  return static_cast<unsigned>(seed ^ (seed >> 32));
}

double space_size(const Problem& p) {
  double size = 1;
  for (std::uint64_t c : p.option_counts())
    size *= static_cast<double>(c);
  return size;
}

namespace {

// The pagmo user-defined problem over one of ours: pagmo sees the minimised vector of
// objectives.hpp (the death penalty for infeasible genomes). Shares the problem (and its memo).
class PagmoUdp {
 public:
  PagmoUdp() = default;  // pagmo needs a default constructor
  explicit PagmoUdp(std::shared_ptr<const Problem> p)
      : problem_(std::move(p)), set_(problem_->objectives()), counts_(problem_->option_counts()) {}

  pagmo::vector_double fitness(const pagmo::vector_double& x) const {
    return to_pagmo(problem_->evaluate(x), set_);
  }
  std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const {
    pagmo::vector_double lb(counts_.size(), 0.0), ub(counts_.size());
    for (std::size_t i = 0; i < counts_.size(); ++i)
      ub[i] = static_cast<double>(counts_[i] - 1);
    return {lb, ub};
  }
  pagmo::vector_double::size_type get_nobj() const { return set_.size(); }
  pagmo::vector_double::size_type get_nix() const { return counts_.size(); }
  pagmo::thread_safety get_thread_safety() const { return pagmo::thread_safety::constant; }
  std::string get_name() const { return problem_ ? problem_->name() : "stems problem"; }

 private:
  std::shared_ptr<const Problem> problem_;
  ObjectiveSet set_;
  std::vector<std::uint64_t> counts_;
};

bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool strictly = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly = true;
  }
  return strictly;
}

// Best value per objective over the archive (minimised form), as named objectives.
Objectives best_per_objective(const std::vector<Migrant>& pts, const ObjectiveSet& set) {
  std::vector<double> best(set.size(), std::numeric_limits<double>::infinity());
  for (const auto& p : pts) {
    for (std::size_t i = 0; i < set.size(); ++i)
      best[i] = std::min(best[i], p.f[i]);
  }
  return objectives_from_pagmo(best, set);
}

pagmo::algorithm make_algorithm(const OptimizerConfig& c, std::size_t pop, unsigned threads) {
  const unsigned seed = pagmo_seed(c.seed);
  if (const std::string why = population_problem(c.algorithm, pop); !why.empty()) {
    throw InputError("algorithm.population", why);
  }
  if (c.algorithm == "nsga2") {
    pagmo::nsga2 a(1u, 0.95, 10., 0.2, 20., seed);
    a.set_bfe(pagmo::bfe{ThreadBfe{threads}});
    return pagmo::algorithm{a};
  }
  if (c.algorithm == "maco") {
    const unsigned ker = static_cast<unsigned>(std::min<std::size_t>(pop, 63));
    pagmo::maco a(1u, ker, 1.0, 1u, 7u, 100000u, 0., true, seed);
    a.set_bfe(pagmo::bfe{ThreadBfe{threads}});
    return pagmo::algorithm{a};
  }
  if (c.algorithm == "ihs")
    return pagmo::algorithm{
        pagmo::ihs(static_cast<unsigned>(pop), 0.85, 0.35, 0.99, 1e-5, 1., seed)};
  if (c.algorithm == "moead") {
    const auto neighbours =
        static_cast<pagmo::population::size_type>(std::min<std::size_t>(20, pop - 1));
    return pagmo::algorithm{pagmo::moead(1u, "low discrepancy", "tchebycheff", neighbours, 1.0, 0.5,
                                         20., 0.9, 2u, true, seed)};
  }
  if (c.algorithm == "nspso") {
    pagmo::nspso a(1u, 0.6, 2.0, 2.0, 1.0, 0.5, 60u, "crowding distance", true, seed);
    a.set_bfe(pagmo::bfe{ThreadBfe{threads}});
    return pagmo::algorithm{a};
  }
  throw InputError("algorithm.name", algorithm_problem(c.algorithm));
}

std::vector<double> reference_from(const std::vector<Migrant>& pts, std::size_t nobj) {
  std::vector<double> ref(nobj, 0);
  for (std::size_t i = 0; i < nobj; ++i) {
    double worst = -std::numeric_limits<double>::infinity();
    for (const auto& p : pts) {
      if (p.f[0] < kPenalty) worst = std::max(worst, p.f[i]);
    }
    // 10% beyond the worst feasible value (objectives may be negative: -accuracy).
    ref[i] = worst + 0.1 * std::abs(worst) + 1e-9;
  }
  return ref;
}

}  // namespace

pagmo::problem to_pagmo_problem(std::shared_ptr<const Problem> problem) {
  return pagmo::problem{PagmoUdp{std::move(problem)}};
}

double hypervolume(const std::vector<std::vector<double>>& points,
                   const std::vector<double>& reference) {
  std::vector<pagmo::vector_double> inside;
  for (const auto& p : points) {
    bool ok = true;
    for (std::size_t i = 0; i < p.size(); ++i)
      ok = ok && p[i] < reference[i];
    if (ok) inside.push_back(p);
  }
  if (inside.empty()) return 0;
  pagmo::hypervolume hv(inside, true);
  return hv.compute(reference);
}

namespace {

// Non-dominated feasible subset in pagmo's form (duplicates removed), sorted by the vector.
std::vector<Migrant> non_dominated_pagmo(const std::vector<Migrant>& points) {
  std::vector<Migrant> front;
  std::set<std::vector<double>> seen;
  for (const auto& p : points) {
    if (p.f.empty() || p.f[0] >= kPenalty) continue;
    bool dominated = false;
    for (const auto& q : points) {
      if (q.f[0] < kPenalty && dominates(q.f, p.f)) {
        dominated = true;
        break;
      }
    }
    if (!dominated && seen.insert(p.f).second) front.push_back(p);
  }
  std::sort(front.begin(), front.end(),
            [](const Migrant& a, const Migrant& b) { return a.f < b.f; });
  return front;
}

std::vector<FrontPoint> to_front(const std::vector<Migrant>& front, const ObjectiveSet& set) {
  std::vector<FrontPoint> out;
  out.reserve(front.size());
  for (const auto& p : front)
    out.push_back({p.x, *from_pagmo(p.f, set).objectives});
  return out;
}

}  // namespace

std::vector<FrontPoint> non_dominated(const std::vector<FrontPoint>& points,
                                      const ObjectiveSet& set) {
  std::vector<Migrant> pagmo_form;
  pagmo_form.reserve(points.size());
  for (const auto& p : points)
    pagmo_form.push_back({p.x, to_pagmo(p.objectives, set)});
  return to_front(non_dominated_pagmo(pagmo_form), set);
}

namespace {

// Sends the best individuals (non-dominated sorting, crowding) and puts the immigrants in place of
// the worst ones.
std::size_t migrate(pagmo::population& pop, const IslandHooks& hooks) {
  const std::size_t k = std::min(hooks.migrants, pop.size());
  if (k == 0) return 0;
  const auto best = pagmo::select_best_N_mo(pop.get_f(), k);
  std::vector<Migrant> emigrants;
  for (auto i : best)
    emigrants.push_back({pop.get_x()[i], pop.get_f()[i]});
  const std::vector<Migrant> immigrants = hooks.exchange(emigrants);
  const auto order = pagmo::sort_population_mo(pop.get_f());  // best first
  std::size_t received = 0;
  for (std::size_t j = 0; j < immigrants.size() && j < order.size(); ++j, ++received) {
    pop.set_xf(order[order.size() - 1 - j], immigrants[j].x, immigrants[j].f);
  }
  return received;
}

}  // namespace

namespace {

// Initial population: the problem's seeds (when asked), then uniformly random genomes drawn from
// one std::mt19937_64 seeded with the 64-bit seed.
pagmo::population make_population(const pagmo::problem& prob, const Problem& problem,
                                  std::size_t size, std::uint64_t seed, bool with_seeds) {
  pagmo::population pop{prob, 0u, pagmo_seed(seed)};
  if (with_seeds) {
    auto seeds = problem.seeds();
    if (seeds.size() > size) seeds.resize(size);
    for (const auto& x : seeds)
      pop.push_back(x);
  }
  std::mt19937_64 rng(seed);
  const auto bounds = prob.get_bounds();
  while (pop.size() < size) {
    pagmo::vector_double x(bounds.first.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      std::uniform_int_distribution<long long> d(static_cast<long long>(bounds.first[i]),
                                                 static_cast<long long>(bounds.second[i]));
      x[i] = static_cast<double>(d(rng));
    }
    pop.push_back(x);
  }
  return pop;
}

// One search: a population (or a thread archipelago on a ring), the archive of every individual
// seen, and the convergence record after every generation.
class Search {
 public:
  Search(std::shared_ptr<const Problem> problem, const OptimizerConfig& c)
      : problem_(std::move(problem)),
        c_(c),
        set_(problem_->objectives()),
        prob_(to_pagmo_problem(problem_)),
        pop_size_(std::max<std::size_t>(c.population, 1)),
        start_(std::chrono::steady_clock::now()) {
    // --threads is the total: islands evolve concurrently, each evaluating batches on its share.
    const unsigned threads =
        c.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : c.threads;
    algo_ = make_algorithm(c, pop_size_, threads);
    algo_.set_seed(pagmo_seed(c.seed));
    pop_ = make_population(prob_, *problem_, pop_size_, c.seed, c.problem_seeds);
    if (c.islands > 1) make_islands(std::max(1u, threads / c.islands));
    result_.objectives = set_;
    archive_ = snapshot();
    result_.reference_point = reference_from(archive_, set_.size());
  }

  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  bool budget_spent(unsigned generation) const {
    return (c_.generations && generation >= *c_.generations) ||
           (c_.evaluations && problem_->evaluations() >= *c_.evaluations) ||
           (c_.wall_time_s && elapsed() >= *c_.wall_time_s);
  }

  // Evolves one generation (and migrates over the hooks every `interval` generations).
  void evolve(unsigned generation, const IslandHooks* hooks) {
    try {
      if (archi_) {
        archi_->evolve(1);
        archi_->wait_check();  // rethrows an island's error
      } else {
        pop_ = algo_.evolve(pop_);
      }
    } catch (const std::invalid_argument& e) {
      // Pagmo's messages carry "function: ... where: ... what: <text>"; keep the text.
      const std::string w = e.what();
      const auto at = w.find("what: ");
      throw InputError("algorithm", at == std::string::npos ? w : w.substr(at + 6));
    }
    if (hooks && hooks->exchange && !archi_ && hooks->interval > 0 &&
        generation % hooks->interval == 0) {
      result_.migrants_received += migrate(pop_, *hooks);
    }
    auto now = snapshot();
    archive_.insert(archive_.end(), now.begin(), now.end());
  }

  // Reduces the archive to its front and records the generation's convergence row.
  const ConvergenceRow& record(unsigned generation) {
    archive_ = non_dominated_pagmo(archive_);
    std::vector<std::vector<double>> fs;
    for (const auto& p : archive_)
      fs.push_back(p.f);
    ConvergenceRow row;
    row.generation = generation;
    row.evaluations = problem_->evaluations();
    row.hypervolume = hypervolume(fs, result_.reference_point);
    row.best = best_per_objective(archive_, set_);
    row.seconds = elapsed();
    result_.convergence.push_back(row);
    return result_.convergence.back();
  }

  OptimizeResult finish(bool interrupted) {
    if (archi_) result_.migrants_received = archi_->get_migration_log().size();
    result_.interrupted = interrupted;
    result_.front = to_front(non_dominated_pagmo(archive_), set_);
    result_.evaluations = problem_->evaluations();
    result_.infeasible = problem_->infeasible();
    result_.first_infeasible_reason = problem_->first_infeasible_reason();
    result_.seconds = elapsed();
    return std::move(result_);
  }

 private:
  void make_islands(unsigned island_threads) {
    // A ring: every island sends its best to the next one after each evolution (pagmo's
    // default topology is unconnected, which would migrate nothing).
    archi_ = std::make_unique<pagmo::archipelago>(pagmo::topology{pagmo::ring{}});
    for (unsigned i = 0; i < c_.islands; ++i) {
      OptimizerConfig ci = c_;
      ci.seed = c_.seed + i;
      pagmo::algorithm a = make_algorithm(ci, pop_size_, island_threads);
      a.set_seed(pagmo_seed(ci.seed));
      archi_->push_back(pagmo::thread_island{}, a,
                        make_population(prob_, *problem_, pop_size_, ci.seed, i == 0));
    }
  }

  // Every individual of the population (of every island's population with islands).
  std::vector<Migrant> snapshot() const {
    std::vector<Migrant> all;
    auto add = [&](const pagmo::population& p) {
      for (std::size_t i = 0; i < p.size(); ++i) {
        pagmo::vector_double x = p.get_x()[i];
        for (auto& v : x)
          v = std::nearbyint(v);
        all.push_back({x, p.get_f()[i]});
      }
    };
    if (archi_) {
      for (const auto& island : *archi_)
        add(island.get_population());
    } else {
      add(pop_);
    }
    return all;
  }

  std::shared_ptr<const Problem> problem_;
  const OptimizerConfig& c_;
  ObjectiveSet set_;
  pagmo::problem prob_;
  std::size_t pop_size_;
  std::chrono::steady_clock::time_point start_;
  pagmo::algorithm algo_;
  pagmo::population pop_;
  std::unique_ptr<pagmo::archipelago> archi_;
  std::vector<Migrant> archive_;
  OptimizeResult result_;
};

}  // namespace

OptimizeResult optimize(std::shared_ptr<const Problem> problem, const OptimizerConfig& c,
                        const ProgressFn& progress, const std::atomic<bool>* stop,
                        const IslandHooks* hooks) {
  if (!c.generations && !c.evaluations && !c.wall_time_s) {
    throw InputError("algorithm", "give a budget: generations, evaluations or wall_time_s");
  }
  Search search(std::move(problem), c);
  unsigned generation = 0;
  for (;;) {
    const ConvergenceRow& row = search.record(generation);
    if (progress) progress(row);
    const bool interrupted = stop && stop->load();
    const bool local_stop = interrupted || search.budget_spent(generation);
    if (hooks && hooks->agree_stop ? hooks->agree_stop(local_stop) : local_stop) {
      return search.finish(interrupted);
    }
    search.evolve(++generation, hooks);
  }
}

OptimizeResult exhaustive(std::shared_ptr<const Problem> problem, double limit, unsigned threads) {
  const double size = space_size(*problem);
  if (size > limit) {
    // %.17g: whole counts print as integers (std::to_string gave "420000.000000"), huge ones
    // in exponent form without losing a digit.
    auto count = [](double x) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", x);
      return std::string(buf);
    };
    throw InputError("--exhaustive", "the space has " + count(size) +
                                         " genomes, more than the limit of " + count(limit) +
                                         " (exhaustive_limit); use the optimiser");
  }
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::uint64_t> counts = problem->option_counts();
  const ObjectiveSet set = problem->objectives();
  const std::size_t n = static_cast<std::size_t>(size);
  std::vector<Migrant> all(n);
  parallel_for(n, threads, [&](std::size_t k) {
    std::vector<double> x(counts.size());
    std::size_t rest = k;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      x[i] = static_cast<double>(rest % counts[i]);
      rest /= counts[i];
    }
    all[k] = {x, to_pagmo(problem->evaluate(x), set)};
  });
  OptimizeResult r;
  r.objectives = set;
  r.front = to_front(non_dominated_pagmo(all), set);
  r.reference_point = reference_from(all, set.size());
  r.evaluations = n;
  r.infeasible = problem->infeasible();
  r.first_infeasible_reason = problem->first_infeasible_reason();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace stems::search
