#pragma once
// Private to src/cost: the loop-nest search of one node problem (the stage search_node runs for
// each set of too-large operands): every distinct LOMA ordering that respects causality,
// evaluated, the minimum-energy one kept.

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "node_builder.hpp"
#include "stems/cost/criterion.hpp"

namespace stems::cost::detail {

using ReductionDims = std::array<bool, workload::kDimCount>;

ReductionDims reduction_dims(const RelevanceTable& relevance);

// LOMA's causality rule for a stateful layer: the first T factor sits above the last reduction
// factor. With no reduction factor: under no_reduction_keeps_t_outside (STEMS) T may not be the
// innermost loop, otherwise any ordering is causal. A nest of nothing but T factors has no
// alternative: it is valid.
bool is_causal(const std::vector<Loop>& nest, const ReductionDims& reduction,
               bool no_reduction_keeps_t_outside);

struct OrderingChoice {
  bool found = false;
  std::vector<Loop> best;        // innermost first
  std::uint64_t evaluated = 0;   // orderings evaluated (after the causality filter)
  double best_state_copies = 1;  // the winner's state_copies (evaluate_ordering)
  // The winner's Scratch::streamed_cap_bits (infinite: ZigZag's tie rule; refine_streamed_tiles).
  double best_streamed_cap_bits = std::numeric_limits<double>::infinity();
};

// Calls visit(ordering) for every distinct ordering of `factors` (innermost first) in ZigZag
// 2.4.5's LOMA order: cool-lex multiset permutations (Williams 2009, prefix shifts) of the
// factors compared as (STEMS's dim name, size) - names as strings, an Add's OY/OX named AY/AX -
// starting from the non-increasing arrangement.
void for_each_coollex(const std::vector<Loop>& factors, bool add_names,
                      const std::function<void(const std::vector<Loop>&)>& visit);

// The best of the orderings of pb's LOMA factors (lpf_limit; merge ties in `tie_order`, empty:
// enum order) under `criterion` (criterion.hpp; energy: minimum energy, exact ties to lower
// latency including offloading), then the first ordering in enumeration order. Prepares
// `scratch` for pb. pb.policy decides the causality default.
OrderingChoice search_orderings(const NodeProblem& pb, std::size_t lpf_limit, Scratch& scratch,
                                Criterion criterion = Criterion::Energy,
                                const std::vector<workload::Dim>& tie_order = {});

}  // namespace stems::cost::detail
