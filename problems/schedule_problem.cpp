#include "schedule_problem.hpp"

#include <cmath>
#include <stdexcept>

#include "stems/common/error.hpp"
#include "stems/schedule/scheduler.hpp"

namespace stems::problems {

ScheduleContext::ScheduleContext(workload::Network net, hardware::Accelerator acc,
                                 search::SpaceKind kind, search::Granularity granularity,
                                 search::AccuracyModel acc_model)
    : network(std::move(net)),
      accelerator(std::move(acc)),
      space(network, kind, granularity, &accelerator),
      accuracy(std::move(acc_model)),
      node_costs(accelerator) {
  if (space.has_state_genes() && !accuracy.configured()) {
    throw InputError("run config",
                     "the workload marks layers `state = \"free\"` but no accuracy model is "
                     "given: without one, dropping every state always wins and the front collapses "
                     "onto 'no state anywhere'. Add an [accuracy] table (see README, Search)");
  }
  if (space.dimension() == 0) {
    throw InputError("run config", "the search space has no genes (every choice is fixed)");
  }
}

std::vector<double> ScheduleContext::evaluate(const std::vector<double>& x) const {
  std::vector<std::int64_t> key(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    key[i] = static_cast<std::int64_t>(std::nearbyint(x[i]));
  {
    std::lock_guard<std::mutex> lock(memo_mutex_);
    auto it = memo_.find(key);
    if (it != memo_.end()) return it->second;
  }
  workload::Network net = network;
  std::vector<double> f(objectives(), kPenalty);
  bool feasible = true;
  try {
    const schedule::Schedule s = space.decode(x, net);
    // A simulated accuracy model also gives the spike densities of this state configuration
    // (used by zero-skipping cores).
    accuracy.annotate_densities(net);
    const schedule::ScheduleResult r =
        schedule::evaluate_schedule(net, accelerator, s, node_costs, schedule::Records::Totals);
    f[0] = r.energy_pJ;
    f[1] = r.latency_cycles;
    f[2] = static_cast<double>(net.totals().state_bits);
    if (accuracy.configured()) {
      const double a = accuracy.estimate(net);
      f[3] = -a;
      if (accuracy.min_accuracy && a < *accuracy.min_accuracy) feasible = false;
    }
  } catch (const InputError&) {
    feasible = false;  // the hardware cannot run this schedule
  }
  if (!feasible) std::fill(f.begin(), f.end(), kPenalty);
  std::lock_guard<std::mutex> lock(memo_mutex_);
  if (!feasible) ++infeasible_;
  return memo_.emplace(std::move(key), f).first->second;
}

std::uint64_t ScheduleContext::evaluations() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  return memo_.size();
}

void ScheduleContext::clear_memo() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  memo_.clear();
  infeasible_ = 0;
}

std::uint64_t ScheduleContext::infeasible() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  return infeasible_;
}

ScheduleProblem::ScheduleProblem(std::shared_ptr<const ScheduleContext> context)
    : context_(std::move(context)) {
  if (!context_) throw std::invalid_argument("ScheduleProblem: null context");
}

pagmo::vector_double ScheduleProblem::fitness(const pagmo::vector_double& x) const {
  return context_->evaluate(x);
}

std::pair<pagmo::vector_double, pagmo::vector_double> ScheduleProblem::get_bounds() const {
  const auto& genes = context_->space.genes();
  pagmo::vector_double lb(genes.size(), 0.0), ub(genes.size());
  for (std::size_t i = 0; i < genes.size(); ++i) {
    ub[i] = static_cast<double>(genes[i].options.size() - 1);
  }
  return {lb, ub};
}

pagmo::vector_double::size_type ScheduleProblem::get_nobj() const {
  return context_->objectives();
}

pagmo::vector_double::size_type ScheduleProblem::get_nix() const {
  return context_->space.dimension();
}

}  // namespace stems::problems
