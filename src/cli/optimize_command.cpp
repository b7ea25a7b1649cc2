// `stems optimize RUN.toml`: the Pareto front of schedules (and free state decisions).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>

#include "run_context.hpp"
#include "stems/cli/commands.hpp"
#include "stems/common/error.hpp"
#include "stems/common/subprocess.hpp"
#include "stems/parallel/mpi.hpp"
#include "stems/report/front_report.hpp"
#include "stems/report/table.hpp"
#include "stems/search/optimizer.hpp"
#include "stems/search/run_config.hpp"

namespace stems::cli {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_sigint(int) {
  g_stop.store(true);
  subprocess::request_cancel();  // kill external accuracy commands now
}

// Ctrl-C and SIGTERM (e.g. `timeout`) stop the search after its generation and kill external
// accuracy commands; the previous handlers come back when this goes out of scope (also on an
// exception).
class SigintGuard {
 public:
  SigintGuard()
      : previous_int_(std::signal(SIGINT, on_sigint)),
        previous_term_(std::signal(SIGTERM, on_sigint)) {
    g_stop.store(false);
    subprocess::reset_cancel();
  }
  ~SigintGuard() {
    std::signal(SIGINT, previous_int_);
    std::signal(SIGTERM, previous_term_);
  }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

 private:
  void (*previous_int_)(int);
  void (*previous_term_)(int);
};

// One progress line per generation (rewritten in place on a terminal).
search::ProgressFn progress_line(const search::OptimizerConfig& oc, bool tty, std::ostream& err) {
  return [oc, tty, &err](const search::ConvergenceRow& row) {
    double fraction = 0;
    if (oc.generations) fraction = std::max(fraction, double(row.generation) / *oc.generations);
    if (oc.evaluations)
      fraction = std::max(fraction, double(row.evaluations) / double(*oc.evaluations));
    if (oc.wall_time_s) fraction = std::max(fraction, row.seconds / *oc.wall_time_s);
    const double eta = fraction > 0 ? row.seconds * (1 - fraction) / fraction : 0;
    err << (tty ? "\r" : "") << "gen " << row.generation << " | evals " << row.evaluations << " ("
        << report::fixed(row.seconds > 0 ? row.evaluations / row.seconds : 0, 0) << "/s) | HV "
        << row.hypervolume << " | best energy "
        << report::energy_in(row.best.energy_pJ, report::energy_unit(row.best.energy_pJ)) << ' '
        << report::energy_unit(row.best.energy_pJ).name << " | ETA " << report::fixed(eta, 0)
        << " s" << (tty ? "   " : "\n");
    err.flush();
  };
}

// Runs the search (exhaustive, one process, or one MPI island per rank). Empty on MPI ranks
// other than 0, which write nothing.
std::optional<search::OptimizeResult> search_front(
    const OptimizeOptions& o, const search::RunConfig& rc,
    const std::shared_ptr<const problems::ScheduleProblem>& problem,
    const search::ProgressFn& progress, const std::atomic<bool>* stop) {
  if (o.exhaustive) return search::exhaustive(problem, rc.exhaustive_limit, rc.optimizer.threads);
  if (o.mpi) {
    parallel::IslandOptions io;
    io.interval = o.migration_interval;
    io.migrants = o.migrants;
    return parallel::optimize_islands(problem, rc.optimizer, io, progress, stop);
  }
  return search::optimize(problem, rc.optimizer, progress, stop);
}

// The front as a table on stdout, energies in the unit its smallest point reads at least 1 in.
void print_front(const std::vector<search::FrontRecord>& records, bool with_accuracy,
                 std::ostream& out) {
  double smallest_pJ = 0;
  for (const search::FrontRecord& rec : records) {
    const double e = rec.point.objectives.energy_pJ;
    if (e > 0 && (smallest_pJ == 0 || e < smallest_pJ)) smallest_pJ = e;
  }
  const report::EnergyUnit unit = report::energy_unit(smallest_pJ);
  std::vector<std::string> header = {std::string("energy ") + unit.name, "latency cycles",
                                     "state bits"};
  if (with_accuracy) header.emplace_back("accuracy");
  const bool area =
      !records.empty() && records.front().area_mm2 && !records.front().hardware.empty();
  if (area) header.emplace_back("area mm2");
  if (!records.empty()) {
    for (const auto& [name, value] : records.front().hardware)
      header.push_back(name);
  }
  for (const char* h : {"time", "depth", "state"})
    header.emplace_back(h);
  report::TextTable t(header);
  for (const search::FrontRecord& rec : records) {
    const search::Objectives& f = rec.point.objectives;
    std::vector<std::string> row = {report::energy_in(f.energy_pJ, unit),
                                    report::whole_with_commas(f.latency_cycles),
                                    report::whole_with_commas(f.state_bits)};
    if (with_accuracy) row.push_back(report::fixed(*f.accuracy, 4));
    if (area) row.push_back(report::fixed(*rec.area_mm2, 4));
    for (const auto& [name, value] : rec.hardware)
      row.push_back(report::with_commas(value));
    row.push_back(rec.schedule.time_bits);
    row.push_back(rec.schedule.depth_bits);
    row.push_back(rec.state_schedule);
    t.add_row(row);
  }
  out << t.render();
}

}  // namespace

std::optional<OptimizeOutput> optimize_output(const OptimizeOptions& o,
                                              const ProgressFactory& make_progress,
                                              const std::atomic<bool>* stop, std::ostream& err) {
  search::RunConfig rc = search::load_run_config(o.run);
  try {
    if (o.seed) rc.optimizer.seed = *o.seed;
    if (o.threads) rc.optimizer.threads = *o.threads;
    if (!o.initial_population.empty()) rc.initial_population = o.initial_population;
    const auto problem = problems::make_context(rc);
    const std::string dir = o.out.empty() ? "out/" + rc.name : o.out;
    if (o.write_files && rc.accuracy.configured()) rc.accuracy.model->bind_output(dir);
    err << "stems optimize: " << problem->option_counts().size() << " genes";
    if (!problem->hardware_search().space.empty())
      err << " (" << problem->hardware_search().space.dimension() << " hardware)";
    err << ", " << report::fixed(search::space_size(*problem), 0) << " genomes, "
        << (o.exhaustive ? std::string("exhaustive") : rc.optimizer.algorithm) << ", seed "
        << rc.optimizer.seed << "\n";
    const search::ProgressFn progress = make_progress ? make_progress(rc.optimizer) : nullptr;
    std::optional<search::OptimizeResult> result = search_front(o, rc, problem, progress, stop);
    if (!result) return std::nullopt;  // an MPI rank other than 0: rank 0 writes the front
    OptimizeOutput output;
    output.dir = dir;
    output.records = problems::front_records(*problem, *result);
    const std::optional<search::FrontRecord> chosen = problems::chosen_record(*problem, *result);
    const report::FrontOutput f{rc,
                                problem->network(),
                                problem->accelerator(),
                                problem->space(),
                                *result,
                                output.records,
                                chosen,
                                o.exhaustive,
                                &problem->hardware_search().space};
    if (o.write_files) report::write_front(output.dir, f);
    output.pareto = report::pareto_json(f);
    output.result = std::move(*result);
    return output;
  } catch (const InputError& e) {
    // Name the run file too: the problem may be in a file it points to or in its settings
    // (unless the error already points into the run file).
    if (e.where().rfind(o.run, 0) == 0) throw;
    throw InputError(o.run, e.what());
  }
}

int run_optimize(const OptimizeOptions& o, std::ostream& out, std::ostream& err) {
  const bool tty = ::isatty(2) != 0;
  std::optional<OptimizeOutput> output;
  {
    SigintGuard guard;
    output = optimize_output(
        o, [&](const search::OptimizerConfig& oc) { return progress_line(oc, tty, err); }, &g_stop,
        err);
  }
  if (!output) return kExitOk;  // an MPI rank other than 0
  if (tty && !o.exhaustive) err << "\n";
  const search::OptimizeResult& result = output->result;
  out << "front: " << result.front.size() << " points from " << result.evaluations
      << " evaluations in " << report::fixed(result.seconds, 1) << " s"
      << (result.interrupted ? " (interrupted)" : "") << "; written to " << output->dir
      << "/pareto.csv, pareto.json, convergence.csv\n";
  if (result.infeasible > 0) {
    // Say why, above all when nothing was feasible (an empty front otherwise looks like a bug).
    err << (result.front.empty() ? "warning: every one of the " : "note: ") << result.infeasible
        << (result.front.empty() ? " evaluations was infeasible"
                                 : " of the evaluations were infeasible")
        << "; the first: " << result.first_infeasible_reason << "\n";
  }
  print_front(output->records, result.objectives.accuracy, out);
  if (!o.no_report) try_report(output->dir, out, err);
  return result.interrupted ? 130 : kExitOk;
}

}  // namespace stems::cli
