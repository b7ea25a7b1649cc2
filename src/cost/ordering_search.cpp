#include "ordering_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace stems::cost::detail {

ReductionDims reduction_dims(const RelevanceTable& relevance) {
  ReductionDims reduction{};
  for (Dim d : workload::kAllDims)
    reduction[static_cast<std::size_t>(d)] = is_reduction_dim(relevance, d);
  return reduction;
}

bool is_causal(const std::vector<Loop>& nest, const ReductionDims& reduction,
               bool no_reduction_keeps_t_outside) {
  std::size_t first_t = nest.size(), last_red = 0;
  bool only_t = true, any_red = false;
  for (std::size_t i = 0; i < nest.size(); ++i) {
    const Dim d = nest[i].dim;
    if (d == Dim::T) {
      if (first_t == nest.size()) first_t = i;
    } else {
      only_t = false;
      if (reduction[static_cast<std::size_t>(d)]) {
        last_red = i;
        any_red = true;
      }
    }
  }
  if (!any_red && !no_reduction_keeps_t_outside) return true;
  return only_t || first_t > last_red;  // no T at all: first_t = size, valid
}

namespace {

// STEMS's name of a loop dimension (an Add's feature map is AY x AX).
std::string_view stems_name(Dim d, bool add_names) {
  if (add_names && d == Dim::OY) return "AY";
  if (add_names && d == Dim::OX) return "AX";
  return workload::dim_name(d);
}

}  // namespace

void for_each_coollex(const std::vector<Loop>& factors, bool add_names,
                      const std::function<void(const std::vector<Loop>&)>& visit) {
  // Rank every factor by (name, size) once; the prefix shifts then compare ranks.
  auto before = [&](const Loop& x, const Loop& y) {
    const auto nx = stems_name(x.dim, add_names), ny = stems_name(y.dim, add_names);
    return nx != ny ? nx < ny : x.size < y.size;
  };
  std::vector<Loop> a = factors;
  std::sort(a.begin(), a.end(), [&](const Loop& x, const Loop& y) { return before(y, x); });
  std::vector<int> r(a.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    r[i] = i == 0 ? 0 : r[i - 1] - (before(a[i], a[i - 1]) ? 1 : 0);  // non-increasing ranks
  visit(a);
  const std::size_t n = a.size();
  if (n < 2) return;
  std::size_t p = n - 2;
  while (p + 2 < n || r[p + 1] < r[0]) {
    const std::size_t q = (p + 2 < n && r[p] >= r[p + 2]) ? p + 2 : p + 1;
    const bool smaller = r[q] < r[0];
    std::rotate(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(q),
                a.begin() + static_cast<std::ptrdiff_t>(q) + 1);
    std::rotate(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(q),
                r.begin() + static_cast<std::ptrdiff_t>(q) + 1);
    p = smaller ? 0 : p + 1;
    visit(a);
  }
}

namespace {

// Whether `r` is no worse than `best` in energy, latency and latency with offloading, and better
// in one of them.
bool dominates(const OrderingResult& r, const OrderingResult& best) {
  const bool no_worse = r.energy_pJ <= best.energy_pJ && r.latency_cycles <= best.latency_cycles &&
                        r.latency_total2_cycles <= best.latency_total2_cycles;
  return no_worse && (r.energy_pJ < best.energy_pJ || r.latency_cycles < best.latency_cycles ||
                      r.latency_total2_cycles < best.latency_total2_cycles);
}

// Physical (policy.largest_streamed_tile_on_ties off): the winner's operands that stream from
// DRAM keep, among the tile choices at their top on-chip level that move the same bits from DRAM,
// the best one. ZigZag's allocator takes the largest, so a state that fits that level whole is
// loaded before the node computes instead of streamed under compute. Each smaller tied tile is
// evaluated in turn (largest first) and replaces the kept one when it is no worse in energy, in
// latency (what the scheduler times) and in latency with offloading (the criterion's tie-break),
// and better in one: a figure never rises. The tied tiles of a smaller buffer are tied tiles of a
// larger one too, so a larger buffer no longer lengthens such a node.
void refine_streamed_tiles(const NodeProblem& pb, Scratch& s, OrderingChoice& choice) {
  constexpr double kNoCap = std::numeric_limits<double>::infinity();
  const double copies = choice.best_state_copies;
  OrderingResult best = evaluate_ordering(pb, choice.best, s, nullptr, kNoCap, copies);
  double chosen = s.streamed_chosen_bits;
  while (chosen > 0) {
    s.streamed_cap_bits = std::nextafter(chosen, 0.0);
    const OrderingResult r = evaluate_ordering(pb, choice.best, s, nullptr, kNoCap, copies);
    if (!r.valid || s.streamed_chosen_bits >= chosen) break;  // no smaller tied tile
    chosen = s.streamed_chosen_bits;
    if (dominates(r, best)) {
      best = r;
      choice.best_streamed_cap_bits = s.streamed_cap_bits;
    }
  }
  s.streamed_cap_bits = kNoCap;
}

}  // namespace

OrderingChoice search_orderings(const NodeProblem& pb, std::size_t lpf_limit, Scratch& scratch,
                                Criterion criterion, const std::vector<workload::Dim>& tie_order) {
  std::vector<Loop> sorted = lpf_factors(pb.temporal, lpf_limit, tie_order);
  std::sort(sorted.begin(), sorted.end());
  scratch.prepare(pb, sorted.size());
  scratch.streamed_cap_bits = std::numeric_limits<double>::infinity();
  const ReductionDims reduction = reduction_dims(pb.relevance);
  const bool repeats = pb.policy.state_loading_repeats && pb.stateful;
  OrderingChoice choice;
  double best_energy = std::numeric_limits<double>::infinity();
  double best_latency2 = std::numeric_limits<double>::infinity();
  std::uint64_t valid = 0;  // cost evaluations so far (STEMS: CMEs of this node)
  auto consider = [&](const std::vector<Loop>& nest) {
    if (pb.stateful && !is_causal(nest, reduction, pb.policy.no_reduction_keeps_t_outside)) {
      return;
    }
    ++choice.evaluated;
    const double copies = repeats ? double(valid + 1) : 1.0;
    // Only the energy criterion may skip the latency model of an ordering above the best energy.
    const bool bound = choice.found && criterion == Criterion::Energy;
    const auto r =
        evaluate_ordering(pb, nest, scratch, nullptr,
                          bound ? best_energy : std::numeric_limits<double>::infinity(), copies);
    if (!r.valid) return;
    ++valid;
    if (!choice.found ||
        better(criterion, r.energy_pJ, r.latency_total2_cycles, best_energy, best_latency2)) {
      best_energy = r.energy_pJ;
      best_latency2 = r.latency_total2_cycles;
      choice.best = nest;
      choice.best_state_copies = copies;
      choice.found = true;
    }
  };
  if (pb.policy.coollex_orderings) {
    for_each_coollex(sorted, pb.layer.op == workload::OpType::Add, consider);
  } else {
    do {
      consider(sorted);
    } while (std::next_permutation(sorted.begin(), sorted.end()));
  }
  if (choice.found && !pb.too_large.empty() && !pb.policy.largest_streamed_tile_on_ties) {
    refine_streamed_tiles(pb, scratch, choice);
  }
  return choice;
}

}  // namespace stems::cost::detail
