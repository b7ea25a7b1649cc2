#include "schedule_problem.hpp"

#include <cmath>
#include <stdexcept>

#include "stems/common/error.hpp"

namespace stems::problems {

ScheduleProblem::ScheduleProblem(workload::Network net, hardware::Accelerator acc,
                                 search::SpaceKind kind, search::Granularity granularity,
                                 search::AccuracyObjective accuracy,
                                 const cost::ModelPolicy& policy,
                                 std::optional<schedule::InputAlignment> alignment)
    : network_(std::move(net)),
      accelerator_(std::move(acc)),
      space_(network_, kind, granularity, &accelerator_),
      accuracy_(std::move(accuracy)),
      alignment_(alignment.value_or(schedule::default_alignment(policy))),
      node_costs_(accelerator_, cost::NodeSearchOptions{6, policy}) {
  if (space_.has_state_genes() && !accuracy_.configured()) {
    throw InputError("run config",
                     "the workload marks layers `state = \"free\"` but no accuracy model is "
                     "given: without one, dropping every state always wins and the front collapses "
                     "onto 'no state anywhere'. Add an [accuracy] table (see README, Search)");
  }
  if (space_.dimension() == 0) {
    throw InputError("run config", "the search space has no genes (every choice is fixed)");
  }
}

std::vector<std::uint64_t> ScheduleProblem::option_counts() const {
  std::vector<std::uint64_t> counts;
  for (const auto& g : space_.genes())
    counts.push_back(g.options.size());
  return counts;
}

std::vector<std::vector<double>> ScheduleProblem::seeds() const {
  const int blocks = network_.block_count();
  std::vector<std::vector<double>> out;
  for (const auto& name : schedule::canonical_names(blocks)) {
    const auto [t, d] = schedule::canonical_bits(name, blocks);
    try {
      out.push_back(space_.encode_bits(t, d));
    } catch (const std::invalid_argument&) {
      // not expressible in this space (e.g. per-layer genes lacking an option): skip
    }
  }
  return out;
}

schedule::Schedule ScheduleProblem::decode(const std::vector<double>& x) const {
  schedule::Schedule s = space_.decode(x);
  s.alignment = alignment_;
  if (!accuracy_.configured()) return s;
  // A simulated accuracy model also knows the spike densities of this state configuration (used
  // by zero-skipping cores); layers it does not name keep the densities the workload declares.
  const auto e = accuracy_.model->estimate(schedule::state_schedule(network_, s));
  if (e.densities.empty()) return s;
  s.densities.resize(network_.layer_count());
  for (workload::Vertex v : network_.topological_order()) {
    const workload::Layer& l = network_.layer(v);
    s.densities[v] = {l.input_density, l.output_density};
    if (auto it = e.densities.find(l.id); it != e.densities.end()) {
      s.densities[v] = {it->second.first, it->second.second};
    }
  }
  return s;
}

search::Fitness ScheduleProblem::compute(const std::vector<double>& x) const {
  const schedule::Schedule s = decode(x);
  schedule::ScheduleResult r;
  try {
    r = schedule::evaluate_schedule(network_, accelerator_, s, node_costs_,
                                    schedule::Records::Totals);
  } catch (const Infeasible& e) {
    return search::Fitness::infeasible(e.what());
  }
  search::Objectives o;
  o.energy_pJ = r.energy_pJ;
  o.latency_cycles = r.latency_cycles;
  o.state_bits = static_cast<double>(r.state_bits);
  if (accuracy_.configured()) {
    const auto e = accuracy_.model->estimate(schedule::state_schedule(network_, s));  // cached
    if (!e.error.empty()) return search::Fitness::infeasible(e.error);
    const double a = e.accuracy;
    o.accuracy = a;
    if (accuracy_.min_accuracy && a < *accuracy_.min_accuracy) {
      return search::Fitness::infeasible("accuracy " + std::to_string(a) + " below min_accuracy " +
                                         std::to_string(*accuracy_.min_accuracy));
    }
  }
  return {o, ""};
}

search::Fitness ScheduleProblem::evaluate(const std::vector<double>& x) const {
  std::vector<std::int64_t> key(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    key[i] = static_cast<std::int64_t>(std::nearbyint(x[i]));
  {
    std::lock_guard<std::mutex> lock(memo_mutex_);
    auto it = memo_.find(key);
    if (it != memo_.end()) return it->second;
  }
  search::Fitness f = compute(x);
  std::lock_guard<std::mutex> lock(memo_mutex_);
  auto [it, inserted] = memo_.emplace(std::move(key), std::move(f));
  if (inserted && !it->second.feasible() && infeasible_++ == 0)
    first_infeasible_reason_ = it->second.infeasible_reason;
  return it->second;
}

search::FrontRecord ScheduleProblem::record(const search::FrontPoint& p,
                                            schedule::Records records) const {
  search::FrontRecord rec;
  rec.point = p;
  rec.genes = space_.describe(p.x);
  rec.schedule = decode(p.x);
  rec.state_schedule = schedule::state_schedule(network_, rec.schedule);
  rec.evaluation =
      schedule::evaluate_schedule(network_, accelerator_, rec.schedule, node_costs_, records);
  return rec;
}

std::uint64_t ScheduleProblem::evaluations() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  return memo_.size();
}

std::uint64_t ScheduleProblem::infeasible() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  return infeasible_;
}

std::string ScheduleProblem::first_infeasible_reason() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  return first_infeasible_reason_;
}

void ScheduleProblem::clear_memo() const {
  std::lock_guard<std::mutex> lock(memo_mutex_);
  memo_.clear();
  infeasible_ = 0;
}

}  // namespace stems::problems
