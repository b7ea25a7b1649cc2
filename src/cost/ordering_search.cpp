#include "ordering_search.hpp"

#include <algorithm>
#include <limits>

namespace stems::cost::detail {

ReductionDims reduction_dims(const RelevanceTable& relevance) {
  ReductionDims reduction{};
  for (Dim d : workload::kAllDims)
    reduction[static_cast<std::size_t>(d)] = is_reduction_dim(relevance, d);
  return reduction;
}

bool is_causal(const std::vector<Loop>& nest, const ReductionDims& reduction) {
  std::size_t first_t = nest.size(), last_red = 0;
  bool only_t = true;
  for (std::size_t i = 0; i < nest.size(); ++i) {
    const Dim d = nest[i].dim;
    if (d == Dim::T) {
      if (first_t == nest.size()) first_t = i;
    } else {
      only_t = false;
      if (reduction[static_cast<std::size_t>(d)]) last_red = i;
    }
  }
  return only_t || first_t > last_red;  // no T at all: first_t = size, valid
}

OrderingChoice search_orderings(const NodeProblem& pb, std::size_t lpf_limit, Scratch& scratch,
                                Criterion criterion, const std::vector<workload::Dim>& tie_order) {
  std::vector<Loop> sorted = lpf_factors(pb.temporal, lpf_limit, tie_order);
  std::sort(sorted.begin(), sorted.end());
  scratch.prepare(pb, sorted.size());
  const ReductionDims reduction = reduction_dims(pb.relevance);
  OrderingChoice choice;
  double best_energy = std::numeric_limits<double>::infinity();
  double best_latency2 = std::numeric_limits<double>::infinity();
  do {
    if (pb.stateful && !is_causal(sorted, reduction)) continue;
    ++choice.evaluated;
    // Only the energy criterion may skip the latency model of an ordering above the best energy.
    const bool bound = choice.found && criterion == Criterion::Energy;
    const auto r = evaluate_ordering(pb, sorted, scratch, nullptr,
                                     bound ? best_energy : std::numeric_limits<double>::infinity());
    if (!r.valid) continue;
    if (!choice.found ||
        better(criterion, r.energy_pJ, r.latency_total2_cycles, best_energy, best_latency2)) {
      best_energy = r.energy_pJ;
      best_latency2 = r.latency_total2_cycles;
      choice.best = sorted;
      choice.found = true;
    }
  } while (std::next_permutation(sorted.begin(), sorted.end()));
  return choice;
}

}  // namespace stems::cost::detail
