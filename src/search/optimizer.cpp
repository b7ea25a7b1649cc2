#include "stems/search/optimizer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
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
#include <pagmo/utils/hypervolume.hpp>
#include <pagmo/utils/multi_objective.hpp>
#include <set>
#include <thread>

#include "stems/common/error.hpp"
#include "stems/common/parallel_for.hpp"
#include "stems/search/thread_bfe.hpp"

namespace stems::search {

namespace {

bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool strictly = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly = true;
  }
  return strictly;
}

std::vector<double> best_per_objective(const std::vector<FrontPoint>& pts, std::size_t nobj) {
  std::vector<double> best(nobj, std::numeric_limits<double>::infinity());
  for (const auto& p : pts) {
    for (std::size_t i = 0; i < nobj; ++i)
      best[i] = std::min(best[i], p.f[i]);
  }
  return best;
}

pagmo::algorithm make_algorithm(const OptimizerConfig& c, std::size_t pop, unsigned threads) {
  const auto seed = static_cast<unsigned>(c.seed);
  if (c.algorithm == "nsga2") {
    if (pop < 8 || pop % 4 != 0) {
      throw InputError("algorithm.population",
                       "nsga2 needs a population that is a multiple of 4 and at least 8, got " +
                           std::to_string(pop));
    }
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
    if (pop < 3) throw InputError("algorithm.population", "moead needs a population of at least 3");
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
  throw InputError("algorithm.name", "unknown algorithm '" + c.algorithm +
                                         "'; expected nsga2, maco, ihs, moead or nspso");
}

// Genomes of STEMS's hand-picked schedules that the space can express.
std::vector<std::vector<double>> canonical_genomes(const problems::ScheduleContext& ctx) {
  std::vector<std::pair<std::string, std::string>> bits;
  for (const auto& name : schedule::canonical_names(ctx.network.block_count())) {
    bits.push_back(schedule::canonical_bits(name, ctx.network.block_count()));
  }
  std::vector<std::vector<double>> out;
  for (const auto& [t, d] : bits) {
    try {
      out.push_back(ctx.space.encode_bits(t, d));
    } catch (const std::invalid_argument&) {
      // not expressible in this space (e.g. per-layer genes lacking an option): skip
    }
  }
  return out;
}

std::vector<double> reference_from(const std::vector<FrontPoint>& pts, std::size_t nobj) {
  std::vector<double> ref(nobj, 0);
  for (std::size_t i = 0; i < nobj; ++i) {
    double worst = -std::numeric_limits<double>::infinity();
    for (const auto& p : pts) {
      if (p.f[0] < problems::kPenalty) worst = std::max(worst, p.f[i]);
    }
    // 10% beyond the worst feasible value (objectives may be negative: -accuracy).
    ref[i] = worst + 0.1 * std::abs(worst) + 1e-9;
  }
  return ref;
}

}  // namespace

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

std::vector<FrontPoint> non_dominated(const std::vector<FrontPoint>& points) {
  std::vector<FrontPoint> front;
  std::set<std::vector<double>> seen;
  for (const auto& p : points) {
    if (p.f.empty() || p.f[0] >= problems::kPenalty) continue;
    bool dominated = false;
    for (const auto& q : points) {
      if (q.f[0] < problems::kPenalty && dominates(q.f, p.f)) {
        dominated = true;
        break;
      }
    }
    if (!dominated && seen.insert(p.f).second) front.push_back(p);
  }
  std::sort(front.begin(), front.end(),
            [](const FrontPoint& a, const FrontPoint& b) { return a.f < b.f; });
  return front;
}

namespace {

// Sends the best individuals (non-dominated sorting, crowding) and puts the immigrants in place of
// the worst ones.
void migrate(pagmo::population& pop, const IslandHooks& hooks) {
  const std::size_t k = std::min(hooks.migrants, pop.size());
  if (k == 0) return;
  const auto best = pagmo::select_best_N_mo(pop.get_f(), k);
  std::vector<FrontPoint> emigrants;
  for (auto i : best)
    emigrants.push_back({pop.get_x()[i], pop.get_f()[i]});
  const std::vector<FrontPoint> immigrants = hooks.exchange(emigrants);
  const auto order = pagmo::sort_population_mo(pop.get_f());  // best first
  for (std::size_t j = 0; j < immigrants.size() && j < order.size(); ++j) {
    pop.set_xf(order[order.size() - 1 - j], immigrants[j].x, immigrants[j].f);
  }
}

}  // namespace

OptimizeResult optimize(std::shared_ptr<const problems::ScheduleContext> ctx,
                        const OptimizerConfig& c, const ProgressFn& progress,
                        const std::atomic<bool>* stop, const IslandHooks* hooks) {
  if (!c.generations && !c.evaluations && !c.wall_time_s) {
    throw InputError("algorithm", "give a budget: generations, evaluations or wall_time_s");
  }
  // --threads is the total: islands evolve concurrently, each evaluating its batches on its share.
  const unsigned threads =
      c.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : c.threads;
  const unsigned island_threads = std::max(1u, threads / std::max(1u, c.islands));
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };

  pagmo::problem prob{problems::ScheduleProblem{ctx}};
  const std::size_t nobj = ctx->objectives();
  const std::size_t pop_size = std::max<std::size_t>(c.population, 1);
  pagmo::algorithm algo = make_algorithm(c, pop_size, threads);
  algo.set_seed(static_cast<unsigned>(c.seed));

  // Initial population: the canonical schedules (first island only), then random genomes.
  auto make_population = [&](std::uint64_t seed, bool canonical) {
    pagmo::population pop{prob, 0u, static_cast<unsigned>(seed)};
    if (canonical) {
      auto seeds = canonical_genomes(*ctx);
      if (seeds.size() > pop_size) seeds.resize(pop_size);
      for (const auto& x : seeds)
        pop.push_back(x);
    }
    std::mt19937_64 rng(seed);
    const auto bounds = prob.get_bounds();
    while (pop.size() < pop_size) {
      pagmo::vector_double x(bounds.first.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        std::uniform_int_distribution<long long> d(static_cast<long long>(bounds.first[i]),
                                                   static_cast<long long>(bounds.second[i]));
        x[i] = static_cast<double>(d(rng));
      }
      pop.push_back(x);
    }
    return pop;
  };
  pagmo::population pop = make_population(c.seed, c.canonical_seeds);
  std::unique_ptr<pagmo::archipelago> archi;
  if (c.islands > 1) {
    archi = std::make_unique<pagmo::archipelago>();
    for (unsigned i = 0; i < c.islands; ++i) {
      OptimizerConfig ci = c;
      ci.seed = c.seed + i;
      pagmo::algorithm a = make_algorithm(ci, pop_size, island_threads);
      a.set_seed(static_cast<unsigned>(ci.seed));
      archi->push_back(pagmo::thread_island{}, a, make_population(ci.seed, i == 0));
    }
  }

  OptimizeResult result;
  auto snapshot = [&]() {
    std::vector<FrontPoint> all;
    for (std::size_t i = 0; i < pop.size(); ++i) {
      pagmo::vector_double x = pop.get_x()[i];
      for (auto& v : x)
        v = std::nearbyint(v);
      all.push_back({x, pop.get_f()[i]});
    }
    return all;
  };
  std::vector<FrontPoint> archive = snapshot();
  result.reference_point = reference_from(archive, nobj);
  unsigned generation = 0;
  auto record = [&]() {
    archive = non_dominated(archive);
    std::vector<std::vector<double>> fs;
    for (const auto& p : archive)
      fs.push_back(p.f);
    ConvergenceRow row;
    row.generation = generation;
    row.evaluations = ctx->evaluations();
    row.hypervolume = hypervolume(fs, result.reference_point);
    row.best = best_per_objective(archive, nobj);
    row.seconds = elapsed();
    result.convergence.push_back(row);
    if (progress) progress(row);
  };
  record();
  while (true) {
    const bool interrupted = stop && stop->load();
    const bool local_stop = interrupted || (c.generations && generation >= *c.generations) ||
                            (c.evaluations && ctx->evaluations() >= *c.evaluations) ||
                            (c.wall_time_s && elapsed() >= *c.wall_time_s);
    if (hooks && hooks->agree_stop ? hooks->agree_stop(local_stop) : local_stop) {
      result.interrupted = interrupted;
      break;
    }
    try {
      if (archi) {
        archi->evolve(1);
        archi->wait_check();  // rethrows an island's error
      } else {
        pop = algo.evolve(pop);
      }
    } catch (const std::invalid_argument& e) {
      // Pagmo's messages carry "function: ... where: ... what: <text>"; keep the text.
      const std::string w = e.what();
      const auto at = w.find("what: ");
      throw InputError("algorithm", at == std::string::npos ? w : w.substr(at + 6));
    }
    ++generation;
    if (hooks && hooks->exchange && !archi && hooks->interval > 0 &&
        generation % hooks->interval == 0) {
      migrate(pop, *hooks);
    }
    auto now = snapshot();
    archive.insert(archive.end(), now.begin(), now.end());
    record();
  }
  result.front = non_dominated(archive);
  result.evaluations = ctx->evaluations();
  result.infeasible = ctx->infeasible();
  result.seconds = elapsed();
  return result;
}

OptimizeResult exhaustive(std::shared_ptr<const problems::ScheduleContext> ctx, double limit,
                          unsigned threads) {
  const double size = ctx->space.size();
  if (size > limit) {
    throw InputError("--exhaustive", "the space has " + std::to_string(size) +
                                         " genomes, more than the limit of " +
                                         std::to_string(limit) + "; use the optimiser");
  }
  const auto start = std::chrono::steady_clock::now();
  const auto& genes = ctx->space.genes();
  const std::size_t n = static_cast<std::size_t>(size);
  std::vector<FrontPoint> all(n);
  parallel_for(n, threads, [&](std::size_t k) {
    std::vector<double> x(genes.size());
    std::size_t rest = k;
    for (std::size_t i = 0; i < genes.size(); ++i) {
      x[i] = static_cast<double>(rest % genes[i].options.size());
      rest /= genes[i].options.size();
    }
    all[k] = {x, ctx->evaluate(x)};
  });
  OptimizeResult r;
  r.front = non_dominated(all);
  r.reference_point = reference_from(all, ctx->objectives());
  r.evaluations = n;
  r.infeasible = ctx->infeasible();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace stems::search
