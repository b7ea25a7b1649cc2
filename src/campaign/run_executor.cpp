#include "stems/campaign/run_executor.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "run_context.hpp"
#include "stems/common/error.hpp"
#include "stems/hardware/hardware_loader.hpp"
#include "stems/nir/nir_loader.hpp"
#include "stems/report/front_report.hpp"
#include "stems/report/schedule_report.hpp"
#include "stems/schedule/schedule_loader.hpp"
#include "stems/schedule/scheduler.hpp"
#include "stems/search/optimizer.hpp"
#include "stems/search/run_config.hpp"
#include "stems/workload/state_schedule.hpp"

namespace stems::campaign {

namespace {

// Shortest text that reads back to the same double; integers without a fraction.
std::string cell(double v) {
  if (std::isfinite(v) && v == std::nearbyint(v) && std::fabs(v) < 9.0e15) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
std::string cell(std::uint64_t v) {
  return std::to_string(v);
}

}  // namespace

const std::vector<std::string>& metric_names(Mode mode) {
  static const std::vector<std::string> evaluate = {
      "energy_pJ",          "latency_cycles",    "offchip_bits",  "offchip_read_bits",
      "offchip_write_bits", "offchip_energy_pJ", "mac_energy_pJ", "state_bits",
      "peak_onchip_bits",   "memory_overflow",   "nodes",         "time_schedule",
      "depth_schedule",     "state_schedule"};
  static const std::vector<std::string> optimize = {"front_size",
                                                    "evaluations",
                                                    "hypervolume",
                                                    "best_energy_pJ",
                                                    "best_energy_latency_cycles",
                                                    "best_energy_state_bits",
                                                    "best_energy_offchip_energy_pJ",
                                                    "best_latency_cycles",
                                                    "min_state_bits",
                                                    "best_accuracy",
                                                    "best_time_schedule",
                                                    "best_depth_schedule",
                                                    "best_state_schedule"};
  return mode == Mode::Evaluate ? evaluate : optimize;
}

RunExecutor::RunExecutor(const Campaign& campaign, std::string out_dir, unsigned threads)
    : campaign_(campaign), out_dir_(std::move(out_dir)), threads_(std::max(1u, threads)) {}

std::shared_ptr<const workload::Network> RunExecutor::network(const std::string& path) {
  std::lock_guard lock(mutex_);
  auto& slot = networks_[path];
  if (!slot) {
    slot = std::make_shared<const workload::Network>(nir::load_any_workload(path, campaign_.nir));
  }
  return slot;
}

std::shared_ptr<const hardware::Accelerator> RunExecutor::accelerator(const std::string& path) {
  std::lock_guard lock(mutex_);
  auto& slot = accelerators_[path];
  if (!slot)
    slot = std::make_shared<const hardware::Accelerator>(hardware::load_hardware_file(path));
  return slot;
}

cost::NodeCostCache& RunExecutor::cache(const std::string& hardware_path,
                                        const cost::ModelPolicy& policy) {
  auto acc = accelerator(hardware_path);
  std::lock_guard lock(mutex_);
  auto& slot = caches_[std::string(policy.name()) + "\n" + hardware_path];
  if (!slot) {
    cost::NodeSearchOptions options;
    options.policy = policy;
    slot = std::make_unique<cost::NodeCostCache>(*acc, options);
  }
  return *slot;
}

namespace {

// The cost model of a run: its [[model]] value, else the campaign's.
cost::ModelPolicy model_of(const RunSpec& run, const Campaign& c) {
  const AxisValue* m = run.value("model");
  return cost::policy_named(m ? m->name : c.model, c.path);
}

// The schedule a run asks for, on `net` (with its state schedule applied).
schedule::Schedule resolve_schedule(const RunSpec& run, const Campaign& c,
                                    const workload::Network& net,
                                    const hardware::Accelerator& acc) {
  const AxisValue* s = run.value("schedule");
  schedule::Schedule sch;
  if (s == nullptr) {
    sch = schedule::schedule_from_bits(net, std::string(std::size_t(net.block_count()), '1'),
                                       std::string(std::size_t(net.block_count()), '0'), true);
  } else if (!s->path.empty()) {
    sch = schedule::load_schedule_file(s->path, net, acc);
  } else if (!s->canonical.empty()) {
    const auto [t, d] = schedule::canonical_bits(s->canonical, net.block_count());
    sch = schedule::schedule_from_bits(net, t, d, true);
  } else {
    sch = schedule::schedule_from_bits(net, s->time_bits, s->depth_bits, s->fuse_barrier);
  }
  sch.alignment = schedule::default_alignment(model_of(run, c));
  if (!c.evaluate.order.empty()) sch.order = *schedule::parse_order(c.evaluate.order);
  if (!c.evaluate.lifecycle.empty())
    sch.lifecycle = *schedule::parse_lifecycle(c.evaluate.lifecycle);
  if (!c.evaluate.alignment.empty())
    sch.alignment = *schedule::parse_alignment(c.evaluate.alignment);
  return sch;
}

// Prefixes an error with the campaign value it came from.
[[noreturn]] void rethrow_for(const Campaign& c, const RunSpec& run, const std::string& axis,
                              const InputError& e) {
  const AxisValue* v = run.value(axis);
  std::string where = c.path;
  if (v && v->line) where += ":" + std::to_string(v->line);
  throw InputError(where, "[[" + axis + "]] '" + (v ? v->name : std::string("?")) + "' with run " +
                              run.key + ": " + e.what());
}

search::RunConfig run_config_for(const RunSpec& run, const Campaign& c, unsigned threads) {
  search::RunConfig rc = search::load_run_config(run.value("run")->path);
  if (const AxisValue* h = run.value("hardware")) rc.hardware = h->path;
  if (const AxisValue* s = run.value("state")) {
    rc.state_schedule = s->state_bits;
    rc.free_state_blocks.clear();  // the campaign fixes the state: the search is over schedules
    rc.free_state_blocks_at.clear();
  }
  if (const AxisValue* s = run.value("seed")) rc.optimizer.seed = s->seed;
  if (run.value("model") || !c.model.empty()) rc.model = std::string(model_of(run, c).name());
  const auto& o = c.optimize;
  if (o.algorithm) rc.optimizer.algorithm = *o.algorithm;
  if (o.population) rc.optimizer.population = *o.population;
  if (o.generations || o.evaluations || o.wall_time_s) {  // a campaign budget replaces the run's
    rc.optimizer.generations = o.generations;
    rc.optimizer.evaluations = o.evaluations;
    rc.optimizer.wall_time_s = o.wall_time_s;
  }
  rc.optimizer.threads = threads;
  rc.optimizer.islands = 1;  // reproducible: the campaign's results must not depend on timing
  return rc;
}

}  // namespace

void RunExecutor::validate(const std::vector<RunSpec>& runs) {
  for (const RunSpec& run : runs) {
    if (campaign_.mode == Mode::Evaluate) {
      std::shared_ptr<const workload::Network> base;
      try {
        base = network(run.value("workload")->path);
      } catch (const InputError& e) {
        rethrow_for(campaign_, run, "workload", e);
      }
      std::shared_ptr<const hardware::Accelerator> acc;
      try {
        acc = accelerator(run.value("hardware")->path);
      } catch (const InputError& e) {
        rethrow_for(campaign_, run, "hardware", e);
      }
      schedule::Schedule sch;
      try {
        sch = resolve_schedule(run, campaign_, *base, *acc);
      } catch (const InputError& e) {
        rethrow_for(campaign_, run, "schedule", e);
      }
      try {
        if (const AxisValue* s = run.value("state"))
          schedule::set_state_schedule(sch, *base, s->state_bits);
      } catch (const InputError& e) {
        rethrow_for(campaign_, run, "state", e);
      }
    } else {
      try {
        const search::RunConfig rc = run_config_for(run, campaign_, 1);
        if (!rc.optimizer.generations && !rc.optimizer.evaluations && !rc.optimizer.wall_time_s) {
          throw InputError(rc.path, "no budget: give generations, evaluations or wall_time_s");
        }
        const std::string why =
            search::population_problem(rc.optimizer.algorithm, rc.optimizer.population);
        if (!why.empty()) {  // the run config's own pair is checked by its loader
          throw InputError(campaign_.optimize.where,
                           "algorithm " + rc.optimizer.algorithm + ", population " +
                               std::to_string(rc.optimizer.population) + ": " + why);
        }
        std::shared_ptr<const workload::Network> base = network(rc.workload);
        workload::Network net = *base;  // validates the run's fixed state schedule
        if (!rc.state_schedule.empty()) workload::apply_state_schedule(net, rc.state_schedule);
        accelerator(rc.hardware);
        // An initial population is read against the run's own search space (genes and options).
        if (!rc.initial_population.empty()) problems::make_context(rc);
      } catch (const InputError& e) {
        rethrow_for(campaign_, run, "run", e);
      }
    }
  }
}

RunOutcome RunExecutor::execute(const RunSpec& run, const std::atomic<bool>* stop) {
  try {
    return campaign_.mode == Mode::Evaluate ? evaluate(run) : optimize(run, stop);
  } catch (const InputError& e) {
    RunOutcome o;
    o.ok = false;
    o.message = e.what();
    o.cells.assign(metric_names(campaign_.mode).size(), "");
    o.record = {{"id", run.key}, {"status", "error"}, {"message", o.message}};
    o.model = run.value("model") ? run.value("model")->name : campaign_.model;
    return o;
  }
}

RunOutcome RunExecutor::evaluate(const RunSpec& run) {
  const std::shared_ptr<const workload::Network> shared = network(run.value("workload")->path);
  const workload::Network& net = *shared;
  const std::string hw = run.value("hardware")->path;
  const auto acc = accelerator(hw);
  schedule::Schedule sch = resolve_schedule(run, campaign_, net, *acc);
  if (const AxisValue* s = run.value("state"))
    schedule::set_state_schedule(sch, net, s->state_bits);
  const schedule::ScheduleResult r =
      schedule::evaluate_schedule(net, *acc, sch, cache(hw, model_of(run, campaign_)));
  RunOutcome o;
  o.ok = true;
  o.model = r.model;
  const std::string state = schedule::state_schedule(net, sch);
  o.cells = {cell(r.energy_pJ),
             cell(r.latency_cycles),
             cell(r.offchip_read_bits + r.offchip_write_bits),
             cell(r.offchip_read_bits),
             cell(r.offchip_write_bits),
             cell(r.offchip_energy_pJ),
             cell(r.mac_energy_pJ),
             cell(r.state_bits),
             cell(r.peak_onchip_bits),
             r.memory_overflow ? "1" : "0",
             cell(static_cast<std::uint64_t>(r.nodes.size())),
             sch.time_bits,
             sch.depth_bits,
             state};
  o.record = report::schedule_json(net, *acc, sch, r);
  // The per-node timeline is for `stems evaluate --json`; a sweep keeps the totals.
  o.record.erase("nodes");
  o.record.erase("transfers");
  o.record.erase("memory_timeline");
  o.record["id"] = run.key;
  o.record["status"] = "ok";
  return o;
}

RunOutcome RunExecutor::optimize(const RunSpec& run, const std::atomic<bool>* stop) {
  const search::RunConfig rc = run_config_for(run, campaign_, threads_);
  const std::shared_ptr<const problems::ScheduleProblem> ctx = problems::make_context(rc);
  // One accuracy cache for the whole campaign: runs that differ only in hardware or budget share
  // the retrained accuracies.
  if (rc.accuracy.configured()) rc.accuracy.model->bind_output(out_dir_);
  const search::OptimizeResult result = search::optimize(ctx, rc.optimizer, {}, stop);
  RunOutcome o;
  o.model = rc.model.empty() ? "physical" : rc.model;
  if (result.interrupted) {
    o.interrupted = true;
    return o;
  }
  const std::string dir = out_dir_ + "/runs/" + run.key;
  const std::vector<search::FrontRecord> records = problems::front_records(*ctx, result);
  const std::optional<search::FrontRecord> chosen = problems::chosen_record(*ctx, result);
  report::write_front(
      dir, {rc, ctx->network(), ctx->accelerator(), ctx->space(), result, records, chosen, false});
  o.ok = true;
  const auto& front = result.front;
  if (front.empty()) {
    o.cells.assign(metric_names(Mode::Optimize).size(), "");
    o.cells[0] = "0";
    o.cells[1] = cell(result.evaluations);
  } else {
    const search::FrontRecord& best = records.front();  // sorted by energy
    const search::Objectives& bo = best.point.objectives;
    double best_latency = bo.latency_cycles, min_state = bo.state_bits;
    std::string best_accuracy;
    double acc_max = -1;
    for (const auto& p : front) {
      best_latency = std::min(best_latency, p.objectives.latency_cycles);
      min_state = std::min(min_state, p.objectives.state_bits);
      if (p.objectives.accuracy) acc_max = std::max(acc_max, *p.objectives.accuracy);
    }
    if (acc_max >= 0) best_accuracy = cell(acc_max);
    const double hv = result.convergence.empty() ? 0 : result.convergence.back().hypervolume;
    o.cells = {cell(static_cast<std::uint64_t>(front.size())),
               cell(result.evaluations),
               cell(hv),
               cell(bo.energy_pJ),
               cell(bo.latency_cycles),
               cell(bo.state_bits),
               cell(best.evaluation.offchip_energy_pJ),
               cell(best_latency),
               cell(min_state),
               best_accuracy,
               best.schedule.time_bits,
               best.schedule.depth_bits,
               best.state_schedule};
  }
  o.record = {{"id", run.key},
              {"status", "ok"},
              {"front_dir", "runs/" + run.key},
              {"seed", rc.optimizer.seed},
              {"algorithm", rc.optimizer.algorithm},
              {"evaluations", result.evaluations},
              {"front_size", front.size()}};
  return o;
}

}  // namespace stems::campaign
