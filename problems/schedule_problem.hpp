#pragma once
// Pagmo user-defined problem: a genome (stems/search/search_space.hpp) -> the inter-layer
// scheduler -> objectives [energy_pJ, latency_cycles, state_bits] (all minimised), plus
// -accuracy when an accuracy model is configured. A genome that violates min_accuracy, or that
// the hardware cannot run, gets the death penalty (every objective 1e30).
//
// Thread safety: `constant`. The shared context is immutable except for two internally
// synchronised memos (node costs and genome fitness), so the batch evaluator
// (stems/search/thread_bfe.hpp) evaluates one instance from many threads.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <pagmo/threading.hpp>
#include <pagmo/types.hpp>
#include <string>
#include <vector>

#include "stems/cost/node_cache.hpp"
#include "stems/hardware/accelerator.hpp"
#include "stems/search/accuracy_model.hpp"
#include "stems/search/search_space.hpp"
#include "stems/workload/network.hpp"

namespace stems::problems {

inline constexpr double kPenalty = 1e30;

struct ScheduleContext {
  ScheduleContext(workload::Network net, hardware::Accelerator acc, search::SpaceKind kind,
                  search::Granularity granularity, search::AccuracyModel accuracy);

  workload::Network network;
  hardware::Accelerator accelerator;
  search::SearchSpace space;
  search::AccuracyModel accuracy;
  mutable cost::NodeCostCache node_costs;

  std::size_t objectives() const { return accuracy.configured() ? 4 : 3; }
  // Objectives of a genome (memoised; thread-safe).
  std::vector<double> evaluate(const std::vector<double>& x) const;
  std::uint64_t evaluations() const;  // distinct genomes evaluated
  std::uint64_t infeasible() const;
  void clear_memo() const;  // forget evaluated genomes (node costs stay memoised)

 private:
  mutable std::mutex memo_mutex_;
  mutable std::map<std::vector<std::int64_t>, std::vector<double>> memo_;
  mutable std::uint64_t infeasible_ = 0;
};

class ScheduleProblem {
 public:
  ScheduleProblem() = default;  // pagmo needs a default constructor
  explicit ScheduleProblem(std::shared_ptr<const ScheduleContext> context);

  pagmo::vector_double fitness(const pagmo::vector_double& x) const;
  std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const;
  pagmo::vector_double::size_type get_nobj() const;
  pagmo::vector_double::size_type get_nix() const;
  pagmo::thread_safety get_thread_safety() const { return pagmo::thread_safety::constant; }
  std::string get_name() const { return "stems schedule and state search"; }

 private:
  std::shared_ptr<const ScheduleContext> context_;
};

}  // namespace stems::problems
